package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.BOB;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.appendBody;
import static dev.codebasechat.testing.FakeFixtures.message;
import static dev.codebasechat.testing.FakeFixtures.sessionArgument;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code append_chat_messages}, {@code clear_chat_history} and {@code delete_chat_session}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FakeSupabaseFunctionsTest {

  private static final String APPEND = "append_chat_messages";

  @RegisterExtension static FakeSupabase fake = FakeSupabase.create();

  private final RestCalls calls = new RestCalls(fake);

  /** The answer without its {@code last_activity} (a time of the fake's clock), which must be there. */
  private static String withoutActivity(String body) {
    assertThat(body).contains("\"last_activity\":\"");
    return body.replaceAll(",\"last_activity\":\"[^\"]*\"", "");
  }

  // ------------------------------------------------------------------ append

  @Test
  void append_newSession_createsItOwnedByTheCaller() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1", "m2"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(withoutActivity(answer.body()))
        .isEqualTo("{\"session_id\":\"" + SESSION + "\",\"appended\":2,\"message_count\":2,\"version\":1,\"created\":true}");
    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.userId()).isEqualTo(ALICE);
    assertThat(stored.messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void append_toExistingSession_addsAfterStoredMessages() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m2", "m3"));

    assertThat(answer.json().get("appended").asInt()).isEqualTo(2);
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2", "m3");
  }

  @Test
  void append_sameIdsTwice_appendsNothingTheSecondTime() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "m1", "m2"));

    Answer again = calls.rpc(token, APPEND, appendBody(SESSION, "m1", "m2"));

    assertThat(withoutActivity(again.body()))
        .isEqualTo("{\"session_id\":\"" + SESSION + "\",\"appended\":0,\"message_count\":2,\"version\":1,\"created\":false}");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void append_repeatedIdWithinBatch_storesItOnce() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1", "m2", "m1"));

    assertThat(answer.json().get("appended").asInt()).isEqualTo(2);
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void append_emptyMessages_createsEmptySession() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION));

    assertThat(withoutActivity(answer.body()))
        .isEqualTo("{\"session_id\":\"" + SESSION + "\",\"appended\":0,\"message_count\":0,\"version\":0,\"created\":true}");
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void append_withRepoAndFile_setsThem() throws IOException {
    String body = RestCalls.json(Map.of("p_session_id", SESSION, "p_messages", List.of(message("m1")),
        "p_repo", "acme/api", "p_current_file", "src/Main.java"));

    calls.rpc(fake.tokenFor(ALICE), APPEND, body);

    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.repo()).isEqualTo("acme/api");
    assertThat(stored.currentFile()).isEqualTo("src/Main.java");
  }

  @Test
  void append_toOtherUsersSession_isForbiddenAndChangesNothing() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.rpc(fake.tokenFor(BOB), APPEND, appendBody(SESSION, "evil"));

    assertThat(answer.status()).isEqualTo(FakeSupabase.FOREIGN_SESSION_APPEND_STATUS).isEqualTo(403);
    assertThat(answer.body())
        .isEqualTo("{\"code\":\"42501\",\"details\":null,\"hint\":null,"
            + "\"message\":\"new row violates row-level security policy for table \\\"codebase_chat_sessions\\\"\"}");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void append_withoutBearer_is401PermissionDeniedForFunction() throws IOException {
    Answer answer = calls.rpc(null, APPEND, appendBody(SESSION, "m1"));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
    assertThat(answer.json().get("message").asText()).isEqualTo("permission denied for function append_chat_messages");
    assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(fake.sessions()).isEmpty();
  }

  @Test
  void append_asServiceRole_is403PermissionDeniedForFunction() throws IOException {
    Answer answer = calls.rpc(fake.tokenWithRole(null, "service_role"), APPEND, appendBody(SESSION, "m1"));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText()).isEqualTo("permission denied for function append_chat_messages");
  }

  @Test
  void appendRequestBodies_listsEveryCallOldestFirst() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "first"));
    calls.rpc(token, APPEND, appendBody(SESSION, "second"));

    assertThat(fake.appendRequestBodies()).satisfiesExactly(
        body -> assertThat(body).contains("\"first\""),
        body -> assertThat(body).contains("\"second\""));
  }

  @Test
  void append_invalidSessionId_is400NamingTheArgument() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody("chat-1-x&user_id=eq.y", "m1"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText()).startsWith("p_session_id must match");
  }

  @Test
  void append_invalidRole_is400NamingTheMessageField() throws IOException {
    Map<String, Object> bad = message("m2");
    bad.put("role", "admin");

    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, List.of(message("m1"), bad)));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("message").asText()).isEqualTo("p_messages[1].role must be one of user, assistant, system, tool");
    assertThat(fake.sessions()).isEmpty();
  }

  @Test
  void append_invalidMessageId_is400NamingTheField() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "has space"));

    assertThat(answer.json().get("message").asText()).startsWith("p_messages[0].id must be");
  }

  @Test
  void append_messageOverOneMebibyte_is400NamingThePosition() throws IOException {
    Map<String, Object> big = message("m1");
    big.put("content", "x".repeat(1_100_000));

    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, List.of(big)));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("message").asText()).isEqualTo("p_messages[0] must be at most 1 MiB");
  }

  @Test
  void append_fromEightThreadsWithOverlappingIds_storesEachIdOnce() throws Exception {
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Answer>> answers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        // thread t sends m<t> .. m<t+4>: neighbours share four ids; m0 .. m11 in all
        String[] ids = {"m" + t, "m" + (t + 1), "m" + (t + 2), "m" + (t + 3), "m" + (t + 4)};
        String token = fake.tokenFor(ALICE);
        answers.add(pool.submit(() -> {
          start.await();
          return calls.rpc(token, APPEND, appendBody(SESSION, ids));
        }));
      }
      start.countDown();
      int appended = 0;
      for (Future<Answer> answer : answers) {
        appended += answer.get(10, TimeUnit.SECONDS).json().get("appended").asInt();
      }

      FakeSession stored = fake.session(SESSION).orElseThrow();
      assertThat(appended).isEqualTo(12);
      assertThat(stored.messageIds()).hasSize(12).doesNotHaveDuplicates();
      assertThat(stored.messageCount()).isEqualTo(12);
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ clear and delete

  @Test
  void clear_ownSession_emptiesHistoryAndReturnsVersion() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");

    Answer answer = calls.rpc(fake.tokenFor(ALICE), "clear_chat_history", sessionArgument(SESSION));

    assertThat(withoutActivity(answer.body())).isEqualTo("{\"session_id\":\"" + SESSION + "\",\"message_count\":0,\"version\":1}");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).isEmpty();
  }

  @Test
  void clear_otherUsersSession_returnsNullAndKeepsHistory() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.rpc(fake.tokenFor(BOB), "clear_chat_history", sessionArgument(SESSION));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("null");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void delete_ownSession_returnsTrueAndRemovesIt() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.rpc(fake.tokenFor(ALICE), "delete_chat_session", sessionArgument(SESSION));

    assertThat(answer.body()).isEqualTo("true");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void delete_otherUsersSession_returnsFalseAndKeepsIt() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.rpc(fake.tokenFor(BOB), "delete_chat_session", sessionArgument(SESSION));

    assertThat(answer.body()).isEqualTo("false");
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void rpc_unknownFunction_is404Pgrst202() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), "drop_everything", sessionArgument(SESSION));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST202");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("Could not find the function public.drop_everything(p_session_id) in the schema cache");
  }
}
