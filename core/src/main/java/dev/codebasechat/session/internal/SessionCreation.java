package dev.codebasechat.session.internal;

import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Creates the caller's session under an id in the database now (not through the write-behind), so
 * that an id another user holds is refused at once, as a missing session. Nothing is downloaded:
 * the database answers with the session's size and version; a session found more than half full is
 * marked in {@link FullSessions}. Answered without the database when this process already knows
 * whose the id is. Stateless.
 */
public final class SessionCreation {
  private SessionCreation() {}

  /** Completes with {@code id} once the caller's session exists under it. */
  public static CompletableFuture<SessionId> create(
      Caller caller,
      SessionId id,
      Ownership ownership,
      KnownOwners owners,
      Ledger ledger,
      GuardedBackend database) {
    Optional<Boolean> known = ownership.known(caller, id);
    if (known.isPresent()) {
      return known.get()
          ? CompletableFuture.completedFuture(id)
          : CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    PendingOp.Append creation = PendingOp.Append.creation();
    // Sent outside the session's lock: an append confirmed meanwhile must not be hidden by the
    // empty session this call may have created.
    long mark = ledger.mark();
    return database
        .append(caller.token(), caller.userId(), id, creation)
        .handle(
            (ack, failure) -> {
              if (failure != null) {
                throw Failures.translateWrite(failure, id, owners);
              }
              // Created by this call: empty, no context, cached from now on. Otherwise only whose
              // it is becomes known, and how many messages it holds: an append to a session near
              // its limit is then checked before it is acknowledged.
              ledger.appendedSince(id, caller.userId(), creation, ack, mark);
              ownership.counted(id, caller.userId(), ack.messageCount());
              return id;
            });
  }
}
