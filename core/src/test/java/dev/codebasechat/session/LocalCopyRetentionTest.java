package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal keeps local copies of confirmed sessions for as long as {@code localCopyRetention}
 * says: a copy not refreshed for its maximum age goes, when the store keeps another one and when a
 * store starts, then the least recently refreshed beyond the byte budget; a copy under pending
 * writes stays. On the journal's and the store's one manual clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalCopyRetentionTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();
  private static final Duration MAX_AGE = Duration.ofDays(1);

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  @TempDir Path dir;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    fake.clearFaults();
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  private SqliteJournal journal() {
    SqliteJournal journal =
        SqliteJournal.builder().path(dir.resolve("journal.db")).clock(CLOCK).build();
    toClose.add(journal);
    return journal;
  }

  private StoreFixture store(Journal journal, long maxBytes) {
    StoreFixture fixture =
        new StoreFixture(
            fake,
            CLOCK,
            builder ->
                builder
                    .journal(journal)
                    .localCopyRetention(MAX_AGE, maxBytes)
                    .closeTimeout(Duration.ofMillis(100)));
    toClose.add(0, fixture);
    return fixture;
  }

  private StoreFixture store(Journal journal) {
    return store(journal, Long.MAX_VALUE);
  }

  /** Alice's session {@code id}, holding one message, read from the database: a copy is kept. */
  private static void readFromTheDatabase(StoreFixture f, SessionId id) {
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(f.store.historyAsync(f.caller(ALICE), id));
  }

  @Test
  void aCopyNotRefreshedForItsMaximumAge_goesWhenTheStoreKeepsAnother() {
    SessionId old = sessionId("retain01");
    SessionId fresh = sessionId("retain02");
    SqliteJournal journal = journal();
    StoreFixture f = store(journal);
    readFromTheDatabase(f, old);

    CLOCK.advance(MAX_AGE.plusMinutes(1));
    readFromTheDatabase(f, fresh);

    assertThat(journal.snapshot(old.value())).isEmpty();
    assertThat(journal.snapshot(fresh.value())).isPresent();
  }

  @Test
  void aCopyPastItsMaximumAge_goesWhenAStoreStarts_soAnOutageReadIsUnavailable() {
    SessionId id = sessionId("retain03");
    SqliteJournal journal = journal();
    StoreFixture before = store(journal);
    readFromTheDatabase(before, id);
    before.store.close();
    CLOCK.advance(MAX_AGE.plusMinutes(1));
    fake.goDown(Outage.CONNECTION_REFUSED);

    StoreFixture after = store(journal);
    Throwable read = after.failureOf(after.store.historyAsync(after.caller(ALICE), id));

    assertThat(journal.snapshot(id.value())).isEmpty();
    assertThat(read).isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void aCopyWithinItsMaximumAge_staysWhenAStoreStarts() {
    SessionId id = sessionId("retain04");
    SqliteJournal journal = journal();
    StoreFixture before = store(journal);
    readFromTheDatabase(before, id);
    before.store.close();
    CLOCK.advance(MAX_AGE.minusMinutes(1));
    fake.goDown(Outage.CONNECTION_REFUSED);

    StoreFixture after = store(journal);
    SessionRead read = after.resolve(after.store.historyAsync(after.caller(ALICE), id));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
  }

  @Test
  void aCopyUnderPendingWrites_staysPastItsMaximumAge() {
    SessionId id = sessionId("retain05");
    SqliteJournal journal = journal();
    StoreFixture before = store(journal);
    readFromTheDatabase(before, id);
    fake.goDown(Outage.CONNECTION_REFUSED);
    before.store.append(before.caller(ALICE), id, Append.of(List.of(before.message("pending"))));
    before.store.close();
    CLOCK.advance(MAX_AGE.plusDays(1));

    StoreFixture after = store(journal);
    SessionRead read = after.resolve(after.store.historyAsync(after.caller(ALICE), id));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("s1", "pending");
  }

  @Test
  void copiesBeyondTheByteBudget_goLeastRecentlyRefreshedFirst() {
    SessionId older = sessionId("retain06");
    SessionId newer = sessionId("retain07");
    SqliteJournal journal = journal();
    StoreFixture probe = store(journal);
    readFromTheDatabase(probe, older);
    long oneCopy = journal.stats().snapshotBytes();
    probe.store.close();
    StoreFixture f = store(journal, oneCopy + oneCopy / 2);

    CLOCK.advance(Duration.ofMinutes(11)); // copies are pruned at most every 10 minutes
    readFromTheDatabase(f, newer);

    assertThat(journal.snapshot(older.value())).isEmpty();
    assertThat(journal.snapshot(newer.value())).isPresent();
  }

  @Test
  void aPruneTheDiskRefuses_keepsTheCopyJustWritten() {
    SessionId id = sessionId("retain08");
    UnreliableJournal disk = new UnreliableJournal(journal());
    disk.failPrunes();
    StoreFixture f = store(disk);

    readFromTheDatabase(f, id);
    fake.goDown(Outage.CONNECTION_REFUSED);
    f.store.close();
    StoreFixture after = store(disk);
    SessionRead read = after.resolve(after.store.historyAsync(after.caller(ALICE), id));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(read.session().messages()).extracting(m -> m.id().value()).containsExactly("s1");
  }
}
