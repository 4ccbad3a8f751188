package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.BOB;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static dev.codebasechat.testing.FakeFixtures.appendBody;
import static dev.codebasechat.testing.FakeFixtures.changesBody;
import static dev.codebasechat.testing.FakeFixtures.jsonbTextOf;
import static dev.codebasechat.testing.FakeFixtures.message;
import static dev.codebasechat.testing.FakeFixtures.sessionArgument;
import static dev.codebasechat.testing.FakeFixtures.sessionOf;
import static dev.codebasechat.testing.FakeFixtures.storeBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service key: plain table requests that bypass RLS, and {@code store_chat_session_for}. */
@Timeout(30)
class FakeSupabaseServiceKeyTest {

  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String STORE = "store_chat_session_for";
  private static final String APPEND = "append_chat_messages";
  private static final String APPEND_FOR = "append_chat_messages_for";
  private static final String OTHER = "chat-1737201600000-bobsown1";

  @RegisterExtension static final FakeSupabase fake = FakeSupabase.create();

  private final RestCalls calls = new RestCalls(fake);

  private Answer asService(okhttp3.Request.Builder request) throws IOException {
    return calls.send(request.header("apikey", fake.serviceKey()));
  }

  private Answer insert(String token, String row, String... headers) throws IOException {
    return calls.send(calls.request(token, TABLE, headers).post(RequestBody.create(row, JSON)));
  }

  private Answer store(String body) throws IOException {
    return calls.rpc(fake.serviceKey(), STORE, body);
  }

