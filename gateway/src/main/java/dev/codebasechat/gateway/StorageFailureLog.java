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
 * Says, at WARN and at most once a minute for each reason, that writes cannot be recorded in {@code
 * DATA_DIR} (a full disk, a file turned read-only): each is answered 503 {@code
 * storage_unavailable}, and without this an operator saw nothing but the callers' errors. The
 * message is SQLite's and names the file; it never carries a token. Thread-safe; timed by the
 * gateway's clock.
 */
final class StorageFailureLog {
  private static final Logger log = LoggerFactory.getLogger(StorageFailureLog.class);
  static final Duration QUIET = Duration.ofMinutes(1);

  private final Clock clock;

  /** When the next warning of each reason (SQLite's, as the journal names it) may be written. */
  private final java.util.concurrent.ConcurrentMap<String, AtomicReference<Instant>> nextAt =
      new java.util.concurrent.ConcurrentHashMap<>();

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
    Throwable cause = Objects.requireNonNullElse(storage.getCause(), storage);
    String reason =
        cause instanceof dev.codebasechat.sqlite.JournalException journal
            ? journal.reason().name()
            : cause.getClass().getSimpleName();
    AtomicReference<Instant> next =
        nextAt.computeIfAbsent(reason, r -> new AtomicReference<>(Instant.MIN));
    Instant now = clock.instant();
    Instant due = next.get();
    if (now.isBefore(due) || !next.compareAndSet(due, now.plus(QUIET))) {
      return;
    }
    log.warn(
        "writes cannot be recorded durably in the data directory ({}); each is answered 503"
            + " storage_unavailable (at most one such warning a minute for each reason): {}",
        reason,
        cause.getMessage());
  }
}
