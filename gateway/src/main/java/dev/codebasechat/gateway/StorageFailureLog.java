package dev.codebasechat.gateway;

import dev.codebasechat.session.SessionStorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, at WARN and at most once a minute, that writes cannot be recorded in {@code DATA_DIR} (a
 * full disk, a file turned read-only): each is answered 503 {@code storage_unavailable}, and
 * without this an operator saw nothing but the callers' errors. The message is SQLite's and names
 * the file; it never carries a token. Thread-safe; timed by the gateway's clock.
 */
final class StorageFailureLog {
  private static final Logger log = LoggerFactory.getLogger(StorageFailureLog.class);
  static final Duration QUIET = Duration.ofMinutes(1);

  private final Clock clock;

  /** When the next warning may be written. */
  private final AtomicReference<Instant> nextAt = new AtomicReference<>(Instant.MIN);

  StorageFailureLog(Clock clock) {
    this.clock = clock;
  }

  /** Notes {@code failure} when it is a write the data directory could not record. */
  void note(RuntimeException failure) {
    Throwable e = failure;
    if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (!(e instanceof SessionStorageException storage)) {
      return;
    }
    Instant now = clock.instant();
    Instant next = nextAt.get();
    if (now.isBefore(next) || !nextAt.compareAndSet(next, now.plus(QUIET))) {
      return;
    }
    log.warn(
        "writes cannot be recorded durably in the data directory; each is answered 503"
            + " storage_unavailable until space returns (at most one such warning a minute): {}",
        Objects.requireNonNullElse(storage.getCause(), storage).getMessage());
  }
}
