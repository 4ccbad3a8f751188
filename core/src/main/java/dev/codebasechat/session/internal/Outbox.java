package dev.codebasechat.session.internal;

import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The writes of one session that were acknowledged but not yet confirmed by the database, in order,
 * with the access token of the owner to send them with. The object is its own lock.
 *
 * <p>Adjacent appends (and adjacent context updates) are merged, so a burst becomes one request,
 * except into the head while it is being sent: what arrives meanwhile waits for the next flush.
 */
public final class Outbox {

  /** Most messages one request carries; the append function refuses more than 1000. */
  public static final int MAX_MESSAGES_PER_REQUEST = SessionTableRules.MAX_MESSAGES_PER_APPEND;

  public final SessionId id;
  public final UUID owner;

  /** Created here and never stored before: its history is known to be exactly what is pending. */
  public final boolean knownNew;

  private final List<PendingOp> ops = new ArrayList<>();

  /** Per op, the highest journal sequence it covers (0 without a journal). */
  private final List<Long> sequences = new ArrayList<>();

  /** Ids of the messages in {@link #ops}, kept in step so an append does not rescan them. */
  private final Set<MessageId> pendingIds = new HashSet<>();

  private boolean headInFlight;

  /** Whether other writes already waited behind the head when it was taken for sending. */
  private boolean backlogBehindHead;

  private @Nullable Instant oldestAcknowledged;

  /**
   * When the latest pending write was acknowledged: the session's activity time while it is
   * pending.
   */
  private @Nullable Instant latestAcknowledged;

  private @Nullable String lastFailure;
  private int failedAttempts;

  public Outbox(SessionId id, UUID owner, boolean knownNew) {
    this.id = id;
    this.owner = owner;
    this.knownNew = knownNew;
  }

  public synchronized void add(PendingOp op, Instant now) {
    add(op, now, 0);
  }

  /** Adds {@code op}, recorded in the journal under {@code sequence}. */
  public synchronized void add(PendingOp op, Instant now, long sequence) {
    if (oldestAcknowledged == null) {
      oldestAcknowledged = now;
    }
    if (latestAcknowledged == null || now.isAfter(latestAcknowledged)) {
      latestAcknowledged = now;
    }
    if (op instanceof PendingOp.Append append) {
      append.messages().forEach(message -> pendingIds.add(message.id()));
    }
    int last = ops.size() - 1;
    boolean lastIsSealed = headInFlight && last == 0;
    if (last >= 0 && !lastIsSealed) {
      PendingOp previous = ops.get(last);
      if (previous instanceof PendingOp.Append earlier
          && op instanceof PendingOp.Append later
          && earlier.messages().size() + later.messages().size() <= MAX_MESSAGES_PER_REQUEST) {
        ops.set(last, earlier.then(later));
        sequences.set(last, Math.max(sequences.get(last), sequence));
        return;
      }
      if (previous instanceof PendingOp.Append earlier
          && op instanceof PendingOp.Context later
          && later.update().contextCache().isEmpty()
          && later.update().metadata().isEmpty()
          && later.update().cleared().isEmpty()) {
        // A new repo or file right after an append (a session created with its context) rides
        // along with it: the append function sets both.
        ops.set(
            last,
            new PendingOp.Append(
                earlier.messages(),
                later.update().repo().or(earlier::repo),
                later.update().currentFile().or(earlier::currentFile)));
        sequences.set(last, Math.max(sequences.get(last), sequence));
        return;
      }
      if (previous instanceof PendingOp.Context earlier && op instanceof PendingOp.Context later) {
        ops.set(last, earlier.then(later));
        sequences.set(last, Math.max(sequences.get(last), sequence));
        return;
      }
    }
    ops.add(op);
    sequences.add(sequence);
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
    if (head instanceof PendingOp.Append append) {
      append.messages().forEach(message -> pendingIds.remove(message.id()));
    }
    headInFlight = false;
    failedAttempts = 0;
    lastFailure = null;
    oldestAcknowledged = ops.isEmpty() ? null : oldestAcknowledged;
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

  /** The head could not be sent; it stays first and may absorb later appends again. */
  public synchronized int releaseHead(String failure) {
    headInFlight = false;
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

  public synchronized Optional<Instant> oldestAcknowledged() {
    return Optional.ofNullable(oldestAcknowledged);
  }

  public synchronized Optional<String> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  /** Whether a message with this id is pending here. */
  public synchronized boolean isPending(MessageId id) {
    return pendingIds.contains(id);
  }

  /**
   * {@code base} (what the database confirmed, empty if no row is known) with the pending writes
   * applied in order; empty when the result is "no such session" (never created, or deleted).
   */
  public synchronized Optional<ChatSession> overlay(Optional<ChatSession> base) {
    boolean exists = base.isPresent();
    ChatSession state = base.orElseGet(() -> ChatSession.empty(id, owner));
    for (PendingOp op : ops) {
      if (op instanceof PendingOp.Append append) {
        exists = true;
        state = withAppended(state, append);
      } else if (op instanceof PendingOp.Context context) {
        state = withContext(state, context.update());
      } else if (op instanceof PendingOp.Clear) {
        state = state.withMessages(List.of());
      } else if (op instanceof PendingOp.Delete) {
        exists = false;
        state = ChatSession.empty(id, owner);
      }
    }
    if (!ops.isEmpty()) {
      state = state.withLastActivity(Optional.ofNullable(latestAcknowledged));
    }
    return exists ? Optional.of(state) : Optional.empty();
  }

  /** Whether the pending writes end with the session deleted. */
  public synchronized boolean endsDeleted() {
    for (int i = ops.size() - 1; i >= 0; i--) {
      PendingOp op = ops.get(i);
      if (op instanceof PendingOp.Delete) {
        return true;
      }
      if (op instanceof PendingOp.Append) {
        return false;
      }
    }
    return false;
  }

  /** Whether some pending write would create the session (an append). */
  public synchronized boolean hasAppend() {
    return ops.stream().anyMatch(op -> op instanceof PendingOp.Append);
  }

  public static ChatSession withAppended(ChatSession session, PendingOp.Append append) {
    return session
        .withAdded(append.messages())
        .withContext(
            append.repo().or(session::repo),
            append.currentFile().or(session::currentFile),
            session.contextCache(),
            session.metadata());
  }

  public static ChatSession withContext(ChatSession session, ContextUpdate update) {
    return session.withContext(
        update.repoAfter(session.repo()),
        update.currentFileAfter(session.currentFile()),
        update.contextCache().orElse(session.contextCache()),
        update.metadata().orElse(session.metadata()));
  }
}
