package dev.codebasechat.session.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the write-behind is doing: writes confirmed since start, delivered without their owners,
 * found in the journal at start (the backlog a restart drains), and a progress line at most every
 * {@link #LOG_INTERVAL} while writes are pending. Thread-safe.
 */
public final class WriteProgress {
  private static final Logger log = LoggerFactory.getLogger(WriteProgress.class);
  static final Duration LOG_INTERVAL = Duration.ofSeconds(5);

  private final AtomicLong confirmed = new AtomicLong();
  private final AtomicLong deliveredWithoutOwners = new AtomicLong();
  private final AtomicReference<Instant> lastLog = new AtomicReference<>(Instant.MIN);
  private final Outboxes outboxes;
  private final Clock clock;
  private volatile int replayed;

  public WriteProgress(Outboxes outboxes, Clock clock) {
    this.outboxes = outboxes;
    this.clock = clock;
  }

  /** The database confirmed {@code writes} more writes. */
  public void confirmed(int writes) {
    confirmed.addAndGet(writes);
    logNowAndThen();
  }

  /** {@code writes} more were delivered with the service key, for owners without a token. */
  public void deliveredWithoutOwner(int writes) {
    deliveredWithoutOwners.addAndGet(writes);
    confirmed(writes);
  }

  public void replayed(int writes) {
    replayed = writes;
  }

  public long confirmedWrites() {
    return confirmed.get();
  }

  public long writesDeliveredWithoutOwners() {
    return deliveredWithoutOwners.get();
  }

  public int replayedWrites() {
    return replayed;
  }

  private void logNowAndThen() {
    Instant now = clock.instant();
    Instant last = Objects.requireNonNull(lastLog.get());
    boolean recent =
        !last.equals(Instant.MIN) && Duration.between(last, now).compareTo(LOG_INTERVAL) < 0;
    if (recent || !lastLog.compareAndSet(last, now)) {
      return;
    }
    int pendingSessions = outboxes.size();
    if (pendingSessions > 0) {
      log.info(
          "write-behind: {} writes confirmed since start; {} sessions still pending, oldest {} s",
          confirmed.get(),
          pendingSessions,
          Math.round(outboxes.oldestPendingAgeSeconds()));
    }
  }
}
