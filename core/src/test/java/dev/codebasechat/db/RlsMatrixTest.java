package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Who may do what to which chat session and its messages, on PostgreSQL 15 and 17, through
 * simulated PostgREST requests. Each cell runs in a fresh set of four sessions (owned by user A,
 * user B, an anonymous sign-in user, and nobody), each holding one message (seed-1, appended by its
 * owner through append_chat_messages; the ownerless one was appended by a user who then lost it),
 * and asserts the exact outcome, then that the target session (its row and its history) changed
 * exactly when the outcome says it did and that no other session changed.
 *
 * <p>Operations on the sessions table, as the PostgREST request that issues them: select = GET
 * ?session_id=eq.X; insert = POST with user_id set to the target's owner (a new session id); upsert
 * = POST with Prefer: resolution=merge-duplicates on session_id X, payload user_id = the caller
 * (none for anon and service_role); update = PATCH context_cache; chown = PATCH user_id (to someone
 * else on the caller's own row, to the caller on other rows; to user B for service_role); delete =
 * DELETE; append, clear and delete_fn = POST /rpc/append_chat_messages, clear_chat_history,
 * delete_chat_session. On the messages table (the target session's messages): msg_select = GET
 * ?session_row_id=eq.X; msg_insert = POST of a message for the target session owned by the caller
 * (the target's owner for anon and service_role); msg_update = PATCH body; msg_delete = DELETE. The
 * two newer functions: changes = POST /rpc/chat_session_changes since version 0; store = POST
 * /rpc/store_chat_session_for with p_owner = the target's owner (user B for the ownerless one),
 * p_expected_version = its version and a history of seed-1 plus one new message; append_for = POST
 * /rpc/append_chat_messages_for with p_owner chosen as for store and one new message; batch = POST
 * /rpc/append_chat_messages_batch with one append of one new message to the target (an answer
 * "refused:<code>" is that append refused alone, the call answered). Outcomes: a
 * number = rows seen or changed; a five-character code = the SQLSTATE raised; otherwise the
 * function's result.
 *
 * <p>13 rows x 17 operations = 221 cells per major, 3 assertions each; the total is printed at the
 * end of the run ("RLS matrix assertions: N" in the surefire output).
 */
class RlsMatrixTest {
  private static final String MATRIX =
      """
      caller            target      select insert upsert update chown delete append     clear   delete_fn msg_select msg_insert msg_update msg_delete changes    store  append_for  batch
      user_a            own         1      1      1      1      42501 1      appended:1 cleared true      1          42501      42501      42501      messages:1 42501  42501  appended:1
      user_a            other_user  0      42501  42501  0      0     0      42501      null    false     0          42501      42501      42501      null       42501  42501  refused:42501
      user_a            no_owner    0      42501  42501  0      0     0      42501      null    false     0          42501      42501      42501      null       42501  42501  refused:42501
      user_b            own         1      1      1      1      42501 1      appended:1 cleared true      1          42501      42501      42501      messages:1 42501  42501  appended:1
      user_b            other_user  0      42501  42501  0      0     0      42501      null    false     0          42501      42501      42501      null       42501  42501  refused:42501
      user_b            no_owner    0      42501  42501  0      0     0      42501      null    false     0          42501      42501      42501      null       42501  42501  refused:42501
      anonymous_sign_in own         1      1      1      1      42501 1      appended:1 cleared true      1          42501      42501      42501      messages:1 42501  42501  appended:1
      anonymous_sign_in other_user  0      42501  42501  0      0     0      42501      null    false     0          42501      42501      42501      null       42501  42501  refused:42501
      anonymous_sign_in no_owner    0      42501  42501  0      0     0      42501      null    false     0          42501      42501      42501      null       42501  42501  refused:42501
      anon              other_user  42501  42501  42501  42501  42501 42501  42501      42501   42501     42501      42501      42501      42501      42501      42501  42501  42501
      anon              no_owner    42501  42501  42501  42501  42501 42501  42501      42501   42501     42501      42501      42501      42501      42501      42501  42501  42501
      service_role      other_user  1      1      1      1      1     1      42501      42501   42501     1          42501      42501      42501      42501      true  appended:1  42501
      service_role      no_owner    1      1      1      1      1     1      42501      42501   42501     1          42501      42501      42501      42501      42501  null  42501
      """;

  private static final AtomicInteger ASSERTIONS = new AtomicInteger();
  private static final Map<PostgresMajor, World> WORLDS = new EnumMap<>(PostgresMajor.class);

  enum Caller {
    USER_A,
    USER_B,
    ANONYMOUS_SIGN_IN,
    ANON,
    SERVICE_ROLE
  }

  enum Target {
    OWN,
    OTHER_USER,
    NO_OWNER
  }

  enum Operation {
    SELECT,
    INSERT,
    UPSERT,
    UPDATE,
    CHOWN,
    DELETE,
    APPEND,
    CLEAR,
    DELETE_FN,
    MSG_SELECT,
    MSG_INSERT,
    MSG_UPDATE,
    MSG_DELETE,
    CHANGES,
    STORE,
    APPEND_FOR,
    BATCH
  }

  @TestFactory
  Stream<DynamicNode> request_eachCallerOperationAndTarget_hasTheTabulatedOutcome() {
    return Arrays.stream(PostgresMajor.values())
        .map(major -> DynamicContainer.dynamicContainer(major.name(), cells(major)));
  }

  @AfterAll
  static void reportAssertionCount() {
    System.out.println("RLS matrix assertions: " + ASSERTIONS.get());
  }

  private static Stream<DynamicNode> cells(PostgresMajor major) {
    List<DynamicNode> tests = new ArrayList<>();
    List<String> rows = MATRIX.lines().skip(1).toList();
    for (String row : rows) {
      String[] columns = row.trim().split("\\s+");
      Caller caller = Caller.valueOf(columns[0].toUpperCase(Locale.ROOT));
      Target target = Target.valueOf(columns[1].toUpperCase(Locale.ROOT));
      for (Operation operation : Operation.values()) {
        String expected = columns[2 + operation.ordinal()];
        String name =
            String.format(
                Locale.ROOT,
                "%s %s %s -> %s",
                columns[0],
                operation.name().toLowerCase(Locale.ROOT),
                columns[1],
                expected);
        tests.add(
            DynamicTest.dynamicTest(
                name, () -> world(major).check(caller, target, operation, expected)));
      }
    }
    return tests.stream();
  }

  private static synchronized World world(PostgresMajor major) throws SQLException {
    World world = WORLDS.get(major);
    if (world == null) {
      world = new World(EmbeddedSupabase.on(major).migratedDatabase("rls_matrix"));
      WORLDS.put(major, world);
    }
    return world;
  }

  /** One migrated database with three users. */
  private static final class World {
    private final SupabaseDatabase db;
    private final Map<Caller, UUID> users = new EnumMap<>(Caller.class);

    private final UUID formerOwner;

    World(SupabaseDatabase db) throws SQLException {
      this.db = db;
      users.put(Caller.USER_A, db.createUser(false));
      users.put(Caller.USER_B, db.createUser(false));
      users.put(Caller.ANONYMOUS_SIGN_IN, db.createUser(true));
      formerOwner = db.createUser(false);
    }

    void check(Caller caller, Target target, Operation operation, String expected)
        throws SQLException {
      Map<Caller, String> sessions = new EnumMap<>(Caller.class);
      String orphan = ChatFixtures.newSessionId();
      for (Caller user : users.keySet()) {
        sessions.put(user, seed(users.get(user)));
      }
      seed(orphan, formerOwner);
      db.executeAsOwner(
          "update public.codebase_chat_sessions set user_id = null where session_id = ?", orphan);
      UUID targetOwner = ownerOf(caller, target);
      String targetSession =
          switch (target) {
            case OWN -> sessions.get(caller);
            case OTHER_USER ->
                sessions.get(caller == Caller.USER_A ? Caller.USER_B : Caller.USER_A);
            case NO_OWNER -> orphan;
          };
      String newSession = ChatFixtures.newSessionId();
      List<String> all = new ArrayList<>(sessions.values());
      all.add(orphan);
      all.add(newSession);
      Map<String, String> before = rows(all);

      String outcome =
          attempt(
              caller,
              target,
              operation,
              operation == Operation.INSERT ? newSession : targetSession,
              targetOwner);

      assertThat(outcome).as("outcome").isEqualTo(expected);
      ASSERTIONS.incrementAndGet();
      String affected = operation == Operation.INSERT ? newSession : targetSession;
      boolean reads =
          operation == Operation.SELECT
              || operation == Operation.MSG_SELECT
              || operation == Operation.CHANGES;
      boolean changes =
          !reads
              && (expected.equals("1")
                  || expected.startsWith("appended")
                  || expected.equals("cleared")
                  || expected.equals("true"));
      Map<String, String> after = rows(all);
      if (changes) {
        assertThat(after.get(affected))
            .as("target row after the request")
            .isNotEqualTo(before.get(affected));
      } else {
        assertThat(after.get(affected))
            .as("target row after the request")
            .isEqualTo(before.get(affected));
      }
      ASSERTIONS.incrementAndGet();
      before.remove(affected);
      after.remove(affected);
      assertThat(after).as("rows other than the target").isEqualTo(before);
      ASSERTIONS.incrementAndGet();
    }

    /**
     * The owner of the target session: null for NO_OWNER, and for OWN when the caller is no user.
     */
    private UUID ownerOf(Caller caller, Target target) {
      return switch (target) {
        case OWN -> users.get(caller);
        case OTHER_USER -> users.get(caller == Caller.USER_A ? Caller.USER_B : Caller.USER_A);
        case NO_OWNER -> null;
      };
    }

    private UUID otherUser(UUID user) {
      return users.get(user.equals(users.get(Caller.USER_A)) ? Caller.USER_B : Caller.USER_A);
    }

    private String attempt(
        Caller caller, Target target, Operation operation, String sessionId, UUID targetOwner)
        throws SQLException {
      UUID callerId = users.get(caller);
      DatabaseRequest request =
          switch (caller) {
            case ANON -> DatabaseRequest.asAnon();
            case SERVICE_ROLE -> DatabaseRequest.asServiceRole();
            default -> DatabaseRequest.asUser(callerId, caller == Caller.ANONYMOUS_SIGN_IN);
          };
      // What the caller names the target by on the messages table, and what a drain would know of
      // it.
      Object rowId =
          db.valueAsOwner(
              "select id from public.codebase_chat_sessions where session_id = ?", sessionId);
      Object version =
          db.valueAsOwner(
              "select version from public.codebase_chat_sessions where session_id = ?", sessionId);
      try {
        return db.request(
            request.to(method(operation), path(operation)),
            c -> run(c, operation, sessionId, targetOwner, callerId, target, rowId, version));
      } catch (SQLException e) {
        return e.getSQLState();
      }
    }

    private String run(
        Connection c,
        Operation operation,
        String sessionId,
        UUID targetOwner,
        UUID callerId,
        Target target,
        Object rowId,
        Object version)
        throws SQLException {
      switch (operation) {
        case SELECT:
          return count(
              c,
              "select count(*) from public.codebase_chat_sessions where session_id = ?",
              sessionId);
        case INSERT:
          return update(
              c,
              "insert into public.codebase_chat_sessions (session_id, user_id) values (?, ?)",
              sessionId,
              targetOwner);
        case UPSERT:
          if (callerId == null) {
            return update(
                c,
                "insert into public.codebase_chat_sessions (session_id, context_cache)"
                    + " values (?, '{\"upserted\":true}') on conflict (session_id) do update"
                    + " set session_id = excluded.session_id, context_cache = excluded.context_cache",
                sessionId);
          }
          return update(
              c,
              "insert into public.codebase_chat_sessions (session_id, user_id, context_cache)"
                  + " values (?, ?, '{\"upserted\":true}') on conflict (session_id) do update"
                  + " set session_id = excluded.session_id, user_id = excluded.user_id,"
                  + " context_cache = excluded.context_cache",
              sessionId,
              callerId);
        case UPDATE:
          return update(
              c,
              "update public.codebase_chat_sessions set context_cache = '{\"patched\":true}'"
                  + " where session_id = ?",
              sessionId);
        case CHOWN:
          UUID newOwner =
              callerId == null
                  ? users.get(Caller.USER_B)
                  : target == Target.OWN ? otherUser(callerId) : callerId;
          return update(
              c,
              "update public.codebase_chat_sessions set user_id = ? where session_id = ?",
              newOwner,
              sessionId);
        case DELETE:
          return update(
              c, "delete from public.codebase_chat_sessions where session_id = ?", sessionId);
        case APPEND:
          String appended =
              count(
                  c,
                  "select public.append_chat_messages(?, ?::jsonb) ->> 'appended'",
                  sessionId,
                  ChatFixtures.messages("matrix-1"));
          return "appended:" + appended;
        case CLEAR:
          String cleared =
              count(c, "select public.clear_chat_history(?) ->> 'message_count'", sessionId);
          return cleared == null
              ? "null"
              : cleared.equals("0") ? "cleared" : "message_count:" + cleared;
        case DELETE_FN:
          return count(c, "select public.delete_chat_session(?)::text", sessionId);
        case MSG_SELECT:
          return count(
              c,
              "select count(*) from public.codebase_chat_messages where session_row_id = ?",
              rowId);
        case MSG_INSERT:
          return update(
              c,
              "insert into public.codebase_chat_messages"
                  + " (session_row_id, user_id, message_id, sent_at, added_version, body, body_bytes)"
                  + " values (?, ?, 'forged', now(), 0, '{}', 2)",
              rowId,
              callerId == null ? targetOwner : callerId);
        case MSG_UPDATE:
          return update(
              c,
              "update public.codebase_chat_messages set body = '{\"forged\":true}'"
                  + " where session_row_id = ?",
              rowId);
        case MSG_DELETE:
          return update(
              c, "delete from public.codebase_chat_messages where session_row_id = ?", rowId);
        case CHANGES:
          String changed =
              count(
                  c,
                  "select jsonb_array_length(public.chat_session_changes(?, 0) -> 'messages')",
                  sessionId);
          return changed == null ? "null" : "messages:" + changed;
        case APPEND_FOR:
          String appendedFor =
              count(
                  c,
                  "select public.append_chat_messages_for(?, ?, ?::jsonb) ->> 'appended'",
                  targetOwner == null ? users.get(Caller.USER_B) : targetOwner,
                  sessionId,
                  ChatFixtures.messages("matrix-1"));
          return appendedFor == null ? "null" : "appended:" + appendedFor;
        case BATCH:
          String answer =
              count(
                  c,
                  "select coalesce(a ->> 'appended', 'refused:' || (a -> 'refused' ->> 'code'))"
                      + " from jsonb_array_elements(public.append_chat_messages_batch(?::jsonb)) a",
                  "[{\"session_id\":\""
                      + sessionId
                      + "\",\"messages\":"
                      + ChatFixtures.messages("matrix-1")
                      + "}]");
          return answer.startsWith("refused") ? answer : "appended:" + answer;
        default:
          return count(
              c,
              "select public.store_chat_session_for(?, ?, ?, ?::jsonb)::text",
              targetOwner == null ? users.get(Caller.USER_B) : targetOwner,
              sessionId,
              version,
              "{\"repo\":\"stored\",\"conversation_history\":"
                  + ChatFixtures.messages("seed-1", "stored-1")
                  + "}");
      }
    }

    private static String method(Operation operation) {
      return switch (operation) {
        case SELECT, MSG_SELECT -> "GET";
        case UPDATE, CHOWN, MSG_UPDATE -> "PATCH";
        case DELETE, MSG_DELETE -> "DELETE";
        default -> "POST";
      };
    }

    private static String path(Operation operation) {
      return switch (operation) {
        case APPEND -> "/rpc/append_chat_messages";
        case CLEAR -> "/rpc/clear_chat_history";
        case DELETE_FN -> "/rpc/delete_chat_session";
        case CHANGES -> "/rpc/chat_session_changes";
        case STORE -> "/rpc/store_chat_session_for";
        case APPEND_FOR -> "/rpc/append_chat_messages_for";
        case BATCH -> "/rpc/append_chat_messages_batch";
        case MSG_SELECT, MSG_INSERT, MSG_UPDATE, MSG_DELETE -> "/codebase_chat_messages";
        default -> "/codebase_chat_sessions";
      };
    }

    /** A new session of {@code userId} holding message seed-1, appended by that user. */
    private String seed(UUID userId) throws SQLException {
      String sessionId = ChatFixtures.newSessionId();
      seed(sessionId, userId);
      return sessionId;
    }

    private void seed(String sessionId, UUID userId) throws SQLException {
      new ChatRpc(db)
          .append(DatabaseRequest.asUser(userId), sessionId, ChatFixtures.messages("seed-1"));
    }

    /** Each session's row and its stored messages (every column of each), by session id. */
    private Map<String, String> rows(List<String> sessionIds) throws SQLException {
      Map<String, String> rows = new HashMap<>();
      try (Connection owner = db.ownerConnection();
          PreparedStatement select =
              owner.prepareStatement(
                  "select session_id, to_jsonb(t)::text || ' ' || (select coalesce(jsonb_agg(to_jsonb(m) order by m.seq),"
                      + " '[]')::text from public.codebase_chat_messages m where m.session_row_id = t.id)"
                      + " from public.codebase_chat_sessions t where session_id = any (?)")) {
        select.setArray(1, owner.createArrayOf("text", sessionIds.toArray()));
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            rows.put(rs.getString(1), rs.getString(2));
          }
        }
      }
      return rows;
    }

    private static String count(Connection c, String sql, Object... parameters)
        throws SQLException {
      try (PreparedStatement statement = prepare(c, sql, parameters);
          ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }

    private static String update(Connection c, String sql, Object... parameters)
        throws SQLException {
      try (PreparedStatement statement = prepare(c, sql, parameters)) {
        return Integer.toString(statement.executeUpdate());
      }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... parameters)
        throws SQLException {
      PreparedStatement statement = c.prepareStatement(sql);
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement;
    }
  }
}
