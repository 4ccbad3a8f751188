package dev.codebasechat.session.internal;

import dev.codebasechat.session.AppendReceipt;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionRead;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code Acknowledgement.DATABASE}: a write is answered once the database confirmed it, within the
 * database timeout; nothing is recorded here before. The calls one write makes (a head read, then
 * the write) and its wait behind its session's append in flight share that timeout ({@link
 * GuardedBackend#forOneRequest}). Appends of one session that arrive while one of its appends is in
 * the database go together in the next request ({@link AppendBatches}), one request of a session at
 * a time, so confirmations arrive in order.
 */
public final class AfterTheDatabase implements WritePath {

  private final SessionCache cache;
  private final Ledger ledger;
  private final KnownOwners owners;
  private final Ownership ownership;
  private final GuardedBackend database;
  private final WritePath.History history;
  private final AppendBatches appendBatches;

  /** Writes through {@code database} (guarded, within the database timeout). */
  public AfterTheDatabase(
      SessionCache cache,
      Ledger ledger,
      KnownOwners owners,
      Ownership ownership,
      GuardedBackend database,
      WritePath.History history) {
    this.cache = cache;
    this.ledger = ledger;
    this.owners = owners;
    this.ownership = ownership;
    this.database = database;
    this.history = history;
    this.appendBatches =
        new AppendBatches(
            (id, owner, token, append) -> {
              // Clears, deletes and context updates go to the database beside the appends: one
              // confirmed while this append was in flight must not be hidden by what it answers.
              long mark = ledger.mark();
              return append
                  .store(database, new PendingOp.Target(id, owner, token))
                  .thenApply(
                      stored -> {
                        stored.ifPresentOrElse(
                            ack -> ledger.appendedSince(id, owner, append, ack, mark),
                            () -> ledger.gone(id, owner));
                        return stored;
                      });
            });
  }

  /** Created in the database now: {@link SessionCreation} under a fresh id. */
  @Override
  public CompletableFuture<SessionId> createFresh(Caller caller, SessionId id) {
    GuardedBackend request = database.forOneRequest();
    return within(
        request,
        id,
        () ->
            SessionCreation.create(
                    caller, id, ownership.askingThrough(request), owners, ledger, request)
                .thenApply(Function.identity()));
  }

  /**
   * {@code work} of {@code request} for session {@code id}: past the request's time, {@link
   * dev.codebasechat.session.SessionUnavailableException} with a {@code Retry-After}, as a call
   * cut.
   */
  private static <T> CompletableFuture<T> within(
      GuardedBackend request, SessionId id, Supplier<CompletableFuture<T>> work) {
    return request
        .waitFor(work)
        .exceptionallyCompose(
            failure ->
                CompletableFuture.failedFuture(Failures.translate(failure, "session " + id)));
  }

  @Override
  public CompletableFuture<AppendReceipt> append(
      Caller caller, SessionId id, PendingOp.Append append) {
    return append(caller, id, append, database.forOneRequest());
  }

  private CompletableFuture<AppendReceipt> append(
      Caller caller, SessionId id, PendingOp.Append append, GuardedBackend request) {
    ChatSession cached = cache.peekOwn(id, caller.userId());
    List<ChatMessage> fresh = new ArrayList<>();
    for (ChatMessage message : append.messages()) {
      if (cached == null || !cached.holds(message.id())) {
        fresh.add(message);
      }
    }
    int duplicates = append.messages().size() - fresh.size();
    // Not submitted once the request's time is up (a head read took it all), and the caller's wait
    // is cut when it runs out. An append queued behind its session's append in flight is sent when
    // that one ends, before its own time is up (it joined later): cut in flight, it may still be
    // stored, as any call cut.
    return request
        .waitFor(
            () ->
                appendBatches.submit(
                    id, caller.userId(), caller.token(), append.withMessages(fresh)))
        .handle(
            (ack, failure) -> {
              if (failure != null) {
                throw Failures.translateWrite(failure, id, owners);
              }
              return new AppendReceipt(id, fresh.size(), duplicates, ack.messageCount(), 0);
            });
  }

