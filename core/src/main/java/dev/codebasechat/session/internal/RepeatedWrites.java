package dev.codebasechat.session.internal;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The clears and deletes this store accepted under an id their caller chose, so that the caller's
 * try of one sent again (its answer lost on the way: a timeout, a proxy's 502) answers as the first
 * did instead of clearing again what was stored since, or deleting a session started again under
 * the id. Kept {@value #KEPT_MINUTES} minutes and at most {@value #MAXIMUM} ids, by owner, session
 * id and write (its kind and id): a user's id never answers another user's try. The database keeps
 * the ids too (7 days, through any instance), so a try this store no longer knows is sent again and
 * changes nothing there; the embedded table does not, so there a restart forgets them.
 *
 * <p>Thread-safe: a try sent again while the first is in flight waits for it; a first try that
 * failed is forgotten, so the next try is applied.
 */
public final class RepeatedWrites {
  static final int KEPT_MINUTES = 60;
  static final long MAXIMUM = 100_000;

  /**
   * {@code write}: a clear or a delete, named by its id (a record: its type and id are its key).
   */
  private record Key(UUID owner, SessionId id, PendingOp write) {}

  /** What the first try of an id came to. */
  private enum Outcome {
    APPLIED,
    /** A delete that found no session: a try of it answers so again. */
    FOUND_NOTHING,
    /** Failed otherwise: forgotten, so that the next try is applied. */
    FAILED
  }

  /** Each id's first try: completes with what it came to. */
  private final Cache<Key, CompletableFuture<Outcome>> accepted;

  /** Ids timed by {@code ticker} (the store's clock). */
  public RepeatedWrites(Ticker ticker) {
    this.accepted =
        CacheBuilder.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(KEPT_MINUTES))
            .maximumSize(MAXIMUM)
            .ticker(ticker)
            .build();
  }

  /**
   * {@code first} when {@code write} (a {@link PendingOp.Clear} or {@link PendingOp.Delete}, which
   * carries its id) is new for the owner's session, or its earlier try failed; otherwise, once the
   * earlier try is applied, {@code repeat}: what the session is now. A delete whose earlier try
   * found no session fails again with {@link SessionNotFoundException}, as the database answers it,
   * so that a try sent after the session is started again does not delete it (the embedded table
   * keeps no ids); a clear that found none is forgotten, and its next try clears. A clear and a
   * delete under one id are two writes, as in the database.
   */
  public <T> CompletableFuture<T> once(
      UUID owner,
      SessionId id,
      PendingOp write,
      Supplier<CompletableFuture<T>> first,
      Supplier<CompletableFuture<T>> repeat) {
    Key key = new Key(owner, id, write);
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> earlier = accepted.asMap().putIfAbsent(key, mine);
    if (earlier != null) {
      return earlier.thenCompose(
          outcome ->
              switch (outcome) {
                case APPLIED -> repeat.get();
                case FOUND_NOTHING ->
                    CompletableFuture.<T>failedFuture(new SessionNotFoundException(id));
                case FAILED -> once(owner, id, write, first, repeat);
              });
    }
    CompletableFuture<T> answer;
    try {
      answer = first.get();
    } catch (RuntimeException refused) {
      answer = CompletableFuture.failedFuture(refused);
    }
    return answer.whenComplete(
        (result, failure) -> {
          Outcome outcome =
              failure == null
                  ? Outcome.APPLIED
                  : write instanceof PendingOp.Delete
                          && FutureResults.unwrap(failure) instanceof SessionNotFoundException
                      ? Outcome.FOUND_NOTHING
                      : Outcome.FAILED;
          if (outcome == Outcome.FAILED) {
            accepted.asMap().remove(key, mine);
          }
          mine.complete(outcome);
        });
  }

  /**
   * A named delete of a session the store finds missing ({@code failure}). A try of a delete still
   * pending in {@code outboxes} (journaled and not delivered: after a restart, say) succeeds as the
   * first did, and the database is not asked: asked first, it would record the id as a delete that
   * found nothing, and the pending delete, sent later with that id, would then delete nothing.
   * Otherwise the database answers a try of a delete it applied already as that delete did (a try
   * sent again through another instance, or after this store forgot the id), and records the id of
   * one that found nothing, so that a try sent after the session is started again does not delete
   * it; a delete it does now (a session started since the store found it missing) is confirmed to
   * {@code confirmations}, so that no copy of the session stays. Fails with {@code failure} as
   * before when it did not delete (or the database has no named deletes), as the store's
   * unavailability when the database cannot be reached, and as the database's refusal otherwise;
   * any other failure is passed on.
   */
  public static CompletableFuture<Void> deletedBefore(
      GuardedBackend database,
      Outboxes outboxes,
      PendingOp.Confirmations confirmations,
      Caller caller,
      SessionId id,
      UUID deleteId,
      Throwable failure) {
    if (!(FutureResults.unwrap(failure) instanceof SessionNotFoundException)) {
      return CompletableFuture.failedFuture(failure);
    }
    PendingOp.Delete delete = new PendingOp.Delete(deleteId);
    if (outboxes.ownedBy(id, caller.userId()).filter(o -> o.holds(delete)).isPresent()) {
      return CompletableFuture.completedFuture(null);
    }
    return database
        .delete(caller.token(), caller.userId(), id, deleteId)
        .handle(
            (deleted, asked) -> {
              if (asked != null) {
                // Only the database's own "found nothing" (or a database without named deletes)
                // is the first try's answer again; anything else fails this try alone.
                return CompletableFuture.<Void>failedFuture(
                    RemoteGuard.isUnavailable(FutureResults.unwrap(asked))
                        ? Failures.unavailable("session " + id, asked)
                        : Failures.isMissingFunction(asked)
                            ? failure
                            : Failures.translate(asked, "session " + id));
              }
              if (deleted) {
                // Deleted now (a session started since the store found it missing): the store's
                // copies go with it.
                confirmations.deleted(id, caller.userId());
                return CompletableFuture.<Void>completedFuture(null);
              }
              return CompletableFuture.<Void>failedFuture(failure);
            })
        .thenCompose(answer -> answer);
  }
}
