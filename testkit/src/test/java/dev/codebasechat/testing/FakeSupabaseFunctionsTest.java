package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.BOB;
import static dev.codebasechat.testing.FakeFixtures.OTHER_SESSION;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static dev.codebasechat.testing.FakeFixtures.appendBody;
import static dev.codebasechat.testing.FakeFixtures.changesBody;
import static dev.codebasechat.testing.FakeFixtures.jsonbTextOf;
import static dev.codebasechat.testing.FakeFixtures.message;
import static dev.codebasechat.testing.FakeFixtures.sessionArgument;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code append_chat_messages}, {@code append_chat_messages_batch}, {@code clear_chat_history},
 * {@code delete_chat_session} and {@code chat_session_changes}; {@code store_chat_session_for} is
 * in {@link FakeSupabaseServiceKeyTest}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FakeSupabaseFunctionsTest {

  private static final String APPEND = "append_chat_messages";
  private static final String CHANGES = "chat_session_changes";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Seeded messages are stamped with this clock: 2026-01-01T00:00:00Z, the fixtures' timestamp. */
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final RestCalls calls = new RestCalls(fake);

  /**
   * The answer without its {@code last_activity} (a time of the fake's clock), which must be there.
   */
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
        .isEqualTo(
            "{\"created\":true,\"version\":1,\"appended\":2,\"session_id\":\""
                + SESSION
                + "\",\"message_count\":2}");
    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.userId()).isEqualTo(ALICE);
    assertThat(stored.messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void append_newSession_stampsItsTimesWithTheStatementsOneTime_asPostgresqlNowDoes()
      throws IOException {
    // One microsecond later at every reading: stamps read apart would differ.
    ManualClock ticking =
        ManualClock.ticking(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofNanos(1_000));
    try (FakeSupabase ticked = FakeSupabase.builder().clock(ticking).build().start()) {
      new RestCalls(ticked).rpc(ticked.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));

      FakeSession stored = ticked.session(SESSION).orElseThrow();
      assertThat(stored.lastActivity()).isEqualTo(stored.createdAt());
      assertThat(stored.updatedAt()).isEqualTo(stored.createdAt());
    }
  }

  @Test
  void appendAs_newSession_stampsItsTimesWithOneTime() {
    ManualClock ticking =
        ManualClock.ticking(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofNanos(1_000));
    try (FakeSupabase ticked = FakeSupabase.builder().clock(ticking).build().start()) {
      ticked.appendAs(ALICE, SESSION, "m1");

      FakeSession stored = ticked.session(SESSION).orElseThrow();
      assertThat(stored.lastActivity()).isEqualTo(stored.createdAt());
      assertThat(stored.updatedAt()).isEqualTo(stored.createdAt());
    }
  }

  @Test
  void append_toExistingSessionAtTheSameTime_addsAfterStoredMessages() throws IOException {
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
        .isEqualTo(
            "{\"created\":false,\"version\":1,\"appended\":0,\"session_id\":\""
                + SESSION
                + "\",\"message_count\":2}");
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
        .isEqualTo(
            "{\"created\":true,\"version\":0,\"appended\":0,\"session_id\":\""
                + SESSION
                + "\",\"message_count\":0}");
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void append_withRepoAndFile_setsThem() throws IOException {
    String body =
        RestCalls.json(
            Map.of(
                "p_session_id",
                SESSION,
                "p_messages",
                List.of(message("m1")),
                "p_repo",
                "acme/api",
                "p_current_file",
                "src/Main.java"));

    calls.rpc(fake.tokenFor(ALICE), APPEND, body);

    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.repo()).isEqualTo("acme/api");
    assertThat(stored.currentFile()).isEqualTo("src/Main.java");
  }

  @Test
  void append_toOtherUsersSession_isForbiddenAndChangesNothing() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.rpc(fake.tokenFor(BOB), APPEND, appendBody(SESSION, "evil"));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"42501\",\"details\":null,\"hint\":null,"
                + "\"message\":\"append_chat_messages: this session id belongs to a session the caller does not own\"}");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void append_creatingASessionInAnotherUsersConversationNamespace_is403AndCreatesNothing()
      throws IOException {
    String alices =
        "chat-"
            + dev.codebasechat.schema.SessionTableRules.conversationNamespace(ALICE)
            + "-dflt01";

    Answer answer = calls.rpc(fake.tokenFor(BOB), APPEND, appendBody(alices, "m1"));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"42501\",\"details\":null,\"hint\":null,"
                + "\"message\":\"this session id is in the conversation namespace of another user\"}");
    assertThat(fake.session(alices)).isEmpty();
  }

  @Test
  void append_toASessionStoredUnderSixteenDigitsOfItsOwnChoosing_storesItsOwnersMessages()
      throws IOException {
    String microseconds = "chat-1767225600123456-legacy01";
    fake.seedSession(ALICE, microseconds, "m1");

    Answer answer = calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(microseconds, "m2"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(fake.session(microseconds).orElseThrow().messageIds()).containsExactly("m1", "m2");
  }

  @Test
  void appendAs_ofWhatTheFunctionRefuses_isRefusedInItsWords_notAsAnotherUsersSession() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> fake.appendAs(ALICE, "not-a-session-id", "m1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("p_session_id must match");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> fake.appendAs(ALICE, SESSION, "has space"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("p_messages[0].id");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void appendAs_toAnotherUsersSession_isRefusedAsSuch() {
    fake.seedSession(ALICE, SESSION, "m1");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> fake.appendAs(BOB, SESSION, "m2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("session " + SESSION + " belongs to another user");
  }

  @Test
  void append_withoutBearer_is401PermissionDeniedForFunction() throws IOException {
    Answer answer = calls.rpc(null, APPEND, appendBody(SESSION, "m1"));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for function append_chat_messages");
    assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(fake.sessions()).isEmpty();
  }

  @Test
  void append_asServiceRole_is403PermissionDeniedForFunction() throws IOException {
    Answer answer =
        calls.rpc(fake.tokenWithRole(null, "service_role"), APPEND, appendBody(SESSION, "m1"));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for function append_chat_messages");
  }

  @Test
  void requests_listEveryCallWithItsBodyOldestFirst() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "first"));
    calls.rpc(token, APPEND, appendBody(SESSION, "second"));

    assertThat(fake.requests(r -> r.isCallOf(APPEND)).stream().map(RecordedRequest::body))
        .satisfiesExactly(
            body -> assertThat(body).contains("\"first\""),
            body -> assertThat(body).contains("\"second\""));
  }

  @Test
  void append_invalidSessionId_is400NamingTheArgument() throws IOException {
    Answer answer =
        calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody("chat-1-x&user_id=eq.y", "m1"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText()).startsWith("p_session_id must match");
  }

  @Test
  void append_invalidRole_is400NamingTheMessageField() throws IOException {
    Map<String, Object> bad = message("m2");
    bad.put("role", "admin");

    Answer answer =
        calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, List.of(message("m1"), bad)));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("p_messages[1].role must be one of user, assistant, system, tool");
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
    assertThat(answer.json().get("message").asText())
        .isEqualTo("p_messages[0] must be at most 1 MiB");
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
        answers.add(
            pool.submit(
                () -> {
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

    assertThat(withoutActivity(answer.body()))
        .isEqualTo("{\"version\":1,\"session_id\":\"" + SESSION + "\",\"message_count\":0}");
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).isEmpty();
  }

  @Test
  void clear_sentAgainWithItsIdWithinSevenDays_changesNothing_later_clearsAgain()
      throws IOException {
    ManualClock clock = ManualClock.startingAtEpoch2026();
    try (FakeSupabase own = FakeSupabase.builder().clock(clock).build().start()) {
      RestCalls ownCalls = new RestCalls(own);
      own.seedSession(ALICE, SESSION, "m1");
      String clear =
          "{\"p_session_id\":\"" + SESSION + "\",\"p_clear_id\":\"" + UUID.randomUUID() + "\"}";
      ownCalls.rpc(own.tokenFor(ALICE), "clear_chat_history", clear);
      ownCalls.rpc(own.tokenFor(ALICE), APPEND, appendBody(SESSION, "m2"));

      clock.advance(Duration.ofDays(7));
      ownCalls.rpc(own.tokenFor(ALICE), "clear_chat_history", clear);
      List<String> withinSevenDays = own.session(SESSION).orElseThrow().messageIds();
      clock.advance(Duration.ofSeconds(1));
      ownCalls.rpc(own.tokenFor(ALICE), "clear_chat_history", clear);

      assertThat(withinSevenDays).containsExactly("m2");
      assertThat(own.session(SESSION).orElseThrow().messageIds()).isEmpty();
    }
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

    Answer answer =
        calls.rpc(fake.tokenFor(ALICE), "delete_chat_session", sessionArgument(SESSION));

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
        .isEqualTo(
            "Could not find the function public.drop_everything(p_session_id) in the schema cache");
  }

  // ------------------------------------------------------------------ the order of the history

  /** A message stamped 2026-01-01 at {@code time} UTC. */
  private static Map<String, Object> at(String id, String time) {
    return message(id, "2026-01-01T" + time + "Z");
  }

  private static List<String> historyIds() {
    return fake.session(SESSION).orElseThrow().messageIds();
  }

  @Test
  void append_messageWithAnEarlierTimestamp_goesBeforeLaterOnes() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(
        token, APPEND, appendBody(SESSION, List.of(at("m1", "12:00:00"), at("m3", "12:02:00"))));

    Answer answer = calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("m2", "12:01:00"))));

    assertThat(answer.json().get("appended").asInt()).isEqualTo(1);
    assertThat(historyIds()).containsExactly("m1", "m2", "m3");
    Answer read = calls.get(token, TABLE + "?select=conversation_history&session_id=eq." + SESSION);
    assertThat(read.json().get(0).get("conversation_history").findValuesAsText("id"))
        .containsExactly("m1", "m2", "m3");
  }

  @Test
  void append_sameTimestamp_keepsTheOrderOfArrival() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("b", "12:00:00"))));

    calls.rpc(
        token,
        APPEND,
        appendBody(SESSION, List.of(at("a", "12:00:00.000"), at("c", "11:59:59.999"))));

    assertThat(historyIds()).containsExactly("c", "b", "a");
  }

  @Test
  void append_oneBatchOutOfOrder_isStoredInTimestampOrder() throws IOException {
    Answer answer =
        calls.rpc(
            fake.tokenFor(ALICE),
            APPEND,
            appendBody(
                SESSION, List.of(at("c", "12:02:00"), at("a", "12:00:00"), at("b", "12:01:00"))));

    assertThat(answer.json().get("appended").asInt()).isEqualTo(3);
    assertThat(historyIds()).containsExactly("a", "b", "c");
  }

  @Test
  void append_timestampsInOtherZones_compareAsInstants() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("m1", "11:00:00"))));

    calls.rpc(
        token, APPEND, appendBody(SESSION, List.of(message("m0", "2026-01-01T12:00:00+02:00"))));

    assertThat(historyIds()).containsExactly("m0", "m1");
  }

  @Test
  void append_fractionsBeyondMicroseconds_areRoundedToMicrosecondsAsPostgresDoes()
      throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("a", "12:00:00.000001"))));

    // .0000004 is 12:00:00 sharp, before a; .0000011 is a's microsecond, so after a.
    calls.rpc(
        token,
        APPEND,
        appendBody(SESSION, List.of(at("c", "12:00:00.0000011"), at("b", "12:00:00.0000004"))));

    assertThat(historyIds()).containsExactly("b", "a", "c");
  }

  @Test
  void append_midnightWrittenAs24_isTheNextDay() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(message("m1", "2026-01-02T00:00:01Z"))));

    Answer answer =
        calls.rpc(
            token, APPEND, appendBody(SESSION, List.of(message("m0", "2026-01-01T24:00:00Z"))));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(historyIds()).containsExactly("m0", "m1");
  }

  @Test
  void append_timestampPostgresCannotRead_is400NamingThePositionAndStoresNothing()
      throws IOException {
    Answer answer =
        calls.rpc(
            fake.tokenFor(ALICE),
            APPEND,
            appendBody(SESSION, List.of(message("m1"), message("m2", "2026-02-30T00:00:00Z"))));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("p_messages[1].timestamp is not a date-time PostgreSQL can read");
    assertThat(fake.sessions()).isEmpty();
  }

  @Test
  void append_countsHistoryBytesAsTheSqlDoes() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "m1", "m2"));
    calls.rpc(token, APPEND, appendBody(SESSION, "m2"));

    Answer answer =
        calls.get(token, TABLE + "?select=message_count,history_bytes&session_id=eq." + SESSION);

    // Each message's text as jsonb, plus 2.
    long expected = jsonbTextOf("m1").length() + 2 + jsonbTextOf("m2").length() + 2;
    assertThat(answer.body())
        .isEqualTo("[{\"message_count\":2,\"history_bytes\":" + expected + "}]");
  }

  @Test
  void clear_recordsTheClearAndZeroesTheCounters() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");

    calls.rpc(fake.tokenFor(ALICE), "clear_chat_history", sessionArgument(SESSION));

    FakeSession cleared = fake.session(SESSION).orElseThrow();
    assertThat(cleared.messageCount()).isZero();
    assertThat(cleared.historyBytes()).isZero();
    assertThat(cleared.clearedVersion()).isEqualTo(cleared.version()).isEqualTo(1);
    assertThat(cleared.fieldsVersion()).isZero();
  }

  // ------------------------------------------------------------------ chat_session_changes

  private Answer changes(UUID user, String sessionId, long since) throws IOException {
    return calls.rpc(fake.tokenFor(user), CHANGES, changesBody(sessionId, since));
  }

  /**
   * In the order the answer writes them: jsonb's, shorter keys first, as PostgreSQL writes them.
   */
  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void changes_atTheCurrentVersion_isUnchangedWithTheSessionsCounters() throws IOException {
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1", "m2"));

    Answer answer = changes(ALICE, SESSION, 1);

    assertThat(answer.status()).isEqualTo(200);
    JsonNode body = answer.json();
    assertThat(fieldNames(body))
        .containsExactly(
            "version", "unchanged", "created_at", "session_id", "last_activity", "message_count");
    assertThat(body.get("unchanged").asBoolean()).isTrue();
    assertThat(body.get("version").asLong()).isEqualTo(1);
    assertThat(body.get("message_count").asInt()).isEqualTo(2);
    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(OffsetDateTime.parse(body.get("created_at").asText())).isEqualTo(stored.createdAt());
    assertThat(OffsetDateTime.parse(body.get("last_activity").asText()))
        .isEqualTo(stored.lastActivity());
  }

  @Test
  void changes_sinceAnOlderVersion_answersOnlyTheMessagesAddedSinceInHistoryOrder()
      throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("m1", "12:00:00"))));
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("m4", "12:03:00"))));
    calls.rpc(token, APPEND, appendBody(SESSION, List.of(at("m2", "12:01:00"))));

    JsonNode body = changes(ALICE, SESSION, 1).json();

    assertThat(fieldNames(body))
        .containsExactly(
            "reset",
            "version",
            "messages",
            "unchanged",
            "created_at",
            "session_id",
            "last_activity",
            "message_count");
    assertThat(body.get("unchanged").asBoolean()).isFalse();
    assertThat(body.get("reset").asBoolean()).isFalse();
    assertThat(body.get("version").asLong()).isEqualTo(3);
    assertThat(body.get("message_count").asInt()).isEqualTo(3);
    assertThat(body.get("messages").findValuesAsText("id")).containsExactly("m2", "m4");
    assertThat(body.get("messages").get(0)).isEqualTo(MAPPER.valueToTree(at("m2", "12:01:00")));
  }

  @Test
  void changes_afterAClear_isAResetWithTheWholeHistoryAndTheFields() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "m1"));
    calls.rpc(token, "clear_chat_history", sessionArgument(SESSION));
    calls.rpc(token, APPEND, appendBody(SESSION, "m2"));

    JsonNode sinceBefore = changes(ALICE, SESSION, 1).json();
    JsonNode sinceTheClear = changes(ALICE, SESSION, 2).json();

    assertThat(sinceBefore.get("reset").asBoolean()).isTrue();
    assertThat(sinceBefore.get("messages").findValuesAsText("id")).containsExactly("m2");
    assertThat(sinceBefore.get("fields").toString())
        .isEqualTo("{\"repo\":null,\"metadata\":{},\"current_file\":null,\"context_cache\":{}}");
    assertThat(sinceTheClear.get("reset").asBoolean()).isFalse();
    assertThat(sinceTheClear.get("messages").findValuesAsText("id")).containsExactly("m2");
    assertThat(sinceTheClear.has("fields")).isFalse();
  }

  @Test
  void changes_sinceAVersionTheSessionNeverHad_isAResetWithEverything() throws IOException {
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1", "m2"));

    JsonNode body = changes(ALICE, SESSION, 5).json();

    assertThat(body.get("reset").asBoolean()).isTrue();
    assertThat(body.get("messages").findValuesAsText("id")).containsExactly("m1", "m2");
    assertThat(body.has("fields")).isTrue();
  }

  @Test
  void changes_fieldsAreSentOnlyWhenOneChangedSince() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "m1"));
    calls.patch(
        token,
        TABLE + "?session_id=eq." + SESSION,
        "{\"repo\":\"acme/api\",\"metadata\":{\"k\":1}}");
    calls.rpc(token, APPEND, appendBody(SESSION, "m2"));

    JsonNode sinceTheAppend = changes(ALICE, SESSION, 1).json();
    JsonNode sinceThePatch = changes(ALICE, SESSION, 2).json();

    assertThat(sinceTheAppend.get("reset").asBoolean()).isFalse();
    assertThat(sinceTheAppend.get("fields").toString())
        .isEqualTo(
            "{\"repo\":\"acme/api\",\"metadata\":{\"k\":1},\"current_file\":null,\"context_cache\":{}}");
    assertThat(sinceTheAppend.get("messages").findValuesAsText("id")).containsExactly("m2");
    assertThat(sinceThePatch.has("fields")).isFalse();
    assertThat(sinceThePatch.get("messages").findValuesAsText("id")).containsExactly("m2");
  }

  @Test
  void changes_patchThatChangesNoField_movesTheVersionButSendsNoFields() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.rpc(token, APPEND, appendBody(SESSION, "m1"));
    calls.patch(token, TABLE + "?session_id=eq." + SESSION, "{\"metadata\":{}}");

    JsonNode body = changes(ALICE, SESSION, 1).json();

    assertThat(body.get("version").asLong()).isEqualTo(2);
    assertThat(body.get("unchanged").asBoolean()).isFalse();
    assertThat(body.get("messages")).isEmpty();
    assertThat(body.has("fields")).isFalse();
  }

  @Test
  void changes_ofAnotherUsersSessionOrAMissingOne_isNull() throws IOException {
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));

    Answer asBob = changes(BOB, SESSION, 0);
    Answer missing = changes(ALICE, OTHER_SESSION, 0);

    assertThat(asBob.status()).isEqualTo(200);
    assertThat(asBob.body()).isEqualTo("null");
    assertThat(missing.status()).isEqualTo(200);
    assertThat(missing.body()).isEqualTo("null");
  }

  @Test
  void changes_withoutBearer_is401PermissionDeniedForFunction() throws IOException {
    Answer answer = calls.rpc(null, CHANGES, changesBody(SESSION, 0));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for function chat_session_changes");
    assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void changes_asServiceRole_is403PermissionDeniedForFunction() throws IOException {
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));

    Answer answer = calls.rpc(fake.serviceKey(), CHANGES, changesBody(SESSION, 0));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for function chat_session_changes");
  }

  @Test
  void changes_tokenWithoutSub_is403NeedsASignedInUser() throws IOException {
    Answer answer =
        calls.rpc(fake.tokenWithRole(null, "authenticated"), CHANGES, changesBody(SESSION, 0));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("chat_session_changes needs a signed-in user (the JWT has no sub)");
  }

  @Test
  void changes_negativeSinceVersion_is400() throws IOException {
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));

    Answer answer = changes(ALICE, SESSION, -1);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("p_since_version must be a version (a number, 0 or more)");
  }

  @Test
  void changes_sinceVersionThatIsNoNumber_is400InvalidInputSyntax() throws IOException {
    Answer answer =
        calls.rpc(
            fake.tokenFor(ALICE),
            CHANGES,
            "{\"p_session_id\":\"" + SESSION + "\",\"p_since_version\":\"latest\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22P02");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("invalid input syntax for type bigint: \"latest\"");
  }

  @Test
  void changes_invalidSessionId_is400NamingTheArgument() throws IOException {
    Answer answer =
        calls.rpc(fake.tokenFor(ALICE), CHANGES, changesBody("chat-1-x&user_id=eq.y", 0));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("message").asText()).startsWith("p_session_id must match");
  }

  @Test
  void changes_withoutSinceVersion_is404Pgrst202() throws IOException {
    Answer answer = calls.rpc(fake.tokenFor(ALICE), CHANGES, sessionArgument(SESSION));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST202");
  }

  // ------------------------------------------------------------------ append_chat_messages_batch

  private static final String BATCH = "append_chat_messages_batch";

  private static String batchItem(String sessionId, String... ids) throws IOException {
    String messages = MAPPER.readTree(appendBody(sessionId, ids)).get("p_messages").toString();
    return "{\"session_id\":\"" + sessionId + "\",\"messages\":" + messages + "}";
  }

  @Test
  void batch_answersEachAppend_inSessionIdOrder_aForeignSessionRefusedAlone() throws IOException {
    fake.seedSession(BOB, OTHER_SESSION, "b1");
    String body =
        "{\"p_appends\":["
            + batchItem(OTHER_SESSION, "x1")
            + ","
            + batchItem(SESSION, "m1", "m2")
            + "]}";

    Answer answer = calls.rpc(fake.tokenFor(ALICE), BATCH, body);

    assertThat(answer.status()).isEqualTo(200);
    JsonNode answers = MAPPER.readTree(answer.body());
    List<String> order = List.of(SESSION, OTHER_SESSION).stream().sorted().toList();
    assertThat(answers.findValuesAsText("session_id")).isEqualTo(order);
    JsonNode refused = answers.get(order.indexOf(OTHER_SESSION)).get("refused");
    assertThat(refused.get("code").asText()).isEqualTo("42501");
    assertThat(answers.get(order.indexOf(SESSION)).get("appended").asInt()).isEqualTo(2);
    assertThat(fake.session(OTHER_SESSION).orElseThrow().messageIds()).containsExactly("b1");
    assertThat(fake.session(SESSION).orElseThrow().userId()).isEqualTo(ALICE);
  }

  @Test
  void batch_repeatingASession_isRefusedAsAWholeWith22023() throws IOException {
    String body =
        "{\"p_appends\":[" + batchItem(SESSION, "m1") + "," + batchItem(SESSION, "m2") + "]}";

    Answer answer = calls.rpc(fake.tokenFor(ALICE), BATCH, body);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body()).contains("22023").contains("p_appends[1].session_id repeats");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void batch_asServiceRole_isRefused() throws IOException {
    Answer answer =
        calls.rpc(fake.serviceKey(), BATCH, "{\"p_appends\":[" + batchItem(SESSION, "m1") + "]}");

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body()).contains("permission denied for function " + BATCH);
  }
}
