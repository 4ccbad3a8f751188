package dev.codebasechat.session.internal;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.session.AppendReceipt;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionStorageException;
import dev.codebasechat.sqlite.JournalException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The embedded default: every write is committed to the local table, and applied to the cached
 * copy, under the session's own lock before it is answered. The table answers on the caller's
 * thread; concurrent writers of one session take turns, writers of different sessions share the
 * table's commits. This process is the table's only writer, so the cached copy is always what the
 * table holds. A write the table cannot record (a full disk, an I/O error) fails with {@link
 * SessionStorageException}, as it does through the journal, and leaves the cached copy as it was.
 */
public final class ThroughTheTable implements WritePath {

  private final SessionBackend table;
  private final SessionCache cache;
  private final Ledger ledger;
  private final SessionLocks locks;
  private final WritePath.History history;

  public ThroughTheTable(
      SessionBackend table,
      SessionCache cache,
      Ledger ledger,
      SessionLocks locks,
      WritePath.History history) {
    this.table = table;
    this.cache = cache;
    this.ledger = ledger;
    this.locks = locks;
    this.history = history;
  }

  @Override
  public CompletableFuture<SessionId> createFresh(Caller caller, SessionId id) {
    return append(caller, id, PendingOp.Append.creation()).thenApply(receipt -> id);
  }

  @Override
  public CompletableFuture<AppendReceipt> append(
      Caller caller, SessionId id, PendingOp.Append append) {
    return append(
        id,
        append,
        () -> FutureResults.join(table.append(caller.token(), caller.userId(), id, append)),
        caller);
  }

  /**
   * {@link #append} to a session that exists when the append is made: the table appends only to a
   * session it holds, in the transaction that appends, so that a delete in between fails it as a
   * missing session rather than the append creating the session again.
   */
  @Override
  public CompletableFuture<AppendReceipt> appendExisting(
      Caller caller, SessionId id, PendingOp.Append append) {
    return history
        .of(caller, id)
        .thenCompose(
            known ->
                append(
                    id,
                    append,
                    () ->
                        FutureResults.join(
                                table.appendExisting(caller.token(), caller.userId(), id, append))
                            .orElseThrow(() -> new SessionNotFoundException(id)),
                    caller));
  }

  /** {@code store}'s append, made and applied to the cached copy under the session's lock. */
  private CompletableFuture<AppendReceipt> append(
      SessionId id,
      PendingOp.Append append,
      Supplier<SessionBackend.AppendAck> store,
      Caller caller) {
    try {
      SessionBackend.AppendAck ack =
          locks.withLock(
              id,
              () -> {
                SessionBackend.AppendAck stored = store.get();
                ledger.appended(id, caller.userId(), append, stored);
                return stored;
              });
      return CompletableFuture.completedFuture(
          new AppendReceipt(
              id,
              ack.appended(),
              append.messages().size() - ack.appended(),
              ack.messageCount(),
              0));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(notRecorded(id, e));
    }
  }

  @Override
  public CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp change) {
    return history
        .of(caller, id)
        .thenCompose(
            current -> {
              try {
                locks.run(
                    id, () -> FutureResults.join(change.send(table, target(caller, id), ledger)));
              } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(notRecorded(id, e));
              }
              return change.existsAfter().orElse(true)
                  ? history.of(caller, id)
                  : CompletableFuture.completedFuture(
                      new SessionRead(
                          ChatSession.empty(id, caller.userId()), ReadSource.DATABASE, 0));
            });
  }

  /**
   * The table's own failure to record, and its refusal of a write that would overfill the session,
   * in the store's words; any other failure as it is.
   */
  private static RuntimeException notRecorded(SessionId id, RuntimeException failure) {
    return failure instanceof JournalException journal
        ? new SessionStorageException(id, journal)
        : Failures.sessionFullOr(id, failure);
  }

  private static PendingOp.Target target(Caller caller, SessionId id) {
    return new PendingOp.Target(id, caller.userId(), caller.token());
  }
}
