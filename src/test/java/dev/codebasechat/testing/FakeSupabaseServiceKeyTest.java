package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.util.UUID;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class FakeSupabaseServiceKeyTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final String SESSION = "chat-1737201600000-abcdef12";
  private static final String TABLE = "codebase_chat_sessions";
  private static final MediaType JSON = MediaType.get("application/json");

  @RegisterExtension static final FakeSupabase fake = FakeSupabase.create();

  private final RestCalls calls = new RestCalls(fake);

  private Answer asService(okhttp3.Request.Builder request) throws IOException {
    return calls.send(request.header("apikey", fake.serviceKey()));
  }

  private Answer insert(String token, String row, String... headers) throws IOException {
    return calls.send(calls.request(token, TABLE, headers).post(RequestBody.create(row, JSON)));
  }

  @Test
  void serviceKeyAsApiKey_isAcceptedAndSeesEveryRow() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = asService(calls.request(fake.serviceKey(), TABLE + "?select=session_id,user_id"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get(0).path("user_id").asText()).isEqualTo(ALICE.toString());
  }

  @Test
  void insert_asServiceRole_createsTheRowForTheGivenOwner() throws IOException {
    Answer answer =
        insert(fake.serviceKey(),
            "{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + ALICE + "\",\"conversation_history\":[{\"id\":\"m1\"}]}",
            "Prefer", "return=representation");

    assertThat(answer.status()).isEqualTo(201);
    assertThat(answer.json().get(0).path("message_count").asInt()).isEqualTo(1);
    FakeSession row = fake.session(SESSION).orElseThrow();
    assertThat(row.userId()).isEqualTo(ALICE);
    assertThat(row.messageIds()).containsExactly("m1");
    assertThat(row.version()).isZero();
  }

  @Test
  void insert_ofATakenSessionId_is409UniqueViolation() throws IOException {
    fake.seedSession(BOB, SESSION);

    Answer answer = insert(fake.serviceKey(), "{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + ALICE + "\"}");

    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.json().path("code").asText()).isEqualTo("23505");
    assertThat(fake.session(SESSION).orElseThrow().userId()).isEqualTo(BOB);
  }

  @Test
  void insert_asServiceRoleWithoutOwner_is400NotNullViolation() throws IOException {
    Answer answer = insert(fake.serviceKey(), "{\"session_id\":\"" + SESSION + "\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("23502");
  }

  @Test
  void insert_byAUserForAnotherUser_is403RowLevelSecurity() throws IOException {
    Answer answer = insert(fake.tokenFor(ALICE), "{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + BOB + "\"}");

    assertThat(answer.status()).isEqualTo(403);
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void insert_ofSeveralRows_isRefusedAsUnsupported() throws IOException {
    Answer answer = insert(fake.serviceKey(), "[{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + ALICE + "\"}]");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST127");
  }

  @Test
  void patch_asServiceRole_mayReplaceTheHistoryAndBumpsTheVersion() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(fake.serviceKey(), TABLE + "?session_id=eq." + SESSION + "&version=eq.0",
            "{\"conversation_history\":[{\"id\":\"m1\"},{\"id\":\"m2\"}]}", "Prefer", "return=representation");

    assertThat(answer.json().get(0).path("version").asLong()).isEqualTo(1);
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void patch_withAStaleVersion_matchesNoRow() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.appendAs(ALICE, SESSION, "m2");

    Answer answer =
        calls.patch(fake.serviceKey(), TABLE + "?session_id=eq." + SESSION + "&version=eq.0",
            "{\"conversation_history\":[]}", "Prefer", "return=representation");

    assertThat(answer.body()).isEqualTo("[]");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void patch_ofTheHistoryByAUser_isPermissionDenied() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.patch(fake.tokenFor(ALICE), TABLE + "?session_id=eq." + SESSION, "{\"conversation_history\":[]}");

    assertThat(answer.status()).isEqualTo(403);
  }

  @Test
  void delete_withFilters_removesOnlyVisibleMatchingRows() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer asBob = calls.send(calls.request(fake.tokenFor(BOB), TABLE + "?session_id=eq." + SESSION, "Prefer", "return=representation").delete());
    assertThat(asBob.body()).isEqualTo("[]");
    assertThat(fake.session(SESSION)).isPresent();

    Answer asService = calls.send(calls.request(fake.serviceKey(), TABLE + "?session_id=eq." + SESSION, "Prefer", "return=representation").delete());
    assertThat(asService.json()).hasSize(1);
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void beforeNextTableWrite_runsOnceBeforeTheNextWriteOnly() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.beforeNextTableWrite(() -> fake.appendAs(ALICE, SESSION, "other"));

    calls.patch(fake.serviceKey(), TABLE + "?session_id=eq." + SESSION, "{\"repo\":\"a\"}");
    calls.patch(fake.serviceKey(), TABLE + "?session_id=eq." + SESSION, "{\"repo\":\"b\"}");

    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "other");
    assertThat(fake.session(SESSION).orElseThrow().version()).isEqualTo(3);
  }
}
