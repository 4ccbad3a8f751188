package dev.codebasechat.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.sqlite.CommitGrouping;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit of {@link SqliteDatabase#write}: writes that arrive while a commit is in progress
 * share the next one. Each test holds the first write inside its transaction on a latch and lines
 * the others up behind it (the database reports how many wait), so no test sleeps or races.
 */
class GroupCommitTest {
  private static final SqliteDatabase.Schema SCHEMA =
      new SqliteDatabase.Schema(
          0x47524f55,
          1,
          List.of(
              "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
              "CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL"
                  + " UNIQUE, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY"
                  + " DEFERRED)"));

  @TempDir Path dir;
  private SqliteDatabase database;
  private final ExecutorService writers = Executors.newCachedThreadPool();
  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void open() {
    database =
        SqliteDatabase.open(
            dir.resolve("group.db"), Durability.FULL, Duration.ofSeconds(5), SCHEMA, 0);
  }

  @AfterEach
  void close() {
    release.countDown();
    writers.shutdownNow();
    database.close();
  }

  private long insert(String name) {
    return insert(name, null);
  }

  private long insert(String name, Integer parent) {
    return database.write(
        "insert " + name,
        connection -> {
          Sql.update(connection, "INSERT INTO entries (name, parent) VALUES (?, ?)", name, parent);
          return Sql.queryLong(connection, "SELECT last_insert_rowid()");
        });
  }

  /** A write that stays inside its transaction until {@link #release}. */
  private CompletableFuture<Long> heldWrite() throws InterruptedException {
    CompletableFuture<Long> held =
        CompletableFuture.supplyAsync(
            () ->
                database.write(
                    "held",
                    connection -> {
                      holding.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      Sql.update(connection, "INSERT INTO entries (name) VALUES ('held')");
                      return Sql.queryLong(connection, "SELECT last_insert_rowid()");
                    }),
            writers);
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    return held;
  }

  /** Starts {@code write} and returns once it waits behind the held commit, for the connection. */
  private <T> CompletableFuture<T> queued(java.util.function.Supplier<T> write) {
    int before = database.waitingWrites();
    int inLine = database.threadsWaitingForTheConnection();
    CompletableFuture<T> future = CompletableFuture.supplyAsync(write, writers);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((database.waitingWrites() == before
            || database.threadsWaitingForTheConnection() == inLine)
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(database.waitingWrites()).isEqualTo(before + 1);
    assertThat(database.threadsWaitingForTheConnection()).isEqualTo(inLine + 1);
    return future;
  }

  private List<String> names() {
    return database.read(
        "names",
        connection -> {
          List<String> names = new ArrayList<>();
          try (var statement =
                  connection.prepareStatement("SELECT name FROM entries ORDER BY seq");
              var rows = statement.executeQuery()) {
            while (rows.next()) {
              names.add(rows.getString(1));
            }
          }
          return names;
        });
  }

  @Test
  void aRead_runsWhileAWriteHoldsItsTransaction_andSeesWhatWasCommittedBefore() throws Exception {
    insert("committed");
    CompletableFuture<Long> held = heldWrite();

    CompletableFuture<Long> rows =
        CompletableFuture.supplyAsync(
            () ->
                database.read(
                    "count",
                    connection -> Sql.queryLong(connection, "SELECT count(*) FROM entries")),
            writers);

    assertThat(rows.get(10, TimeUnit.SECONDS)).as("read before the write ends").isEqualTo(1);
    release.countDown();
    held.get(10, TimeUnit.SECONDS);
    long after =
        database.read(
            "count", connection -> Sql.queryLong(connection, "SELECT count(*) FROM entries"));
    assertThat(after).isEqualTo(2);
  }

  @Test
  void aLoneWrite_isCommittedAtOnce_inATransactionOfItsOwn() {
    long before = database.commits();

    insert("alone");

    assertThat(database.commits()).isEqualTo(before + 1);
    assertThat(names()).containsExactly("alone");
  }

  @Test
  void writesArrivingDuringACommit_shareTheNextOne_inTheirOrderOfArrival() throws Exception {
    long before = database.commits();
    CompletableFuture<Long> held = heldWrite();
    CompletableFuture<Long> first = queued(() -> insert("a"));
    CompletableFuture<Long> second = queued(() -> insert("b"));
    CompletableFuture<Long> third = queued(() -> insert("c"));

    release.countDown();

    assertThat(List.of(held.get(), first.get(), second.get(), third.get()))
        .containsExactly(1L, 2L, 3L, 4L);
    assertThat(database.commits()).isEqualTo(before + 2);
    assertThat(names()).containsExactly("held", "a", "b", "c");
  }

  @Test
  void aWriteThatFailsInAGroup_failsAlone_andTheOthersAreCommitted() throws Exception {
    insert("taken");
    CompletableFuture<Long> held = heldWrite();
    CompletableFuture<Long> before = queued(() -> insert("a"));
    CompletableFuture<Long> failing = queued(() -> insert("taken")); // UNIQUE violation
    CompletableFuture<Long> after = queued(() -> insert("b"));

    release.countDown();

    held.get();
    before.get();
    after.get();
    assertThatThrownBy(failing::join)
        .hasCauseInstanceOf(JournalException.class)
        .hasMessageContaining("insert taken failed");
    assertThat(names()).containsExactly("taken", "held", "a", "b");
  }

  @Test
  void aCommitThatFails_failsExactlyTheWritesOfItsGroup() throws Exception {
    insert("before");
    CompletableFuture<Long> held = heldWrite();
    CompletableFuture<Long> ok = queued(() -> insert("a"));
    // A deferred foreign key is checked at COMMIT: this write passes, the group's commit fails.
    CompletableFuture<Long> orphan = queued(() -> insert("orphan", 42));

    release.countDown();

    held.get(); // the held write's transaction committed alone, before the group
    assertThatThrownBy(ok::join).hasCauseInstanceOf(JournalException.class);
    assertThatThrownBy(orphan::join).hasCauseInstanceOf(JournalException.class);
    insert("after");
    assertThat(names()).containsExactly("before", "held", "after");
  }

  @Test
  void closingWhileAGroupWaits_commitsTheWritesThatCameFirst_andRefusesTheLaterOnes()
      throws Exception {
    CompletableFuture<Long> held = heldWrite();
    CompletableFuture<Long> waiting = queued(() -> insert("a"));
    CompletableFuture<Void> closing = CompletableFuture.runAsync(database::close, writers);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (database.threadsWaitingForTheConnection() < 2 && System.nanoTime() < deadline) {
      Thread.onSpinWait(); // the waiting write, then the close, in line for the connection
    }

    release.countDown();

    assertThat(held.get()).isEqualTo(1L);
    assertThat(waiting.get()).isEqualTo(2L);
    closing.get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> insert("late"))
        .isInstanceOfSatisfying(
            JournalException.class,
            e -> assertThat(e.reason()).isEqualTo(JournalException.Reason.CLOSED));
  }

  @Test
  void oneCommitPerWrite_stillCommitsEachWriteAlone() throws SQLException {
    database.close();
    database =
        SqliteDatabase.open(
            dir.resolve("single.db"),
            Durability.FULL,
            Duration.ofSeconds(5),
            SCHEMA,
            0,
            CommitGrouping.ONE_PER_WRITE);
    long before = database.commits();

    insert("a");
    insert("b");

    assertThat(database.commits()).isEqualTo(before + 2);
  }
}
