package dev.codebasechat.session.internal;

import dev.codebasechat.session.AppendReceipt;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionRead;
import java.util.concurrent.CompletableFuture;

/**
 * Where a write is acknowledged, fixed when the store is built: in the embedded table ({@link
 * ThroughTheTable}), once the database confirmed it ({@link AfterTheDatabase}), or once recorded
 * here (and journaled) for the write-behind to deliver ({@link AfterTheJournal}). The store checks
 * the arguments and the caller first, then hands over to it. Implementations are thread-safe, and
 * serialise one session's writes under that session's lock only.
 */
public sealed interface WritePath permits ThroughTheTable, AfterTheDatabase, AfterTheJournal {

  /** Creates the caller's session under {@code id}, a fresh id nothing is stored under. */
  CompletableFuture<SessionId> createFresh(Caller caller, SessionId id);

  /**
   * Appends {@code append} (message ids not repeated within it) to the caller's session, creating
   * it on first use; messages the session already holds are skipped.
   */
  CompletableFuture<AppendReceipt> append(Caller caller, SessionId id, PendingOp.Append append);

  /** A context update, a clear or a delete of the caller's existing session. */
  CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp change);

  /**
   * {@link #append}, but only to the caller's session that exists: fails with {@code
   * SessionNotFoundException}, recording nothing, when it does not (another user's included), or
   * when it is deleted before the append is recorded.
   */
  CompletableFuture<AppendReceipt> appendExisting(
      Caller caller, SessionId id, PendingOp.Append append);

  /** How a path reads a whole session (the store's own read). */
  interface History {
    CompletableFuture<SessionRead> of(Caller caller, SessionId id);
  }
}
