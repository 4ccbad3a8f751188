package dev.codebasechat.db;

import static dev.codebasechat.db.ChatFixtures.message;
import static dev.codebasechat.db.ChatFixtures.messages;
import static dev.codebasechat.db.ChatFixtures.newSessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * {@code append_chat_messages}: creation, idempotency, the history's order (by timestamp, then
 * arrival), what an append costs (no stored message is rewritten), and every rejection.
 */
class AppendChatMessagesTest {
  private static final String TIMESTAMP = "\"timestamp\":\"2025-01-18T12:00:00.000Z\"";

  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
  }

  private static JsonNode append(PostgresMajor major, UUID user, String sessionId, String json)
      throws SQLException {
    return new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, json);
  }

  static String historyIds(SupabaseDatabase db, String sessionId) throws SQLException {
    return (String)
        db.valueAsOwner(
            "select string_agg(m.value ->> 'id', ',' order by m.ordinality)"
                + " from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history) with ordinality m"
                + " where s.session_id = ?",
            sessionId);
  }

  /** The history as PostgREST's {@code conversation_history} field answers it, as JSON text. */
  static String history(SupabaseDatabase db, String sessionId) throws SQLException {
    return (String)
        db.valueAsOwner(
            "select s.conversation_history::text from public.codebase_chat_sessions s"
                + " where s.session_id = ?",
            sessionId);
  }

  /**
   * The stored message rows of the session in history order, each as {@code id@ctid/xmin}: an
   * UPDATE (or a delete and re-insert) of a row changes its ctid and xmin.
   */
  static List<String> messageRows(SupabaseDatabase db, String sessionId) throws SQLException {
    String rows =
        (String)
            db.valueAsOwner(
                "select string_agg(m.message_id || '@' || m.ctid::text || '/' || m.xmin::text,"
                    + " ' ' order by m.sent_at, m.seq) from public.codebase_chat_messages m"
                    + " join public.codebase_chat_sessions s on s.id = m.session_row_id where s.session_id = ?",
                sessionId);
    return rows == null ? List.of() : List.of(rows.split(" "));
  }

  static SQLException sqlError(ThrowingCallable call) {
    SQLException e = catchThrowableOfType(SQLException.class, call);
    assertThat((Throwable) e).as("the call must fail with an SQLException").isNotNull();
    return e;
  }

  private static void assertRejected(
      PostgresMajor major, String sessionId, String json, String state, String messageFragment)
      throws SQLException {
    UUID user = db(major).createUser(false);
    SQLException e = sqlError(() -> append(major, user, sessionId, json));
    assertThat(e.getSQLState()).isEqualTo(state);
    assertThat(e.getMessage()).contains(messageFragment);
    assertThat(
            db(major)
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_sessions where user_id = ?", user))
        .as("no session created")
        .isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void append_newSession_createsItOwnedByTheCaller(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    JsonNode result = append(major, user, sessionId, messages("m1", "m2"));

    ObjectNode expected = (ObjectNode) result.deepCopy();
    expected.remove("last_activity");
    assertThat(expected.toString())
        .isEqualTo(
            "{\"created\":true,\"version\":1,\"appended\":2,\"session_id\":\""
                + sessionId
                + "\",\"message_count\":2}");
    assertThat(result.get("last_activity").asText())
        .isEqualTo(
            db(major)
                .valueAsOwner(
                    "select to_jsonb(last_activity) #>> '{}' from public.codebase_chat_sessions where session_id = ?",
                    sessionId));
    assertThat(
            db(major)
                .valueAsOwner(
                    "select user_id from public.codebase_chat_sessions where session_id = ?",
                    sessionId))
        .isEqualTo(user);
    assertThat(historyIds(db(major), sessionId)).isEqualTo("m1,m2");
  }

  @OnEachPostgresMajor
  void append_idsAlreadyStored_storesOnlyTheNewOnesInOrder(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    append(major, user, sessionId, messages("m1", "m2"));

    JsonNode result = append(major, user, sessionId, messages("m2", "m3", "m1", "m4"));

    assertThat(result.get("appended").asInt()).isEqualTo(2);
    assertThat(result.get("message_count").asInt()).isEqualTo(4);
    assertThat(result.get("version").asLong()).isEqualTo(2);
    assertThat(historyIds(db(major), sessionId)).isEqualTo("m1,m2,m3,m4");
  }

  @OnEachPostgresMajor
  void append_sameBatchRetried_changesNothing(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    JsonNode first = append(major, user, sessionId, messages("m1", "m2"));

    JsonNode retry = append(major, user, sessionId, messages("m1", "m2"));

    assertThat(retry.get("appended").asInt()).isZero();
    assertThat(retry.get("message_count")).isEqualTo(first.get("message_count"));
    assertThat(retry.get("version")).isEqualTo(first.get("version"));
  }

  @OnEachPostgresMajor
  void append_idRepeatedInBatch_keepsTheFirst(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    JsonNode result =
        append(
            major,
            user,
            sessionId,
            "[" + message("m1", "first") + "," + message("m1", "second") + "]");

    assertThat(result.get("appended").asInt()).isEqualTo(1);
    assertThat(
            db(major)
                .valueAsOwner(
                    "select s.conversation_history -> 0 ->> 'content'"
                        + " from public.codebase_chat_sessions s where s.session_id = ?",
                    sessionId))
        .isEqualTo("first");
  }

  @OnEachPostgresMajor
  void append_emptyBatch_createsAnEmptySession(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    JsonNode result = append(major, user, sessionId, "[]");

    assertThat(result.get("appended").asInt()).isZero();
    assertThat(result.get("message_count").asInt()).isZero();
    assertThat(result.get("version").asLong()).isZero();
  }

  @OnEachPostgresMajor
  void append_withRepoAndCurrentFile_storesThem(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    JsonNode result =
        rpc.append(DatabaseRequest.asUser(user), sessionId, "[]", "acme/web", "src/App.tsx");

    assertThat(result.get("version").asLong()).isEqualTo(2);
    assertThat(
            db(major)
                .valueAsOwner(
                    "select repo || ':' || current_file from public.codebase_chat_sessions"
                        + " where session_id = ?",
                    sessionId))
        .isEqualTo("acme/web:src/App.tsx");
  }

  @OnEachPostgresMajor
  void append_allOptionalFields_acceptsTheMessage(PostgresMajor major) throws SQLException {
    String json =
        "[{\"id\":\"A_b-9\",\"role\":\"assistant\",\"content\":\"\","
            + TIMESTAMP
            + ",\"code\":{\"lang\":\"java\"},\"metadata\":{\"model\":\"x\"}},"
            + "{\"id\":\"t\",\"role\":\"tool\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00+02:00\"},"
            + "{\"id\":\"s\",\"role\":\"system\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]";

    JsonNode result = append(major, db(major).createUser(false), newSessionId(), json);

    assertThat(result.get("appended").asInt()).isEqualTo(3);
  }

  @OnEachPostgresMajor
  void append_notSignedIn_isRejectedWith42501(PostgresMajor major) {
    DatabaseRequest noSub =
        DatabaseRequest.withClaims("authenticated", "{\"role\":\"authenticated\"}");

    SQLException e =
        sqlError(() -> new ChatRpc(db(major)).append(noSub, newSessionId(), messages("m1")));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(e.getMessage()).contains("needs a signed-in user");
  }

  @OnEachPostgresMajor
  void append_someoneElsesOrAnOwnerlessSession_failsAlikeWithoutChangingIt(PostgresMajor major)
      throws SQLException {
    UUID owner = db(major).createUser(false);
    UUID intruder = db(major).createUser(false);
    String owned = newSessionId();
    String ownerless = newSessionId();
    append(major, owner, owned, messages("m1"));
    db(major)
        .executeAsOwner(
            "insert into public.codebase_chat_sessions (session_id, user_id) values (?, null)",
            ownerless);

    SQLException onOwned = sqlError(() -> append(major, intruder, owned, messages("evil")));
    SQLException onOwnerless = sqlError(() -> append(major, intruder, ownerless, messages("evil")));

    assertThat(onOwned.getSQLState()).isEqualTo("42501");
    assertThat(onOwnerless.getSQLState()).isEqualTo("42501");
    assertThat(onOwned.getMessage()).isEqualTo(onOwnerless.getMessage());
    assertThat(historyIds(db(major), owned)).isEqualTo("m1");
    assertThat(historyIds(db(major), ownerless)).isNull();
  }

  @OnEachPostgresMajor
  void append_malformedSessionIds_areRejectedWith22023(PostgresMajor major) throws SQLException {
    for (String bad :
        new String[] {
          "abc",
          "chat-1705622400000-abc12",
          "chat--abcdefg",
          "chat-12345678901234567-abcdefg",
          "chat-1705622400000-" + "a".repeat(41),
          "chat-1705622400000-abc/../x",
          "Chat-1705622400000-abcdefg",
          "chat-1705622400000-abcdefg\n"
        }) {
      assertRejected(major, bad, messages("m1"), "22023", "p_session_id must match");
    }
  }

  @OnEachPostgresMajor
  void append_nullSessionId_isRejectedWith22023(PostgresMajor major) throws SQLException {
    assertRejected(major, null, messages("m1"), "22023", "p_session_id must match");
  }

  @OnEachPostgresMajor
  void append_messagesNotAnArray_isRejectedWith22023(PostgresMajor major) throws SQLException {
    assertRejected(
        major, newSessionId(), message("m1", "x"), "22023", "p_messages must be a JSON array");
  }

  @OnEachPostgresMajor
  void append_moreThan1000Messages_isRejectedWith22023(PostgresMajor major) throws SQLException {
    String[] ids = new String[1001];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "m" + i;
    }
    assertRejected(major, newSessionId(), messages(ids), "22023", "at most 1000 messages");
  }

  @OnEachPostgresMajor
  void append_messageNotAnObject_namesItsPosition(PostgresMajor major) throws SQLException {
    assertRejected(
        major,
        newSessionId(),
        "[" + message("m1", "x") + ",\"hello\"]",
        "22023",
        "p_messages[1] must be a JSON object");
  }

  @OnEachPostgresMajor
  void append_badId_namesTheField(PostgresMajor major) throws SQLException {
    assertRejected(
        major,
        newSessionId(),
        "[{\"role\":\"user\",\"content\":\"x\"," + TIMESTAMP + "}]",
        "22023",
        "p_messages[0].id must be a string matching");
    assertRejected(
        major, newSessionId(), "[" + message("has space", "x") + "]", "22023", "p_messages[0].id");
    assertRejected(
        major,
        newSessionId(),
        "[" + message("x".repeat(65), "x") + "]",
        "22023",
        "p_messages[0].id");
    assertRejected(
        major,
        newSessionId(),
        "[{\"id\":7,\"role\":\"user\",\"content\":\"x\"," + TIMESTAMP + "}]",
        "22023",
        "p_messages[0].id");
  }

  @OnEachPostgresMajor
  void append_badRole_namesTheAllowedRoles(PostgresMajor major) throws SQLException {
    assertRejected(
        major,
        newSessionId(),
        "[{\"id\":\"m\",\"role\":\"admin\",\"content\":\"x\"," + TIMESTAMP + "}]",
        "22023",
        "p_messages[0].role must be one of user, assistant, system, tool");
  }

  @OnEachPostgresMajor
  void append_contentNotAString_namesTheField(PostgresMajor major) throws SQLException {
    assertRejected(
        major,
        newSessionId(),
        "[{\"id\":\"m\",\"role\":\"user\",\"content\":[1]," + TIMESTAMP + "}]",
        "22023",
        "p_messages[0].content must be a string");
  }

  @OnEachPostgresMajor
  void append_badTimestamp_namesTheField(PostgresMajor major) throws SQLException {
    for (String timestamp :
        new String[] {"\"yesterday\"", "\"2025-01-18\"", "\"2025-01-18T12:00:00\"", "17056224"}) {
      assertRejected(
          major,
          newSessionId(),
          "[{\"id\":\"m\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":" + timestamp + "}]",
          "22023",
          "p_messages[0].timestamp must be an ISO-8601 date-time with zone");
    }
  }

  @OnEachPostgresMajor
  void append_metadataNotAnObject_namesTheField(PostgresMajor major) throws SQLException {
    assertRejected(
        major,
        newSessionId(),
        "[{\"id\":\"m\",\"role\":\"user\",\"content\":\"x\"," + TIMESTAMP + ",\"metadata\":\"x\"}]",
        "22023",
        "p_messages[0].metadata must be a JSON object");
  }

  @OnEachPostgresMajor
  void append_unknownField_namesItShortened(PostgresMajor major) throws SQLException {
    String longName = "user_id" + "x".repeat(500);
    UUID user = db(major).createUser(false);
    SQLException e =
        sqlError(
            () ->
                append(
                    major,
                    user,
                    newSessionId(),
                    "[{\"id\":\"m\",\"role\":\"user\",\"content\":\"x\","
                        + TIMESTAMP
                        + ",\""
                        + longName
                        + "\":1}]"));

    assertThat(e.getSQLState()).isEqualTo("22023");
    assertThat(e.getMessage())
        .contains("p_messages[0] has a field not allowed here: user_idxxx")
        .doesNotContain(longName);
  }

  @OnEachPostgresMajor
  void append_messageOverOneMebibyte_isRejectedWithoutEchoingIt(PostgresMajor major)
      throws SQLException {
    String huge = "y".repeat(1_100_000);
    UUID user = db(major).createUser(false);
    SQLException e =
        sqlError(() -> append(major, user, newSessionId(), "[" + message("m1", huge) + "]"));

    // What PostgREST passes on (message, details, hint) is the rule alone; PostgreSQL's context
    // lines name the functions the check ran in, never the value.
    ServerErrorMessage server = ((PSQLException) e).getServerErrorMessage();
    assertThat(e.getSQLState()).isEqualTo("22023");
    assertThat(server.getMessage()).isEqualTo("p_messages[0] must be at most 1 MiB");
    assertThat(server.getDetail()).isNull();
    assertThat(server.getHint()).isNull();
    assertThat(e.getMessage()).doesNotContain("yyyyyyyyyy").hasSizeLessThan(500);
  }

  @OnEachPostgresMajor
  void append_messageOfNearlyOneMebibyte_isStoredAsSent(PostgresMajor major) throws SQLException {
    // Random text: PostgreSQL cannot compress it, so it must live out of line, never in an index.
    StringBuilder content = new StringBuilder();
    Random random = new Random(7);
    while (content.length() < 1_000_000) {
      content.append(Long.toString(random.nextLong() & Long.MAX_VALUE, 36));
    }
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    String sent = "[" + message("big", content.toString()) + "]";

    JsonNode result = append(major, user, sessionId, sent);

    assertThat(result.get("appended").asInt()).isEqualTo(1);
    assertThat(
            db(major)
                .valueAsOwner(
                    "select s.conversation_history = ?::jsonb from public.codebase_chat_sessions s"
                        + " where s.session_id = ?",
                    sent,
                    sessionId))
        .isEqualTo(true);
  }

  @OnEachPostgresMajor
  void append_laterMessageWithAnEarlierTimestamp_isReadBeforeTheLaterOnes(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    append(
        major,
        user,
        sessionId,
        "["
            + message("m1", "x", "2025-01-18T12:00:00.000Z")
            + ","
            + message("m3", "x", "2025-01-18T12:00:02.000Z")
            + "]");

    // A gateway's backlog delivered late: its timestamps put it between the stored messages.
    append(
        major,
        user,
        sessionId,
        "["
            + message("m2", "x", "2025-01-18T12:00:01.000Z")
            + ","
            + message("m0", "x", "2025-01-18T13:59:00+02:00")
            + "]");

    assertThat(historyIds(db(major), sessionId)).isEqualTo("m0,m1,m2,m3");
  }

  @OnEachPostgresMajor
  void append_equalTimestamps_keepTheOrderOfArrival(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    append(major, user, sessionId, messages("b", "a"));
    append(major, user, sessionId, messages("d", "c"));

    append(major, user, sessionId, "[" + message("e", "x", "2025-01-18T14:00:00+02:00") + "]");

    assertThat(historyIds(db(major), sessionId))
        .as("the same instant written with another offset")
        .isEqualTo("b,a,d,c,e");
  }

  @OnEachPostgresMajor
  void append_toASessionOfManyMessages_leavesEveryStoredMessageRowUntouched(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    append(
        major,
        user,
        sessionId,
        messages(IntStream.range(0, 500).mapToObj(i -> "m" + i).toArray(String[]::new)));
    List<String> before = messageRows(db(major), sessionId);

    append(major, user, sessionId, messages("m500"));

    List<String> after = messageRows(db(major), sessionId);
    assertThat(before).hasSize(500);
    assertThat(after).hasSize(501).startsWith(before.toArray(String[]::new));
    assertThat(after.get(500)).startsWith("m500@");
  }

  @OnEachPostgresMajor
  void append_timestampPostgresCannotRead_isRejectedWith22023NamingThePosition(PostgresMajor major)
      throws SQLException {
    for (String timestamp :
        new String[] {
          "2025-13-01T12:00:00.000Z",
          "2025-02-30T12:00:00Z",
          "2025-01-18T25:00:00Z",
          "2025-01-18T12:60:00Z",
          "0000-01-18T12:00:00Z",
          "2025-01-18T12:00:00+16:00"
        }) {
      UUID user = db(major).createUser(false);
      String json = "[" + message("ok", "x") + "," + message("bad", "x", timestamp) + "]";

      SQLException e = sqlError(() -> append(major, user, newSessionId(), json));

      assertThat(e.getSQLState()).as(timestamp).isEqualTo("22023");
      assertThat(e.getMessage())
          .as(timestamp)
          .contains("p_messages[1].timestamp is not a date-time PostgreSQL can read")
          .doesNotContain(timestamp);
      assertThat(
              db(major)
                  .valueAsOwner(
                      "select count(*) from public.codebase_chat_sessions where user_id = ?", user))
          .as("no session created")
          .isEqualTo(0L);
    }
  }

  @OnEachPostgresMajor
  void append_beyond20000Messages_isRejectedByTheTableWith23514(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    for (int batch = 0; batch < 20; batch++) {
      int first = batch * 1000;
      append(
          major,
          user,
          sessionId,
          messages(
              IntStream.range(first, first + 1000).mapToObj(i -> "m" + i).toArray(String[]::new)));
    }
    List<String> stored = messageRows(db(major), sessionId);

    SQLException e = sqlError(() -> append(major, user, sessionId, messages("one-too-many")));

    assertThat(e.getSQLState()).isEqualTo("23514");
    assertThat(e.getMessage()).contains("codebase_chat_sessions_history_max_messages");
    assertThat(stored).hasSize(20000);
    assertThat(messageRows(db(major), sessionId)).as("nothing stored").isEqualTo(stored);
  }
}
