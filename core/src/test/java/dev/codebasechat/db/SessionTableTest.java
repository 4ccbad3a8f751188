package dev.codebasechat.db;

import static dev.codebasechat.db.AppendChatMessagesTest.sqlError;
import static dev.codebasechat.db.ChatFixtures.message;
import static dev.codebasechat.db.ChatFixtures.messages;
import static dev.codebasechat.db.ChatFixtures.newSessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Direct writes to {@code public.codebase_chat_sessions} (PostgREST POST/PATCH) and the session
 * functions other than append: defaults, the row-maintenance triggers, column grants, CHECK
 * constraints, the counters that follow the messages, clear and delete, {@code
 * chat_session_changes} (what changed since a version, for a user) and {@code
 * store_chat_session_for} (service_role's optimistic write of a whole session).
 */
class SessionTableTest {
  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
  }

  private static int write(
      PostgresMajor major, DatabaseRequest request, String sql, Object... parameters)
      throws SQLException {
    return db(major)
        .request(
            request.to("POST", "/codebase_chat_sessions"),
            c -> {
              try (PreparedStatement statement = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                  statement.setObject(i + 1, parameters[i]);
                }
                return statement.executeUpdate();
              }
            });
  }

  /** A new, empty session inserted by {@code user} through PostgREST (POST without user_id). */
  private static String insertOwnSession(PostgresMajor major, UUID user) throws SQLException {
    String sessionId = newSessionId();
    write(
        major,
        DatabaseRequest.asUser(user),
        "insert into public.codebase_chat_sessions (session_id) values (?)",
        sessionId);
    return sessionId;
  }

  /** {@code expression} over the session's row {@code s}, as the owner. */
  private static Object column(PostgresMajor major, String expression, String sessionId)
      throws SQLException {
    return db(major)
        .valueAsOwner(
            "select " + expression + " from public.codebase_chat_sessions s where s.session_id = ?",
            sessionId);
  }

  @OnEachPostgresMajor
  void text_sortsInCodePointOrder_asHostedSupabasesCollationDoes(PostgresMajor major)
      throws SQLException {
    String values = "array['\ud83d\ude00', 'apple', '_cherry', 'Banana', '\uff01', '\u00e9']";

    Object collation =
        db(major)
            .valueAsOwner("select datcollate from pg_database where datname = current_database()");
    Object sorted =
        db(major)
            .valueAsOwner("select string_agg(v, ' ' order by v) from unnest(" + values + ") v");

    assertThat(collation).isEqualTo("C");
    assertThat(sorted).isEqualTo("Banana _cherry apple \u00e9 \uff01 \ud83d\ude00");
  }

  @OnEachPostgresMajor
  void insert_withoutUserId_isOwnedByTheCaller(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    write(
        major,
        DatabaseRequest.asUser(user),
        "insert into public.codebase_chat_sessions (session_id) values (?)",
        sessionId);

    assertThat(column(major, "user_id", sessionId)).isEqualTo(user);
    assertThat(column(major, "version", sessionId)).isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void writeHistory_directly_isRefusedWith42703(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    SQLException onInsert =
        sqlError(
            () ->
                write(
                    major,
                    DatabaseRequest.asUser(user),
                    "insert into"
                        + " public.codebase_chat_sessions (session_id, conversation_history) values (?, ?::jsonb)",
                    newSessionId(),
                    messages("a")));
    SQLException onUpdate =
        sqlError(
            () ->
                write(
                    major,
                    DatabaseRequest.asUser(user),
                    "update"
                        + " public.codebase_chat_sessions set conversation_history = ?::jsonb where session_id = ?",
                    messages("a"),
                    sessionId));

    assertThat(onInsert.getSQLState()).isEqualTo("42703");
    assertThat(onUpdate.getSQLState()).isEqualTo("42703");
    assertThat(column(major, "s.conversation_history::text || ' ' || s.version", sessionId))
        .isEqualTo("[] 0");
  }

  @OnEachPostgresMajor
  void counters_followTheMessagesThroughAppendAndClear(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    String counters =
        "s.message_count || ' ' || s.history_bytes || ' '"
            + " || (jsonb_array_length(s.conversation_history) = s.message_count)"
            + " || ' ' || (octet_length(s.conversation_history::text) = s.history_bytes)";

    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("a", "b", "c"));
    Object afterThree = column(major, counters, sessionId);
    rpc.append(
        DatabaseRequest.asUser(user), sessionId, "[" + message("d", "caf\u00e9 \u2603") + "]");
    Object afterFour = column(major, counters, sessionId);
    rpc.clear(DatabaseRequest.asUser(user), sessionId);

    assertThat((String) afterThree).startsWith("3 ").endsWith(" true true");
    assertThat((String) afterFour).startsWith("4 ").endsWith(" true true");
    assertThat(
            column(
                major,
                "s.message_count || ' ' || s.history_bytes || ' ' || s.conversation_history::text",
                sessionId))
        .isEqualTo("0 0 []");
  }

  @OnEachPostgresMajor
  void patchContext_bumpsVersionAndTimestamps(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    db(major)
        .executeAsOwner(
            "insert into public.codebase_chat_sessions (session_id, user_id, created_at, updated_at,"
                + " last_activity) values (?, ?, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day')",
            sessionId,
            user);

    for (int i = 0; i < 2; i++) {
      write(
          major,
          DatabaseRequest.asUser(user),
          "update public.codebase_chat_sessions"
              + " set context_cache = '{\"open\":[\"a.ts\"]}' where session_id = ?",
          sessionId);
    }

    assertThat(column(major, "version", sessionId)).isEqualTo(2L);
    assertThat(
            column(
                major,
                "updated_at > now() - interval '1 hour' and last_activity = updated_at"
                    + " and created_at < now() - interval '1 hour'",
                sessionId))
        .isEqualTo(true);
  }

  @OnEachPostgresMajor
  void patchVersionOrCounters_byUser_isDeniedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    for (String assignment :
        new String[] {
          "version = 0",
          "message_count = 5",
          "history_bytes = 0",
          "fields_version = 0",
          "cleared_version = 0",
          "created_at = now()",
          "id = gen_random_uuid()"
        }) {
      SQLException e =
          sqlError(
              () ->
                  write(
                      major,
                      DatabaseRequest.asUser(user),
                      "update public.codebase_chat_sessions set "
                          + assignment
                          + " where session_id = ?",
                      sessionId));
      assertThat(e.getSQLState()).as(assignment).isEqualTo("42501");
    }
  }

  @OnEachPostgresMajor
  void renameSession_byOwner_isDeniedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    SQLException e =
        sqlError(
            () ->
                write(
                    major,
                    DatabaseRequest.asUser(user),
                    "update public.codebase_chat_sessions set session_id = ? where session_id = ?",
                    newSessionId(),
                    sessionId));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(e.getMessage())
        .contains("user_id and session_id of a chat session cannot be changed");
  }

  @OnEachPostgresMajor
  void upsert_ownSessionGivenToAnotherUser_isDeniedWith42501(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    UUID other = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    SQLException e =
        sqlError(
            () ->
                write(
                    major,
                    DatabaseRequest.asUser(user),
                    "insert into public.codebase_chat_sessions (session_id, user_id) values (?, ?)"
                        + " on conflict (session_id) do update set user_id = excluded.user_id",
                    sessionId,
                    other));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(column(major, "user_id", sessionId)).isEqualTo(user);
  }

  @OnEachPostgresMajor
  void chown_byNonSuperuserTableOwner_isAllowedWhileOtherRolesSeeNoRow(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase db =
        EmbeddedSupabase.on(major)
            .createDatabase(
                "owner_path_" + major.name().toLowerCase(java.util.Locale.ROOT),
                EmbeddedSupabase.Privileges.NONE);
    db.migrate();
    UUID from = db.createUser(false);
    UUID to = db.createUser(false);
    String sessionId = newSessionId();
    try (Connection owner = db.ownerConnection();
        Statement statement = owner.createStatement()) {
      // Hosted Supabase runs migrations and the SQL editor as postgres: the owner, not a superuser.
      statement.execute("create role chat_owner nologin; create role chat_operator nologin");
      statement.execute("alter table public.codebase_chat_sessions owner to chat_owner");
      statement.execute("grant select, update on public.codebase_chat_sessions to chat_operator");
      statement.execute(
          "insert into public.codebase_chat_sessions (session_id, user_id) values ('"
              + sessionId
              + "', '"
              + from
              + "')");
      String chown =
          "update public.codebase_chat_sessions set user_id = '"
              + to
              + "' where session_id = '"
              + sessionId
              + "'";

      statement.execute("set role chat_operator");
      int movedByOperator = statement.executeUpdate(chown);
      statement.execute("reset role; set role chat_owner");
      int moved = statement.executeUpdate(chown);
      statement.execute("reset role");

      assertThat(movedByOperator).as("RLS hides every row from a role without policies").isZero();
      assertThat(moved).isEqualTo(1);
    }
  }

  @OnEachPostgresMajor
  void insertBadRows_areRejectedByNamedCheckConstraints(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String[][] cases = {
      {"context_cache", "'[]'::jsonb", "codebase_chat_sessions_context_cache_is_object"},
      {"metadata", "'\"x\"'::jsonb", "codebase_chat_sessions_metadata_is_object"},
      {"repo", "repeat('r', 513)", "codebase_chat_sessions_repo_length"},
      {"current_file", "repeat('f', 4097)", "codebase_chat_sessions_current_file_length"},
      {
        "context_cache",
        "jsonb_build_object('k', repeat(md5('x'), 40000))",
        "codebase_chat_sessions_context_cache_is_object"
      },
    };
    for (String[] c : cases) {
      SQLException e =
          sqlError(
              () ->
                  write(
                      major,
                      DatabaseRequest.asUser(user),
                      "insert into public.codebase_chat_sessions (session_id, "
                          + c[0]
                          + ") values (?, "
                          + c[1]
                          + ")",
                      newSessionId()));
      assertThat(e.getSQLState()).as(c[0]).isEqualTo("23514");
      assertThat(e.getMessage()).as(c[0]).contains(c[2]);
    }
  }

  @OnEachPostgresMajor
  void insertBadSessionId_isRejectedBySessionIdFormat(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);

    SQLException e =
        sqlError(
            () ->
                write(
                    major,
                    DatabaseRequest.asUser(user),
                    "insert into public.codebase_chat_sessions (session_id) values (?)",
                    "session-1"));

    assertThat(e.getSQLState()).isEqualTo("23514");
    assertThat(e.getMessage()).contains("codebase_chat_sessions_session_id_format");
  }

  @OnEachPostgresMajor
  void historyOver16MiB_isRejectedByHistoryMaxBytes(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    String nearlyOneMebibyte = "y".repeat(1_000_000);
    StringBuilder sixteen = new StringBuilder("[");
    for (int i = 0; i < 16; i++) {
      sixteen.append(i == 0 ? "" : ",").append(message("m" + i, nearlyOneMebibyte));
    }
    rpc.append(DatabaseRequest.asUser(user), sessionId, sixteen.append(']').toString());

    SQLException e =
        sqlError(
            () ->
                rpc.append(
                    DatabaseRequest.asUser(user),
                    sessionId,
                    "[" + message("m16", nearlyOneMebibyte) + "]"));

    assertThat(e.getSQLState()).isEqualTo("23514");
    assertThat(e.getMessage()).contains("codebase_chat_sessions_history_max_bytes");
    assertThat(
            column(
                major,
                "s.message_count || ' ' || (s.history_bytes = octet_length(s.conversation_history::text))",
                sessionId))
        .as("the 16 stored messages, nothing of the 17th")
        .isEqualTo("16 true");
  }

  @OnEachPostgresMajor
  void clear_ownSession_emptiesHistoryAndBumpsVersion(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"));

    JsonNode result = rpc.clear(DatabaseRequest.asUser(user), sessionId);

    assertThat(result.get("version").asLong()).isEqualTo(2);
    assertThat(result.get("session_id").asText()).isEqualTo(sessionId);
    assertThat(result.get("message_count").asInt()).isZero();
    assertThat(result.get("last_activity").asText()).isNotBlank();
    assertThat(column(major, "jsonb_array_length(s.conversation_history)", sessionId)).isEqualTo(0);
    assertThat(
            column(
                major,
                "(select count(*) from public.codebase_chat_messages m where m.session_row_id = s.id)",
                sessionId))
        .as("message rows")
        .isEqualTo(0L);
    assertThat(column(major, "s.cleared_version", sessionId)).isEqualTo(2L);
  }

  @OnEachPostgresMajor
  void clear_missingSession_returnsNull(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);

    assertThat(new ChatRpc(db(major)).clear(DatabaseRequest.asUser(user), newSessionId())).isNull();
  }

  @OnEachPostgresMajor
  void delete_ownSession_removesItOnce(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    JsonNode first = rpc.delete(DatabaseRequest.asUser(user), sessionId);
    JsonNode second = rpc.delete(DatabaseRequest.asUser(user), sessionId);

    assertThat(first.asBoolean()).isTrue();
    assertThat(second.asBoolean()).isFalse();
    assertThat(column(major, "count(*)", sessionId)).isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void clearAndDelete_notSignedInOrMalformedId_areRejected(PostgresMajor major) {
    DatabaseRequest noSub =
        DatabaseRequest.withClaims("authenticated", "{\"role\":\"authenticated\"}");
    DatabaseRequest user = DatabaseRequest.asUser(UUID.randomUUID());
    ChatRpc rpc = new ChatRpc(db(major));

    assertThat(sqlError(() -> rpc.clear(noSub, newSessionId())).getSQLState()).isEqualTo("42501");
    assertThat(sqlError(() -> rpc.delete(noSub, newSessionId())).getSQLState()).isEqualTo("42501");
    assertThat(sqlError(() -> rpc.clear(user, "nope")).getSQLState()).isEqualTo("22023");
    assertThat(sqlError(() -> rpc.delete(user, "nope")).getSQLState()).isEqualTo("22023");
  }

  @OnEachPostgresMajor
  void deleteUser_cascadesToTheirSessions(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    db(major).executeAsOwner("delete from auth.users where id = ?", user);

    assertThat(column(major, "count(*)", sessionId)).isEqualTo(0L);
  }

  // chat_session_changes -------------------------------------------------------------------------

  private static JsonNode changes(PostgresMajor major, UUID user, String sessionId, long since)
      throws SQLException {
    return new ChatRpc(db(major)).changes(DatabaseRequest.asUser(user), sessionId, since);
  }

  private static String ids(JsonNode messages) {
    List<String> ids = new ArrayList<>();
    messages.forEach(m -> ids.add(m.get("id").asText()));
    return String.join(",", ids);
  }

  @OnEachPostgresMajor
  void changes_atTheCurrentVersion_answersUnchangedAndNothingElse(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    JsonNode written =
        new ChatRpc(db(major))
            .append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"));

    JsonNode answer = changes(major, user, sessionId, written.get("version").asLong());

    assertThat(answer.get("unchanged").asBoolean()).isTrue();
    assertThat(answer.get("session_id").asText()).isEqualTo(sessionId);
    assertThat(answer.get("version").asLong()).isEqualTo(1);
    assertThat(answer.get("message_count").asInt()).isEqualTo(2);
    assertThat(answer.get("last_activity").asText())
        .isEqualTo(written.get("last_activity").asText());
    assertThat(answer.has("created_at")).isTrue();
    assertThat(answer.has("messages") || answer.has("reset") || answer.has("fields")).isFalse();
  }

  @OnEachPostgresMajor
  void changes_sinceAnOlderVersion_answersOnlyTheMessagesStoredAfterIt(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m3"));
    rpc.append(
        DatabaseRequest.asUser(user),
        sessionId,
        "[" + message("m0", "late", "2025-01-18T11:00:00.000Z") + "]");

    JsonNode answer = changes(major, user, sessionId, 1);

    assertThat(answer.get("unchanged").asBoolean()).isFalse();
    assertThat(answer.get("reset").asBoolean()).isFalse();
    assertThat(ids(answer.get("messages"))).as("in history order").isEqualTo("m0,m3");
    assertThat(answer.get("messages").get(1).toString()).isEqualTo(message("m3", "text of m3"));
    assertThat(answer.get("version").asLong()).isEqualTo(3);
    assertThat(answer.get("message_count").asInt()).isEqualTo(4);
    assertThat(answer.has("fields")).as("no field changed since version 1").isFalse();
  }

  @OnEachPostgresMajor
  void changes_sinceAVersionBeforeAClear_answersAResetWithTheWholeHistory(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"), "acme/web", null);
    rpc.clear(DatabaseRequest.asUser(user), sessionId);
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m3"));

    JsonNode answer = changes(major, user, sessionId, 1);

    assertThat(answer.get("reset").asBoolean()).isTrue();
    assertThat(ids(answer.get("messages"))).isEqualTo("m3");
    assertThat(answer.get("fields").toString())
        .isEqualTo(
            "{\"repo\":\"acme/web\",\"metadata\":{},\"current_file\":null,\"context_cache\":{}}");
  }

  @OnEachPostgresMajor
  void changes_sinceAVersionTheSessionNeverHad_answersAReset(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    JsonNode answer = changes(major, user, sessionId, 7);

    assertThat(answer.get("reset").asBoolean()).isTrue();
    assertThat(ids(answer.get("messages"))).isEqualTo("m1");
    assertThat(answer.has("fields")).isTrue();
  }

  @OnEachPostgresMajor
  void changes_fieldsAreAnsweredOnlyWhenOneChangedSince(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));
    rpc.append(DatabaseRequest.asUser(user), sessionId, "[]", "acme/web", "src/App.tsx");
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m2"));
    write(
        major,
        DatabaseRequest.asUser(user),
        "update public.codebase_chat_sessions"
            + " set context_cache = '{\"open\":[\"a.ts\"]}' where session_id = ?",
        sessionId);

    JsonNode beforeRepo = changes(major, user, sessionId, 1);
    JsonNode afterRepo = changes(major, user, sessionId, 2);
    JsonNode afterMessage = changes(major, user, sessionId, 3);

    assertThat(beforeRepo.get("fields").get("repo").asText()).isEqualTo("acme/web");
    assertThat(beforeRepo.get("fields").get("current_file").asText()).isEqualTo("src/App.tsx");
    assertThat(afterRepo.get("fields").get("context_cache").toString())
        .isEqualTo("{\"open\":[\"a.ts\"]}");
    assertThat(ids(afterRepo.get("messages"))).isEqualTo("m2");
    assertThat(afterMessage.get("fields").get("context_cache").toString())
        .isEqualTo("{\"open\":[\"a.ts\"]}");
    assertThat(ids(afterMessage.get("messages"))).isEmpty();

    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m3"));
    JsonNode onlyMessages = changes(major, user, sessionId, 4);
    assertThat(onlyMessages.has("fields")).isFalse();
    assertThat(ids(onlyMessages.get("messages"))).isEqualTo("m3");
  }

  @OnEachPostgresMajor
  void changes_anotherUsersOrAMissingSession_answersNull(PostgresMajor major) throws SQLException {
    UUID owner = db(major).createUser(false);
    UUID other = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(owner), sessionId, messages("m1"));

    assertThat(changes(major, other, sessionId, 0)).isNull();
    assertThat(changes(major, owner, newSessionId(), 0)).isNull();
  }

  @OnEachPostgresMajor
  void changes_anonOrNoSub_isRefusedWith42501(PostgresMajor major) {
    ChatRpc rpc = new ChatRpc(db(major));
    DatabaseRequest noSub =
        DatabaseRequest.withClaims("authenticated", "{\"role\":\"authenticated\"}");

    SQLException anon = sqlError(() -> rpc.changes(DatabaseRequest.asAnon(), newSessionId(), 0L));
    SQLException withoutUser = sqlError(() -> rpc.changes(noSub, newSessionId(), 0L));

    assertThat(anon.getSQLState()).isEqualTo("42501");
    assertThat(anon.getMessage()).contains("permission denied for function chat_session_changes");
    assertThat(withoutUser.getSQLState()).isEqualTo("42501");
  }

  @OnEachPostgresMajor
  void changes_malformedIdOrVersion_isRejectedWith22023(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    SQLException badId = sqlError(() -> rpc.changes(DatabaseRequest.asUser(user), "chat-1-x", 0L));
    SQLException negative =
        sqlError(() -> rpc.changes(DatabaseRequest.asUser(user), sessionId, -1L));
    SQLException missing =
        sqlError(() -> rpc.changes(DatabaseRequest.asUser(user), sessionId, null));

    assertThat(badId.getSQLState()).isEqualTo("22023");
    assertThat(badId.getMessage()).contains("p_session_id must match");
    assertThat(negative.getSQLState()).isEqualTo("22023");
    assertThat(negative.getMessage()).contains("p_since_version must be a version");
    assertThat(missing.getSQLState()).isEqualTo("22023");
  }

  // store_chat_session_for -----------------------------------------------------------------------

  private static JsonNode store(
      PostgresMajor major, UUID owner, String sessionId, Long expected, String session)
      throws SQLException {
    return new ChatRpc(db(major))
        .store(DatabaseRequest.asServiceRole(), owner, sessionId, expected, session);
  }

  private static String session(String repo, String historyJson) {
    return "{\"repo\":\""
        + repo
        + "\",\"current_file\":null,\"context_cache\":{\"k\":1},\"metadata\":{},"
        + "\"conversation_history\":"
        + historyJson
        + "}";
  }

  private static long version(PostgresMajor major, String sessionId) throws SQLException {
    return (Long) column(major, "s.version", sessionId);
  }

  @OnEachPostgresMajor
  void storeFor_authenticatedCaller_isRefusedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    SQLException e =
        sqlError(
            () ->
                rpc.store(
                    DatabaseRequest.asUser(user),
                    user,
                    sessionId,
                    1L,
                    session("acme/web", messages("m1", "m2"))));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(e.getMessage()).contains("permission denied for function store_chat_session_for");
    assertThat(version(major, sessionId)).isEqualTo(1L);
  }

  @OnEachPostgresMajor
  void storeFor_sessionOfAnotherOwner_isRefusedWith42501AndChangesNothing(PostgresMajor major)
      throws SQLException {
    UUID owner = db(major).createUser(false);
    UUID other = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(owner), sessionId, messages("m1"));
    List<String> rows = AppendChatMessagesTest.messageRows(db(major), sessionId);

    SQLException e =
        sqlError(() -> store(major, other, sessionId, 1L, session("evil", messages("m1", "m2"))));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(e.getMessage()).contains("belongs to a session of another user");
    assertThat(column(major, "s.user_id", sessionId)).isEqualTo(owner);
    assertThat(column(major, "s.version", sessionId)).isEqualTo(1L);
    assertThat(AppendChatMessagesTest.messageRows(db(major), sessionId)).isEqualTo(rows);
  }

  @OnEachPostgresMajor
  void storeFor_staleExpectedVersion_returnsFalseAndChangesNothing(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m2"));
    Object before = column(major, "to_jsonb(s)::text || s.conversation_history::text", sessionId);

    JsonNode behind =
        store(major, user, sessionId, 1L, session("acme/web", messages("m1", "m2", "m3")));
    JsonNode expectsNoRow =
        store(major, user, sessionId, null, session("acme/web", messages("m1", "m2", "m3")));

    assertThat(behind.asBoolean()).isFalse();
    assertThat(expectsNoRow.asBoolean()).isFalse();
    assertThat(column(major, "to_jsonb(s)::text || s.conversation_history::text", sessionId))
        .isEqualTo(before);
  }

  @OnEachPostgresMajor
  void storeFor_targetHoldsEveryStoredMessage_insertsOnlyTheNewOnes(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"));
    List<String> rows = AppendChatMessagesTest.messageRows(db(major), sessionId);
    String target =
        "["
            + message("m0", "early", "2025-01-18T11:00:00.000Z")
            + ","
            + message("m1", "text of m1")
            + ","
            + message("m2", "text of m2")
            + ","
            + message("m3", "late", "2025-01-18T13:00:00.000Z")
            + "]";

    JsonNode stored = store(major, user, sessionId, 1L, session("acme/web", target));

    assertThat(stored.asBoolean()).isTrue();
    List<String> after = AppendChatMessagesTest.messageRows(db(major), sessionId);
    assertThat(after).hasSize(4).containsAll(rows);
    assertThat(AppendChatMessagesTest.history(db(major), sessionId))
        .isEqualTo(db(major).valueAsOwner("select ?::jsonb::text", target));
    assertThat(
            column(
                major,
                "s.repo || ' ' || s.context_cache::text || ' ' || s.message_count || ' '"
                    + " || (s.history_bytes = octet_length(s.conversation_history::text)) || ' ' || s.cleared_version",
                sessionId))
        .isEqualTo("acme/web {\"k\": 1} 4 true 0");
    JsonNode changed = changes(major, user, sessionId, 1);
    assertThat(changed.get("reset").asBoolean()).isFalse();
    assertThat(ids(changed.get("messages"))).isEqualTo("m0,m3");
  }

  @OnEachPostgresMajor
  void storeFor_targetMissesAStoredMessage_replacesTheHistoryAndMarksAReset(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"));

    JsonNode stored = store(major, user, sessionId, 1L, session("acme/web", messages("m2", "m3")));

    assertThat(stored.asBoolean()).isTrue();
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m2,m3");
    assertThat(
            column(
                major,
                "s.message_count || ' ' || (s.history_bytes = octet_length(s.conversation_history::text))"
                    + " || ' ' || (s.cleared_version > 1)",
                sessionId))
        .isEqualTo("2 true true");
    JsonNode changed = changes(major, user, sessionId, 1);
    assertThat(changed.get("reset").asBoolean()).isTrue();
    assertThat(ids(changed.get("messages"))).isEqualTo("m2,m3");
  }

  @OnEachPostgresMajor
  void storeFor_noRowExpected_createsTheSessionForTheOwner(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    JsonNode stored =
        store(major, user, sessionId, null, session("acme/web", messages("m1", "m2")));

    assertThat(stored.asBoolean()).isTrue();
    assertThat(column(major, "s.user_id", sessionId)).isEqualTo(user);
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m1,m2");
    assertThat(column(major, "s.repo || ' ' || s.message_count", sessionId))
        .isEqualTo("acme/web 2");
    assertThat(
            db(major)
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_messages m"
                        + " join public.codebase_chat_sessions s on s.id = m.session_row_id"
                        + " where s.session_id = ? and m.user_id = ?",
                    sessionId,
                    user))
        .as("messages owned alike")
        .isEqualTo(2L);
    JsonNode seen = changes(major, user, sessionId, 0);
    assertThat(ids(seen.get("messages"))).isEqualTo("m1,m2");
  }

  @OnEachPostgresMajor
  void storeFor_nullSession_deletesTheSessionAndItsMessages(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1", "m2"));
    Object rowId = column(major, "s.id", sessionId);

    JsonNode deleted = store(major, user, sessionId, 1L, null);

    assertThat(deleted.asBoolean()).isTrue();
    assertThat(column(major, "count(*)", sessionId)).isEqualTo(0L);
    assertThat(
            db(major)
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_messages where session_row_id = ?",
                    rowId))
        .isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void storeFor_timestampPostgresCannotRead_isRejectedWith22023NamingThePosition(
      PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    SQLException e =
        sqlError(
            () ->
                store(
                    major,
                    user,
                    sessionId,
                    null,
                    session(
                        "acme/web",
                        "["
                            + message("m1", "x")
                            + ","
                            + message("m2", "x", "2025-13-01T12:00:00Z")
                            + "]")));

    assertThat(e.getSQLState()).isEqualTo("22023");
    assertThat(e.getMessage())
        .contains("p_messages[1].timestamp is not a date-time PostgreSQL can read");
    assertThat(column(major, "count(*)", sessionId)).isEqualTo(0L);
  }

  // append_chat_messages_for ---------------------------------------------------------------------

  private static JsonNode appendFor(
      PostgresMajor major, UUID owner, String sessionId, String messagesJson) throws SQLException {
    return new ChatRpc(db(major))
        .appendFor(DatabaseRequest.asServiceRole(), owner, sessionId, messagesJson);
  }

  @OnEachPostgresMajor
  void appendFor_authenticatedCaller_isRefusedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ChatRpc rpc = new ChatRpc(db(major));
    rpc.append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    SQLException e =
        sqlError(
            () -> rpc.appendFor(DatabaseRequest.asUser(user), user, sessionId, messages("m2")));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(e.getMessage()).contains("permission denied for function append_chat_messages_for");
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m1");
  }

  @OnEachPostgresMajor
  void appendFor_sessionOfAnotherOwner_isNullAndChangesNothing(PostgresMajor major)
      throws SQLException {
    UUID owner = db(major).createUser(false);
    UUID other = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(owner), sessionId, messages("m1"));
    List<String> rows = AppendChatMessagesTest.messageRows(db(major), sessionId);

    JsonNode answer = appendFor(major, other, sessionId, messages("intruder"));

    assertThat(answer).as("SQL null").isNull();
    assertThat(column(major, "s.user_id::text || ' ' || s.version", sessionId))
        .isEqualTo(owner + " 1");
    assertThat(AppendChatMessagesTest.messageRows(db(major), sessionId)).isEqualTo(rows);
  }

  @OnEachPostgresMajor
  void appendFor_noSession_createsItForTheOwner(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    JsonNode answer = appendFor(major, user, sessionId, messages("m1", "m2"));

    assertThat(answer.get("created").asBoolean()).isTrue();
    assertThat(answer.get("appended").asInt()).isEqualTo(2);
    assertThat(column(major, "s.user_id", sessionId)).isEqualTo(user);
    assertThat(
            db(major)
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_messages m"
                        + " join public.codebase_chat_sessions s on s.id = m.session_row_id"
                        + " where s.session_id = ? and m.user_id = ?",
                    sessionId,
                    user))
        .as("messages owned alike")
        .isEqualTo(2L);
  }

  @OnEachPostgresMajor
  void appendFor_lateMessages_takeTheirPlaceByTimestamp_andStoredIdsAreSkipped(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major))
        .append(
            DatabaseRequest.asUser(user),
            sessionId,
            "[" + message("m2", "meanwhile", "2025-01-18T12:00:02.000Z") + "]");

    JsonNode answer =
        appendFor(
            major,
            user,
            sessionId,
            "["
                + message("m1", "late", "2025-01-18T12:00:01.000Z")
                + ","
                + message("m2", "meanwhile", "2025-01-18T12:00:02.000Z")
                + ","
                + message("m3", "late", "2025-01-18T12:00:03.000Z")
                + "]");

    assertThat(answer.get("appended").asInt()).isEqualTo(2);
    assertThat(answer.get("version").asLong()).isEqualTo(2L);
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m1,m2,m3");
    assertThat(
            column(
                major,
                "s.message_count || ' ' || (s.history_bytes = octet_length(s.conversation_history::text))",
                sessionId))
        .isEqualTo("3 true");
    assertThat(ids(changes(major, user, sessionId, 1).get("messages"))).isEqualTo("m1,m3");
  }

  @OnEachPostgresMajor
  void appendFor_ownerlessSession_isNull(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1"));
    db(major)
        .executeAsOwner(
            "update public.codebase_chat_sessions set user_id = null where session_id = ?",
            sessionId);

    JsonNode answer = appendFor(major, user, sessionId, messages("m2"));

    assertThat(answer).as("SQL null").isNull();
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m1");
  }

  @OnEachPostgresMajor
  void appendFor_invalidArguments_areRejectedWith22023(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);

    SQLException badId = sqlError(() -> appendFor(major, user, "not-a-session", messages("m1")));
    SQLException noOwner =
        sqlError(
            () ->
                new ChatRpc(db(major))
                    .call(
                        DatabaseRequest.asServiceRole(),
                        "append_chat_messages_for",
                        "select public.append_chat_messages_for(null, ?, ?::jsonb)::text",
                        newSessionId(),
                        messages("m1")));
    SQLException badMessage =
        sqlError(() -> appendFor(major, user, newSessionId(), "[{\"id\":\"m1\"}]"));

    assertThat(badId.getSQLState()).isEqualTo("22023");
    assertThat(badId.getMessage()).contains("p_session_id must match");
    assertThat(noOwner.getSQLState()).isEqualTo("22023");
    assertThat(noOwner.getMessage()).contains("p_owner must be a user id");
    assertThat(badMessage.getSQLState()).isEqualTo("22023");
    assertThat(badMessage.getMessage()).contains("p_messages[0]");
  }

  private static JsonNode appendForExisting(
      PostgresMajor major, UUID owner, String sessionId, String messagesJson) throws SQLException {
    return new ChatRpc(db(major))
        .appendForExisting(DatabaseRequest.asServiceRole(), owner, sessionId, messagesJson);
  }

  @OnEachPostgresMajor
  void appendForWithoutCreate_toAMissingSession_answersMissing_andCreatesNothing(
      PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    JsonNode answer = appendForExisting(major, user, sessionId, messages("m1"));

    assertThat(answer.toString())
        .isEqualTo("{\"missing\":true,\"session_id\":\"" + sessionId + "\"}");
    assertThat(column(major, "count(*)", sessionId)).isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void appendForWithoutCreate_toTheOwnersSession_appendsAsAppendForDoes(PostgresMajor major)
      throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    JsonNode answer = appendForExisting(major, user, sessionId, messages("m1", "m2"));

    assertThat(answer.get("created").asBoolean()).isFalse();
    assertThat(answer.get("appended").asInt()).isEqualTo(1);
    assertThat(answer.get("version").asLong()).isEqualTo(2L);
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m1,m2");
  }

  @OnEachPostgresMajor
  void appendForWithoutCreate_toAnotherUsersSession_isNull_andChangesNothing(PostgresMajor major)
      throws SQLException {
    UUID owner = db(major).createUser(false);
    UUID other = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(owner), sessionId, messages("m1"));

    JsonNode answer = appendForExisting(major, other, sessionId, messages("intruder"));

    assertThat(answer).as("SQL null").isNull();
    assertThat(column(major, "s.user_id::text || ' ' || s.version", sessionId))
        .isEqualTo(owner + " 1");
  }

  @OnEachPostgresMajor
  void appendFor_createNull_isRefusedWith22023(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    new ChatRpc(db(major)).append(DatabaseRequest.asUser(user), sessionId, messages("m1"));

    SQLException e =
        sqlError(
            () ->
                new ChatRpc(db(major))
                    .call(
                        DatabaseRequest.asServiceRole(),
                        "append_chat_messages_for",
                        "select public.append_chat_messages_for(?::uuid, ?, ?::jsonb,"
                            + " p_create => null)::text",
                        user,
                        sessionId,
                        messages("m2")));

    assertThat(e.getSQLState()).isEqualTo("22023");
    assertThat(e.getMessage()).contains("p_create must be true or false");
    assertThat(AppendChatMessagesTest.historyIds(db(major), sessionId)).isEqualTo("m1");
  }

  @OnEachPostgresMajor
  void storeFor_sessionCreatedMeanwhile_returnsFalse(PostgresMajor major) throws Exception {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection creator = db(major).ownerConnection();
        Connection drain = db(major).authenticatorConnection()) {
      creator.setAutoCommit(false);
      try (PreparedStatement insert =
          creator.prepareStatement(
              "insert into public.codebase_chat_sessions (session_id, user_id) values (?, ?)")) {
        insert.setString(1, sessionId);
        insert.setObject(2, user);
        insert.executeUpdate();
      }
      Future<Boolean> store =
          pool.submit(
              () ->
                  DatabaseRequest.asServiceRole()
                      .to("POST", "/rpc/store_chat_session_for")
                      .run(
                          drain,
                          c -> {
                            try (PreparedStatement call =
                                c.prepareStatement(
                                    "select public.store_chat_session_for(?, ?, null, ?::jsonb)")) {
                              call.setObject(1, user);
                              call.setString(2, sessionId);
                              call.setString(3, session("acme/web", messages("m1")));
                              try (var rs = call.executeQuery()) {
                                rs.next();
                                return rs.getBoolean(1);
                              }
                            }
                          }));
      // The store has found no row and now waits on the uncommitted insert of the same session id.
      // (A state of another database session, observed: no time of ours to move instead.)
      await("the store waits for the creator")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  Boolean.TRUE.equals(
                      db(major)
                          .valueAsOwner(
                              "select exists (select 1 from pg_stat_activity"
                                  + " where wait_event_type = 'Lock' and query like '%store_chat_session_for%')")));
      creator.commit();

      assertThat(store.get(10, TimeUnit.SECONDS)).isFalse();
    } finally {
      pool.shutdownNow();
    }
    assertThat(column(major, "s.message_count || ' ' || s.version", sessionId)).isEqualTo("0 0");
  }
}
