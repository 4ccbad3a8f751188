package dev.codebasechat.session.internal;

import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The writes of one session that were acknowledged but not yet confirmed by the database, in order.
 * Each method is atomic (the object is its own monitor, held only for what it does in memory);
 * recording a write durably and adding it here happen under the session's lock in {@link Outboxes},
 * never under this monitor.
 *
 * <p>Adjacent writes that one request can carry are merged ({@link PendingOp#absorb}), so a burst
 * becomes one request, except into the head while it is being sent: what arrives meanwhile waits
 * for the next flush.
 */
public final class Outbox {

  public final SessionId id;
  public final UUID owner;

  /**
   * Created here and never stored before: its history is known to be exactly what is pending. No
   * longer once a delete of it is recorded: confirmed, it leaves nothing behind to know.
   */
  private boolean knownNew;

  private final List<PendingOp> ops = new ArrayList<>();

  /** Per op, the highest journal sequence it covers (0 without a journal). */
  private final List<Long> sequences = new ArrayList<>();

  /** Ids of the messages in {@link #ops}, kept in step so an append does not rescan them. */
  private final Set<MessageId> pendingIds = new HashSet<>();

  private boolean headInFlight;

  /** Whether other writes already waited behind the head when it was taken for sending. */
  private boolean backlogBehindHead;

  /** Per op, when the first write it holds was acknowledged. */
  private final List<Instant> acknowledged = new ArrayList<>();

  /** When the latest pending write was acknowledged: the session's activity time meanwhile. */
  private @Nullable Instant latestAcknowledged;

  private @Nullable String lastFailure;
  private int failedAttempts;

  /**
   * The database's message count without the writes pending here: as last answered before this
   * outbox opened, then after each confirmed head; {@link #UNKNOWN} when not known.
   */
  private int storedCount;

  /** The count the database answered for the head in flight, taken once it leaves. */
  private int headStoredCount = NO_ANSWER;

  private static final int UNKNOWN = -1;
  private static final int NO_ANSWER = -2;

  public Outbox(SessionId id, UUID owner, boolean knownNew) {
    this(id, owner, knownNew, OptionalInt.empty());
  }

  /** {@code storedCount}: the database's message count of the session, if known. */
  public Outbox(SessionId id, UUID owner, boolean knownNew, OptionalInt storedCount) {
    this.id = id;
    this.owner = owner;
    this.knownNew = knownNew;
    this.storedCount = storedCount.orElse(UNKNOWN);
  }

  /**
   * Adds {@code op}, acknowledged at {@code now} and recorded in the journal under {@code
   * sequence}.
   */
  public synchronized void add(PendingOp op, Instant now, long sequence) {
    if (!op.existsAfter().orElse(true)) {
      knownNew = false;
    }
    if (latestAcknowledged == null || now.isAfter(latestAcknowledged)) {
      latestAcknowledged = now;
    }
    pendingIds.addAll(op.messageIds());
    int last = ops.size() - 1;
    boolean lastIsSealed = headInFlight && last == 0;
    if (last >= 0 && !lastIsSealed) {
      Optional<PendingOp> merged = ops.get(last).absorb(op);
      if (merged.isPresent()) {
        ops.set(last, merged.get());
        sequences.set(last, Math.max(sequences.get(last), sequence));
        return;
      }
    }
    ops.add(op);
    sequences.add(sequence);
    acknowledged.add(now);
  }

  /** Whether {@code write} (a clear or delete: its id makes it one) is pending here. */
  public synchronized boolean holds(PendingOp write) {
    return ops.contains(write);
  }

  /** Whether the session was created here and is known to exist just as its writes say. */
  public synchronized boolean knownNew() {
    return knownNew;
  }

  /** The oldest pending write, marked as being sent; empty when nothing is pending. */
  public synchronized Optional<PendingOp> takeHead() {
    if (ops.isEmpty()) {
      return Optional.empty();
    }
    headInFlight = true;
    backlogBehindHead = ops.size() > 1;
    return Optional.of(ops.get(0));
  }

  /**
   * The head was confirmed (or set aside): drop it.
   *
   * @return the highest journal sequence it covered, to release
   */
  public synchronized long removeHead() {
    PendingOp head = ops.remove(0);
    long sequence = sequences.remove(0);
    acknowledged.remove(0);
    // Taken as the head leaves, so that a count never holds the head and still lists it pending.
    if (headStoredCount != NO_ANSWER) {
      storedCount = headStoredCount;
      headStoredCount = NO_ANSWER;
    }
    head.messageIds().forEach(pendingIds::remove);
    headInFlight = false;
    failedAttempts = 0;
    lastFailure = null;
    latestAcknowledged = ops.isEmpty() ? null : latestAcknowledged;
    return sequence;
  }

  /**
   * Whether what is still pending after the last confirmed head was already waiting when that head
   * was sent (a backlog the one-request limits split), rather than written while it was in flight.
   */
  public synchronized boolean backlogPredatesLastSend() {
    return backlogBehindHead && !ops.isEmpty();
  }

  /**
   * The head when it was sent and is not confirmed yet (in flight, or its answer failed or was
   * lost): the database may hold it already.
   */
  public synchronized Optional<PendingOp> sentHead() {
    return !ops.isEmpty() && (headInFlight || failedAttempts > 0)
        ? Optional.of(ops.get(0))
        : Optional.empty();
  }

  /** Failed attempts to send the head so far. */
  public synchronized int failedAttempts() {
    return failedAttempts;
  }

  /** The head could not be sent; it stays first and may absorb later appends again. */
  public synchronized int releaseHead(String failure) {
    headInFlight = false;
    headStoredCount = NO_ANSWER;
    lastFailure = failure;
    return ++failedAttempts;
  }

  public synchronized boolean isEmpty() {
    return ops.isEmpty();
  }

  public synchronized int pendingWrites() {
    int writes = 0;
    for (PendingOp op : ops) {
      writes += op.weight();
    }
    return writes;
  }

  /** When the oldest write still pending was acknowledged. */
  public synchronized Optional<Instant> oldestAcknowledged() {
    return acknowledged.isEmpty() ? Optional.empty() : Optional.of(acknowledged.get(0));
  }

  public synchronized Optional<String> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  /** How many message ids are pending here: at most the messages the pending writes add. */
  public synchronized int pendingMessages() {
    return pendingIds.size();
  }

  /**
   * Of {@code ids}, those the session holds once the pending writes apply over {@code confirmed}
   * (what the database last confirmed; null when not known): after a pending clear or delete, only
   * what is appended after it.
   */
  public synchronized Set<MessageId> heldOncePending(
      List<MessageId> ids, @Nullable ChatSession confirmed) {
    int lastEmptying = -1;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i).emptiesHistory()) {
        lastEmptying = i;
      }
    }
    Set<MessageId> held = new HashSet<>();
    if (lastEmptying < 0) {
      for (MessageId id : ids) {
        if (pendingIds.contains(id) || (confirmed != null && confirmed.holds(id))) {
          held.add(id);
        }
      }
      return held;
    }
    Set<MessageId> appendedSince = new HashSet<>();
    for (int i = lastEmptying + 1; i < ops.size(); i++) {
      appendedSince.addAll(ops.get(i).messageIds());
    }
    for (MessageId id : ids) {
      if (appendedSince.contains(id)) {
        held.add(id);
      }
    }
    return held;
  }

  /** The pending writes as they are now, with the time of the latest: what a read lays over. */
  public synchronized Pending snapshot() {
    return new Pending(List.copyOf(ops), Optional.ofNullable(latestAcknowledged));
  }

  /**
   * {@code base} (what the database confirmed, empty if no row is known) with the pending writes
   * applied in order; empty when the result is "no such session" (never created, or deleted).
   */
  public Optional<ChatSession> overlay(Optional<ChatSession> base) {
    return snapshot().overlay(id, owner, base);
  }

  /** The database answered the head in flight with the session holding {@code messages}. */
  public synchronized void headStored(int messages) {
    headStoredCount = messages;
  }

  /** The head in flight was stored, and how many messages the session holds now is not known. */
  public synchronized void headStoredUncounted() {
    headStoredCount = UNKNOWN;
  }

  /** The database's message count without the writes pending here, if known. */
  public synchronized OptionalInt storedCount() {
    return storedCount == UNKNOWN ? OptionalInt.empty() : OptionalInt.of(storedCount);
  }

  /**
   * How many messages the session holds as this outbox knows it, without a copy of the session:
   * what is pending from the last clear or delete pending on; without one, the database's count
   * ({@link #storedCount}, when known) and the messages pending.
   */
  public int messageCountWithoutCopy() {
    return messageCountOver(OptionalInt.empty());
  }

  /**
   * {@link #messageCountWithoutCopy}, with {@code listed} (the database's count in a list it just
   * answered) as the stored count when this outbox knows none.
   */
  public int messageCountOver(OptionalInt listed) {
    List<PendingOp> pendingOps;
    int stored;
    synchronized (this) { // copied, so that no flush waits while the messages are counted
      pendingOps = List.copyOf(ops);
      stored = storedCount == UNKNOWN ? listed.orElse(UNKNOWN) : storedCount;
    }
    ChatSession pending = ChatSession.empty(id, owner);
    boolean emptied = false;
    for (PendingOp op : pendingOps) {
      emptied |= op.emptiesHistory();
      pending = op.applyTo(pending);
    }
    return emptied || stored == UNKNOWN ? pending.messageCount() : stored + pending.messageCount();
  }

  /** Whether the pending writes end with the session deleted. */
  public synchronized boolean endsDeleted() {
    for (int i = ops.size() - 1; i >= 0; i--) {
      Optional<Boolean> exists = ops.get(i).existsAfter();
      if (exists.isPresent()) {
        return !exists.get();
      }
    }
    return false;
  }

  /** Whether the oldest pending write, the one sent next, is an append. */
  public synchronized boolean nextIsAppend() {
    return !ops.isEmpty() && ops.get(0) instanceof PendingOp.Append;
  }

  /** How many messages the oldest pending write carries (0 for a write of another kind). */
  public synchronized int nextMessages() {
    return !ops.isEmpty() && ops.get(0) instanceof PendingOp.Append append
        ? append.messages().size()
        : 0;
  }

  /** Whether some pending write would create the session (an append). */
  public synchronized boolean hasAppend() {
    return ops.stream().anyMatch(op -> op.existsAfter().orElse(false));
  }

  /** A session's pending writes at one moment. */
  public record Pending(List<PendingOp> ops, Optional<Instant> latestAcknowledged) {
    /** See {@link Outbox#overlay}. */
    public Optional<ChatSession> overlay(SessionId id, UUID owner, Optional<ChatSession> base) {
      Optional<ChatSession> after = PendingOp.applyAll(id, owner, ops, base);
      return ops.isEmpty() ? after : after.map(s -> s.withLastActivity(latestAcknowledged));
    }

    /** Whether one of these writes creates the session when the database does not have it. */
    public boolean creates() {
      return ops.stream().anyMatch(op -> op.existsAfter().orElse(false));
    }

    public int writes() {
      return ops.stream().mapToInt(PendingOp::weight).sum();
    }
  }
}