  @Override
  public CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp change) {
    GuardedBackend request = database.forOneRequest();
    CompletableFuture<Optional<ChatSession>> known =
        change.answersWithHistory()
            ? within(
                request,
                id,
                () -> history.of(caller, id).thenApply(read -> Optional.of(read.session())))
            : ownership.askingThrough(request).existingOrHead(caller, id);
    return known.thenCompose(
        current -> {
          boolean exists = change.existsAfter().orElse(true);
          if (current.isEmpty() && exists) {
            throw new SessionNotFoundException(id);
          }
          GoneNoticed confirmations = new GoneNoticed(ledger);
          return change
              .send(
                  request, new PendingOp.Target(id, caller.userId(), caller.token()), confirmations)
              .handle(
                  (ignored, failure) -> {
                    if (failure != null) {
                      throw Failures.translate(failure, "session " + id);
                    }
                    if (exists && confirmations.gone) {
                      // Deleted meanwhile (through another instance): the database found no row
                      // to change, and the answer says so rather than showing a changed copy.
                      throw new SessionNotFoundException(id);
                    }
                    if (!exists) {
                      return CompletableFuture.completedFuture(
                          new SessionRead(
                              ChatSession.empty(id, caller.userId()), ReadSource.DATABASE, 0));
                    }
                    if (change.emptiesHistory() && confirmations.messagesAfter > 0) {
                      // A named clear the database had applied already (a try sent again through
                      // another instance): it kept what was stored since, and so does the answer.
                      return within(
                          request, id, () -> history.of(caller, id).thenApply(read -> read));
                    }
                    ChatSession cachedNow = cache.peek(id);
                    ChatSession after =
                        cachedNow != null && cachedNow.owner().equals(caller.userId())
                            ? cachedNow
                            : PendingOp.applyAll(id, caller.userId(), List.of(change), current)
                                .orElseThrow(() -> new SessionNotFoundException(id));
                    return CompletableFuture.completedFuture(
                        new SessionRead(after, ReadSource.DATABASE, 0));
                  })
              .thenCompose(answer -> answer);
        });
  }

  /** The ledger's confirmations, noting whether the database found the session gone. */
  private static final class GoneNoticed implements PendingOp.Confirmations {
    private final PendingOp.Confirmations ledger;
    private volatile boolean gone;

    /** How many messages the session holds after the change, as the database answered. */
    private volatile int messagesAfter;

    GoneNoticed(PendingOp.Confirmations ledger) {
      this.ledger = ledger;
    }

    @Override
    public void appended(
        SessionId id, UUID owner, PendingOp.Append append, SessionBackend.AppendAck ack) {
      ledger.appended(id, owner, append, ack);
    }

    @Override
    public void changed(SessionId id, UUID owner, SessionBackend.RowVersion row, PendingOp change) {
      messagesAfter = row.messageCount();
      ledger.changed(id, owner, row, change);
    }

    @Override
    public void gone(SessionId id, UUID owner) {
      gone = true;
      ledger.gone(id, owner);
    }

    @Override
    public void deleted(SessionId id, UUID owner) {
      gone = true;
      ledger.deleted(id, owner);
    }
  }

  /**
   * {@link #append} once the session is found to exist, sent as an append only to a session that
   * exists: a delete that reaches the database between the two (from this process or another) fails
   * it as a missing session instead of the append creating the session again.
   */
  @Override
  public CompletableFuture<AppendReceipt> appendExisting(
      Caller caller, SessionId id, PendingOp.Append append) {
    GuardedBackend request = database.forOneRequest();
    return ownership
        .askingThrough(request)
        .existing(caller, id)
        .thenCompose(known -> append(caller, id, append.onlyIfExists(), request));
  }
}
