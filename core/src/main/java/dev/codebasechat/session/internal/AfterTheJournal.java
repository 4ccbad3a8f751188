package dev.codebasechat.session.internal;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.session.AppendReceipt;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionException;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionRejectedException;
import dev.codebasechat.session.SessionStorageException;
import dev.codebasechat.sqlite.JournalException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@code Acknowledgement.JOURNAL}: a write is answered once it is recorded in its session's outbox,
 * and durable in the journal when there is one ({@link Outboxes#record}, under the session's own
 * lock); the write-behind delivers it. Writes are accepted while the database is away.
 */
public final class AfterTheJournal implements WritePath {

  private final Outboxes outboxes;
  private final SessionCache cache;
  private final Ledger ledger;
  private final Ownership ownership;
  private final FullSessions full;
  private final WritePath.History history;
  private final Consumer<SessionId> due;

  /** {@code due}: tells the write-behind a session has writes to send (the pacer's markDirty). */
  public AfterTheJournal(
      Outboxes outboxes,
      SessionCache cache,
      Ledger ledger,
      Ownership ownership,
      FullSessions full,
      WritePath.History history,
      Consumer<SessionId> due) {
    this.outboxes = outboxes;
    this.cache = cache;
    this.ledger = ledger;
    this.ownership = ownership;
    this.full = full;
    this.history = history;
    this.due = due;
  }

  @Override
  public CompletableFuture<SessionId> createFresh(Caller caller, SessionId id) {
    try {
      outboxes.record(
          id, caller.userId(), true, opened -> Optional.of(PendingOp.Append.creation()));
    } catch (JournalException e) {
      return CompletableFuture.failedFuture(new SessionStorageException(id, e));
    }
    // Nothing is stored under a fresh id: the empty session is its whole state.
    ledger.createdFresh(ChatSession.empty(id, caller.userId()));
    due.accept(id);
    return CompletableFuture.completedFuture(id);
  }

  /**
   * Refuses {@code added} more messages when the session this instance holds (its confirmed copy
   * and its pending writes) would then hold more than a session may, as the database would refuse
   * them once acknowledged. A lower bound: what other instances wrote since is not known here, so
   * the database may still refuse (the write is then set aside); the bytes bound is left to it and,
   * once it refused, to {@link #checkDatabaseRoom}.
   *
   * @throws TableConstraintException when the session has no room for {@code added} messages
   */
  private static void checkRoom(ChatSession cached, Outbox outbox, int added) {
    int atMost = cached.messageCount() + outbox.pendingMessages() + added;
    if (added == 0 || atMost <= SessionTableRules.MAX_MESSAGES_PER_SESSION) {
      return; // the cheap bound already fits; the exact count copies the history
    }
    int held = outbox.overlay(Optional.of(cached)).map(ChatSession::messageCount).orElse(0);
    SessionTableRules.checkHistory(held + added, 0);
  }

  /**
   * Records the append, or refuses it as {@code SESSION_FULL} when the session has no room for it:
   * by the counts of the database when it refused an earlier append as full or a head read found it
   * more than half full ({@link FullSessions}), and by the copy held here ({@link #checkRoom}).
   * Both are checked as the append is recorded, under the session's lock, so that appends checked
   * at once count each other.
   */
  @Override
  public CompletableFuture<AppendReceipt> append(
      Caller caller, SessionId id, PendingOp.Append append) {
    return append(caller, id, append, Existence.NOT_CHECKED, Optional.empty());
  }

  /**
   * {@link #append} to a session found to exist first, and not deleted since when the append is
   * recorded: a delete recorded or confirmed in between fails it as a missing session, so that it
   * never creates the session again. A delete that another instance makes while the append waits
   * here is found when it is delivered: it stores nothing then ({@link
   * PendingOp.IfMissing#NOTHING}).
   */
  @Override
  public CompletableFuture<AppendReceipt> appendExisting(
      Caller caller, SessionId id, PendingOp.Append append) {
    Existence required = new Existence.Required(cache.mark());
    return ownership
        .existingHead(caller, id)
        .thenCompose(read -> append(caller, id, append.onlyIfExists(), required, read));
  }

  /** Whether a write acts only on a session that exists, checked as it is recorded. */
  private sealed interface Existence {
    /** Nothing to check: an append that creates its session on first use, a delete. */
    Existence NOT_CHECKED = new NotChecked();

    /**
     * Refuses, under the session's lock, a write to a session that must exist but was deleted since
     * it was found to.
     *
     * @throws SessionNotFoundException then
     */
    void check(SessionId id, Outboxes.Opened opened, SessionCache cache);

    record NotChecked() implements Existence {
      @Override
      public void check(SessionId id, Outboxes.Opened opened, SessionCache cache) {}
    }

    /**
     * The session was found to exist; {@code mark}: the cache's confirmation mark taken before.
     * Deleted since: the caller's pending writes end with its delete, or none is pending and the
     * database confirmed it gone since the mark (a head read that found it meanwhile may be older
     * than that). A session merely evicted from the cache is still appended to.
     */
    record Required(long mark) implements Existence {
      @Override
      public void check(SessionId id, Outboxes.Opened opened, SessionCache cache) {
        boolean gone =
            opened.outbox().isEmpty() ? cache.goneSince(id, mark) : opened.outbox().endsDeleted();
        if (gone) {
          throw new SessionNotFoundException(id);
        }
      }
    }
  }

  /** {@code read}: the session's head, when the existence check just read it. */
  private CompletableFuture<AppendReceipt> append(
      Caller caller,
      SessionId id,
      PendingOp.Append append,
      Existence existence,
      Optional<SessionBackend.SessionHead> read) {
    Optional<FullSessions.Mark> refused =
        bringsNothingNew(caller, id, append) ? Optional.empty() : full.markOf(id);
    if (refused.isEmpty()) {
      return recordOrRefuse(caller, id, append, Optional.empty(), existence);
    }
    CompletableFuture<Optional<SessionBackend.SessionHead>> counts =
        read.isPresent() ? CompletableFuture.completedFuture(read) : head(caller, id);
    return counts.thenCompose(
        head ->
            recordOrRefuse(
                caller,
                id,
                append,
                head.map(h -> new DatabaseCounts(refused.get(), h, Optional.empty())),
                existence));
  }

  /**
   * Whether every message of {@code append} is pending here or held by the cached copy already (a
   * client's retry): then it adds nothing to the session and needs no check of its room.
   */
  private boolean bringsNothingNew(Caller caller, SessionId id, PendingOp.Append append) {
    Outbox outbox = outboxes.get(id);
    ChatSession cached = cache.peekOwn(id, caller.userId());
    List<MessageId> ids = append.messages().stream().map(ChatMessage::id).toList();
    if (outbox == null) {
      return cached != null && ids.stream().allMatch(cached::holds);
    }
    return outbox.heldOncePending(ids, cached).containsAll(ids);
  }

  /**
   * The session's head as the database has it, empty when the session is not the caller's (the
   * write-behind then decides, as for any session not held); fails as the read failed otherwise
   * (the database away, the token refused).
   */
  private CompletableFuture<Optional<SessionBackend.SessionHead>> head(
      Caller caller, SessionId id) {
    return ownership
        .head(caller, id)
        .handle(
            (head, failure) -> {
              if (failure == null) {
                return head;
              }
              if (FutureResults.unwrap(failure) instanceof SessionNotFoundException) {
                return Optional.empty();
              }
              throw FutureResults.rethrow(failure);
            });
  }

  /**
   * Once the database refused an append to a session as full (then set aside), what it counts in
   * the session ({@code head}), and {@code read}: the session as a read answered it, when one was
   * made to tell which new messages the database holds already (a client's retry).
   */
  private record DatabaseCounts(
      FullSessions.Mark mark, SessionBackend.SessionHead head, Optional<ChatSession> read) {

    DatabaseCounts withRead(Optional<ChatSession> answered) {
      return new DatabaseCounts(mark, head, answered);
    }
  }

  /** What a session would hold, by the database's counts, once some appends are in. */
  private record Totals(long messages, long bytes) {}

  /**
   * The database's counts in {@code counts}, with the appends pending in {@code outbox} (after the
   * last clear pending, if any) and {@code append}'s new messages, counted as the table counts them
   * ({@link SessionTableRules#historyBytesOf}). Not counted again: a pending message the cached
   * copy holds, or one sent and not confirmed yet (the database may hold it: a refusal must not
   * rest on it), and a new message that is pending or that the cached copy or the read holds: a
   * client's retry.
   */
  private Totals afterAppend(
      SessionId id, Outbox outbox, DatabaseCounts counts, PendingOp.Append append) {
    Set<MessageId> maybeStored =
        outbox.sentHead().map(op -> Set.copyOf(op.messageIds())).orElse(Set.of());
    SessionBackend.SessionHead head = counts.head();
    UUID owner = head.session().owner();
    ChatSession confirmed = Optional.ofNullable(cache.peek(id)).orElse(head.session());
    ChatSession added = ChatSession.empty(id, owner);
    long messages = head.messageCount();
    long bytes = head.historyBytes();
    for (PendingOp op : outbox.snapshot().ops()) {
      if (op.emptiesHistory()) {
        messages = 0;
        bytes = 0;
        confirmed = ChatSession.empty(id, owner);
      }
      added = op.applyTo(added);
    }
    List<ChatMessage> counted = new ArrayList<>();
    for (ChatMessage message : added.messages()) {
      if (!confirmed.holds(message.id()) && !maybeStored.contains(message.id())) {
        counted.add(message);
      }
    }
    for (ChatMessage message : append.messages()) {
      boolean known =
          added.holds(message.id())
              || confirmed.holds(message.id())
              || counts.read().map(session -> session.holds(message.id())).orElse(false);
      if (!known) {
        counted.add(message);
      }
    }
    for (ChatMessage message : counted) {
      bytes += SessionTableRules.historyBytesOf(SessionCodec.messageToJson(message));
    }
    return new Totals(messages + counted.size(), bytes);
  }

  /**
   * Whether the session has room for {@code append} by the database's counts. The mark stays until
   * the session is far from full ({@link FullSessions#farFromFull}), so each append near the limits
   * is checked.
   *
   * @throws SessionRejectedException {@code SESSION_FULL} when there is no room
   */
  private void checkDatabaseRoom(
      SessionId id, Outbox outbox, DatabaseCounts counts, PendingOp.Append append) {
    Totals totals = afterAppend(id, outbox, counts, append);
    try {
      SessionTableRules.checkHistory(totals.messages(), totals.bytes());
    } catch (TableConstraintException noRoom) {
      throw Failures.sessionFullOr(id, noRoom);
    }
    if (FullSessions.farFromFull(totals.messages(), totals.bytes())) {
      full.forget(id, counts.mark());
    }
  }

  /**
   * Records the append, or refuses it when there is no room for it. A refusal stands only on a copy
   * as current as a read would answer it: when the copy held here leaves no room ({@link
   * #checkRoom}), it may be older than another instance's clear; when the database's counts leave
   * none and no copy is held, the new messages may be a retry of stored ones. The session is then
   * read first (within {@code cacheFreshness} the cached copy, else the copy revalidated), and the
   * append checked again. When the database cannot say, the copy held decides.
   */
  private CompletableFuture<AppendReceipt> recordOrRefuse(
      Caller caller,
      SessionId id,
      PendingOp.Append append,
      Optional<DatabaseCounts> counts,
      Existence existence) {
    try {
      return CompletableFuture.completedFuture(record(caller, id, append, counts, existence));
    } catch (TableConstraintException | SessionRejectedException noRoom) {
      if (noRoom instanceof SessionRejectedException && cache.peek(id) != null) {
        return CompletableFuture.failedFuture(noRoom);
      }
      return history
          .of(caller, id)
          .handle((read, failure) -> Optional.ofNullable(read).map(SessionRead::session))
          .thenApply(
              read -> {
                try {
                  return record(caller, id, append, counts.map(c -> c.withRead(read)), existence);
                } catch (TableConstraintException stillFull) {
                  throw Failures.sessionFullOr(id, stillFull);
                }
              });
    } catch (SessionException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The append recorded in the session's outbox and its receipt.
   *
   * @throws SessionRejectedException {@code SESSION_FULL} when the database's counts leave no room
   * @throws TableConstraintException when the cached copy leaves no room for the new messages
   * @throws SessionStorageException when the journal cannot record it
   * @throws SessionNotFoundException when the caller's pending writes delete the session, or a
   *     session that must exist was deleted since it was found to ({@link Existence#check})
   */
  private AppendReceipt record(
      Caller caller,
      SessionId id,
      PendingOp.Append append,
      Optional<DatabaseCounts> counts,
      Existence existence) {
    int[] accepted = new int[1];
    Outboxes.Recorded recorded;
    try {
      recorded =
          outboxes.record(
              id,
              caller.userId(),
              false,
              opened -> {
                existence.check(id, opened, cache);
                counts.ifPresent(c -> checkDatabaseRoom(id, opened.outbox(), c, append));
                ChatSession cached = cache.peekOwn(id, caller.userId());
                List<ChatMessage> fresh = new ArrayList<>();
                Set<MessageId> held =
                    opened
                        .outbox()
                        .heldOncePending(
                            append.messages().stream().map(ChatMessage::id).toList(), cached);
                for (ChatMessage message : append.messages()) {
                  if (!held.contains(message.id())) {
                    fresh.add(message);
                  }
                }
                accepted[0] = fresh.size();
                if (cached != null) {
                  checkRoom(cached, opened.outbox(), fresh.size());
                }
                boolean recordsSomething =
                    !fresh.isEmpty()
                        || append.repo().isPresent()
                        || append.currentFile().isPresent()
                        || opened.opened()
                        // creates again the session the caller's pending writes delete
                        || opened.outbox().endsDeleted();
                return recordsSomething
                    ? Optional.of(append.withMessages(fresh))
                    : Optional.empty();
              });
    } catch (JournalException e) {
      throw new SessionStorageException(id, e);
    }
    if (!(recorded instanceof Outboxes.Recorded.Pending pending)) {
      throw new SessionNotFoundException(id);
    }
    due.accept(id);
    Outbox outbox = pending.outbox();
    ChatSession cached = cache.peekOwn(id, caller.userId());
    int count =
        cached == null
            ? outbox.messageCountWithoutCopy()
            : outbox.overlay(Optional.of(cached)).map(ChatSession::messageCount).orElse(0);
    return new AppendReceipt(
        id, accepted[0], append.messages().size() - accepted[0], count, outbox.pendingWrites());
  }

  /**
   * Records {@code change} once the session is found to be the caller's. A context update or a
   * clear acts only on a session that exists: a delete recorded or confirmed after the session was
   * found fails it as missing ({@link Existence.Required}), rather than answering it with an empty
   * session. A delete is recorded whatever came before it.
   */
  @Override
  public CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp change) {
    Existence existence =
        change.existsAfter().orElse(true)
            ? new Existence.Required(cache.mark())
            : Existence.NOT_CHECKED;
    // A context update answers with the whole session: for a session not cached that is a read. A
    // clear or a delete needs only to know the session is the caller's: no history is downloaded.
    CompletableFuture<Optional<ChatSession>> known =
        change.answersWithHistory()
            ? history.of(caller, id).thenApply(read -> Optional.of(read.session()))
            : change.existsAfter().orElse(true)
                ? ownership.existingOrHead(caller, id)
                : ownership.existing(caller, id);
    return known.thenApply(
        current -> {
          Outboxes.Recorded recorded;
          try {
            recorded =
                outboxes.record(
                    id,
                    caller.userId(),
                    false,
                    opened -> {
                      existence.check(id, opened, cache);
                      return Optional.of(change);
                    });
          } catch (JournalException e) {
            throw new SessionStorageException(id, e);
          }
          if (!(recorded instanceof Outboxes.Recorded.Pending pending)) {
            throw new SessionNotFoundException(id);
          }
          if (change.emptiesHistory()) {
            full.emptied(id);
          }
          due.accept(id);
          ChatSession cached = cache.peek(id);
          Optional<ChatSession> base =
              cached != null && cached.owner().equals(caller.userId())
                  ? Optional.of(cached)
                  : current;
          ChatSession empty = ChatSession.empty(id, caller.userId());
          Outbox outbox = pending.outbox();
          return new SessionRead(
              outbox.overlay(Optional.of(base.orElse(empty))).orElse(empty),
              ReadSource.CACHE,
              outbox.pendingWrites());
        });
  }
}
