package dev.codebasechat.session.internal;

import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.sqlite.JournalException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this process knows of each session, kept consistent: the cached copy (what the database
 * confirmed), the outbox (what was acknowledged and not yet confirmed), who owns it, and the
 * journal's mirror of both. The invariant it owns: <em>a read answers the cached copy with the
 * pending writes laid over it, and that shows every write acknowledged before the read began</em>,
 * whatever the number of concurrent writers.
 *
 * <p>How: every change of a session's cached copy happens under that session's lock (so no
 * confirmation is lost to another), a confirmation is applied to the cached copy before its write
 * leaves the outbox, and a read takes the outbox's writes before it looks at the cached copy (so a
 * write that left the outbox is already in the copy it sees). A read through the database that a
 * confirmation overtook is not cached, and reads again ({@link SessionCache#confirmedSince}).
 *
 * <p>Thread-safe; never waits for the database. The only waits under a session's lock are that
 * session's own disk writes, and a read of whose its local copy is when a write with one user's
 * token found nothing ({@link #gone}), which is rare and runs beside writes (the journal's reader).
 */
public final class Ledger implements PendingOp.Confirmations {
  private static final Logger log = LoggerFactory.getLogger(Ledger.class);

  private final SessionCache cache;
  private final Outboxes outboxes;
  private final KnownOwners owners;
  private final SessionLocks locks;
  private final JournalBridge journal;

  public Ledger(
      SessionCache cache,
      Outboxes outboxes,
      KnownOwners owners,
      SessionLocks locks,
      JournalBridge journal) {
    this.cache = cache;
    this.outboxes = outboxes;
    this.owners = owners;
    this.locks = locks;
    this.journal = journal;
  }

  // ------------------------------------------------------------------ reads

  /**
   * The caller's session as this process knows it when {@code base} is what the database (or the
   * cache) holds: the caller's pending writes laid over it. Fails with {@link
   * SessionNotFoundException} when the result is no session.
   */
  public SessionRead answer(
      Caller caller, SessionId id, Optional<ChatSession> base, ReadSource source) {
    return answer(caller, id, pendingOf(caller, id), base, source);
  }

  /** The caller's pending writes of {@code id}, taken now; none when the session is not theirs. */
  public Optional<Outbox.Pending> pendingOf(Caller caller, SessionId id) {
    return outboxes.ownedBy(id, caller.userId()).map(Outbox::snapshot);
  }

  /** {@link #answer} with the pending writes taken beforehand. */
  public SessionRead answer(
      Caller caller,
      SessionId id,
      Optional<Outbox.Pending> pending,
      Optional<ChatSession> base,
      ReadSource source) {
    if (pending.isEmpty()) {
      return base.map(session -> new SessionRead(session, source, 0))
          .orElseThrow(() -> new SessionNotFoundException(id));
    }
    Optional<ChatSession> merged = pending.get().overlay(id, caller.userId(), base);
    ReadSource effective =
        base.isEmpty() && source == ReadSource.DATABASE ? ReadSource.CACHE : source;
    int writes = pending.get().writes();
    return merged
        .map(session -> new SessionRead(session, effective, writes))
        .orElseThrow(() -> new SessionNotFoundException(id));
  }

  /**
   * Caches {@code session}, read from the database for its owner since {@code mark}, unless a newer
   * copy is cached or a confirmation of the session landed meanwhile (the row may miss what it
   * confirmed: the reader reads again).
   */
  public void fetched(ChatSession session, long mark) {
    owners.remember(session.id(), session.owner());
    underLock(
        session.id(),
        () -> {
          if (!cache.confirmedSince(session.id(), mark)) {
            cache.keepIfNewer(session);
          }
        });
  }

  /**
   * A head read, sent since {@code mark}, found the owner's whole session (it has no messages):
   * cache it when newest, unless a confirmation of the session landed meanwhile (the head may miss
   * what it confirmed).
   */
  public void fetchedWhole(ChatSession session, long mark) {
    fetched(session, mark);
  }

  /** The mark a write sent outside the session's lock takes first, for {@link #appendedSince}. */
  public long mark() {
    return cache.mark();
  }

  /** A revalidation found {@code cached} as the database has it: the copy is current again. */
  public void stillCurrent(ChatSession cached) {
    underLock(
        cached.id(),
        () -> {
          if (cache.peek(cached.id()) == cached) {
            cache.validated(cached.id());
          }
        });
  }

  /**
   * A revalidation brought {@code cached} up to {@code updated}, unless the copy moved meanwhile.
   */
  public void revalidated(ChatSession cached, ChatSession updated) {
    underLock(cached.id(), () -> cache.replace(cached, updated, true));
  }

  /** A revalidation could not apply what changed to {@code cached}: read it whole next time. */
  public void dropCached(ChatSession cached) {
    underLock(cached.id(), () -> cache.remove(cached));
  }

  /** Drops whatever copy of {@code id} is cached: the next read asks the database. */
  public void forgetCached(SessionId id) {
    underLock(id, () -> cache.invalidate(id));
  }

  /**
   * Drops the cached copy of {@code id} if it is still {@code expected} (none cached counts too):
   * false, dropping nothing, when another copy came in meanwhile.
   */
  public boolean forgetCachedIfStill(SessionId id, @Nullable ChatSession expected) {
    return locks.withLock(
        id,
        () -> {
          ChatSession now = cache.peek(id);
          if (now != null && now != expected) {
            return false;
          }
          cache.invalidate(id);
          return true;
        });
  }

  /** The database no longer has {@code cached} (deleted through another instance). */
  public void deletedElsewhere(ChatSession cached) {
    // A read found it gone: a copy the disk cannot drop is left, with a warning.
    underLock(
        cached.id(),
        () -> {
          cache.remove(cached);
          owners.forget(cached.id());
          outboxes.forgetCount(cached.id());
          journal.dropLocalCopy(cached.id());
        });
  }

  // ------------------------------------------------------------------ confirmations

  /**
   * {@link #appended}, for {@code append} sent outside the session's lock since {@code mark} (a
   * session created now, not through the write-behind; an append the database acknowledges): when
   * another confirmation of the session landed meanwhile and nothing is cached, the session this
   * answer describes may lack that write (a clear, a delete), and nothing of it is cached. A cached
   * copy is brought up to date by the version check, as for any append.
   */
  public void appendedSince(
      SessionId id, UUID owner, PendingOp.Append append, SessionBackend.AppendAck ack, long mark) {
    owners.remember(id, owner);
    confirmedUnderLock(
        id, () -> appendedUnderLock(id, owner, append, ack, cache.confirmedSince(id, mark)));
  }

  @Override
  public void appended(
      SessionId id, UUID owner, PendingOp.Append append, SessionBackend.AppendAck ack) {
    owners.remember(id, owner);
    confirmedUnderLock(id, () -> appendedUnderLock(id, owner, append, ack, false));
  }

  /** {@code overtaken}: another confirmation of the session landed since the append was sent. */
  private void appendedUnderLock(
      SessionId id,
      UUID owner,
      PendingOp.Append append,
      SessionBackend.AppendAck ack,
      boolean overtaken) {
    cache.stamp(id);
    ChatSession cached = cache.peek(id);
    if (cached == null) {
      if (!overtaken && ack.created() && ack.appended() == append.messages().size()) {
        // This write created the row: the session is exactly what it sent.
        cache.keepIfNewer(
            append
                .applyTo(ChatSession.empty(id, owner))
                .withVersion(ack.version())
                .withLastActivity(ack.lastActivity()));
      } else {
        journal.dropLocalCopy(id); // it lacks this write, released now
      }
      return;
    }
    if (!cached.owner().equals(owner)) {
      forgetCopyOfAnotherOwner(id);
      return;
    }
    if (ack.appended() > 0 && ack.version() <= cached.version()) {
      // A read brought the copy to this write's version or later before its answer was handled:
      // the copy holds it already (or what came after it, a clear say), and adding it again would
      // show its messages twice.
      return;
    }
    boolean storedWhole = ack.appended() == append.messages().size() && append.idsAreDistinct();
    ChatSession next = storedWhole ? append.applyStoredWhole(cached) : append.applyTo(cached);
    boolean consistent =
        next.messageCount() == ack.messageCount()
            && cached.messageCount() + ack.appended() == ack.messageCount()
            && (ack.version() == cached.version() + 1
                || (ack.appended() == 0 && ack.version() == cached.version()));
    if (consistent) {
      ChatSession stored = next.withVersion(ack.version()).withLastActivity(ack.lastActivity());
      boolean replaced =
          storedWhole
              ? cache.replaceAdding(cached, stored, append.messages(), true)
              : cache.replace(cached, stored, true);
      if (!replaced) {
        // Evicted (or replaced) since it was read: the local copy lacks this write.
        journal.dropLocalCopy(id);
      }
    } else if (cache.copiesAreCurrent()) {
      // This process is the only writer, so this cannot be; never answer a copy in doubt.
      cache.invalidate(id);
    } else {
      // Another writer got in between (another instance, or the copy was stale): keep what
      // this write stored, at the version held before it, and ask what else changed at the
      // next read. The local copy is no longer the stored state.
      cache.replace(cached, next.withLastActivity(ack.lastActivity()), false);
      journal.dropLocalCopy(id);
      log.debug("session {} changed elsewhere; cached copy to revalidate", id);
    }
  }

  @Override
  public void changed(SessionId id, UUID owner, SessionBackend.RowVersion row, PendingOp change) {
    confirmedUnderLock(
        id,
        () -> {
          cache.stamp(id);
          ChatSession cached = cache.peek(id);
          ChatSession next =
              cached != null && cached.owner().equals(owner) ? change.applyTo(cached) : null;
          // The next version with the database's count: a change sent again that changed nothing
          // (a named clear applied at its first try) answers the row as it is now, which may hold
          // what others added since.
          if (cached != null
              && next != null
              && row.version() == cached.version() + 1
              && next.messageCount() == row.messageCount()) {
            if (!cache.replace(
                cached,
                next.withVersion(row.version()).withLastActivity(row.lastActivity()),
                true)) {
              journal.dropLocalCopy(id); // evicted since it was read: the copy lacks this change
            }
          } else {
            cache.invalidate(id);
            journal.dropLocalCopy(id); // it lacks this change, released now
          }
        });
  }

  /**
   * {@inheritDoc}
   *
   * @throws JournalException when the local copy cannot be dropped: the write that found the
   *     session gone stays pending, and its next delivery tries again
   */
  @Override
  public void gone(SessionId id, UUID owner) {
    confirmedUnderLock(
        id,
        () -> {
          if (heldForAnother(id, owner)) {
            // The database answered for owner's rows only (Row Level Security): another user's
            // session under this id is not what is gone.
            return;
          }
          forgetAll(id);
        });
  }

  /**
   * {@inheritDoc}
   *
   * @throws JournalException when the local copy cannot be dropped: the write that deleted the
   *     session stays pending, and its next delivery tries again
   */
  @Override
  public void deleted(SessionId id, UUID owner) {
    confirmedUnderLock(id, () -> forgetAll(id));
  }

  /** Under {@code id}'s lock: nothing this process holds of {@code id} stands any more. */
  private void forgetAll(SessionId id) {
    cache.stampGone(id);
    cache.invalidate(id);
    owners.forget(id);
    outboxes.forgetCount(id);
    journal.dropLocalCopy(id);
  }

  /**
   * {@code op} was delivered without its owner (with the service key): the cached copy gets it, at
   * the version it had, so the next read asks the database what changed.
   */
  public void deliveredWithoutOwner(SessionId id, UUID owner, PendingOp op) {
    if (!op.existsAfter().orElse(true)) {
      deleted(id, owner); // with the service key, which sees every row
      return;
    }
    confirmedUnderLock(
        id,
        () -> {
          cache.stamp(id);
          ChatSession cached = cache.peek(id);
          if (cached != null && !cached.owner().equals(owner)) {
            forgetCopyOfAnotherOwner(id);
            return;
          }
          if (cached != null) {
            ChatSession updated =
                PendingOp.applyAll(id, cached.owner(), List.of(op), Optional.of(cached))
                    .orElse(cached);
            cache.replace(cached, updated, false);
          }
          cache.markStale(id);
          journal.dropLocalCopy(id); // it lacks this write, released now
        });
  }

  /**
   * A write of one owner was confirmed while a copy of another owner's session is cached under its
   * id (deleted and started again by the writer since it was cached, through another instance): the
   * copy is no one's state now, and never gets the write, which would show one user's messages in
   * another's session.
   */
  private void forgetCopyOfAnotherOwner(SessionId id) {
    cache.invalidate(id);
    owners.forget(id);
    journal.dropLocalCopy(id);
  }

  /** A session just created here under a fresh id: empty is its whole state. */
  public void createdFresh(ChatSession empty) {
    underLock(empty.id(), () -> cache.put(empty));
  }

  /**
   * A write of {@code owner}'s {@code id} was set aside: what is cached of it may not be what the
   * database has. What this process holds of another user's session under that id never had the
   * write (it was refused as that user's) and stays.
   */
  public void setAside(SessionId id, UUID owner) {
    underLock(
        id,
        () -> {
          if (heldForAnother(id, owner)) {
            return;
          }
          cache.invalidate(id);
          owners.forget(id);
        });
  }

  /**
   * Whether what this process holds of {@code id} (its cached copy, else the owner remembered or
   * named by the journal's local copy) is another user's than {@code owner}'s. Under {@code id}'s
   * lock.
   */
  private boolean heldForAnother(SessionId id, UUID owner) {
    ChatSession cached = cache.peek(id);
    if (cached != null) {
      return !cached.owner().equals(owner);
    }
    return owners.ownerOf(id).filter(known -> !known.equals(owner)).isPresent();
  }

  /**
   * {@code work} (a confirmation) under {@code id}'s lock, then the local copy it recorded a change
   * of written after the lock ({@link JournalBridge#settleLocalCopy}): a whole session going to
   * disk holds up none of that session's reads and writes, and is on disk before the confirmed
   * write is released.
   *
   * @throws JournalException when the local copy to drop cannot be dropped: the write stays pending
   */
  private void confirmedUnderLock(SessionId id, Runnable work) {
    locks.run(id, work);
    journal.settleLocalCopy(id);
  }

  /**
   * {@link #confirmedUnderLock} for what a read learnt: written only when the work recorded a
   * change of the copy (a read that changed nothing waits for no other change's write); a copy the
   * disk cannot drop is left as it was, with a warning (nothing is released on a read, and a later
   * confirmation tries again).
   */
  private void underLock(SessionId id, Runnable work) {
    // Taken under the lock: every change of this session's copy is recorded under it, so a change
    // seen since is this work's own.
    long mark =
        locks.withLock(
            id,
            () -> {
              long before = journal.copyMark();
              work.run();
              return before;
            });
    if (!journal.copyChangedSince(id, mark)) {
      return; // nothing to write: no wait for another change's write
    }
    try {
      journal.settleLocalCopy(id);
    } catch (JournalException e) {
      log.warn("could not drop the local copy of session {}: {}", id, e.getMessage());
    }
  }
}
