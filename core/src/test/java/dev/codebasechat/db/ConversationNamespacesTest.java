package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Migration 20261209000000: a session id chat-<16 digits>-… is created only by the user whose
 * conversation namespace the digits are, by every way a session is created; sessions the caller
 * already has go on as before.
 */
class ConversationNamespacesTest {
  private static final String M1 =
      "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"a\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]";
  private static final String M2 =
      "[{\"id\":\"m2\",\"role\":\"user\",\"content\":\"b\",\"timestamp\":\"2025-01-18T12:00:01Z\"}]";

  private static SupabaseDatabase db(PostgresMajor major) {
    return EmbeddedSupabase.on(major).migratedDatabase("namespaces");
  }

  private static String inNamespaceOf(UUID user) {
    return "chat-" + SessionTableRules.conversationNamespace(user) + "-default0";
  }

  private static String sqlState(ThrowingCall call) {
    SQLException refused = catchThrowableOfType(SQLException.class, call::run);
    assertThat((Object) refused).as("refused").isNotNull();
    return refused.getSQLState();
  }

  interface ThrowingCall {
    void run() throws SQLException;
  }

  private static long sessionsUnder(SupabaseDatabase db, String sessionId) throws SQLException {
    return (Long)
        db.valueAsOwner(
            "select count(*) from public.codebase_chat_sessions where session_id = ?", sessionId);
  }

  @OnEachPostgresMajor
  void theSqlNamespace_isTheJavaOne_forEveryUser(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    List<UUID> users = new ArrayList<>(List.of(new UUID(0, 0), new UUID(-1, -1)));
    Random random = new Random(20261209);
    for (int i = 0; i < 300; i++) {
      users.add(new UUID(random.nextLong(), random.nextLong()));
    }

    for (UUID user : users) {
      assertThat(
              db.valueAsOwner(
                  "select codebase_chat_private.conversation_namespace(?::uuid)", user.toString()))
          .as("namespace of %s", user)
          .isEqualTo(SessionTableRules.conversationNamespace(user));
    }
  }

  @OnEachPostgresMajor
  void anotherUsersAppend_cannotCreateASessionInAUsersNamespace(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    UUID alice = db.createUser(false);
    DatabaseRequest bob = DatabaseRequest.asUser(db.createUser(false));
    String alices = inNamespaceOf(alice);

    assertThat(sqlState(() -> rpc.append(bob, alices, M1))).isEqualTo("42501");
    assertThat(sessionsUnder(db, alices)).isZero();
    assertThat(rpc.append(DatabaseRequest.asUser(alice), alices, M1).path("created").asBoolean())
        .isTrue();
  }

  @OnEachPostgresMajor
  void aBatchAppend_refusesTheSessionInAnotherUsersNamespace_andStoresTheCallersOthers(
      PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    UUID alice = db.createUser(false);
    DatabaseRequest bob = DatabaseRequest.asUser(db.createUser(false));
    String bobs = "chat-1737201600000-bobsown01";
    String alices = inNamespaceOf(alice);

    JsonNode answers =
        rpc.appendBatch(
            bob,
            "[{\"session_id\":\""
                + bobs
                + "\",\"messages\":"
                + M1
                + "},{\"session_id\":\""
                + alices
                + "\",\"messages\":"
                + M1
                + "}]");

    assertThat(answers.findValues("session_id").stream().map(JsonNode::asText))
        .containsExactlyInAnyOrder(bobs, alices);
    for (JsonNode answer : answers) {
      if (answer.path("session_id").asText().equals(bobs)) {
        assertThat(answer.path("appended").asInt()).as("bob's own session").isEqualTo(1);
      } else {
        assertThat(answer.path("refused").path("code").asText()).isEqualTo("42501");
        assertThat(answer.path("refused").path("message").asText())
            .isEqualTo(SessionTableRules.NAMESPACE_TAKEN);
      }
    }
    assertThat(AppendChatMessagesTest.historyIds(db, bobs)).isEqualTo("m1");
    assertThat(sessionsUnder(db, alices)).isZero();
  }

  @OnEachPostgresMajor
  void anotherUsersDirectInsert_cannotCreateASessionInAUsersNamespace(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase db = db(major);
    UUID alice = db.createUser(false);
    UUID bob = db.createUser(false);
    String alices = inNamespaceOf(alice);

    String state =
        sqlState(
            () ->
                db.request(
                    DatabaseRequest.asUser(bob).to("POST", "/codebase_chat_sessions"),
                    c -> {
                      try (var insert =
                          c.prepareStatement(
                              "insert into public.codebase_chat_sessions (session_id, user_id)"
                                  + " values (?, ?::uuid)")) {
                        insert.setString(1, alices);
                        insert.setString(2, bob.toString());
                        return insert.executeUpdate();
                      }
                    }));

    assertThat(state).isEqualTo("42501");
    assertThat(sessionsUnder(db, alices)).isZero();
  }

  @OnEachPostgresMajor
  void theOperatorsAppend_createsInTheOwnersNamespace_andNotInAnothers(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    UUID alice = db.createUser(false);
    UUID bob = db.createUser(false);
    DatabaseRequest operator = DatabaseRequest.asServiceRole();

    rpc.appendFor(operator, alice, inNamespaceOf(alice), M1);

    assertThat(sessionsUnder(db, inNamespaceOf(alice))).isEqualTo(1);
    assertThat(sqlState(() -> rpc.appendFor(operator, bob, inNamespaceOf(alice) + "x", M1)))
        .isEqualTo("42501");
  }

  @OnEachPostgresMajor
  void aSessionStoredBeforeTheRule_underSixteenDigitsOfItsOwnChoosing_takesItsOwnersAppends(
      PostgresMajor major) throws SQLException {
    SupabaseDatabase db = db(major);
    ChatRpc rpc = new ChatRpc(db);
    UUID owner = db.createUser(false);
    DatabaseRequest other = DatabaseRequest.asUser(db.createUser(false));
    String microseconds = "chat-1767225600123456-legacy" + (System.nanoTime() % 100_000);
    db.executeAsOwner(
        "alter table public.codebase_chat_sessions disable trigger codebase_chat_sessions_namespace");
    try {
      rpc.append(DatabaseRequest.asUser(owner), microseconds, M1);
    } finally {
      db.executeAsOwner(
          "alter table public.codebase_chat_sessions enable trigger codebase_chat_sessions_namespace");
    }

    rpc.append(DatabaseRequest.asUser(owner), microseconds, M2);

    assertThat(AppendChatMessagesTest.historyIds(db, microseconds)).isEqualTo("m1,m2");
    assertThat(sqlState(() -> rpc.append(other, microseconds, M2))).isEqualTo("42501");
    assertThat(rpc.appendFor(DatabaseRequest.asServiceRole(), owner, microseconds, M2)).isNotNull();
  }
}