  /** Alice's session holding these messages, written through her own appends (version 1). */
  private FakeSession alicesSession(List<Map<String, Object>> messages) throws IOException {
    assertThat(calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, messages)).status())
        .isEqualTo(200);
    return fake.session(SESSION).orElseThrow();
  }

  private static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  private static List<Map<String, Object>> messages(String... idsAtTimes) {
    List<Map<String, Object>> messages = new ArrayList<>();
    for (String idAtTime : idsAtTimes) {
      String[] parts = idAtTime.split("@", 2);
      messages.add(
          parts.length == 1
              ? message(parts[0])
              : message(parts[0], "2026-01-01T" + parts[1] + ":00.000Z"));
    }
    return messages;
  }

  // ------------------------------------------------------------------ plain table requests

  @Test
  void serviceKeyAsApiKey_isAcceptedAndSeesEveryRow() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        asService(calls.request(fake.serviceKey(), TABLE + "?select=session_id,user_id"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get(0).path("user_id").asText()).isEqualTo(ALICE.toString());
  }

  @Test
  void insert_asServiceRole_createsAnEmptyRowForTheGivenOwner() throws IOException {
    Answer answer =
        insert(
            fake.serviceKey(),
            "{\"session_id\":\""
                + SESSION
                + "\",\"user_id\":\""
                + ALICE
                + "\",\"repo\":\"acme/api\"}",
            "Prefer",
            "return=representation");

    assertThat(answer.status()).isEqualTo(201);
    assertThat(answer.json().get(0).path("message_count").asInt()).isZero();
    assertThat(answer.json().get(0).path("history_bytes").asLong()).isZero();
    assertThat(answer.json().get(0).has("conversation_history")).isFalse();
    FakeSession row = fake.session(SESSION).orElseThrow();
    assertThat(row.userId()).isEqualTo(ALICE);
    assertThat(row.repo()).isEqualTo("acme/api");
    assertThat(row.messageIds()).isEmpty();
    assertThat(row.version()).isZero();
  }

  @Test
  void insert_withConversationHistory_is400Pgrst204ForServiceRoleAndUsersAlike()
      throws IOException {
    String row =
        "{\"session_id\":\""
            + SESSION
            + "\",\"user_id\":\""
            + ALICE
            + "\",\"conversation_history\":[]}";

    for (String token : List.of(fake.serviceKey(), fake.tokenFor(ALICE))) {
      Answer answer = insert(token, row);

      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.body())
          .isEqualTo(
              "{\"code\":\"PGRST204\",\"details\":null,\"hint\":null,"
                  + "\"message\":\"Could not find the 'conversation_history' column of 'codebase_chat_sessions' in the schema cache\"}");
    }
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void insert_ofATakenSessionId_is409UniqueViolation() throws IOException {
    fake.seedSession(BOB, SESSION);

    Answer answer =
        insert(
            fake.serviceKey(),
            "{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + ALICE + "\"}");

    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.json().path("code").asText()).isEqualTo("23505");
    assertThat(fake.session(SESSION).orElseThrow().userId()).isEqualTo(BOB);
  }

  /**
   * {@code user_id} is nullable in the migrations and defaults to {@code auth.uid()}, null for the
   * service role: PostgreSQL stores a row of nobody, which only the service role sees (this test
   * once expected a 23502 the SQL never raises; the backends' comparison found it).
   */
  @Test
  void insert_asServiceRoleWithoutOwner_storesARowOfNobody() throws IOException {
    Answer answer = insert(fake.serviceKey(), "{\"session_id\":\"" + SESSION + "\"}");

    assertThat(answer.status()).isEqualTo(201);
    assertThat(fake.session(SESSION).orElseThrow().userId()).isNull();
    assertThat(calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id").body())
        .isEqualTo("[]");
  }

  @Test
  void insert_byAUserForAnotherUser_is403RowLevelSecurity() throws IOException {
    Answer answer =
        insert(
            fake.tokenFor(ALICE),
            "{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + BOB + "\"}");

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().path("message").asText())
        .isEqualTo(
            "new row violates row-level security policy for table \"codebase_chat_sessions\"");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void insert_ofSeveralRows_isRefusedAsUnsupported() throws IOException {
    Answer answer =
        insert(
            fake.serviceKey(),
            "[{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + ALICE + "\"}]");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST127");
  }

  @Test
  void patch_ofTheHistory_is400Pgrst204EvenForServiceRole() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(
            fake.serviceKey(),
            TABLE + "?session_id=eq." + SESSION + "&version=eq.0",
            "{\"conversation_history\":[{\"id\":\"m1\"},{\"id\":\"m2\"}]}",
            "Prefer",
            "return=representation");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST204");
    FakeSession row = fake.session(SESSION).orElseThrow();
    assertThat(row.messageIds()).containsExactly("m1");
    assertThat(row.version()).isZero();
  }

  @Test
  void patch_ofTheHistoryWithColumnsAUserMayNotWrite_isPgrst204BeforeThePrivilegeCheck()
      throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(
            fake.tokenFor(ALICE),
            TABLE + "?session_id=eq." + SESSION,
            "{\"version\":7,\"conversation_history\":[]}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST204");
  }

  @Test
  void patch_asServiceRoleWithAStaleVersion_matchesNoRow() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.appendAs(ALICE, SESSION, "m2");

    Answer answer =
        calls.patch(
            fake.serviceKey(),
            TABLE + "?session_id=eq." + SESSION + "&version=eq.0",
            "{\"repo\":\"acme/api\"}",
            "Prefer",
            "return=representation");

    assertThat(answer.body()).isEqualTo("[]");
    assertThat(fake.session(SESSION).orElseThrow().repo()).isNull();
  }

  @Test
  void patch_ofTheOwnerAsServiceRole_movesTheSessionAndItsMessagesToTheNewOwner()
      throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(
            fake.serviceKey(),
            TABLE + "?session_id=eq." + SESSION,
            "{\"user_id\":\"" + BOB.toString().toUpperCase(java.util.Locale.ROOT) + "\"}");

    assertThat(answer.status()).isEqualTo(204);
    FakeSession row = fake.session(SESSION).orElseThrow();
    assertThat(row.userId()).isEqualTo(BOB);
    assertThat(row.messageIds()).containsExactly("m1");
    assertThat(calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id").body())
        .isEqualTo("[]");
  }

  @Test
  void patch_ofTheSessionIdAsServiceRole_renamesTheSession() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    String renamed = "chat-1737201600000-renamed1";

    Answer answer =
        calls.patch(
            fake.serviceKey(),
            TABLE + "?session_id=eq." + SESSION,
            "{\"session_id\":\"" + renamed + "\"}");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(fake.session(SESSION)).isEmpty();
    assertThat(fake.session(renamed).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void patch_ofTheSessionIdOntoATakenOne_is409AndChangesNothing() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.seedSession(BOB, OTHER, "b1");

    Answer answer =
        calls.patch(
            fake.serviceKey(),
            TABLE + "?session_id=eq." + SESSION,
            "{\"session_id\":\"" + OTHER + "\"}");

    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.json().path("code").asText()).isEqualTo("23505");
    assertThat(answer.json().path("details").asText())
        .isEqualTo("Key (session_id)=(" + OTHER + ") already exists.");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1");
    assertThat(fake.session(OTHER).orElseThrow().messageIds()).containsExactly("b1");
  }

  @Test
  void insert_ofAColumnTheTriggersKeepAsServiceRole_is400Pgrst127_andStoresNothing()
      throws IOException {
    Answer answer =
        insert(
            fake.serviceKey(),
            "{\"session_id\":\"" + SESSION + "\",\"user_id\":\"" + ALICE + "\",\"version\":7}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST127");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void patch_ofAColumnTheTriggersKeepAsServiceRole_is400Pgrst127() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(
            fake.serviceKey(), TABLE + "?session_id=eq." + SESSION, "{\"message_count\":5}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST127");
    assertThat(fake.session(SESSION).orElseThrow().messageCount()).isEqualTo(1);
  }

  @Test
  void delete_withFilters_removesOnlyVisibleMatchingRows() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer asBob =
        calls.send(
            calls
                .request(
                    fake.tokenFor(BOB),
                    TABLE + "?session_id=eq." + SESSION,
                    "Prefer",
                    "return=representation")
                .delete());
    assertThat(asBob.body()).isEqualTo("[]");
    assertThat(fake.session(SESSION)).isPresent();

    Answer asService =
        calls.send(
            calls
                .request(
                    fake.serviceKey(),
                    TABLE + "?select=session_id,conversation_history&session_id=eq." + SESSION,
                    "Prefer",
                    "return=representation")
                .delete());
    assertThat(asService.json()).hasSize(1);
    assertThat(asService.json().at("/0/conversation_history/0/id").asText()).isEqualTo("m1");
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

  @Test
  void beforeNextTableWrite_runsBeforeAWritingFunctionButNotBeforeAChangesRead()
      throws IOException {
    FakeSession read = alicesSession(messages("m1@10:00"));
    fake.beforeNextTableWrite(() -> fake.appendAs(ALICE, SESSION, "other"));

    calls.rpc(fake.tokenFor(ALICE), "chat_session_changes", changesBody(SESSION, 1));
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1");
    Answer stored =
        store(
            storeBody(ALICE, SESSION, read.version(), sessionOf(messages("m1@10:00", "m2@10:01"))));

    assertThat(stored.body()).isEqualTo("false");
    assertThat(fake.session(SESSION).orElseThrow().messageIds())
        .containsExactlyInAnyOrder("m1", "other");
  }

  // ------------------------------------------------------------------ store_chat_session_for: who
  // may call it

  @Test
  void store_byAUser_is403PermissionDeniedForFunction() throws IOException {
    Answer answer =
        calls.rpc(
            fake.tokenFor(ALICE),
            STORE,
            storeBody(ALICE, SESSION, null, sessionOf(messages("m1"))));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"42501\",\"details\":null,\"hint\":null,\"message\":\"permission denied for function store_chat_session_for\"}");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void store_withoutBearer_is401PermissionDeniedForFunction() throws IOException {
    Answer answer =
        calls.rpc(null, STORE, storeBody(ALICE, SESSION, null, sessionOf(messages("m1"))));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().path("message").asText())
        .isEqualTo("permission denied for function store_chat_session_for");
    assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void store_withAnArgumentMissing_is404Pgrst202() throws IOException {
    Answer answer =
        store(
            "{\"p_owner\":\""
                + ALICE
                + "\",\"p_session_id\":\""
                + SESSION
                + "\",\"p_session\":null}");

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST202");
  }

  @Test
  void store_sessionOfAnotherUser_is403AndChangesNothing() throws IOException {
    FakeSession before = alicesSession(messages("m1"));

    Answer answer =
        store(storeBody(BOB, SESSION, before.version(), sessionOf(messages("m1", "evil"))));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"42501\",\"details\":null,\"hint\":null,"
                + "\"message\":\"store_chat_session_for: this session id belongs to a session of another user\"}");
    assertThat(fake.session(SESSION).orElseThrow()).isEqualTo(before);
  }

  @Test
  void store_deleteOfAnotherUsersSession_is403AndKeepsIt() throws IOException {
    FakeSession before = alicesSession(messages("m1"));

    Answer answer = store(storeBody(BOB, SESSION, before.version(), null));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(fake.session(SESSION)).contains(before);
  }

  // ------------------------------------------------------------------ append_chat_messages_for

  private static String appendForBody(java.util.UUID owner, List<Map<String, Object>> messages)
      throws IOException {
    ObjectNode body = (ObjectNode) MAPPER.readTree(appendBody(SESSION, messages));
    body.put("p_owner", owner.toString());
    return body.toString();
  }

  @Test
  void appendFor_byAUser_is403PermissionDeniedForFunction() throws IOException {
    Answer answer =
        calls.rpc(fake.tokenFor(ALICE), APPEND_FOR, appendForBody(ALICE, messages("m1")));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().path("message").asText())
        .isEqualTo("permission denied for function append_chat_messages_for");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void appendFor_withoutASession_createsItForTheOwner() throws IOException {
    Answer answer =
        calls.rpc(fake.serviceKey(), APPEND_FOR, appendForBody(ALICE, messages("m1", "m2")));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("appended").asInt()).isEqualTo(2);
    assertThat(answer.json().path("created").asBoolean()).isTrue();
    assertThat(fake.session(SESSION).orElseThrow().userId()).isEqualTo(ALICE);
  }

  @Test
  void appendFor_sessionOfAnotherUser_isNullAndChangesNothing() throws IOException {
    FakeSession before = alicesSession(messages("m1"));

    Answer answer = calls.rpc(fake.serviceKey(), APPEND_FOR, appendForBody(BOB, messages("evil")));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("null");
    assertThat(fake.session(SESSION).orElseThrow()).isEqualTo(before);
  }

  @Test
  void appendFor_lateMessages_takeTheirPlaceByTimestamp_andStoredIdsAreSkipped()
      throws IOException {
    alicesSession(messages("m2@12:02"));

    Answer answer =
        calls.rpc(
            fake.serviceKey(),
            APPEND_FOR,
            appendForBody(ALICE, messages("m1@12:01", "m2@12:02", "m3@12:03")));

    assertThat(answer.json().path("appended").asInt()).isEqualTo(2);
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2", "m3");
  }

  @Test
  void appendFor_withoutOwner_is400() throws IOException {
    Answer answer =
        calls.rpc(
            fake.serviceKey(),
            APPEND_FOR,
            ((ObjectNode) MAPPER.readTree(appendBody(SESSION, messages("m1"))))
                .putNull("p_owner")
                .toString());

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("message").asText()).isEqualTo("p_owner must be a user id");
  }

  // ------------------------------------------------------------------ store_chat_session_for:
  // versions

  @Test
  void store_withAStaleVersion_isFalseAndChangesNothing() throws IOException {
    alicesSession(messages("m1"));
    fake.appendAs(ALICE, SESSION, "m2");
    FakeSession before = fake.session(SESSION).orElseThrow();

    Answer answer = store(storeBody(ALICE, SESSION, 1L, sessionOf(messages("m1", "m3"))));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("false");
    assertThat(fake.session(SESSION).orElseThrow()).isEqualTo(before);
  }

  @Test
  void store_withoutAnExpectedVersionWhenTheRowExists_isFalse() throws IOException {
    FakeSession before = alicesSession(messages("m1"));

    Answer answer = store(storeBody(ALICE, SESSION, null, sessionOf(messages("m1", "m2"))));

    assertThat(answer.body()).isEqualTo("false");
    assertThat(fake.session(SESSION)).contains(before);
  }

  @Test
  void store_withAnExpectedVersionWhenThereIsNoRow_isFalse() throws IOException {
    Answer answer = store(storeBody(ALICE, SESSION, 0L, sessionOf(messages("m1"))));

    assertThat(answer.body()).isEqualTo("false");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void store_staleVersionWithAnInvalidMessage_isFalseNotAnArgumentError() throws IOException {
    alicesSession(messages("m1"));
    Map<String, Object> bad = message("m2");
    bad.put("role", "admin");

    Answer answer = store(storeBody(ALICE, SESSION, 0L, sessionOf(List.of(message("m1"), bad))));

    assertThat(answer.body()).isEqualTo("false");
  }

  @Test
  void store_withMetadataJsonNull_is400CheckViolationNotNotNull() throws IOException {
    // In the function, a JSON null is jsonb's null (coalesce keeps it), not SQL's NULL.
    Map<String, Object> session = sessionOf(messages("m1"));
    session.put("metadata", null);

    Answer answer = store(storeBody(ALICE, SESSION, null, session));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("23514");
    assertThat(answer.json().path("message").asText())
        .isEqualTo(
            "new row for relation \"codebase_chat_sessions\" violates check constraint"
                + " \"codebase_chat_sessions_metadata_is_object\"");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  // ------------------------------------------------------------------ store_chat_session_for:
  // writes

  @Test
  void store_withoutARow_createsTheSessionForTheOwner() throws IOException {
    Map<String, Object> session = sessionOf(messages("m1", "m2"));
    session.put("repo", "acme/api");
    session.put("metadata", Map.of("k", 1));

    Answer answer = store(storeBody(ALICE, SESSION, null, session));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("true");
    FakeSession row = fake.session(SESSION).orElseThrow();
    assertThat(row.userId()).isEqualTo(ALICE);
    assertThat(row.messageIds()).containsExactly("m1", "m2");
    assertThat(row.messageCount()).isEqualTo(2);
    assertThat(row.historyBytes())
        .isEqualTo(jsonbTextOf("m1").length() + 2 + jsonbTextOf("m2").length() + 2);
    assertThat(row.repo()).isEqualTo("acme/api");
    assertThat(row.metadata().toString()).isEqualTo("{\"k\":1}");
    // The insert, then one update: the fields it sets are those the insert wrote.
    assertThat(row.version()).isEqualTo(1);
    assertThat(row.fieldsVersion()).isZero();
    assertThat(row.clearedVersion()).isZero();
  }

  @Test
  void store_holdingEveryStoredMessage_insertsOnlyTheNewOnesWhereTheirTimestampsBelong()
      throws IOException {
    FakeSession before = alicesSession(messages("m1@10:00", "m3@10:02"));
    List<Map<String, Object>> target = messages("m1@10:00", "m3@10:02", "m2@10:01", "m4@10:03");
    target.get(0).put("content", "a different text the stored m1 keeps nothing of");

    Answer answer = store(storeBody(ALICE, SESSION, before.version(), sessionOf(target)));

    assertThat(answer.body()).isEqualTo("true");
    FakeSession after = fake.session(SESSION).orElseThrow();
    assertThat(after.messageIds()).containsExactly("m1", "m2", "m3", "m4");
    assertThat(after.conversationHistory().get(0)).isEqualTo(before.conversationHistory().get(0));
    assertThat(after.version()).isEqualTo(before.version() + 1);
    assertThat(after.clearedVersion()).isZero();
    assertThat(after.messageCount()).isEqualTo(4);
    assertThat(after.historyBytes())
        .isEqualTo(
            before.historyBytes()
                + 2L * 2
                + PgJsonb.textBytes(tree(target.get(2)))
                + PgJsonb.textBytes(tree(target.get(3))));
    // Only the new messages carry the new version.
    Answer changes =
        calls.rpc(
            fake.tokenFor(ALICE), "chat_session_changes", changesBody(SESSION, before.version()));
    assertThat(changes.json().path("reset").asBoolean()).isFalse();
    assertThat(changes.json().path("messages").findValuesAsText("id")).containsExactly("m2", "m4");
  }

  @Test
  void store_missingAStoredMessage_replacesTheHistoryAsAClear() throws IOException {
    FakeSession before = alicesSession(messages("m1", "m2"));

    Answer answer = store(storeBody(ALICE, SESSION, before.version(), sessionOf(messages("m3"))));

    assertThat(answer.body()).isEqualTo("true");
    FakeSession after = fake.session(SESSION).orElseThrow();
    assertThat(after.messageIds()).containsExactly("m3");
    assertThat(after.messageCount()).isEqualTo(1);
    assertThat(after.historyBytes()).isEqualTo(jsonbTextOf("m3").length() + 2);
    // The clear is one update, the write of the session another.
    assertThat(after.clearedVersion()).isEqualTo(before.version() + 1);
    assertThat(after.version()).isEqualTo(before.version() + 2);
    Answer changes =
        calls.rpc(
            fake.tokenFor(ALICE), "chat_session_changes", changesBody(SESSION, before.version()));
    assertThat(changes.json().path("reset").asBoolean()).isTrue();
    assertThat(changes.json().path("messages").findValuesAsText("id")).containsExactly("m3");
  }

  @Test
  void store_emptyHistory_clearsEveryMessage() throws IOException {
    FakeSession before = alicesSession(messages("m1"));

    Answer answer = store(storeBody(ALICE, SESSION, before.version(), sessionOf(List.of())));

    assertThat(answer.body()).isEqualTo("true");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).isEmpty();
    assertThat(fake.session(SESSION).orElseThrow().historyBytes()).isZero();
  }

  @Test
  void store_changedFields_moveTheFieldsVersion() throws IOException {
    FakeSession before = alicesSession(messages("m1"));
    Map<String, Object> session = sessionOf(messages("m1"));
    session.put("current_file", "src/Main.java");

    store(storeBody(ALICE, SESSION, before.version(), session));

    FakeSession after = fake.session(SESSION).orElseThrow();
    assertThat(after.currentFile()).isEqualTo("src/Main.java");
    assertThat(after.fieldsVersion()).isEqualTo(after.version()).isEqualTo(before.version() + 1);
  }

  @Test
  void store_nullSession_deletesTheRow() throws IOException {
    FakeSession before = alicesSession(messages("m1"));

    Answer answer = store(storeBody(ALICE, SESSION, before.version(), null));

    assertThat(answer.body()).isEqualTo("true");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void store_nullSessionWithoutARow_isTrueAndStoresNothing() throws IOException {
    Answer answer = store(storeBody(ALICE, SESSION, null, null));

    assertThat(answer.body()).isEqualTo("true");
    assertThat(fake.sessions()).isEmpty();
  }

  // ------------------------------------------------------------------ store_chat_session_for:
  // argument errors

  @Test
  void store_invalidMessage_is400NamingItsPositionAndChangesNothing() throws IOException {
    FakeSession before = alicesSession(messages("m1"));
    Map<String, Object> bad = message("m2");
    bad.put("role", "admin");

    Answer answer =
        store(storeBody(ALICE, SESSION, before.version(), sessionOf(List.of(message("m3"), bad))));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("22023");
    assertThat(answer.json().path("message").asText())
        .isEqualTo("p_messages[1].role must be one of user, assistant, system, tool");
    // The clear that came first is rolled back with the rest.
    assertThat(fake.session(SESSION)).contains(before);
  }

  @Test
  void store_timestampPostgresCannotRead_is400NamingItsPosition() throws IOException {
    Answer answer =
        store(
            storeBody(
                ALICE,
                SESSION,
                null,
                sessionOf(List.of(message("m1"), message("m2", "2026-13-01T00:00:00Z")))));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("message").asText())
        .isEqualTo("p_messages[1].timestamp is not a date-time PostgreSQL can read");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void store_moreThan20000Messages_is400CheckViolation() throws IOException {
    List<Map<String, Object>> many = new ArrayList<>();
    for (int i = 0; i <= 20_000; i++) {
      many.add(message("m" + i));
    }

    Answer answer = store(storeBody(ALICE, SESSION, null, sessionOf(many)));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"23514\",\"details\":null,\"hint\":null,\"message\":\"new row for relation"
                + " \\\"codebase_chat_sessions\\\" violates check constraint \\\"codebase_chat_sessions_history_max_messages\\\"\"}");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void store_sessionThatIsNoObject_is400() throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("p_owner", ALICE.toString());
    body.put("p_session_id", SESSION);
    body.put("p_expected_version", null);
    body.put("p_session", List.of());

    Answer answer = store(RestCalls.json(body));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("message").asText())
        .isEqualTo("p_session must be a JSON object or null");
  }

  @Test
  void store_historyThatIsNoArray_is400AsTheFunctionSaysIt() throws IOException {
    Map<String, Object> session = sessionOf(List.of());
    session.put("conversation_history", Map.of("id", "m1"));

    Answer answer = store(storeBody(ALICE, SESSION, null, session));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("22023");
    assertThat(answer.json().path("message").asText())
        .isEqualTo("p_session.conversation_history must be a JSON array of messages");
  }

  @Test
  void store_withoutOwner_is400() throws IOException {
    Answer answer =
        store(
            "{\"p_owner\":null,\"p_session_id\":\""
                + SESSION
                + "\",\"p_expected_version\":null,\"p_session\":null}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("message").asText()).isEqualTo("p_owner must be a user id");
  }

  @Test
  void store_ownerThatIsNoUuid_is400InvalidInputSyntax() throws IOException {
    Answer answer =
        store(
            "{\"p_owner\":\"alice\",\"p_session_id\":\""
                + SESSION
                + "\",\"p_expected_version\":null,\"p_session\":null}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("22P02");
    assertThat(answer.json().path("message").asText())
        .isEqualTo("invalid input syntax for type uuid: \"alice\"");
  }

  @Test
  void store_invalidSessionId_is400NamingTheArgument() throws IOException {
    Answer answer = store(storeBody(ALICE, "chat-1-x&user_id=eq.y", null, null));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("message").asText()).startsWith("p_session_id must match");
  }

  @Test
  void store_thenTheOwnersFunctions_seeTheStoredSession() throws IOException {
    store(storeBody(ALICE, SESSION, null, sessionOf(messages("m1"))));

    Answer appended = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1", "m2"));
    Answer cleared =
        calls.rpc(fake.tokenFor(ALICE), "clear_chat_history", sessionArgument(SESSION));

    assertThat(appended.json().path("appended").asInt()).isEqualTo(1);
    assertThat(cleared.json().path("version").asLong()).isEqualTo(3);
  }
}
