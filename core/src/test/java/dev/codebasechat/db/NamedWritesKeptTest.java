package dev.codebasechat.db;

import static dev.codebasechat.db.ChatFixtures.newSessionId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The ids of clears and deletes are kept for 7 days ({@code named_writes_kept}): a try sent again
 * within them changes nothing, one sent later is applied again, and records past them are forgotten
 * by later writes. Times are moved by dating the records back.
 */
class NamedWritesKeptTest {
  private static final String M1 =
      "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"a\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]";
  private static final String M2 =
      "[{\"id\":\"m2\",\"role\":\"user\",\"content\":\"b\",\"timestamp\":\"2025-01-18T12:00:01Z\"}]";

  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("named_writes");
  }

  private static void ageRecords(SupabaseDatabase db, String table, String column, UUID id)
      throws SQLException {
    db.executeAsOwner(
        "update codebase_chat_private."
            + table
            + " set "
            + column
            + " = now() - interval '8 days' where "
            + (table.equals("session_clears") ? "clear_id" : "delete_id")
            + " = ?::uuid",
        id.toString());
  }

  @OnEachPostgresMajor
  void aClearSentAgainAfterSevenDays_clearsAgain(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    DatabaseRequest user = DatabaseRequest.asUser(db.createUser(false));
    String sessionId = newSessionId();
    rpc.append(user, sessionId, M1);
    UUID clearId = UUID.randomUUID();
    rpc.clear(user, sessionId, clearId);
    rpc.append(user, sessionId, M2);
    ageRecords(db, "session_clears", "cleared_at", clearId);

    rpc.clear(user, sessionId, clearId);

    assertThat(AppendChatMessagesTest.historyIds(db, sessionId)).isNull();
  }

  @OnEachPostgresMajor
  void aDeleteSentAgainAfterSevenDays_deletesAgain(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    DatabaseRequest user = DatabaseRequest.asUser(db.createUser(false));
    String sessionId = newSessionId();
    rpc.append(user, sessionId, M1);
    UUID deleteId = UUID.randomUUID();
    rpc.delete(user, sessionId, deleteId);
    rpc.append(user, sessionId, M2);
    ageRecords(db, "session_deletes", "deleted_at", deleteId);

    rpc.delete(user, sessionId, deleteId);

    assertThat(
            db.valueAsOwner(
                "select count(*) from public.codebase_chat_sessions where session_id = ?",
                sessionId))
        .isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void recordsPastSevenDays_areForgottenByLaterClearsAndDeletes_ofAnyUser(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    DatabaseRequest alice = DatabaseRequest.asUser(db.createUser(false));
    DatabaseRequest bob = DatabaseRequest.asUser(db.createUser(false));
    String alices = newSessionId();
    String bobs = newSessionId();
    rpc.append(alice, alices, M1);
    rpc.append(bob, bobs, M1);
    UUID oldClear = UUID.randomUUID();
    UUID oldDelete = UUID.randomUUID();
    rpc.clear(alice, alices, oldClear);
    rpc.delete(alice, alices, oldDelete);
    ageRecords(db, "session_clears", "cleared_at", oldClear);
    ageRecords(db, "session_deletes", "deleted_at", oldDelete);

    rpc.clear(bob, bobs, UUID.randomUUID());
    rpc.delete(bob, bobs, UUID.randomUUID());

    assertThat(
            db.valueAsOwner(
                "select (select count(*) from codebase_chat_private.session_clears where clear_id = ?::uuid)"
                    + " + (select count(*) from codebase_chat_private.session_deletes where delete_id = ?::uuid)",
                oldClear.toString(),
                oldDelete.toString()))
        .isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void recordsPastSevenDays_areForgottenToo_byClearsAndDeletesOfSessionsTheCallerDoesNotHave(
      PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    DatabaseRequest alice = DatabaseRequest.asUser(db.createUser(false));
    DatabaseRequest bob = DatabaseRequest.asUser(db.createUser(false));
    String alices = newSessionId();
    UUID oldClear = UUID.randomUUID();
    UUID oldDelete = UUID.randomUUID();
    rpc.clear(alice, alices, oldClear); // no such session: the id is recorded all the same
    rpc.delete(alice, alices, oldDelete);
    ageRecords(db, "session_clears", "cleared_at", oldClear);
    ageRecords(db, "session_deletes", "deleted_at", oldDelete);

    rpc.clear(bob, newSessionId(), UUID.randomUUID());
    rpc.delete(bob, newSessionId(), UUID.randomUUID());

    assertThat(
            db.valueAsOwner(
                "select (select count(*) from codebase_chat_private.session_clears where clear_id = ?::uuid)"
                    + " + (select count(*) from codebase_chat_private.session_deletes where delete_id = ?::uuid)",
                oldClear.toString(),
                oldDelete.toString()))
        .isEqualTo(0L);
  }

  @OnEachPostgresMajor
  void aUser_cannotAddARecordOfAnotherUsersClearOrDelete(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    UUID alice = db.createUser(false);
    UUID bob = db.createUser(false);

    for (String table : java.util.List.of("session_clears", "session_deletes")) {
      String column = table.equals("session_clears") ? "clear_id" : "delete_id";
      SQLException refused =
          AppendChatMessagesTest.sqlError(
              () ->
                  db.request(
                      DatabaseRequest.asUser(bob),
                      c -> {
                        try (var statement =
                            c.prepareStatement(
                                "insert into codebase_chat_private."
                                    + table
                                    + " (user_id, session_id, "
                                    + column
                                    + ") values (?::uuid, ?, ?::uuid)")) {
                          statement.setString(1, alice.toString());
                          statement.setString(2, newSessionId());
                          statement.setString(3, UUID.randomUUID().toString());
                          return statement.executeUpdate();
                        }
                      }));

      assertThat(refused.getSQLState()).isEqualTo("42501");
    }
  }
}
