package dev.codebasechat.db;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import static dev.codebasechat.db.AppendChatMessagesTest.sqlError;
import static dev.codebasechat.db.ChatFixtures.messages;
import static dev.codebasechat.db.ChatFixtures.newSessionId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Direct writes to {@code public.codebase_chat_sessions} (PostgREST POST/PATCH) and the clear and
 * delete functions: defaults, the row-maintenance triggers, column grants and CHECK constraints.
 */
class SessionTableTest {
  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
  }

  private static int write(PostgresMajor major, DatabaseRequest request, String sql, Object... parameters)
      throws SQLException {
    return db(major).request(request.to("POST", "/codebase_chat_sessions"), c -> {
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
    write(major, DatabaseRequest.asUser(user), "insert into public.codebase_chat_sessions (session_id) values (?)",
        sessionId);
    return sessionId;
  }

  private static Object column(PostgresMajor major, String column, String sessionId) throws SQLException {
    return db(major).queryAsOwner("select " + column + " from public.codebase_chat_sessions where session_id = ?",
        sessionId);
  }

  @OnEachPostgresMajor
  void insert_withoutUserId_isOwnedByTheCaller(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();

    write(major, DatabaseRequest.asUser(user), "insert into public.codebase_chat_sessions (session_id) values (?)",
        sessionId);

    assertThat(column(major, "user_id", sessionId)).isEqualTo(user);
    assertThat(column(major, "version", sessionId)).isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void patchHistory_directly_keepsMessageCountAndBumpsVersion(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    write(major, DatabaseRequest.asUser(user), "insert into public.codebase_chat_sessions"
        + " (session_id, conversation_history) values (?, ?::jsonb)", sessionId, messages("a", "b", "c"));
    assertThat(column(major, "message_count", sessionId)).isEqualTo(3);

    write(major, DatabaseRequest.asUser(user), "update public.codebase_chat_sessions"
        + " set conversation_history = ?::jsonb where session_id = ?", messages("a"), sessionId);

    assertThat(column(major, "message_count", sessionId)).isEqualTo(1);
    assertThat(column(major, "version", sessionId)).isEqualTo(1L);
  }

  @OnEachPostgresMajor
  void patchContext_bumpsVersionAndTimestamps(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = newSessionId();
    db(major).executeAsOwner("insert into public.codebase_chat_sessions (session_id, user_id, created_at, updated_at,"
        + " last_activity) values (?, ?, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day')",
        sessionId, user);

    for (int i = 0; i < 2; i++) {
      write(major, DatabaseRequest.asUser(user), "update public.codebase_chat_sessions"
          + " set context_cache = '{\"open\":[\"a.ts\"]}' where session_id = ?", sessionId);
    }

    assertThat(column(major, "version", sessionId)).isEqualTo(2L);
    assertThat(column(major, "updated_at > now() - interval '1 hour' and last_activity = updated_at"
        + " and created_at < now() - interval '1 hour'", sessionId)).isEqualTo(true);
  }

  @OnEachPostgresMajor
  void patchVersionOrMessageCount_byUser_isDeniedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    for (String assignment : new String[] {"version = 0", "message_count = 5", "created_at = now()", "id = gen_random_uuid()"}) {
      SQLException e = sqlError(() -> write(major, DatabaseRequest.asUser(user),
          "update public.codebase_chat_sessions set " + assignment + " where session_id = ?", sessionId));
      assertThat(e.getSQLState()).as(assignment).isEqualTo("42501");
    }
  }

  @OnEachPostgresMajor
  void renameSession_byOwner_isDeniedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    SQLException e = sqlError(() -> write(major, DatabaseRequest.asUser(user),
        "update public.codebase_chat_sessions set session_id = ? where session_id = ?", newSessionId(), sessionId));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(e.getMessage()).contains("user_id and session_id of a chat session cannot be changed");
  }

  @OnEachPostgresMajor
  void upsert_ownSessionGivenToAnotherUser_isDeniedWith42501(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    UUID other = db(major).createUser(false);
    String sessionId = insertOwnSession(major, user);

    SQLException e = sqlError(() -> write(major, DatabaseRequest.asUser(user),
        "insert into public.codebase_chat_sessions (session_id, user_id) values (?, ?)"
            + " on conflict (session_id) do update set user_id = excluded.user_id", sessionId, other));

    assertThat(e.getSQLState()).isEqualTo("42501");
    assertThat(column(major, "user_id", sessionId)).isEqualTo(user);
  }

  @OnEachPostgresMajor
  void chown_byNonSuperuserTableOwner_isAllowedWhileOtherRolesSeeNoRow(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = EmbeddedSupabase.on(major).createDatabase(
        "owner_path_" + major.name().toLowerCase(java.util.Locale.ROOT), EmbeddedSupabase.Privileges.NONE);
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
      statement.execute("insert into public.codebase_chat_sessions (session_id, user_id) values ('"
          + sessionId + "', '" + from + "')");
      String chown = "update public.codebase_chat_sessions set user_id = '" + to + "' where session_id = '"
          + sessionId + "'";

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
      {"conversation_history", "'{\"id\":\"m\"}'::jsonb", "codebase_chat_sessions_history_is_array"},
      {"context_cache", "'[]'::jsonb", "codebase_chat_sessions_context_cache_is_object"},
      {"metadata", "'\"x\"'::jsonb", "codebase_chat_sessions_metadata_is_object"},
      {"repo", "repeat('r', 513)", "codebase_chat_sessions_repo_length"},
      {"current_file", "repeat('f', 4097)", "codebase_chat_sessions_current_file_length"},
      {"context_cache", "jsonb_build_object('k', repeat(md5('x'), 40000))", "codebase_chat_sessions_context_cache_is_object"},
    };
    for (String[] c : cases) {
      SQLException e = sqlError(() -> write(major, DatabaseRequest.asUser(user),
          "insert into public.codebase_chat_sessions (session_id, " + c[0] + ") values (?, " + c[1] + ")",
          newSessionId()));
      assertThat(e.getSQLState()).as(c[0]).isEqualTo("23514");
      assertThat(e.getMessage()).as(c[0]).contains(c[2]);
    }
  }

  @OnEachPostgresMajor
  void insertBadSessionId_isRejectedBySessionIdFormat(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);

    SQLException e = sqlError(() -> write(major, DatabaseRequest.asUser(user),
        "insert into public.codebase_chat_sessions (session_id) values (?)", "session-1"));

    assertThat(e.getSQLState()).isEqualTo("23514");
    assertThat(e.getMessage()).contains("codebase_chat_sessions_session_id_format");
  }

  @OnEachPostgresMajor
  void historyOver16MiB_isRejectedByHistoryMaxBytes(PostgresMajor major) throws SQLException {
    String sessionId = newSessionId();

    SQLException e = sqlError(() -> db(major).executeAsOwner("insert into public.codebase_chat_sessions"
        + " (session_id, conversation_history) select ?, jsonb_agg(jsonb_build_object('id', i,"
        + " 'content', repeat(md5(i::text), 60))) from generate_series(1, 9000) i", sessionId));

    assertThat(e.getSQLState()).isEqualTo("23514");
    assertThat(e.getMessage()).contains("codebase_chat_sessions_history_max_bytes");
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
    assertThat(column(major, "jsonb_array_length(conversation_history)", sessionId)).isEqualTo(0);
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
    DatabaseRequest noSub = DatabaseRequest.withClaims("authenticated", "{\"role\":\"authenticated\"}");
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
}
