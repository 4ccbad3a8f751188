package dev.codebasechat.db;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import static org.assertj.core.api.Assertions.assertThat;

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
 * Who may do what to which chat session, on PostgreSQL 15 and 17, through simulated PostgREST
 * requests. Each cell runs in a fresh set of four sessions (owned by user A, user B, an anonymous
 * sign-in user, and nobody) and asserts the exact outcome, then that the target row changed
 * exactly when the outcome says it did and that no other row changed.
 *
 * <p>Operations, as the PostgREST request that issues them: select = GET ?session_id=eq.X;
 * insert = POST with user_id set to the target's owner (a new session id); upsert = POST with
 * Prefer: resolution=merge-duplicates on session_id X, payload user_id = the caller (none for anon
 * and service_role); update = PATCH context_cache; chown = PATCH user_id (to someone else on the
 * caller's own row, to the caller on other rows; to user B for service_role); delete = DELETE;
 * append, clear and delete_fn = POST /rpc/append_chat_messages, clear_chat_history,
 * delete_chat_session. Outcomes: a number = rows seen or changed; a five-character code = the
 * SQLSTATE raised; otherwise the function's result.
 *
 * <p>13 rows x 9 operations = 117 cells per major, 3 assertions each; the total is printed at the
 * end of the run ("RLS matrix assertions: N" in the surefire output).
 */
class RlsMatrixTest {
  private static final String MATRIX =
      """
      caller            target      select insert upsert update chown delete append     clear   delete_fn
      user_a            own         1      1      1      1      42501 1      appended:1 cleared true
      user_a            other_user  0      42501  42501  0      0     0      42501      null    false
      user_a            no_owner    0      42501  42501  0      0     0      42501      null    false
      user_b            own         1      1      1      1      42501 1      appended:1 cleared true
      user_b            other_user  0      42501  42501  0      0     0      42501      null    false
      user_b            no_owner    0      42501  42501  0      0     0      42501      null    false
      anonymous_sign_in own         1      1      1      1      42501 1      appended:1 cleared true
      anonymous_sign_in other_user  0      42501  42501  0      0     0      42501      null    false
      anonymous_sign_in no_owner    0      42501  42501  0      0     0      42501      null    false
      anon              other_user  42501  42501  42501  42501  42501 42501  42501      42501   42501
      anon              no_owner    42501  42501  42501  42501  42501 42501  42501      42501   42501
      service_role      other_user  1      1      1      1      1     1      42501      42501   42501
      service_role      no_owner    1      1      1      1      1     1      42501      42501   42501
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
    DELETE_FN
  }

  @TestFactory
  Stream<DynamicNode> request_eachCallerOperationAndTarget_hasTheTabulatedOutcome() {
    return Arrays.stream(PostgresMajor.values()).map(major -> DynamicContainer.dynamicContainer(major.name(), cells(major)));
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
        String name = String.format(Locale.ROOT, "%s %s %s -> %s", columns[0], operation.name().toLowerCase(Locale.ROOT),
            columns[1], expected);
        tests.add(DynamicTest.dynamicTest(name, () -> world(major).check(caller, target, operation, expected)));
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

    World(SupabaseDatabase db) throws SQLException {
      this.db = db;
      users.put(Caller.USER_A, db.createUser(false));
      users.put(Caller.USER_B, db.createUser(false));
      users.put(Caller.ANONYMOUS_SIGN_IN, db.createUser(true));
    }

    void check(Caller caller, Target target, Operation operation, String expected) throws SQLException {
      Map<Caller, String> sessions = new EnumMap<>(Caller.class);
      String orphan = ChatFixtures.newSessionId();
      try (Connection owner = db.ownerConnection()) {
        for (Caller user : users.keySet()) {
          sessions.put(user, insertAsOwner(owner, users.get(user)));
        }
        insertAsOwner(owner, orphan, null);
      }
      UUID targetOwner = ownerOf(caller, target);
      String targetSession =
          switch (target) {
            case OWN -> sessions.get(caller);
            case OTHER_USER -> sessions.get(caller == Caller.USER_A ? Caller.USER_B : Caller.USER_A);
            case NO_OWNER -> orphan;
          };
      String newSession = ChatFixtures.newSessionId();
      List<String> all = new ArrayList<>(sessions.values());
      all.add(orphan);
      all.add(newSession);
      Map<String, String> before = rows(all);

      String outcome = attempt(caller, target, operation, operation == Operation.INSERT ? newSession : targetSession,
          targetOwner);

      assertThat(outcome).as("outcome").isEqualTo(expected);
      ASSERTIONS.incrementAndGet();
      String affected = operation == Operation.INSERT ? newSession : targetSession;
      boolean changes = operation != Operation.SELECT
          && (expected.equals("1") || expected.startsWith("appended") || expected.equals("cleared")
              || expected.equals("true"));
      Map<String, String> after = rows(all);
      if (changes) {
        assertThat(after.get(affected)).as("target row after the request").isNotEqualTo(before.get(affected));
      } else {
        assertThat(after.get(affected)).as("target row after the request").isEqualTo(before.get(affected));
      }
      ASSERTIONS.incrementAndGet();
      before.remove(affected);
      after.remove(affected);
      assertThat(after).as("rows other than the target").isEqualTo(before);
      ASSERTIONS.incrementAndGet();
    }

    /** The owner of the target session: null for NO_OWNER, and for OWN when the caller is no user. */
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

    private String attempt(Caller caller, Target target, Operation operation, String sessionId, UUID targetOwner) {
      UUID callerId = users.get(caller);
      DatabaseRequest request =
          switch (caller) {
            case ANON -> DatabaseRequest.asAnon();
            case SERVICE_ROLE -> DatabaseRequest.asServiceRole();
            default -> DatabaseRequest.asUser(callerId, caller == Caller.ANONYMOUS_SIGN_IN);
          };
      try {
        return db.request(request.to(method(operation), path(operation)), c -> run(c, operation, sessionId,
            targetOwner, callerId, target));
      } catch (SQLException e) {
        return e.getSQLState();
      }
    }

    private String run(Connection c, Operation operation, String sessionId, UUID targetOwner, UUID callerId,
        Target target) throws SQLException {
      switch (operation) {
        case SELECT:
          return count(c, "select count(*) from public.codebase_chat_sessions where session_id = ?", sessionId);
        case INSERT:
          return update(c, "insert into public.codebase_chat_sessions (session_id, user_id) values (?, ?)",
              sessionId, targetOwner);
        case UPSERT:
          if (callerId == null) {
            return update(c, "insert into public.codebase_chat_sessions (session_id, context_cache)"
                + " values (?, '{\"upserted\":true}') on conflict (session_id) do update"
                + " set session_id = excluded.session_id, context_cache = excluded.context_cache", sessionId);
          }
          return update(c, "insert into public.codebase_chat_sessions (session_id, user_id, context_cache)"
              + " values (?, ?, '{\"upserted\":true}') on conflict (session_id) do update"
              + " set session_id = excluded.session_id, user_id = excluded.user_id,"
              + " context_cache = excluded.context_cache", sessionId, callerId);
        case UPDATE:
          return update(c, "update public.codebase_chat_sessions set context_cache = '{\"patched\":true}'"
              + " where session_id = ?", sessionId);
        case CHOWN:
          UUID newOwner =
              callerId == null ? users.get(Caller.USER_B) : target == Target.OWN ? otherUser(callerId) : callerId;
          return update(c, "update public.codebase_chat_sessions set user_id = ? where session_id = ?", newOwner,
              sessionId);
        case DELETE:
          return update(c, "delete from public.codebase_chat_sessions where session_id = ?", sessionId);
        case APPEND:
          String appended = count(c, "select public.append_chat_messages(?, ?::jsonb) ->> 'appended'", sessionId,
              ChatFixtures.messages("matrix-1"));
          return "appended:" + appended;
        case CLEAR:
          String cleared = count(c, "select public.clear_chat_history(?) ->> 'message_count'", sessionId);
          return cleared == null ? "null" : cleared.equals("0") ? "cleared" : "message_count:" + cleared;
        default:
          return count(c, "select public.delete_chat_session(?)::text", sessionId);
      }
    }

    private static String method(Operation operation) {
      return switch (operation) {
        case SELECT -> "GET";
        case UPDATE, CHOWN -> "PATCH";
        case DELETE -> "DELETE";
        default -> "POST";
      };
    }

    private static String path(Operation operation) {
      return switch (operation) {
        case APPEND -> "/rpc/append_chat_messages";
        case CLEAR -> "/rpc/clear_chat_history";
        case DELETE_FN -> "/rpc/delete_chat_session";
        default -> "/codebase_chat_sessions";
      };
    }

    private String insertAsOwner(Connection owner, UUID userId) throws SQLException {
      String sessionId = ChatFixtures.newSessionId();
      insertAsOwner(owner, sessionId, userId);
      return sessionId;
    }

    private static void insertAsOwner(Connection owner, String sessionId, UUID userId) throws SQLException {
      update(owner, "insert into public.codebase_chat_sessions (session_id, user_id, conversation_history)"
          + " values (?, ?, ?::jsonb)", sessionId, userId, ChatFixtures.messages("seed-1"));
    }

    private Map<String, String> rows(List<String> sessionIds) throws SQLException {
      Map<String, String> rows = new HashMap<>();
      try (Connection owner = db.ownerConnection();
          PreparedStatement select = owner.prepareStatement(
              "select session_id, to_jsonb(t)::text from public.codebase_chat_sessions t where session_id = any (?)")) {
        select.setArray(1, owner.createArrayOf("text", sessionIds.toArray()));
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            rows.put(rs.getString(1), rs.getString(2));
          }
        }
      }
      return rows;
    }

    private static String count(Connection c, String sql, Object... parameters) throws SQLException {
      try (PreparedStatement statement = prepare(c, sql, parameters);
          ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }

    private static String update(Connection c, String sql, Object... parameters) throws SQLException {
      try (PreparedStatement statement = prepare(c, sql, parameters)) {
        return Integer.toString(statement.executeUpdate());
      }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... parameters) throws SQLException {
      PreparedStatement statement = c.prepareStatement(sql);
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement;
    }
  }
}
