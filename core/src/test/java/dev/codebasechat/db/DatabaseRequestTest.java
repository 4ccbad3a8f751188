package dev.codebasechat.db;

import static dev.codebasechat.db.AppendChatMessagesTest.sqlError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** The request emulation itself: what a request sees, and that nothing outlives it. */
class DatabaseRequestTest {
  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @OnEachPostgresMajor
  void run_asUser_seesTheRoleClaimsAndRequestSettings(PostgresMajor major) throws SQLException {
    UUID user = UUID.randomUUID();

    String seen =
        db(major)
            .request(
                DatabaseRequest.asUser(user, true).to("patch", "/codebase_chat_sessions"),
                c ->
                    query(
                        c,
                        "select concat_ws(' ', current_user, auth.uid(), auth.role(), auth.jwt() ->> 'is_anonymous',"
                            + " current_setting('request.method'), current_setting('request.path'))"));

    assertThat(seen)
        .isEqualTo("authenticated " + user + " authenticated true PATCH /codebase_chat_sessions");
  }

  @OnEachPostgresMajor
  void run_asAnonAndServiceRole_haveNoUser(PostgresMajor major) throws SQLException {
    String sql =
        "select concat_ws(' ', current_user, coalesce(auth.uid()::text, 'no-user'), auth.role())";

    String anon = db(major).request(DatabaseRequest.asAnon(), c -> query(c, sql));
    String service = db(major).request(DatabaseRequest.asServiceRole(), c -> query(c, sql));

    assertThat(anon).isEqualTo("anon no-user anon");
    assertThat(service).isEqualTo("service_role no-user service_role");
  }

  @OnEachPostgresMajor
  void run_asARole_appliesTheRolesOwnSettings(PostgresMajor major) throws SQLException {
    String sql = "select current_setting('statement_timeout')";

    String anon = db(major).request(DatabaseRequest.asAnon(), c -> query(c, sql));
    String user = db(major).request(DatabaseRequest.asUser(UUID.randomUUID()), c -> query(c, sql));

    assertThat(anon).isEqualTo("3s");
    assertThat(user).isEqualTo("8s");
  }

  @OnEachPostgresMajor
  void run_withHeaders_setsRequestHeadersAndEmptyCookies(PostgresMajor major) throws SQLException {
    String sql =
        "select current_setting('request.headers')::json ->> 'prefer'"
            + " || '|' || current_setting('request.cookies')";

    String seen =
        db(major)
            .request(
                DatabaseRequest.asAnon().withHeaders("{\"prefer\":\"return=minimal\"}"),
                c -> query(c, sql));

    assertThat(seen).isEqualTo("return=minimal|{}");
  }

  @OnEachPostgresMajor
  void run_readOnlyPost_failsToWriteWith25006(PostgresMajor major) {
    SQLException e =
        sqlError(
            () ->
                db(major)
                    .request(
                        DatabaseRequest.asServiceRole().to("POST", "/rpc/f").readOnly(),
                        c ->
                            c.createStatement()
                                .executeUpdate(
                                    "delete from public.codebase_chat_sessions where false")));

    assertThat(e.getSQLState()).isEqualTo("25006");
  }

  @OnEachPostgresMajor
  void run_getWritingTable_failsWith25006(PostgresMajor major) {
    SQLException e =
        sqlError(
            () ->
                db(major)
                    .request(
                        DatabaseRequest.asServiceRole().to("GET", "/x"),
                        c ->
                            c.createStatement()
                                .executeUpdate(
                                    "delete from public.codebase_chat_sessions where false")));

    assertThat(e.getSQLState()).isEqualTo("25006");
  }

  @OnEachPostgresMajor
  void run_afterTheRequest_leavesNoRoleOrClaimsBehind(PostgresMajor major) throws SQLException {
    try (Connection authenticator = db(major).authenticatorConnection()) {
      DatabaseRequest.asUser(UUID.randomUUID()).run(authenticator, c -> query(c, "select 1"));

      assertThat(
              query(
                  authenticator,
                  "select current_user || '|' || current_setting('request.jwt.claims', true)"))
          .isEqualTo("authenticator|");
      assertThat(authenticator.getAutoCommit()).isTrue();
    }
  }

  @OnEachPostgresMajor
  void run_workThrows_rollsBackItsWrites(PostgresMajor major) throws SQLException {
    UUID user = db(major).createUser(false);
    String sessionId = ChatFixtures.newSessionId();

    sqlError(
        () ->
            db(major)
                .request(
                    DatabaseRequest.asUser(user),
                    c -> {
                      c.createStatement()
                          .executeUpdate(
                              "insert into public.codebase_chat_sessions (session_id) values ('"
                                  + sessionId
                                  + "')");
                      return query(c, "select 1 / 0");
                    }));

    assertThat(
            db(major)
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_sessions where session_id = ?",
                    sessionId))
        .isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void authenticator_withoutARequest_cannotReadTheTable(PostgresMajor major) throws SQLException {
    try (Connection authenticator = db(major).authenticatorConnection()) {
      SQLException e =
          sqlError(
              () -> query(authenticator, "select count(*) from public.codebase_chat_sessions"));

      assertThat(e.getSQLState()).isEqualTo("42501");
    }
  }
}
