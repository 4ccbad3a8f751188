package dev.codebasechat.session.internal;

import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.session.SetAsideWrite;
import dev.codebasechat.sqlite.JournalException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a store keeps on its disk, in the session's words: the writes it acknowledged until the
 * database confirms them, the local copies of confirmed sessions (read when the database is away),
 * and the writes set aside for operators. {@link #none()} is the bridge of a store without a
 * journal (unconfirmed writes live in memory only): it records nothing and holds no copy.
 *
 * <p>Only {@link #record} throws ({@link JournalException}): a write is acknowledged only once it
 * is durable. Everything else is best effort and logged when the journal fails: a copy not kept is
 * a read that needs the database, a release not done is a write replayed (harmlessly: appends are
 * idempotent). Thread-safe as far as the journal is.
 */
public abstract class JournalBridge {
  private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
  private static final Duration PRUNE_INTERVAL = Duration.ofMinutes(10);

  private JournalBridge() {}

  /**
   * Moves set-aside records that journals written before they had keys of their own keep under
   * their session's key to {@code set-aside:<id>}: there, releasing the session's confirmed writes
   * ("everything up to") deleted them, unreviewed. Each record is written under its own key before
   * it is removed from the old one, so a crash in between leaves it twice, never lost.
   *
   * @return how many records were moved
   * @throws JournalException when the journal cannot be read or written
   */
  public static int moveOlderSetAsideRecords(Journal journal) {
    int moved = 0;
    for (JournalEntry entry : journal.pending()) {
      if (!SessionCodec.isSetAside(entry)
          || entry.key().startsWith(SessionCodec.SET_ASIDE_KEY_PREFIX)) {
        continue;
      }
      SessionId id;
      try {
        id = SessionId.of(entry.key());
      } catch (IllegalArgumentException notASession) {
        continue; // not ours to interpret
      }
      journal.append(SessionCodec.setAsideKey(id), entry.owner(), entry.kind(), entry.payload());
      journal.remove(entry.key(), List.of(entry.sequence()));
      moved++;
    }
    if (moved > 0) {
      log.info("moved {} set-aside records of an older journal under set-aside:<session>", moved);
    }
    return moved;
  }

  /** The bridge of a store without a journal. */
  public static JournalBridge none() {
    return new None();
  }

  /**
   * The bridge over {@code journal}, keeping local copies refreshed within {@code copyMaxAge} and
   * at most {@code copyMaxBytes} in all (pruned when the store starts, and as copies are kept at
   * most every 10 minutes of {@code clock}).
   */
  public static JournalBridge over(
      Journal journal, Clock clock, Duration copyMaxAge, long copyMaxBytes) {
    return new Durable(journal, clock, copyMaxAge, copyMaxBytes);
  }

  /** Makes {@code op} durable; its sequence, or 0 when nothing is recorded. */
  public abstract long record(SessionId id, UUID owner, PendingOp op);

  /** Forgets the writes of {@code id} up to {@code sequence}: the database confirmed them. */
  public abstract void release(SessionId id, long sequence);

  /**
   * Records that {@code session} is to be its owner's local copy, written by {@link
   * #settleLocalCopy} (so that a session's lock is not held while a whole session goes to disk).
   */
  public abstract void keepLocalCopy(ChatSession session);

  /**
   * Writes the local copy {@code id} is to have, as last recorded by {@link #keepLocalCopy} or
   * {@link #dropLocalCopy}: to be called after those, outside the session's lock, and before the
   * writes the change concerns are released. A copy the disk cannot write drops the older one
   * instead (a copy is the last confirmed state or nothing); one that can be neither kept nor
   * dropped keeps the session's confirmed writes in the journal.
   *
   * @throws JournalException when a copy to drop cannot be dropped: whoever confirmed the write
   *     keeps it pending and tries again, so that no later start answers the session from the old
   *     copy
   */
  public abstract void settleLocalCopy(SessionId id);

  /** A mark for {@link #copyChangedSince}. */
  public abstract long copyMark();

  /**
   * Whether a change of {@code id}'s local copy recorded after {@code mark} waits to be written.
   */
  public abstract boolean copyChangedSince(SessionId id, long mark);

  /**
   * Drops the local copies past their retention (best effort, never throws: a copy kept longer is
   * still the last confirmed state). Copies of sessions with pending writes stay.
   */
  public abstract void pruneLocalCopies();

  /**
   * Records that the local copy of {@code id} is to go (the session was deleted, or a confirmed
   * write outdated it), done by {@link #settleLocalCopy}.
   */
  public abstract void dropLocalCopy(SessionId id);

  /** The local copy of {@code id}, if it belongs to {@code owner}. */
  public abstract Optional<ChatSession> localCopy(SessionId id, UUID owner);

  /** The owner the local copy of {@code id} names. */
  public abstract Optional<UUID> localCopyOwner(SessionId id);

  /**
   * Records a set-aside write durably, for operators; {@code sessionFull}: the database refused it
   * because its session is full.
   *
   * @throws JournalException when the disk cannot record it: the write is not set aside but stays
   *     pending, so that its content is never released without a record of it
   */
  public abstract void keepSetAside(SetAsideWrite write, PendingOp op, boolean sessionFull);

  /**
   * Everything recorded and not released, oldest first; unreadable entries are logged, skipped and
   * left in place ({@link #leaveInPlace}).
   */
  public abstract List<Recorded> recorded();

  /**
   * Keeps the entry {@code sequence} of {@code id}, read back but not to be sent, for operators:
   * releasing the session's confirmed writes never removes it.
   */
  public abstract void leaveInPlace(SessionId id, long sequence);

  /** One recorded entry, read back. */
  public sealed interface Recorded {}

  /** A write waiting for the database. */
  public record PendingWrite(
      SessionId id, UUID owner, PendingOp op, Instant recordedAt, long sequence)
      implements Recorded {}

  /**
   * A write set aside for operators; {@code sessionFull}: the database refused it because its
   * session is full.
   */
  public record SetAside(SetAsideWrite write, boolean sessionFull) implements Recorded {}

  private static final class None extends JournalBridge {
    @Override
    public long record(SessionId id, UUID owner, PendingOp op) {
      return 0;
    }

    @Override
    public void release(SessionId id, long sequence) {}

    @Override
    public void keepLocalCopy(ChatSession session) {}

    @Override
    public void settleLocalCopy(SessionId id) {}

    @Override
    public long copyMark() {
      return 0;
    }

    @Override
    public boolean copyChangedSince(SessionId id, long mark) {
      return false;
    }

    @Override
    public void pruneLocalCopies() {}

    @Override
    public void dropLocalCopy(SessionId id) {}

    @Override
    public Optional<ChatSession> localCopy(SessionId id, UUID owner) {
      return Optional.empty();
    }

    @Override
    public Optional<UUID> localCopyOwner(SessionId id) {
      return Optional.empty();
    }

    @Override
    public void keepSetAside(SetAsideWrite write, PendingOp op, boolean sessionFull) {}

    @Override
    public List<Recorded> recorded() {
      return List.of();
    }

    @Override
    public void leaveInPlace(SessionId id, long sequence) {}
  }

  private static final class Durable extends JournalBridge {
    private final Journal journal;
    private final Clock clock;
    private final Duration copyMaxAge;
    private final long copyMaxBytes;
    private final AtomicReference<Instant> lastPrune = new AtomicReference<>(Instant.MIN);

    /**
     * Entries left for operators, by session key: those this version cannot read (a newer version's
     * kind, a damaged payload) and those naming another owner than the session's earlier entries.
     * Never released with the writes around them.
     */
    private final Map<String, Set<Long>> leftInPlace = new ConcurrentHashMap<>();

    /**
     * Sessions whose local copy could be neither replaced nor dropped: it may lack confirmed
     * writes, so those stay in the journal (a read after a restart lays them over the copy) until a
     * copy is kept or dropped again.
     */
    private final Set<String> copiesInDoubt = ConcurrentHashMap.newKeySet();

    /** Local copies to keep or drop, recorded under a session's lock and written after it. */
    private final CopyChanges copyChanges = new CopyChanges();

    Durable(Journal journal, Clock clock, Duration copyMaxAge, long copyMaxBytes) {
      this.journal = journal;
      this.clock = clock;
      this.copyMaxAge = copyMaxAge;
      this.copyMaxBytes = copyMaxBytes;
    }

    @Override
    public long record(SessionId id, UUID owner, PendingOp op) {
      return journal.append(id.value(), owner, op.kind(), SessionCodec.opToJson(op));
    }

    @Override
    public void release(SessionId id, long sequence) {
      if (sequence <= 0 || copiesInDoubt.contains(id.value())) {
        return;
      }
      try {
        Set<Long> kept = leftInPlace.getOrDefault(id.value(), Set.of());
        if (kept.stream().allMatch(unread -> unread > sequence)) {
          journal.release(id.value(), sequence);
        } else {
          // Releasing "up to" would take the entries left in place with it: only what was
          // confirmed.
          List<Long> confirmed = new ArrayList<>();
          for (JournalEntry entry : journal.pending(id.value())) {
            if (entry.sequence() <= sequence && !kept.contains(entry.sequence())) {
              confirmed.add(entry.sequence());
            }
          }
          journal.remove(id.value(), confirmed);
        }
      } catch (JournalException e) {
        // Still recorded: replayed after a restart, and harmless then (appends are idempotent by
        // message id, clears and deletes by their ids, and an append's messages are not sent again
        // ahead of a clear: recorded()).
        log.error(
            "could not release confirmed writes of session {} from the journal: {}",
            id,
            e.getMessage());
      }
    }

    @Override
    public void keepLocalCopy(ChatSession session) {
      copyChanges.keep(session);
    }

    @Override
    public void dropLocalCopy(SessionId id) {
      copyChanges.drop(id);
    }

    @Override
    public void settleLocalCopy(SessionId id) {
      copyChanges.settle(
          id,
          change -> {
            if (change.session != null) {
              writeLocalCopy(change.session);
            } else {
              journal.deleteSnapshot(id.value());
              copiesInDoubt.remove(id.value());
            }
          });
    }

    @Override
    public long copyMark() {
      return copyChanges.mark();
    }

    @Override
    public boolean copyChangedSince(SessionId id, long mark) {
      return copyChanges.recordedSince(id, mark);
    }

    private void writeLocalCopy(ChatSession session) {
      try {
        journal.putSnapshot(
            session.id().value(),
            session.owner(),
            session.version(),
            SessionCodec.sessionToRow(session));
        copiesInDoubt.remove(session.id().value());
      } catch (JournalException e) {
        // The copy held may lack what this one has: a read after a restart must not answer it.
        try {
          journal.deleteSnapshot(session.id().value());
          copiesInDoubt.remove(session.id().value());
          log.warn(
              "could not keep a local copy of session {}, dropped the older one: {}",
              session.id(),
              e.getMessage());
        } catch (JournalException again) {
          // The writes the copy may lack stay in the journal until a copy is kept or dropped.
          copiesInDoubt.add(session.id().value());
          log.error(
              "could neither keep nor drop the local copy of session {}; its confirmed writes stay"
                  + " in the journal: {}",
              session.id(),
              e.getMessage());
        }
        return;
      }
      pruneNowAndThen();
    }

    @Override
    public Optional<ChatSession> localCopy(SessionId id, UUID owner) {
      Optional<CopyChanges.Change> waiting = copyChanges.waiting(id);
      if (waiting.isPresent()) {
        return Optional.ofNullable(waiting.get().session)
            .filter(session -> session.owner().equals(owner));
      }
      try {
        return journal
            .snapshot(id.value())
            .filter(copy -> copy.owner().equals(owner))
            .map(copy -> SessionCodec.sessionFromRow(copy.json()))
            .filter(session -> session.owner().equals(owner));
      } catch (JournalException | IllegalArgumentException e) {
        log.warn("local copy of session {} is unreadable: {}", id, e.getMessage());
        return Optional.empty();
      }
    }

    @Override
    public Optional<UUID> localCopyOwner(SessionId id) {
      Optional<CopyChanges.Change> waiting = copyChanges.waiting(id);
      if (waiting.isPresent()) {
        return Optional.ofNullable(waiting.get().session).map(ChatSession::owner);
      }
      try {
        return journal.snapshot(id.value()).map(copy -> copy.owner());
      } catch (JournalException e) {
        log.warn("local copy of session {} is unreadable: {}", id, e.getMessage());
        return Optional.empty();
      }
    }

    @Override
    public void keepSetAside(SetAsideWrite write, PendingOp op, boolean sessionFull) {
      journal.append(
          SessionCodec.setAsideKey(write.sessionId()),
          write.owner(),
          SessionCodec.SET_ASIDE_KIND,
          SessionCodec.setAsideToJson(write, op, sessionFull));
    }

    @Override
    public List<Recorded> recorded() {
      moveOlderSetAsideRecords(journal);
      List<Recorded> out = new ArrayList<>();
      for (JournalEntry entry : journal.pending()) {
        try {
          SessionId id = SessionCodec.sessionOfKey(entry.key());
          if (SessionCodec.isSetAside(entry)) {
            out.add(
                new SetAside(
                    SessionCodec.setAsideFromJson(id, entry.owner(), entry.payload()),
                    SessionCodec.setAsideOfFullSession(entry.payload())));
          } else {
            PendingOp op = SessionCodec.opFromJson(entry);
            out.add(new PendingWrite(id, entry.owner(), op, entry.recordedAt(), entry.sequence()));
          }
        } catch (IllegalArgumentException e) {
          leaveInPlace(entry.key(), entry.sequence());
          log.error(
              "journal entry {} ({}) cannot be read by this version and is left in place; the"
                  + " session's other writes are sent without it: {}",
              entry.sequence(),
              entry.key(),
              e.getMessage());
        }
      }
      return withoutMessagesBeforeAClear(out);
    }

    /**
     * {@code recorded} with the messages taken out of each append that a clear or a delete of its
     * session follows: such an append may have reached the database already (its release failed, or
     * was held back for a local copy in doubt), and the clear, applied once per its id, would not
     * erase its messages once they were stored again. What else the append does (create the
     * session, set its repo and file) stays.
     */
    private static List<Recorded> withoutMessagesBeforeAClear(List<Recorded> recorded) {
      Set<SessionId> emptiedLater = new java.util.HashSet<>();
      List<Recorded> out = new ArrayList<>(recorded);
      for (int i = out.size() - 1; i >= 0; i--) {
        if (!(out.get(i) instanceof PendingWrite write)) {
          continue;
        }
        if (write.op().emptiesHistory()) {
          emptiedLater.add(write.id());
        } else if (emptiedLater.contains(write.id())) {
          out.set(
              i,
              new PendingWrite(
                  write.id(),
                  write.owner(),
                  write.op().aheadOfAClear(),
                  write.recordedAt(),
                  write.sequence()));
        }
      }
      return out;
    }

    @Override
    public void leaveInPlace(SessionId id, long sequence) {
      leaveInPlace(id.value(), sequence);
    }

    private void leaveInPlace(String key, long sequence) {
      leftInPlace.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(sequence);
    }

    private void pruneNowAndThen() {
      Instant now = clock.instant();
      Instant last = Objects.requireNonNull(lastPrune.get());
      if (!last.equals(Instant.MIN) && Duration.between(last, now).compareTo(PRUNE_INTERVAL) < 0) {
        return;
      }
      if (lastPrune.compareAndSet(last, now)) {
        pruneLocalCopies();
      }
    }

    @Override
    public void pruneLocalCopies() {
      lastPrune.set(clock.instant()); // the next keep need not prune again within the interval
      try {
        int pruned = journal.pruneSnapshots(copyMaxAge, copyMaxBytes);
        if (pruned > 0) {
          log.info("dropped {} local copies of sessions past their retention", pruned);
        }
      } catch (JournalException e) {
        log.warn("could not drop the local copies past their retention: {}", e.getMessage());
      }
    }
  }
}
