package dev.codebasechat.db;

import static dev.codebasechat.db.AppendChatMessagesTest.historyIds;
import static dev.codebasechat.db.AppendChatMessagesTest.sqlError;
import static dev.codebasechat.db.ChatFixtures.message;
import static dev.codebasechat.db.ChatFixtures.messages;
import static dev.codebasechat.db.ChatFixtures.newSessionId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code append_chat_messages_batch}: the appends of several sessions of the caller in one call,
 * each as {@code append_chat_messages} would store it, atomic per session, answered per session in
 * session id order; and the refusals of the whole request.
 */
class AppendChatMessagesBatchTest {
  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
  }

  private static JsonNode batch(PostgresMajor major, UUID user, String appendsJson)
      throws SQLException {
    return new ChatRpc(db(major)).appendBatch(DatabaseRequest.asUser(user), appendsJson);
  }

  /** One append of the batch: {@code {"session_id": id, "messages": messagesJson}}. */
  private static String append(String sessionId, String messagesJson) {
    return "{\"session_id\":\"" + sessionId + "\",\"messages\":" + messagesJson + "}";
  }

  private static String appends(String... appends) {
    return "[" + String.join(",", appends) + "]";
  }

  private static long sessionsOf(PostgresMajor major, UUID user) throws SQLException {
    return (Long)
        db(major)
            .valueAsOwner(
                "select count(*) from public.codebase_chat_sessions where user_id = ?", user);
  }

  private static List<String> sorted(String... ids) {
    List<String> list = new ArrayList<>(List.of(ids));
    Collections.sort(list);
    return list;
  }

  @OnEachPostgresMajor
  void batch_appendsToEachSession_creatingMissingOnes_answeredInSessionIdOrder(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String existing = newSessionId();
    String fresh = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), existing, messages("e1"));

    JsonNode answers =
        batch(
            major,
            user,
            appends(append(fresh, messages("f1", "f2")), append(existing, messages("e2"))));

    assertThat(answers).hasSize(2);
    assertThat(answers.findValuesAsText("session_id")).isEqualTo(sorted(existing, fresh));
    JsonNode existingAnswer = answers.get(existing.compareTo(fresh) < 0 ? 0 : 1);
    JsonNode freshAnswer = answers.get(existing.compareTo(fresh) < 0 ? 1 : 0);
    assertThat(existingAnswer.get("created").asBoolean()).isFalse();
    assertThat(existingAnswer.get("appended").asInt()).isEqualTo(1);
    assertThat(existingAnswer.get("message_count").asInt()).isEqualTo(2);
    assertThat(existingAnswer.get("version").asLong()).isEqualTo(2L);
    assertThat(existingAnswer.has("last_activity")).isTrue();
    assertThat(freshAnswer.get("created").asBoolean()).isTrue();
    assertThat(freshAnswer.get("appended").asInt()).isEqualTo(2);
    assertThat(historyIds(db(major), existing)).isEqualTo("e1,e2");
    assertThat(historyIds(db(major), fresh)).isEqualTo("f1,f2");
    assertThat(
            db(major)
                .valueAsOwner(
                    "select user_id from public.codebase_chat_sessions where session_id = ?",
                    fresh))
        .isEqualTo(user);
  }

  @OnEachPostgresMajor
  void batch_sentAgain_storesNothingTwice(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String a = newSessionId();
    String b = newSessionId();
    String request = appends(append(a, messages("a1")), append(b, messages("b1", "b2")));
    batch(major, user, request);

    JsonNode again = batch(major, user, request);

    assertThat(again.findValuesAsText("appended")).containsOnly("0");
    assertThat(historyIds(db(major), a)).isEqualTo("a1");
    assertThat(historyIds(db(major), b)).isEqualTo("b1,b2");
  }

  @OnEachPostgresMajor
  void batch_sessionOfAnotherUser_isRefusedAlone_andTheOthersAreStored(PostgresMajor major)
      throws SQLException {
    UUID owner = db(major).createUser(false);
    UUID intruder = db(major).createUser(false);
    String owned = newSessionId();
    String own = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(owner), owned, messages("m1"));
    List<String> rows = AppendChatMessagesTest.messageRows(db(major), owned);

    JsonNode answers =
        batch(
            major,
            intruder,
            appends(append(owned, messages("intruder")), append(own, messages("mine"))));

    JsonNode refused = answerFor(answers, owned);
    assertThat(refused.at("/refused/code").asText()).isEqualTo("42501");
    assertThat(refused.at("/refused/message").asText())
        .contains("belongs to a session the caller does not own");
    assertThat(refused.has("appended")).isFalse();
    assertThat(AppendChatMessagesTest.messageRows(db(major), owned)).isEqualTo(rows);
    assertThat(answerFor(answers, own).get("appended").asInt()).isEqualTo(1);
    assertThat(historyIds(db(major), own)).isEqualTo("mine");
  }

  @OnEachPostgresMajor
  void batch_appendTheTableRefuses_changesNothingOfItsSession_andTheOthersAreStored(
      PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String good = newSessionId();
    String badTimestamp = newSessionId();
    String badRepo = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), badTimestamp, messages("t1"));

    JsonNode answers =
        batch(
            major,
            user,
            appends(
                append(good, messages("g1")),
                append(
                    badTimestamp,
                    "["
                        + message("t2", "fine")
                        + ","
                        + message("t3", "x", "2025-13-01T12:00:00Z")
                        + "]"),
                "{\"session_id\":\""
                    + badRepo
                    + "\",\"messages\":"
                    + messages("r1")
                    + ",\"repo\":\""
                    + "r".repeat(513)
                    + "\"}"));

    assertThat(answerFor(answers, badTimestamp).at("/refused/code").asText()).isEqualTo("22023");
    assertThat(answerFor(answers, badTimestamp).at("/refused/message").asText())
        .contains("p_messages[1].timestamp");
    assertThat(historyIds(db(major), badTimestamp)).as("t2 not stored either").isEqualTo("t1");
    assertThat(answerFor(answers, badRepo).at("/refused/code").asText()).isEqualTo("23514");
    assertThat(
            db(major)
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_sessions where session_id = ?",
                    badRepo))
        .as("the refused session is not created")
        .isEqualTo(0L);
    assertThat(answerFor(answers, good).get("appended").asInt()).isEqualTo(1);
    assertThat(historyIds(db(major), good)).isEqualTo("g1");
  }

  @OnEachPostgresMajor
  void batch_invalidSessionId_isRefusedAlone(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String good = newSessionId();

    JsonNode answers =
        batch(major, user, appends(append("not-a-session", messages("x")), append(good, "[]")));

    assertThat(answerFor(answers, "not-a-session").at("/refused/message").asText())
        .contains("p_session_id must match");
    assertThat(answerFor(answers, good).get("created").asBoolean()).isTrue();
  }

  @OnEachPostgresMajor
  void batch_malformedRequest_isRefusedWith22023_andStoresNothing(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String a = newSessionId();
    String b = newSessionId();
    String tooMany =
        appends(
            IntStream.range(0, SessionTableRules.MAX_APPENDS_PER_BATCH + 1)
                .mapToObj(i -> append(newSessionId(), "[]"))
                .toArray(String[]::new));
    String tooManyMessages =
        appends(
            append(
                a, messages(IntStream.range(0, 600).mapToObj(i -> "m" + i).toArray(String[]::new))),
            append(
                b,
                messages(IntStream.range(0, 401).mapToObj(i -> "n" + i).toArray(String[]::new))));

    record Case(String request, String fragment) {}
    List<Case> cases =
        List.of(
            new Case("{}", "p_appends must be a JSON array of appends"),
            new Case(tooMany, "at most " + SessionTableRules.MAX_APPENDS_PER_BATCH + " appends"),
            new Case(tooManyMessages, "at most 1000 messages in all"),
            new Case(
                appends(append(a, messages("a1")), append(a, messages("a2"))),
                "p_appends[1].session_id repeats a session"),
            new Case(
                appends(append(a, messages("a1")), "{\"session_id\":\"" + b + "\",\"x\":1}"),
                "p_appends[1] has an unknown field \"x\""),
            new Case(
                appends(append(a, messages("a1")), "[]"), "p_appends[1] must be a JSON object"),
            new Case(appends("{\"session_id\":1,\"messages\":[]}"), "session_id must be a string"),
            new Case(appends("{\"session_id\":\"" + a + "\"}"), "messages must be a JSON array"),
            new Case(
                appends("{\"session_id\":\"" + a + "\",\"messages\":[],\"repo\":1}"),
                "must be strings or null"));

    for (Case c : cases) {
      SQLException e = sqlError(() -> batch(major, user, c.request()));
      assertThat(e.getSQLState()).as(c.fragment()).isEqualTo("22023");
      assertThat(e.getMessage()).contains(c.fragment());
    }
    assertThat(sessionsOf(major, user)).isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void batch_withoutSignedInUser_orAsServiceRole_isRefusedWith42501(PostgresMajor major)
      throws SQLException {
    ChatRpc rpc = new ChatRpc(db(major));
    String request = appends(append(newSessionId(), messages("m1")));

    SQLException anon = sqlError(() -> rpc.appendBatch(DatabaseRequest.asAnon(), request));
    SQLException service =
        sqlError(() -> rpc.appendBatch(DatabaseRequest.asServiceRole(), request));
    SQLException noSub =
        sqlError(() -> rpc.appendBatch(DatabaseRequest.withClaims("authenticated", "{}"), request));

    assertThat(anon.getSQLState()).isEqualTo("42501");
    assertThat(anon.getMessage()).contains("permission denied for function");
    assertThat(service.getSQLState()).isEqualTo("42501");
    assertThat(service.getMessage()).contains("permission denied for function");
    assertThat(noSub.getSQLState()).isEqualTo("42501");
    assertThat(noSub.getMessage()).contains("needs a signed-in user");
  }

  @OnEachPostgresMajor
  void batches_ofOneUser_inParallel_overTheSameSessionsInAnyOrder_neverDeadlock(PostgresMajor major)
      throws Exception {
    UUID user = db(major).createUser(false);
    List<String> sessions = IntStream.range(0, 6).mapToObj(i -> newSessionId()).toList();
    int rounds = 15;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int writer = w;
        writers.add(
            pool.submit(
                () -> {
                  Random random = new Random(writer);
                  int appended = 0;
                  try (Connection c = db(major).authenticatorConnection()) {
                    for (int round = 0; round < rounds; round++) {
                      List<String> order = new ArrayList<>(sessions);
                      Collections.shuffle(order, random);
                      String id = "w" + writer + "r" + round;
                      String request =
                          appends(
                              order.stream()
                                  .map(s -> append(s, messages(id)))
                                  .toArray(String[]::new));
                      JsonNode answers = ChatRpc.appendBatch(c, user, request);
                      for (JsonNode answer : answers) {
                        appended += answer.get("appended").asInt();
                      }
                    }
                  }
                  return appended;
                }));
      }
      int appended = 0;
      for (Future<Integer> writer : writers) {
        appended += writer.get();
      }

      assertThat(appended).isEqualTo(2 * rounds * sessions.size());
      for (String session : sessions) {
        assertThat(historyIds(db(major), session).split(",")).hasSize(2 * rounds);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonNode answerFor(JsonNode answers, String sessionId) {
    for (JsonNode answer : answers) {
      if (answer.get("session_id").asText().equals(sessionId)) {
        return answer;
      }
    }
    throw new AssertionError(
        "no answer for "
            + sessionId
            + " in "
            + answers.toString()
            + " ("
            + answers.findValuesAsText("session_id").stream().collect(Collectors.joining(","))
            + ")");
  }
}
