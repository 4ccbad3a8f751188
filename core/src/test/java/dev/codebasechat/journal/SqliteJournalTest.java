package dev.codebasechat.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SqliteJournalTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");

  @TempDir Path dir;
  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final List<SqliteJournal> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(SqliteJournal::close);
  }

  private SqliteJournal open() {
    return open(SqliteJournal.builder());
  }

  private SqliteJournal open(SqliteJournal.Builder builder) {
    SqliteJournal journal = builder.path(dir.resolve("journal.db")).clock(clock).build();
    opened.add(journal);
    return journal;
  }

  private static byte[] json(String text) {
    return text.getBytes(UTF_8);
  }

  private static List<String> payloads(List<JournalEntry> entries) {
    return entries.stream().map(entry -> new String(entry.payload(), UTF_8)).toList();
  }

  @Test
  void append_thenPending_returnsEntryWithEverythingRecorded() {
    SqliteJournal journal = open();

    long sequence = journal.append("chat-1-aaaaaa", ALICE, "append", json("{\"n\":1}"));

    assertThat(journal.pending())
        .containsExactly(
            new JournalEntry(
                sequence, "chat-1-aaaaaa", ALICE, "append", json("{\"n\":1}"), clock.instant()));
  }

  @Test
  void release_upToSequence_removesOnlyThatKeysEarlierEntries() {
    SqliteJournal journal = open();
    long first = journal.append("a", ALICE, "append", json("1"));
    journal.append("b", BOB, "append", json("2"));
    long third = journal.append("a", ALICE, "append", json("3"));

    int released = journal.release("a", first);

    assertThat(released).isEqualTo(1);
    assertThat(payloads(journal.pending())).containsExactly("2", "3");
    assertThat(journal.pending("a")).extracting(JournalEntry::sequence).containsExactly(third);
    assertThat(journal.release("a", third)).isEqualTo(1);
    assertThat(journal.pending("a")).isEmpty();
  }

  @Test
  void append_acrossKeys_sequencesIncreaseInCallOrder() {
    SqliteJournal journal = open();
    List<Long> sequences = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sequences.add(journal.append("key-" + (i % 3), ALICE, "append", json(String.valueOf(i))));
    }

    assertThat(sequences).isSorted().doesNotHaveDuplicates();
    assertThat(journal.pending())
        .extracting(JournalEntry::sequence)
        .containsExactlyElementsOf(sequences);
    assertThat(payloads(journal.pending("key-1"))).containsExactly("1", "4", "7");
  }

  @Test
  void appendAll_batch_getsConsecutiveSequencesEndingAtTheReturnedOne() {
    SqliteJournal journal = open();
    journal.append("a", ALICE, "append", json("0"));

    long last =
        journal.appendAll(
            List.of(
                new Journal.Append("a", ALICE, "append", json("1")),
                new Journal.Append("b", BOB, "context", json("2"))));

    assertThat(journal.pending())
        .extracting(JournalEntry::sequence)
        .containsExactly(last - 2, last - 1, last);
  }

  @Test
  void release_thenAppend_neverReusesASequence() {
    SqliteJournal journal = open();
    long first = journal.append("a", ALICE, "append", json("1"));
    journal.release("a", first);
    journal.close();

    long second = open().append("a", ALICE, "append", json("2"));

    assertThat(second).isGreaterThan(first);
  }

  @Test
  void reopen_afterClose_keepsPendingEntriesAndSnapshots() {
    SqliteJournal journal = open();
    journal.append("a", ALICE, "append", json("1"));
    journal.append("b", BOB, "append", json("2"));
    journal.putSnapshot("a", ALICE, 7, json("{\"v\":7}"));
    List<JournalEntry> before = journal.pending();
    journal.close();

    SqliteJournal reopened = open();

    assertThat(reopened.pending()).isEqualTo(before);
    assertThat(reopened.snapshot("a"))
        .contains(new Snapshot("a", ALICE, 7, json("{\"v\":7}"), clock.instant()));
  }

  @Test
  void appendFromEightThreads_concurrently_losesNothingAndSequencesAreUnique() throws Exception {
    SqliteJournal journal = open(SqliteJournal.builder().durability(Durability.PROCESS_CRASH_SAFE));
    int threads = 8;
    int perThread = 100;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String key = "key-" + t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  List<Long> sequences = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    sequences.add(journal.append(key, ALICE, "append", json(key + "/" + i)));
                  }
                  return sequences;
                }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> result : results) {
        List<Long> sequences = result.get(30, TimeUnit.SECONDS);
        assertThat(sequences).isSorted();
        all.addAll(sequences);
      }

      assertThat(all).hasSize(threads * perThread).doesNotHaveDuplicates();
      assertThat(journal.pending())
          .extracting(JournalEntry::sequence)
          .containsExactlyInAnyOrderElementsOf(all);
      assertThat(payloads(journal.pending("key-3")))
          .hasSize(perThread)
          .startsWith("key-3/0", "key-3/1");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void open_fileThatIsNotADatabase_failsNamingTheFile() throws IOException {
    Path file = dir.resolve("journal.db");
    Files.write(
        file,
        "this is not a SQLite database, just some text that is long enough"
            .repeat(100)
            .getBytes(UTF_8));

    assertThatThrownBy(() -> SqliteJournal.builder().path(file).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining(file.toString())
        .satisfies(
            e ->
                assertThat(((JournalException) e).reason())
                    .isEqualTo(JournalException.Reason.CORRUPT));
  }

  @Test
  void open_databaseWithDamagedPages_failsNamingTheFile() throws IOException {
    SqliteJournal journal = open();
    for (int i = 0; i < 200; i++) {
      journal.append("key-" + i, ALICE, "append", json("x".repeat(500)));
    }
    journal.checkpoint();
    journal.close();
    Path file = dir.resolve("journal.db");
    byte[] bytes = Files.readAllBytes(file);
    // Keep the 100-byte header intact, scribble over the rest of page 1 and all of page 2.
    for (int i = 100; i < Math.min(bytes.length, 8192); i++) {
      bytes[i] = (byte) 0x5A;
    }
    Files.write(file, bytes);

    assertThatThrownBy(() -> SqliteJournal.builder().path(file).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining(file.toString())
        .satisfies(
            e ->
                assertThat(((JournalException) e).reason())
                    .isEqualTo(JournalException.Reason.CORRUPT));
  }

  @Test
  void open_sqliteFileOfAnotherProgram_isRefused() throws Exception {
    Path file = dir.resolve("other.db");
    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        var statement = connection.createStatement()) {
      statement.execute("CREATE TABLE t (x)");
    }

    assertThatThrownBy(() -> SqliteJournal.builder().path(file).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("some other program")
        .hasMessageContaining(file.toString());
  }

  @Test
  void open_fileOfANewerSchemaVersion_isRefused() throws Exception {
    Path file = dir.resolve("journal.db");
    SqliteJournal.open(file).close();
    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        var statement = connection.createStatement()) {
      statement.execute("PRAGMA user_version=" + (SqliteJournal.SCHEMA_VERSION + 1));
    }

    assertThatThrownBy(() -> SqliteJournal.open(file))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("newer version");
  }

  @Test
  void remove_deletesExactlyTheNamedEntriesOfTheKey() {
    SqliteJournal journal = open();
    long first = journal.append("a", ALICE, "append", json("1"));
    long second = journal.append("a", ALICE, "set-aside", json("2"));
    long third = journal.append("a", ALICE, "append", json("3"));
    long other = journal.append("b", BOB, "set-aside", json("4"));

    int removed = journal.remove("a", List.of(second, other, 999L));

    assertThat(removed).isEqualTo(1);
    assertThat(journal.pending())
        .extracting(JournalEntry::sequence)
        .containsExactly(first, third, other);
    assertThat(journal.remove("a", List.of())).isZero();
  }

  @Test
  void open_fileAlreadyOpen_failsInUseAtOnceAndNamesTheFile() {
    SqliteJournal journal = open(SqliteJournal.builder());

    assertThatThrownBy(() -> SqliteJournal.open(journal.path()))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("in use by another process")
        .hasMessageContaining(journal.path().toString())
        .satisfies(
            e ->
                assertThat(((JournalException) e).reason())
                    .isEqualTo(JournalException.Reason.IN_USE));
    assertThat(journal.append("a", ALICE, "append", json("1"))).isPositive();
  }

  @Test
  void open_afterTheOwnerClosedIt_succeedsAndSeesItsEntries() {
    SqliteJournal first = open(SqliteJournal.builder());
    first.append("a", ALICE, "append", json("1"));
    first.close();

    try (SqliteJournal second = SqliteJournal.open(first.path())) {
      assertThat(second.pending()).hasSize(1);
    }
  }

  @Test
  void append_whileAnotherConnectionHoldsTheWriteLock_failsBusyAfterTheTimeout() throws Exception {
    SqliteJournal journal = open(SqliteJournal.builder().busyTimeout(Duration.ofMillis(100)));
    try (var other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + journal.path());
        var statement = other.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");

      assertThatThrownBy(() -> journal.append("a", ALICE, "append", json("1")))
          .isInstanceOf(JournalException.class)
          .satisfies(
              e ->
                  assertThat(((JournalException) e).reason())
                      .isEqualTo(JournalException.Reason.BUSY));
      statement.execute("ROLLBACK");
    }
    assertThat(journal.pending()).isEmpty();
    assertThat(journal.append("a", ALICE, "append", json("2"))).isPositive();
  }

  @Test
  void open_directoryPathIsARegularFile_failsWithClearError() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
    Path file = notADirectory.resolve("journal.db");

    assertThatThrownBy(() -> SqliteJournal.builder().path(file).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining(notADirectory.toString())
        .satisfies(
            e ->
                assertThat(((JournalException) e).reason())
                    .isEqualTo(JournalException.Reason.READ_ONLY));
  }

  @Test
  void open_readOnlyDirectory_failsWithClearError() throws IOException {
    Path readOnly = Files.createDirectory(dir.resolve("read-only"));
    assertThat(readOnly.toFile().setWritable(false, false)).isTrue();
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(
          Files.isWritable(readOnly), "running as a user who may write anywhere (root)");

      assertThatThrownBy(() -> SqliteJournal.builder().path(readOnly.resolve("journal.db")).build())
          .isInstanceOf(JournalException.class)
          .hasMessageContaining("not a writable directory");
    } finally {
      readOnly.toFile().setWritable(true, false);
    }
  }

  @Test
  void append_afterClose_throwsClosed() {
    SqliteJournal journal = open();
    journal.close();

    assertThatThrownBy(() -> journal.append("a", ALICE, "append", json("1")))
        .isInstanceOf(JournalException.class)
        .satisfies(
            e ->
                assertThat(((JournalException) e).reason())
                    .isEqualTo(JournalException.Reason.CLOSED));
    journal.close();
  }

  @Test
  void append_whenDiskIsFull_throwsAndKeepsOnlyWhatWasAcknowledged() {
    SqliteJournal journal = open(SqliteJournal.builder().maxPageCount(16));
    List<Long> acknowledged = new ArrayList<>();
    JournalException failure = null;
    for (int i = 0; i < 1000 && failure == null; i++) {
      try {
        acknowledged.add(journal.append("a", ALICE, "append", json("y".repeat(2000))));
      } catch (JournalException e) {
        failure = e;
      }
    }

    assertThat(failure).isNotNull();
    assertThat(failure.reason()).isEqualTo(JournalException.Reason.DISK_FULL);
    assertThat(failure).hasMessageContaining("journal.db");
    assertThat(journal.pending())
        .extracting(JournalEntry::sequence)
        .containsExactlyElementsOf(acknowledged);
    // Releasing makes room again: the journal keeps working after a full disk.
    journal.release("a", acknowledged.get(acknowledged.size() - 1));
    assertThat(journal.append("a", ALICE, "append", json("after"))).isPositive();
  }

  @Test
  void appendAll_whenDiskFillsMidBatch_keepsNoneOfTheBatch() {
    SqliteJournal journal = open(SqliteJournal.builder().maxPageCount(16));
    List<Journal.Append> batch = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      batch.add(new Journal.Append("a", ALICE, "append", json("z".repeat(2000))));
    }

    assertThatThrownBy(() -> journal.appendAll(batch)).isInstanceOf(JournalException.class);
    assertThat(journal.pending()).isEmpty();
  }

  @Test
  void snapshot_putThenReplace_returnsLatest() {
    SqliteJournal journal = open();
    journal.putSnapshot("a", ALICE, 1, json("one"));
    clock.advance(Duration.ofSeconds(1));
    journal.putSnapshot("a", ALICE, 2, json("two"));

    Optional<Snapshot> snapshot = journal.snapshot("a");

    assertThat(snapshot).contains(new Snapshot("a", ALICE, 2, json("two"), clock.instant()));
    journal.deleteSnapshot("a");
    assertThat(journal.snapshot("a")).isEmpty();
  }

  @Test
  void pruneSnapshots_byAge_removesOldOnesButNotThoseWithPendingEntries() {
    SqliteJournal journal = open();
    journal.putSnapshot("old", ALICE, 1, json("o"));
    journal.putSnapshot("old-pending", ALICE, 1, json("p"));
    journal.append("old-pending", ALICE, "append", json("unconfirmed"));
    clock.advance(Duration.ofHours(2));
    journal.putSnapshot("fresh", BOB, 1, json("f"));

    int removed = journal.pruneSnapshots(Duration.ofHours(1), Long.MAX_VALUE);

    assertThat(removed).isEqualTo(1);
    assertThat(journal.snapshot("old")).isEmpty();
    assertThat(journal.snapshot("old-pending")).isPresent();
    assertThat(journal.snapshot("fresh")).isPresent();
  }

  @Test
  void pruneSnapshots_bySize_removesLeastRecentlyWrittenUntilUnderLimit() {
    SqliteJournal journal = open();
    for (String key : List.of("s1", "s2", "s3", "s4")) {
      journal.putSnapshot(key, ALICE, 1, json("x".repeat(100)));
      clock.advance(Duration.ofSeconds(1));
    }
    journal.append("s1", ALICE, "append", json("unconfirmed"));

    int removed = journal.pruneSnapshots(Duration.ofDays(1), 250);

    // s1 is the oldest but pending; s2 and s3 go, leaving s1 + s4 = 200 bytes.
    assertThat(removed).isEqualTo(2);
    assertThat(journal.snapshot("s1")).isPresent();
    assertThat(journal.snapshot("s2")).isEmpty();
    assertThat(journal.snapshot("s3")).isEmpty();
    assertThat(journal.snapshot("s4")).isPresent();
    assertThat(journal.stats().snapshotBytes()).isEqualTo(200);
  }

  @Test
  void stats_withPendingEntries_countsThemAndTheOldest() {
    SqliteJournal journal = open();
    var first = clock.instant();
    journal.append("a", ALICE, "append", json("1"));
    clock.advance(Duration.ofMinutes(1));
    journal.append("a", ALICE, "append", json("2"));
    journal.append("b", BOB, "append", json("3"));
    journal.putSnapshot("c", BOB, 1, json("12345"));

    JournalStats stats = journal.stats();

    assertThat(stats.pendingEntries()).isEqualTo(3);
    assertThat(stats.pendingKeys()).isEqualTo(2);
    assertThat(stats.oldestPending()).contains(first);
    assertThat(stats.snapshots()).isEqualTo(1);
    assertThat(stats.snapshotBytes()).isEqualTo(5);
    assertThat(stats.fileBytes()).isPositive();
  }

  @Test
  void checkpoint_afterAppends_emptiesTheWriteAheadLogAndKeepsEntries() throws IOException {
    SqliteJournal journal = open();
    for (int i = 0; i < 50; i++) {
      journal.append("a", ALICE, "append", json("w".repeat(1000)));
    }
    Path wal = dir.resolve("journal.db-wal");
    assertThat(Files.size(wal)).isPositive();

    journal.checkpoint();

    assertThat(Files.size(wal)).isZero();
    assertThat(journal.pending()).hasSize(50);
  }

  @Test
  void stats_emptyJournal_hasNoOldestPending() {
    assertThat(open().stats().oldestPending()).isEmpty();
  }
}
