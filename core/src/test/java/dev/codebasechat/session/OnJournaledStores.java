package dev.codebasechat.session;

import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * For tests of stores over a durable journal: one {@link FakeSupabase} on a manual clock, journals
 * in a directory of the test's own, and everything opened closed after the test (stores first),
 * with the fake's faults cleared.
 */
abstract class OnJournaledStores {
  static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  @TempDir Path dir;

  final List<AutoCloseable> toClose = new ArrayList<>();

  /** The journal file of this test, opened again on each call (as a restarted process does). */
  SqliteJournal journal() {
    SqliteJournal journal =
        SqliteJournal.builder().path(dir.resolve("journal.db")).clock(CLOCK).build();
    toClose.add(journal);
    return journal;
  }

  /** A store over {@code journal}. */
  StoreFixture store(Journal journal) {
    StoreFixture fixture =
        new StoreFixture(
            fake, CLOCK, builder -> builder.journal(journal).closeTimeout(Duration.ofMillis(100)));
    toClose.add(0, fixture);
    return fixture;
  }

  /** A store without a journal, as another instance (a gateway elsewhere) runs. */
  StoreFixture anotherInstance() {
    StoreFixture another = new StoreFixture(fake, CLOCK, builder -> builder);
    toClose.add(0, another);
    return another;
  }

  /** The ids of the messages the database holds in {@code id}. */
  static List<String> storedIds(SessionId id) {
    return fake.session(id.value()).map(FakeSession::messageIds).orElse(List.of());
  }

  @AfterEach
  void closeEverythingOpened() throws Exception {
    fake.clearFaults();
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }
}
