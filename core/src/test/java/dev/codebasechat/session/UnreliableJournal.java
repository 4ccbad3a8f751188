package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.journal.JournalStats;
import dev.codebasechat.journal.Snapshot;
import dev.codebasechat.session.internal.SessionCodec;
import dev.codebasechat.sqlite.JournalException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real journal on a disk that can misbehave: once {@link #hold()} is called a record of one
 * session waits until {@link #release()}, as on a slow disk (the record's caller holds that
 * session's lock meanwhile); once {@link #failReleases()} or {@link #failLocalCopyDrops()} is
 * called (or another of its {@code fail…} methods), releasing confirmed writes or dropping local
 * copies fails with an I/O error, as on a disk that fails after it acknowledged.
 */
final class UnreliableJournal implements Journal {
  private static final Path DISK = Path.of("unreliable-disk", "journal.db");

  private final Journal disk;
  private final String heldKey;
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean holding;
  private volatile boolean releasesFail;
  private volatile boolean localCopyDropsFail;
  private volatile boolean setAsidesFail;
  private volatile boolean localCopyWritesFail;
  private volatile boolean prunesFail;
  private final java.util.concurrent.atomic.AtomicReference<Runnable> afterNextLocalCopyRead =
      new java.util.concurrent.atomic.AtomicReference<>();

  /**
   * A journal on {@code disk} whose {@link #hold()} holds the records of session {@code heldKey}.
   */
  UnreliableJournal(Journal disk, String heldKey) {
    this.disk = disk;
    this.heldKey = heldKey;
  }

  /** A journal on {@code disk} that fails only as it is told to; it holds no session's records. */
  UnreliableJournal(Journal disk) {
    this(disk, "");
  }

  /** From now on, records of the held session wait for {@link #release()}. */
  void hold() {
    holding = true;
  }

  /** Whether a record of the held session is waiting, waiting for one at most {@code timeout}. */
  boolean awaitEntered(Duration timeout) throws InterruptedException {
    return entered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** From now on, releasing confirmed writes ({@link #release(String, long)}) fails. */
  void failReleases() {
    releasesFail = true;
  }

  /** From now on, dropping a local copy ({@link #deleteSnapshot}) fails. */
  void failLocalCopyDrops() {
    localCopyDropsFail = true;
  }

  /** From now on, keeping a local copy ({@link #putSnapshot}) fails. */
  void failLocalCopyWrites() {
    localCopyWritesFail = true;
  }

  /** From now on, dropping local copies past their retention ({@link #pruneSnapshots}) fails. */
  void failPrunes() {
    prunesFail = true;
  }

  private volatile boolean holdingCopyWrites;
  private final CountDownLatch copyWriteHeld = new CountDownLatch(1);
  private final CountDownLatch copyWritesReleased = new CountDownLatch(1);

  /** From now on, writing a local copy ({@link #putSnapshot}) waits for {@link #releaseCopies}. */
  void holdCopyWrites() {
    holdingCopyWrites = true;
  }

  /** Whether a local copy's write is waiting, waiting for one at most {@code timeout}. */
  boolean awaitCopyWriteHeld(Duration timeout) throws InterruptedException {
    return copyWriteHeld.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Lets every waiting local copy's write, and every later one, go to the disk. */
  void releaseCopies() {
    copyWritesReleased.countDown();
  }

  /**
   * Runs {@code action} once, after the next local copy is read and before it is returned: what
   * happens between a read of the copy and what the reader does next.
   */
  void afterNextLocalCopyRead(Runnable action) {
    afterNextLocalCopyRead.set(action);
  }

  /** From now on, recording a set-aside write fails. */
  void failSetAsides() {
    setAsidesFail = true;
  }

  /** Asserts that {@code pending} is one session whose writes wait because this disk failed. */
  static void assertOneSessionWaitsForTheDisk(List<PendingSession> pending) {
    assertThat(pending)
        .singleElement()
        .satisfies(
            session ->
                assertThat(session.lastFailure())
                    .hasValueSatisfying(reason -> assertThat(reason).contains("disk I/O error")));
  }

  private static void failIf(boolean fails, String what) {
    if (fails) {
      throw new JournalException(
          JournalException.Reason.IO_ERROR, DISK, what + ": disk I/O error (injected)");
    }
  }

  /** Lets every waiting record, and every later one, go to the disk. */
  void release() {
    released.countDown();
  }

  @Override
  public long append(String key, UUID owner, String kind, byte[] payload) {
    failIf(setAsidesFail && kind.equals(SessionCodec.SET_ASIDE_KIND), "record set-aside write");
    if (holding && key.equals(heldKey)) {
      entered.countDown();
      try {
        released.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return disk.append(key, owner, kind, payload);
  }

  @Override
  public long appendAll(List<Append> entries) {
    return disk.appendAll(entries);
  }

  @Override
  public int release(String key, long upToSequence) {
    failIf(releasesFail, "release");
    return disk.release(key, upToSequence);
  }

  @Override
  public int remove(String key, Collection<Long> sequences) {
    return disk.remove(key, sequences);
  }

  @Override
  public List<JournalEntry> pending() {
    return disk.pending();
  }

  @Override
  public List<JournalEntry> pending(String key) {
    return disk.pending(key);
  }

  @Override
  public void putSnapshot(String key, UUID owner, long version, byte[] json) {
    if (holdingCopyWrites) {
      copyWriteHeld.countDown();
      try {
        copyWritesReleased.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    failIf(localCopyWritesFail, "keep local copy");
    disk.putSnapshot(key, owner, version, json);
  }

  @Override
  public Optional<Snapshot> snapshot(String key) {
    Optional<Snapshot> copy = disk.snapshot(key);
    Runnable action = afterNextLocalCopyRead.getAndSet(null);
    if (action != null) {
      action.run();
    }
    return copy;
  }

  @Override
  public void deleteSnapshot(String key) {
    failIf(localCopyDropsFail, "delete local copy");
    disk.deleteSnapshot(key);
  }

  @Override
  public int pruneSnapshots(Duration olderThan, long maxTotalBytes) {
    failIf(prunesFail, "prune local copies");
    return disk.pruneSnapshots(olderThan, maxTotalBytes);
  }

  @Override
  public JournalStats stats() {
    return disk.stats();
  }

  @Override
  public void close() {}
}
