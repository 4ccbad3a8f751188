package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How answers are framed: PostgREST 13 and later send {@code Content-Length} on every answer with a
 * body and on every error, none on a 204 or a successful HEAD; PostgREST 12 lets its server chunk.
 * The requests ask for {@code identity} encoding, as a compressing proxy would otherwise re-frame
 * the larger answers.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContentLengthTest {

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().build();

  private final RestCalls calls = new RestCalls(fake);
  private static final String BY_SESSION = TABLE + "?session_id=eq." + SESSION;

  private Answer send(okhttp3.Request.Builder request) throws IOException {
    return calls.send(request.header("Accept-Encoding", "identity"));
  }

  private static int bytes(Answer answer) {
    return answer.body().getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void read_carriesTheLengthOfItsBody() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");

    Answer answer = send(calls.request(fake.tokenFor(ALICE), BY_SESSION + "&select=*").get());

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Length")).isEqualTo(Integer.toString(bytes(answer)));
    assertThat(answer.header("Transfer-Encoding")).isNull();
  }

  @Test
  void insertWithoutRepresentation_carriesLengthZero() throws IOException {
    Answer answer =
        send(
            calls
                .request(fake.tokenFor(ALICE), TABLE)
                .post(
                    RequestBody.create(
                        "{\"session_id\":\"" + SESSION + "\"}", RestCalls.JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(201);
    assertThat(answer.header("Content-Length")).isEqualTo("0");
  }

  @Test
  void error_carriesTheLengthOfItsBody() throws IOException {
    Answer answer = send(calls.request(fake.tokenFor(ALICE), "codebase_chat_session").get());

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.header("Content-Length")).isEqualTo(Integer.toString(bytes(answer)));
  }

  @Test
  void errorToHead_carriesTheLengthOfTheBodyItLeavesOut() throws IOException {
    String token = fake.tokenFor(ALICE);
    Answer get = send(calls.request(token, "codebase_chat_session").get());

    Answer head = send(calls.request(token, "codebase_chat_session").head());

    assertThat(head.status()).isEqualTo(404);
    assertThat(head.body()).isEmpty();
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(bytes(get)));
  }

  @Test
  void noContentAnswer_carriesNoLength() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.patch(fake.tokenFor(ALICE), BY_SESSION, "{\"repo\":\"acme/app\"}");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Content-Length")).isNull();
  }

  @Test
  void successfulHead_carriesNoLength() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = send(calls.request(fake.tokenFor(ALICE), BY_SESSION).head());

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Length")).isNull();
  }

  @Test
  void options_carriesLengthZero() throws IOException {
    Answer answer = send(calls.request(fake.tokenFor(ALICE), TABLE).method("OPTIONS", null));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Length")).isEqualTo("0");
  }

  @Test
  void readOnPostgrest12_isChunked() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      RestCalls v12Calls = new RestCalls(v12);
      Answer answer =
          v12Calls.send(
              v12Calls
                  .request(v12.tokenFor(ALICE), BY_SESSION)
                  .header("Accept-Encoding", "identity")
                  .get());

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.header("Content-Length")).isNull();
      assertThat(answer.header("Transfer-Encoding")).isEqualTo("chunked");
    }
  }
}
