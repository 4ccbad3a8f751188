package dev.codebasechat.session.internal;

import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionPage;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a session: from the cache when its copy is fresh; otherwise the cached copy brought up to
 * date by asking the database what changed since its version (within {@link
 * #REVALIDATION_TIMEOUT}); otherwise a whole read through the database with the caller's token.
 * When the database is unreachable or the breaker is open, the answer is what this process holds
 * for the verified caller ({@link ReadSource#LOCAL}), or {@link
 * dev.codebasechat.session.SessionUnavailableException}: never an empty history pretending to be
 * real. Every answer has the caller's pending writes laid over it ({@link Ledger#answer}).
 *
 * <p>Thread-safe. A cache hit takes no lock and waits for nothing.
 */
public final class SessionReader {
  private static final Logger log = LoggerFactory.getLogger(SessionReader.class);

  /** Longest a read of a cached session waits for the database to say whether it changed. */
  public static final Duration REVALIDATION_TIMEOUT = Duration.ofMillis(300);

  /**
   * How long after a revalidation found the database not answering reads of stale cached copies
   * answer at once (one probe at a time still asks), so that a hanging database costs one wait of
   * {@link #REVALIDATION_TIMEOUT}, not one per read until the breaker opens.
   */
  public static final Duration SUSPECT_DATABASE = Duration.ofSeconds(5);

  private final SessionCache cache;
  private final Ledger ledger;
  private final Outboxes outboxes;
  private final JournalBridge journal;
  private final SessionBackend backend;
  private final GuardedBackend database;
  private final RemoteGuard guard;
  private final Clock clock;
  private final Duration databaseTimeout;

  /** When a revalidation last found the database not answering ({@link Clock#millis()}). */
  private final AtomicLong revalidationFailedAt = new AtomicLong(Long.MIN_VALUE / 2);

  /** Whether the probe that asks on behalf of stale copies is in flight. */
  private final AtomicBoolean probing = new AtomicBoolean();

  /**
   * Reads through {@code backend} guarded by {@code guard}, waiting for the database at most {@code
   * databaseTimeout}.
   */
  public SessionReader(
      SessionCache cache,
      Ledger ledger,
      Outboxes outboxes,
      JournalBridge journal,
      SessionBackend backend,
      RemoteGuard guard,
      Clock clock,
      Duration databaseTimeout) {
    this.cache = cache;
    this.ledger = ledger;
    this.outboxes = outboxes;
    this.journal = journal;
    this.backend = backend;
    this.database = GuardedBackend.of(backend, guard).within(databaseTimeout);
    this.guard = guard;
    this.clock = clock;
    this.databaseTimeout = databaseTimeout;
  }

  /**
   * The answer from the cache when it holds the caller's session and the copy is fresh; null on a
   * miss or a copy to revalidate first. Counts one read of the cache.
   *
   * @throws dev.codebasechat.session.SessionNotFoundException if the caller's pending writes delete
   *     the cached session
   */
  public @Nullable SessionRead cacheHit(Caller caller, SessionId id) {
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    ChatSession cached = cache.lookup(id);
    if (cached == null || !cached.owner().equals(caller.userId()) || !cache.isFresh(id)) {
      return null;
    }
    // Nothing pending, as almost always: the answer is the cached copy itself.
    return pending.isEmpty()
        ? new SessionRead(cached, cacheSource(), 0)
        : ledger.answer(caller, id, pending, Optional.of(cached), cacheSource());
  }

  /**
   * {@link #cacheHit} for a caller that reads through when this misses: the cache read is counted
   * only when it answers, so a miss (or a copy to revalidate) is counted once, by the read that
   * follows.
   */
  public @Nullable SessionRead cacheHitOrNothing(Caller caller, SessionId id) {
    ChatSession cached = cache.peek(id);
    if (cached == null || !cached.owner().equals(caller.userId()) || !cache.isFresh(id)) {
      return null;
    }
    return cacheHit(caller, id);
  }

  /** A read that missed the fresh cache: the cached copy brought up to date, or a whole read. */
  public CompletableFuture<SessionRead> readCachedOrThrough(Caller caller, SessionId id) {
    // Taken before the copy: a confirmation that drops it later is seen by a degraded answer.
    long mark = ledger.mark();
    ChatSession cached = cache.peek(id);
    if (cached == null || !cached.owner().equals(caller.userId()) || cache.copiesAreCurrent()) {
      return readThrough(caller, id);
    }
    if (clock.millis() - revalidationFailedAt.get() < SUSPECT_DATABASE.toMillis()) {
      if (probing.compareAndSet(false, true)) {
        // The probe may take the whole database timeout: a database that is merely slow under
        // load ends the suspicion at its answer, rather than keeping copies stale for 5 s.
        revalidate(caller, id, cached, mark, databaseTimeout)
            .whenComplete((read, failure) -> probing.set(false));
      }
      try {
        return CompletableFuture.completedFuture(
            localSince(
                caller,
                id,
                cached,
                mark,
                () ->
                    new java.util.concurrent.TimeoutException(
                        "the database did not answer a revalidation a moment ago")));
      } catch (RuntimeException noAnswer) { // a pending delete: the future fails, nothing throws
        return CompletableFuture.failedFuture(noAnswer);
      }
    }
    Duration deadline =
        databaseTimeout.compareTo(REVALIDATION_TIMEOUT) < 0
            ? databaseTimeout
            : REVALIDATION_TIMEOUT;
    return revalidate(caller, id, cached, mark, deadline);
  }

  /**
   * {@link #revalidate}, and a whole read when the changes cannot be applied to the copy, both
   * within {@code deadline} in all: the caller never waits longer than the database timeout.
   */
  private CompletableFuture<SessionRead> revalidate(
      Caller caller, SessionId id, ChatSession cached, long mark, Duration deadline) {
    long readEndsAt = clock.millis() + databaseTimeout.toMillis();
    return revalidate(caller, id, cached, mark, deadline, readEndsAt);
  }

  /**
   * Asks the database what changed in {@code cached} since its version (one request that costs what
   * changed) and answers the result. When the database does not answer within {@code deadline} the
   * cached copy is the answer ({@link ReadSource#LOCAL}): never retried.
   */
  private CompletableFuture<SessionRead> revalidate(
      Caller caller,
      SessionId id,
      ChatSession cached,
      long mark,
      Duration deadline,
      long readEndsAt) {
    // Taken before the database is asked: a write that leaves the outbox meanwhile is in the
    // answer.
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    return guard
        .callOnce(
            () -> backend.changes(caller.token(), caller.userId(), id, cached.version()), deadline)
        .handle(
            (changes, failure) -> {
              if (failure != null) {
                if (!RemoteGuard.isUnavailable(failure)) {
                  throw Failures.translate(failure, "session " + id);
                }
                revalidationFailedAt.set(clock.millis());
                return CompletableFuture.completedFuture(
                    localSince(caller, id, cached, mark, () -> failure));
              }
              revalidationFailedAt.set(Long.MIN_VALUE / 2);
              if (changes.isEmpty() && pending.filter(Outbox.Pending::creates).isPresent()) {
                // Not stored yet: a write acknowledged here creates it when it is delivered. The
                // cached copy is what it is until then.
                return CompletableFuture.completedFuture(
                    ledger.answer(caller, id, pending, Optional.of(cached), ReadSource.CACHE));
              }
              if (changes.isEmpty()) {
                // Deleted through another instance: this copy goes, as a delete here would drop it.
                ledger.deletedElsewhere(cached);
                return CompletableFuture.completedFuture(
                    ledger.answer(caller, id, pending, Optional.empty(), ReadSource.DATABASE));
              }
              Optional<ChatSession> next = changes.get().applyTo(cached);
              if (next.isEmpty()) {
                ledger.dropCached(cached);
                // What is left of the read's time: the ask already took some of it.
                return readThrough(caller, id, database.endingAt(readEndsAt));
              }
              if (changes.get().unchanged()) {
                ledger.stillCurrent(cached);
              } else {
                ledger.revalidated(cached, next.get());
              }
              return CompletableFuture.completedFuture(
                  ledger.answer(caller, id, pending, next, ReadSource.DATABASE));
            })
        .thenCompose(Function.identity());
  }

  /**
   * A whole read through the database. The caller's pending writes are taken before the row is
   * read, so every write acknowledged before the read is in the answer: still pending, or already
   * in the row. (A row a confirmation overtook is not cached: {@link Ledger#fetched}.)
   */
  private CompletableFuture<SessionRead> readThrough(Caller caller, SessionId id) {
    return readThrough(caller, id, database);
  }

  /** {@link #readThrough(Caller, SessionId)} through {@code within}, timed as it is. */
  private CompletableFuture<SessionRead> readThrough(
      Caller caller, SessionId id, GuardedBackend within) {
    long mark = cache.mark();
    // Taken before the row is read: a write confirmed and released meanwhile is in the row.
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    return fetch(caller, id, mark, within)
        .handle(
            (row, failure) -> {
              if (failure != null) {
                if (!RemoteGuard.isUnavailable(failure)) {
                  throw Failures.translate(failure, "session " + id);
                }
                return CompletableFuture.completedFuture(fallback(caller, id, failure));
              }
              return CompletableFuture.completedFuture(
                  ledger.answer(caller, id, pending, row, ReadSource.DATABASE));
            })
        .thenCompose(Function.identity());
  }

  /**
   * Reads the session straight from the database, bypassing the cached copy and, once the database
   * answered, replacing the caller's own copy with its row; never falls back. A failed read changes
   * nothing, and another user's cached copy is never touched: it stays the owner's answer while the
   * database is away.
   */
  public CompletableFuture<SessionRead> recover(Caller caller, SessionId id) {
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    long mark = cache.mark();
    ChatSession before = cache.peek(id);
    return database
        .fetch(caller.token(), caller.userId(), id)
        .handle(
            (row, failure) -> {
              if (failure != null) {
                throw Failures.translate(failure, "session " + id);
              }
              boolean replaceable =
                  (before == null || before.owner().equals(caller.userId()))
                      && ledger.forgetCachedIfStill(id, before);
              if (!replaceable) {
                // Another user's copy, or a newer one that came in meanwhile (a confirmation, a
                // revalidation): it stays, and the row only answers this call.
                return ledger.answer(
                    caller,
                    id,
                    pending,
                    row.filter(s -> s.owner().equals(caller.userId())),
                    ReadSource.DATABASE);
              }
              Optional<ChatSession> own = own(caller, row, mark);
              return ledger.answer(caller, id, pending, own, ReadSource.DATABASE);
            });
  }

  /**
   * The database's row for the caller (within the database timeout), cached when it is the newest
   * known and no confirmation overtook it since {@code mark}.
   */
  private CompletableFuture<Optional<ChatSession>> fetch(
      Caller caller, SessionId id, long mark, GuardedBackend within) {
    return within
        .fetch(caller.token(), caller.userId(), id)
        .thenApply(row -> own(caller, row, mark));
  }

  /** {@code row} if it is the caller's, then cached as {@link #fetch} caches it. */
  private Optional<ChatSession> own(Caller caller, Optional<ChatSession> row, long mark) {
    Optional<ChatSession> own = row.filter(s -> s.owner().equals(caller.userId()));
    if (row.isPresent() && own.isEmpty()) {
      // Row Level Security should make this impossible; never hand another user's row out.
      log.error("database returned a session of another owner; treating it as missing");
    }
    own.ifPresent(session -> ledger.fetched(session, mark));
    return own;
  }

  /** What this process holds for the caller while the database cannot answer. */
  private SessionRead fallback(Caller caller, SessionId id, Throwable failure) {
    ChatSession cached = cache.peek(id);
    if (cached != null && cached.owner().equals(caller.userId())) {
      return local(caller, id, cached);
    }
    // Taken before the copy is read: a write confirmed meanwhile drops the copy and leaves the
    // outbox, and the answer would lack it (the copy read first lacks it too).
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    Optional<ChatSession> copy = journal.localCopy(id, caller.userId());
    if (copy.isPresent()) {
      return ledger.answer(caller, id, pending, copy, ReadSource.LOCAL);
    }
    Optional<Outbox> own = outboxes.ownedBy(id, caller.userId());
    if (own.isPresent() && own.get().knownNew()) {
      return ledger.answer(caller, id, Optional.empty(), ReadSource.LOCAL);
    }
    throw Failures.unavailable("session " + id, failure);
  }

  /**
   * {@link #local} for {@code cached}, peeked after {@code mark}: when a confirmation of the
   * session since then dropped the cached copy, {@code cached} lacks that write, which has left the
   * pending ones; the answer is then the pending writes over no session if it was confirmed gone
   * (none: not found), else {@link #fallback} (the journal's local copy, which the confirmation
   * brought up to date or dropped).
   */
  private SessionRead localSince(
      Caller caller,
      SessionId id,
      ChatSession cached,
      long mark,
      java.util.function.Supplier<Throwable> failure) {
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    ChatSession newest = cache.peek(id);
    if (newest != null && newest.owner().equals(caller.userId())) {
      return ledger.answer(caller, id, pending, Optional.of(newest), ReadSource.LOCAL);
    }
    if (cache.goneSince(id, mark)) {
      // Deleted: what is left is what the caller's writes pending now make of no session (one that
      // creates it again, acknowledged after the delete), else no session.
      return ledger.answer(caller, id, pending, Optional.empty(), ReadSource.LOCAL);
    }
    if (cache.confirmedSince(id, mark)) {
      return fallback(caller, id, failure.get());
    }
    return ledger.answer(caller, id, pending, Optional.of(cached), ReadSource.LOCAL);
  }

  /**
   * The caller's cached copy with their pending writes, as a degraded answer: the newest copy
   * cached once the pending writes are taken, else {@code cached}.
   */
  private SessionRead local(Caller caller, SessionId id, ChatSession cached) {
    Optional<Outbox.Pending> pending = ledger.pendingOf(caller, id);
    ChatSession newest = cache.peek(id);
    ChatSession base = newest != null && newest.owner().equals(caller.userId()) ? newest : cached;
    return ledger.answer(caller, id, pending, Optional.of(base), ReadSource.LOCAL);
  }

  /**
   * A page of the caller's sessions from the database, with what this process knows laid over it:
   * the caller's sessions written here and not confirmed yet first (on the first page only), those
   * that the caller's pending writes delete left out.
   */
  public CompletableFuture<SessionPage> list(
      Caller caller, int limit, int offset, Optional<String> repo) {
    return database
        .list(caller.token(), caller.userId(), limit, offset, repo)
        .handle(
            (page, failure) -> {
              if (failure != null) {
                throw Failures.translate(failure, "the session list");
              }
              return withPendingWrites(caller, page, repo);
            });
  }

  private SessionPage withPendingWrites(Caller caller, SessionPage page, Optional<String> repo) {
    Map<SessionId, SessionSummary> listed = new HashMap<>();
    page.sessions().forEach(summary -> listed.put(summary.id(), summary));
    List<SessionSummary> pendingFirst = new ArrayList<>();
    Set<SessionId> pendingIds = new HashSet<>();
    for (Outbox outbox : outboxes.all()) {
      if (!outbox.owner.equals(caller.userId())
          || outbox.endsDeleted()
          || !(outbox.knownNew() || outbox.hasAppend())) {
        continue;
      }
      Optional<SessionSummary> pending = pendingSummary(caller, outbox, listed.get(outbox.id));
      if (pending.isEmpty() || (repo.isPresent() && !pending.get().repo().equals(repo))) {
        continue;
      }
      pendingIds.add(outbox.id);
      pendingFirst.add(pending.get());
    }
    pendingFirst.sort(Comparator.comparing(SessionSummary::lastActivity).reversed());
    List<SessionSummary> kept = new ArrayList<>(page.offset() == 0 ? pendingFirst : List.of());
    for (SessionSummary summary : page.sessions()) {
      if (pendingIds.contains(summary.id())) {
        continue;
      }
      Optional<Outbox> own = outboxes.ownedBy(summary.id(), caller.userId());
      if (own.isPresent()
          && own.get()
              .overlay(Optional.of(ChatSession.empty(summary.id(), caller.userId())))
              .isEmpty()) {
        continue;
      }
      kept.add(summary);
    }
    return new SessionPage(kept, page.total(), page.offset(), page.source());
  }

  /**
   * The list entry of a session with writes pending here: its cached copy with them laid over;
   * without a copy, the database's row in this list (when it is there) with them laid over, else
   * what they say. Empty when they leave no session.
   */
  private Optional<SessionSummary> pendingSummary(
      Caller caller, Outbox outbox, @Nullable SessionSummary listed) {
    ChatSession cached = cache.peekOwn(outbox.id, caller.userId());
    ChatSession empty = ChatSession.empty(outbox.id, caller.userId());
    ChatSession base =
        cached != null
            ? cached
            : listed == null
                ? empty
                : empty
                    .withContext(
                        listed.repo(), listed.currentFile(), empty.contextCache(), empty.metadata())
                    .withLastActivity(Optional.of(listed.lastActivity()));
    Optional<ChatSession> overlaid = outbox.overlay(Optional.of(base));
    if (overlaid.isEmpty()) {
      return Optional.empty();
    }
    ChatSession session = overlaid.get();
    Instant written = outbox.oldestAcknowledged().orElseGet(clock::instant);
    int messageCount =
        cached != null
            ? session.messageCount()
            : outbox.messageCountOver(
                listed == null ? OptionalInt.empty() : OptionalInt.of(listed.messageCount()));
    return Optional.of(
        new SessionSummary(
            outbox.id,
            session.repo(),
            session.currentFile(),
            messageCount,
            session.lastActivity().filter(at -> at.isAfter(written)).orElse(written),
            listed != null ? listed.createdAt() : written));
  }

  /** A cache hit while the breaker is open is a degraded answer: say so. */
  private ReadSource cacheSource() {
    return guard.breakerState() == BreakerState.OPEN ? ReadSource.LOCAL : ReadSource.CACHE;
  }
}
