package dev.codebasechat.session.internal;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Whether a session is the caller's, decided from what this process knows before asking the
 * database: the cached copy, the caller's pending writes, the owners remembered or named by the
 * journal's local copies; else one head read (everything but the history) with the caller's token,
 * bounded by the database timeout. Another user's session is answered exactly as a missing one
 * ({@link SessionNotFoundException}), as Row Level Security answers it. Thread-safe.
 */
public final class Ownership {

  private final SessionCache cache;
  private final Outboxes outboxes;
  private final KnownOwners owners;
  private final Ledger ledger;
  private final FullSessions full;
  private final GuardedBackend database;

  /**
   * Asks {@code database} (guarded, within the database timeout) when it must; tells {@code full}
   * of a session a head read finds near its limits.
   */
  public Ownership(
      SessionCache cache,
      Outboxes outboxes,
      KnownOwners owners,
      Ledger ledger,
      FullSessions full,
      GuardedBackend database) {
    this.cache = cache;
    this.outboxes = outboxes;
    this.owners = owners;
    this.ledger = ledger;
    this.full = full;
    this.database = database;
  }

  /** This ownership asking {@code requestDatabase} (one request's calls) when it must. */
  public Ownership askingThrough(GuardedBackend requestDatabase) {
    return new Ownership(cache, outboxes, owners, ledger, full, requestDatabase);
  }

  /**
   * Whether the caller owns {@code id} as far as this process knows without asking: present and
   * true when cached or known to be the caller's, present and false when known to be another
   * user's, empty when unknown.
   */
  public Optional<Boolean> known(Caller caller, SessionId id) {
    ChatSession cached = cache.peek(id);
    if (cached != null) {
      return Optional.of(cached.owner().equals(caller.userId()));
    }
    Outbox outbox = outboxes.get(id);
    if (outbox != null && outbox.knownNew()) {
      return Optional.of(outbox.owner.equals(caller.userId()));
    }
    return owners.ownerOf(id).map(owner -> owner.equals(caller.userId()));
  }

  /**
   * Whether {@code id} is known to be another user's without asking (the cached copy, or an owner
   * remembered): then a write to it is refused at once, as the database would refuse it.
   */
  public boolean knownToBeAnothers(Caller caller, SessionId id) {
    ChatSession cached = cache.peek(id);
    if (cached != null) {
      return !cached.owner().equals(caller.userId());
    }
    return owners.remembered(id).filter(owner -> !owner.equals(caller.userId())).isPresent();
  }

  /**
   * What this process knows of the caller's session {@code id} before a write that needs it to
   * exist: the whole state when cached, else its head when it had to be read, else nothing more
   * than that it is the caller's. Fails with {@link SessionNotFoundException} when the caller has
   * no such session (another user's included) or the caller's pending writes delete it.
   */
  public CompletableFuture<Optional<ChatSession>> existing(Caller caller, SessionId id) {
    return answeredHere(caller, id)
        .orElseGet(
            () ->
                head(caller, id)
                    .thenApply(found -> found.map(SessionBackend.SessionHead::session)));
  }

  /**
   * {@link #existing}, answering the head when it had to be read (empty when this process knew
   * enough without asking), so that a caller that needs the database's counts reads them once.
   */
  public CompletableFuture<Optional<SessionBackend.SessionHead>> existingHead(
      Caller caller, SessionId id) {
    return answeredHere(caller, id)
        .map(known -> known.thenApply(session -> Optional.<SessionBackend.SessionHead>empty()))
        .orElseGet(() -> head(caller, id));
  }

  /** {@link #existing}'s answer when this process can give it without asking the database. */
  private Optional<CompletableFuture<Optional<ChatSession>>> answeredHere(
      Caller caller, SessionId id) {
    Optional<Outbox> own = outboxes.ownedBy(id, caller.userId());
    if (own.isPresent() && own.get().endsDeleted()) {
      return Optional.of(CompletableFuture.failedFuture(new SessionNotFoundException(id)));
    }
    ChatSession cached = cache.peek(id);
    if (cached != null) {
      return Optional.of(
          cached.owner().equals(caller.userId())
              ? CompletableFuture.completedFuture(Optional.of(cached))
              : CompletableFuture.failedFuture(new SessionNotFoundException(id)));
    }
    if (own.isPresent() && (own.get().knownNew() || own.get().hasAppend())) {
      // Accepted earlier (created here, or written while the database could not say): the flush
      // creates it, or sets the writes aside if the id turns out to be taken.
      return Optional.of(CompletableFuture.completedFuture(Optional.empty()));
    }
    Optional<UUID> owner = owners.ownerOf(id);
    if (owner.isPresent()) {
      return Optional.of(
          owner.get().equals(caller.userId())
              ? CompletableFuture.completedFuture(Optional.empty())
              : CompletableFuture.failedFuture(new SessionNotFoundException(id)));
    }
    return Optional.empty();
  }

  /**
   * {@link #existing}, reading the head when this process knows the session is the caller's but
   * holds nothing of it; empty when the database has no row of the caller's yet.
   */
  public CompletableFuture<Optional<ChatSession>> existingOrHead(Caller caller, SessionId id) {
    return existing(caller, id)
        .thenCompose(
            base ->
                base.isPresent() ? CompletableFuture.completedFuture(base) : headIfAny(caller, id));
  }

  /**
   * One head read (no history) of the caller's session; caches it when that is its whole state, and
   * marks it in {@link FullSessions} when it is more than half full, so that an append is checked
   * against these counts before it is acknowledged.
   */
  public CompletableFuture<Optional<SessionBackend.SessionHead>> head(Caller caller, SessionId id) {
    long mark = ledger.mark();
    return database
        .head(caller.token(), caller.userId(), id)
        .handle(
            (row, failure) -> {
              if (failure != null) {
                throw Failures.translate(failure, "session " + id);
              }
              Optional<SessionBackend.SessionHead> own =
                  row.filter(h -> h.session().owner().equals(caller.userId()));
              if (own.isEmpty()) {
                throw new SessionNotFoundException(id);
              }
              owners.remember(id, caller.userId());
              SessionBackend.SessionHead head = own.get();
              outboxes.counted(id, caller.userId(), head.messageCount());
              if (!FullSessions.farFromFull(head.messageCount(), head.historyBytes())) {
                full.nearLimits(id);
              }
              if (own.get().isComplete()) {
                ledger.fetchedWhole(own.get().session(), mark);
              }
              return own;
            });
  }

  /**
   * The database counted {@code messages} in {@code owner}'s {@code id} (the answer to a write that
   * creates it when absent, or a head read): appends not yet confirmed count from there ({@link
   * Outboxes#counted}), and more than half of the limit marks it in {@link FullSessions}, so that
   * an append is checked against the database's counts before it is acknowledged.
   */
  public void counted(SessionId id, UUID owner, int messages) {
    outboxes.counted(id, owner, messages);
    if (!FullSessions.farFromFull(messages, 0)) {
      full.nearLimits(id);
    }
  }

  /** The caller's session head, or empty when the database has no row of the caller's yet. */
  private CompletableFuture<Optional<ChatSession>> headIfAny(Caller caller, SessionId id) {
    return head(caller, id)
        .handle(
            (found, failure) -> {
              if (failure == null) {
                return found.map(SessionBackend.SessionHead::session);
              }
              if (FutureResults.unwrap(failure) instanceof SessionNotFoundException) {
                return Optional.<ChatSession>empty();
              }
              throw FutureResults.rethrow(failure);
            });
  }
}
