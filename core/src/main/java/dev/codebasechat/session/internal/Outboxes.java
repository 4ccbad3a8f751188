package dev.codebasechat.session.internal;

import dev.codebasechat.session.PendingSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.sqlite.JournalException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outboxes of the sessions with writes acknowledged but not yet confirmed, and the journal that
 * keeps them across a restart. A write is recorded durably and added to its session's outbox under
 * that session's lock ({@link SessionLocks}), so the outbox's order is the journal's order and no
 * other session waits for the disk; the map of outboxes is only ever updated by short steps.
 *
 * <p>Thread-safe. An outbox leaves the map once empty, under its session's lock, so a write never
 * lands in an outbox nobody will flush.
 */
public final class Outboxes {
  private static final Logger log = LoggerFactory.getLogger(Outboxes.class);

  private final ConcurrentHashMap<SessionId, Outbox> outboxes = new ConcurrentHashMap<>();
  private final SessionLocks locks;
  private final JournalBridge journal;
  private final Clock clock;
  private final StoredCounts counts;

  public Outboxes(SessionLocks locks, JournalBridge journal, Clock clock) {
    this.locks = locks;
    this.journal = journal;
    this.clock = clock;
    this.counts = new StoredCounts(clock);
  }

  /** What {@link #record} did. */
  public sealed interface Recorded {
    /** The session's pending writes belong to another owner: nothing recorded. */
    record NotTheOwner() implements Recorded {}

    /** {@code op} (when present) is recorded and pending in {@code outbox}. */
    record Pending(Outbox outbox, Optional<PendingOp> op) implements Recorded {}
  }

  /**
   * Under {@code id}'s lock: finds or opens the session's outbox for {@code owner}, asks {@code
   * decide} what to record given that outbox and whether it was just opened, makes it durable in
   * the journal and adds it. The only step that waits for the disk, and it holds only this
   * session's lock.
   *
   * @throws JournalException if the journal cannot record it (nothing is pending then)
   */
  public Recorded record(
      SessionId id, UUID owner, boolean knownNew, Function<Opened, Optional<PendingOp>> decide) {
    return locks.withLock(
        id,
        () -> {
          Outbox existing = outboxes.get(id);
          Outbox outbox =
              existing != null ? existing : new Outbox(id, owner, knownNew, counts.of(id, owner));
          if (!outbox.owner.equals(owner)) {
            return new Recorded.NotTheOwner();
          }
          Optional<PendingOp> op = decide.apply(new Opened(outbox, existing == null));
          if (op.isPresent()) {
            // Durable before it counts as acknowledged; a failure leaves nothing recorded.
            long sequence = journal.record(id, owner, op.get());
            outbox.add(op.get(), clock.instant(), sequence);
            outboxes.put(id, outbox);
          }
          return new Recorded.Pending(outbox, op);
        });
  }

  /** An outbox as {@link #record} found it: {@code opened} when it holds nothing yet. */
  public record Opened(Outbox outbox, boolean opened) {}

  /**
   * The database answered that {@code owner}'s {@code id} holds {@code messages} (a head read, a
   * create-if-absent): an outbox opened for it by that owner from now on counts from there.
   */
  public void counted(SessionId id, UUID owner, int messages) {
    counts.counted(id, owner, messages);
  }

  /** The session is gone: no count of it holds any more. */
  public void forgetCount(SessionId id) {
    counts.forget(id);
  }

  public @Nullable Outbox get(SessionId id) {
    return outboxes.get(id);
  }

  /** The pending writes of {@code id} if they are {@code owner}'s; empty otherwise. */
  public Optional<Outbox> ownedBy(SessionId id, UUID owner) {
    Outbox outbox = outboxes.get(id);
    return outbox != null && outbox.owner.equals(owner) ? Optional.of(outbox) : Optional.empty();
  }

  public Collection<Outbox> all() {
    return outboxes.values();
  }

  /** Whether no session has an outbox. */
  public boolean isEmpty() {
    return outboxes.isEmpty();
  }

  /** Sessions with an outbox. */
  public int size() {
    return outboxes.size();
  }

  /**
   * Drops {@code outbox} from the map once it is empty, under its session's lock: a writer that
   * holds it is recording into this outbox, so the removal waits for it and then sees it is not
   * empty (a write never lands in an outbox that left the map).
   */
  public void removeIfEmpty(Outbox outbox) {
    locks.run(
        outbox.id,
        () -> {
          if (outbox.isEmpty() && outboxes.remove(outbox.id, outbox)) {
            outbox.storedCount().ifPresent(count -> counts.counted(outbox.id, outbox.owner, count));
          }
        });
  }

  /** Forgets the writes of {@code id} up to {@code sequence}: the database confirmed them. */
  public void release(SessionId id, long sequence) {
    journal.release(id, sequence);
  }

  /** Pending sessions, oldest acknowledged first. */
  public List<PendingSession> pendingSessions(Predicate<SessionId> waiting) {
    List<PendingSession> pending = new ArrayList<>();
    for (Outbox outbox : outboxes.values()) {
      if (outbox.isEmpty()) {
        continue;
      }
      pending.add(
          new PendingSession(
              outbox.id,
              outbox.owner,
              outbox.pendingWrites(),
              outbox.oldestAcknowledged(),
              waiting.test(outbox.id),
              outbox.lastFailure()));
    }
    pending.sort(
        Comparator.comparing((PendingSession p) -> p.oldestAcknowledged().orElse(Instant.MAX)));
    return pending;
  }

  /** Writes acknowledged and not yet confirmed, in all sessions. */
  public int pendingWrites() {
    return outboxes.values().stream().mapToInt(Outbox::pendingWrites).sum();
  }

  /** Age of the oldest unconfirmed write, in seconds; 0 without one. */
  public double oldestPendingAgeSeconds() {
    Instant now = clock.instant();
    return outboxes.values().stream()
        .map(Outbox::oldestAcknowledged)
        .flatMap(Optional::stream)
        .map(at -> Duration.between(at, now).toMillis() / 1000.0)
        .max(Double::compare)
        .orElse(0.0);
  }

  /**
   * Rebuilds the pending writes the journal holds (acknowledged before a crash or restart); returns
   * how many writes they count for, and hands the set-aside records found to {@code setAside}.
   */
  public int replay(java.util.function.Consumer<JournalBridge.SetAside> setAside) {
    int replayed = 0;
    for (JournalBridge.Recorded entry : journal.recorded()) {
      if (entry instanceof JournalBridge.SetAside setAsideWrite) {
        setAside.accept(setAsideWrite);
        continue;
      }
      JournalBridge.PendingWrite write = (JournalBridge.PendingWrite) entry;
      Outbox outbox =
          outboxes.computeIfAbsent(write.id(), key -> new Outbox(key, write.owner(), false));
      if (!outbox.owner.equals(write.owner())) {
        journal.leaveInPlace(write.id(), write.sequence());
        log.error(
            "journal entry {} names another owner than earlier entries of its session; left in place",
            write.sequence());
        continue;
      }
      outbox.add(write.op(), write.recordedAt(), write.sequence());
      replayed += write.op().weight(); // the unit of every "writes" figure
    }
    return replayed;
  }
}
