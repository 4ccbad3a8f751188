package dev.codebasechat.db;

import static dev.codebasechat.db.AppendChatMessagesTest.historyIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Appends racing each other and a delete. Eight connections append to one new session at the same
 * moment (released together from a latch), each with its own batch: five ids shared by every batch,
 * interleaved with ten ids of its own; nothing may be lost or stored twice, and the writes must be
 * serialised. An append that creates, queued behind a delete of its session, creates it again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentAppendTest {
  private static final int WRITERS = 8;
  private static final int SHARED = 5;
  private static final int OWN = 10;

  @OnEachPostgresMajor
  void append_eightWritersAtOnce_storeEveryDistinctMessageOnceInAStableOrder(PostgresMajor major)
      throws Exception {
    SupabaseDatabase db = EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
    UUID user = db.createUser(false);
    String sessionId = ChatFixtures.newSessionId();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    CountDownLatch ready = new CountDownLatch(WRITERS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<JsonNode>> results = new ArrayList<>();
    try {
      for (int w = 0; w < WRITERS; w++) {
        String batch = ChatFixtures.messages(batchIds(w));
        results.add(
            pool.submit(
                () -> {
                  try (Connection connection = db.authenticatorConnection()) {
                    ready.countDown();
                    go.await();
                    return ChatRpc.append(connection, user, sessionId, batch);
                  }
                }));
      }
      ready.await();
      go.countDown();
      List<Long> versions = new ArrayList<>();
      int appended = 0;
      for (Future<JsonNode> result : results) {
        JsonNode answer = result.get();
        versions.add(answer.get("version").asLong());
        appended += answer.get("appended").asInt();
      }

      String stored = historyIds(db, sessionId);
      List<String> ids = Arrays.asList(stored.split(","));
      assertThat(ids).doesNotHaveDuplicates().hasSize(SHARED + WRITERS * OWN);
      assertThat(appended).isEqualTo(SHARED + WRITERS * OWN);
      assertThat(versions)
          .as("each writer saw its own version")
          .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(
              db.valueAsOwner(
                  "select message_count from public.codebase_chat_sessions where session_id = ?",
                  sessionId))
          .isEqualTo(SHARED + WRITERS * OWN);
      for (int w = 0; w < WRITERS; w++) {
        List<String> own = Arrays.stream(batchIds(w)).filter(id -> id.startsWith("w")).toList();
        assertThat(ids.stream().filter(own::contains).toList())
            .as("writer %d's messages in its order", w)
            .isEqualTo(own);
      }
      assertThat(historyIds(db, sessionId)).as("the order is stable").isEqualTo(stored);
    } finally {
      pool.shutdownNow();
    }
  }

  @OnEachPostgresMajor
  void append_thatCreates_queuedBehindADeleteOfItsSession_createsItAgainHoldingItsMessages(
      PostgresMajor major) throws Exception {
    SupabaseDatabase db = EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
    UUID user = db.createUser(false);
    String sessionId = sessionHoldingM0(db, user);
    ChatRpc rpc = new ChatRpc(db);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection holder = db.ownerConnection();
        Connection appender = db.authenticatorConnection()) {
      // A long write holds the session's row lock; a delete, then an append, queue behind it.
      holder.setAutoCommit(false);
      try (var lock =
          holder.prepareStatement(
              "select 1 from public.codebase_chat_sessions where session_id = ? for update")) {
        lock.setString(1, sessionId);
        lock.executeQuery().close();
      }
      Future<JsonNode> delete =
          pool.submit(
              () ->
                  rpc.delete(
                      dev.codebasechat.testing.postgres.DatabaseRequest.asUser(user), sessionId));
      awaitWaitingOnALock(db, "%delete_chat_session%");
      Future<JsonNode> append =
          pool.submit(() -> ChatRpc.append(appender, user, sessionId, ChatFixtures.messages("m1")));
      awaitWaitingOnALock(db, "%append_chat_messages%");

      holder.commit();

      delete.get(10, TimeUnit.SECONDS);
      JsonNode answer = append.get(10, TimeUnit.SECONDS);
      assertThat(answer.get("created").asBoolean()).isTrue();
      assertThat(answer.get("appended").asInt()).isEqualTo(1);
      assertThat(historyIds(db, sessionId)).isEqualTo("m1");
    } finally {
      pool.shutdownNow();
    }
  }

  @OnEachPostgresMajor
  void append_thatCreates_whileADeleteOfItsSessionCommits_isRefusedToBeSentAgain_thenContinues(
      PostgresMajor major) throws Exception {
    SupabaseDatabase db = EmbeddedSupabase.on(major).migratedDatabase("chat_functions");
    UUID user = db.createUser(false);
    String sessionId = sessionHoldingM0(db, user); // version 1
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection deleter = db.ownerConnection();
        Connection appender = db.authenticatorConnection()) {
      // The delete is made and not yet committed when the append that creates looks for the row.
      deleter.setAutoCommit(false);
      try (var delete =
          deleter.prepareStatement(
              "delete from public.codebase_chat_sessions where session_id = ?")) {
        delete.setString(1, sessionId);
        assertThat(delete.executeUpdate()).isEqualTo(1);
      }
      Future<JsonNode> append =
          pool.submit(() -> ChatRpc.append(appender, user, sessionId, ChatFixtures.messages("m1")));
      awaitWaitingOnALock(db, "%append_chat_messages%");

      deleter.commit();

      java.util.concurrent.ExecutionException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> append.get(10, TimeUnit.SECONDS));
      assertThat(((java.sql.SQLException) refused.getCause()).getSQLState()).isEqualTo("40001");
      JsonNode again = ChatRpc.append(appender, user, sessionId, ChatFixtures.messages("m1"));
      assertThat(again.get("created").asBoolean()).isTrue();
      assertThat(again.get("version").asLong()).as("after the deleted session's 1").isEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A new session of {@code user} holding m0, at version 1. */
  private static String sessionHoldingM0(SupabaseDatabase db, UUID user)
      throws java.sql.SQLException {
    String sessionId = ChatFixtures.newSessionId();
    new ChatRpc(db)
        .append(
            dev.codebasechat.testing.postgres.DatabaseRequest.asUser(user),
            sessionId,
            ChatFixtures.messages("m0"));
    return sessionId;
  }

  /** Waits until a request whose query is like {@code pattern} waits for a lock. */
  private static void awaitWaitingOnALock(SupabaseDatabase db, String pattern) {
    // A state of another database session, observed: no time of ours to move instead.
    org.awaitility.Awaitility.await("a request like " + pattern + " waiting for a lock")
        .atMost(java.time.Duration.ofSeconds(10))
        .pollInterval(java.time.Duration.ofMillis(20))
        .until(
            () ->
                Boolean.TRUE.equals(
                    db.valueAsOwner(
                        "select exists (select 1 from pg_stat_activity"
                            + " where wait_event_type = 'Lock' and query like ?)",
                        pattern)));
  }

  /** Writer {@code w}'s batch: its own ids w{w}-0..9 with the shared ids s0..s4 interleaved. */
  private static String[] batchIds(int w) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < OWN; i++) {
      ids.add("w" + w + "-" + i);
      if (i % 2 == 0) {
        ids.add("s" + ((w + i / 2) % SHARED));
      }
    }
    return ids.toArray(String[]::new);
  }
}
