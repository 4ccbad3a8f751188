package dev.codebasechat.session;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheStats;
import com.google.common.cache.RemovalCause;
import com.google.common.cache.RemovalNotification;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.codebasechat.DurationSettings;
import dev.codebasechat.FutureResults;
import dev.codebasechat.SystemTime;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.FailureKind;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.session.internal.AppendBatches;
import dev.codebasechat.session.internal.ConfirmationStamps;
import dev.codebasechat.session.internal.JournalBridge;
import dev.codebasechat.session.internal.LocalSessionBackend;
import dev.codebasechat.session.internal.OperatorDelivery;
import dev.codebasechat.session.internal.Outbox;
import dev.codebasechat.session.internal.OwnerTokens;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.session.internal.SessionBackend;
import dev.codebasechat.session.internal.SessionCodec;
import dev.codebasechat.session.internal.SessionRemote;
import dev.codebasechat.session.internal.SessionWeigher;
import dev.codebasechat.sync.BreakerState;
import dev.codebasechat.sync.FlushConcurrency;
import dev.codebasechat.sync.FlushOutcome;
import dev.codebasechat.sync.Journal;
import dev.codebasechat.sync.JournalException;
import dev.codebasechat.sync.LocalSessionTable;
import dev.codebasechat.sync.RemoteGuard;
import dev.codebasechat.sync.WritePacer;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.GuavaCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chat sessions, durable in Supabase and available while it is not: the library's entry point.
 *
 * <p><b>Writes</b> ({@link #append}, {@link #updateContext}, {@link #clear}, {@link #delete}) are
 * acknowledged once recorded here; they reach the database through a debounced write-behind: all
 * writes of a session within the debounce window go out as one request, each session's writes in
 * order and never two at once, different sessions in parallel. Every remote call goes through retry
 * and a circuit breaker ({@link RemoteGuard}). Appends are idempotent by message id, so a retry
 * after a lost answer never stores a message twice. A write the database refuses for good (a 4xx
 * other than 401) is {@linkplain #setAsideWrites set aside} with the reason; a write refused with
 * 401 waits for the owner's next request carrying another token.
 *
 * <p><b>Reads</b> answer from the cache (the last state the database confirmed, plus the writes
 * still pending) or from the database with the caller's token. When the database is unreachable or
 * the breaker is open, a read is answered from what this process holds <em>only if the verified
 * caller owns it</em>; otherwise it fails with {@link SessionUnavailableException}, never with an
 * empty history. Every read says where it came from ({@link SessionRead#source()}).
 *
 * <p><b>Isolation.</b> The cache and the pending writes are keyed by session id and tagged with
 * their owner; a caller who is not the owner is told the session does not exist, exactly as Row
 * Level Security answers in the database. {@link Caller#userId()} must come from a verified token.
 *
 * <p><b>Failures.</b> Futures fail with a {@link SessionException}: {@link
 * SessionNotFoundException}, {@link SessionUnavailableException}, {@link SessionAccessException}
 * (401/403, passed on, never retried or masked) or {@link SessionRejectedException}. Arguments are
 * validated before anything is recorded ({@link IllegalArgumentException}).
 *
 * <p><b>Two forms of every operation.</b> Each blocking method has an {@code …Async} twin that does
 * the same; the blocking one waits for it and throws what it fails with, unwrapped (a {@link
 * SessionException} or an {@link IllegalArgumentException}, never a {@code CompletionException}
 * around one). A blocking read or write waits for the database at most the database timeout ({@link
 * Builder#databaseTimeout}, default {@link #DEFAULT_DATABASE_TIMEOUT}) and then answers from what
 * this process holds or fails with {@link SessionUnavailableException}; besides that it waits only
 * for the local journal's or table's commit. {@link #flush} and {@link #close} wait at most the
 * time they are given. An async form completes on the calling thread when it is answered from
 * memory, otherwise on a thread of the store (its scheduler) or of its HTTP client: run blocking
 * work attached to it with {@code thenApplyAsync} on an executor of your own. With a scheduler that
 * runs nothing until time is moved (the test kit's {@code ManualScheduler}), a blocking call waits
 * for that time: call it through {@code ManualScheduler.callWhileAdvancing}.
 *
 * <p>Thread-safe. Time and scheduling come from the injected clock and scheduler. Writes pending in
 * memory are lost if the process dies; {@link #close()} flushes within a bounded time.
 *
 * <p><b>Why this class is long.</b> It still holds the read path and the write-behind (outboxes'
 * scheduling, the flusher and its failure policy, the journal bridge), and the three write paths as
 * inner classes (through the embedded table, after the database, after the journal: chosen once,
 * when the store is built); the owner tokens, the backends, the codec and the outboxes themselves
 * live in {@code session.internal}. The read path and the write-behind share one invariant (a read
 * overlays exactly the writes not yet confirmed, against the cache of confirmed sessions), which
 * this class keeps in one place until both can move out together.
 */
public final class SessionStore implements AutoCloseable {

  public static final long DEFAULT_CACHE_MAXIMUM_WEIGHT_BYTES = 256L * 1024 * 1024;
  public static final Duration DEFAULT_CACHE_IDLE_EXPIRY = Duration.ofMinutes(30);
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_MESSAGES_PER_APPEND = 500;
  public static final int DEFAULT_MAX_PAGE_SIZE = 200;
  public static final Duration DEFAULT_LOCAL_COPY_MAX_AGE = Duration.ofDays(7);
  public static final long DEFAULT_LOCAL_COPY_MAX_BYTES = 256L * 1024 * 1024;

  /**
   * Longest a caller waits on the database (a read of a session not held, a head read, a creation).
   */
  public static final Duration DEFAULT_DATABASE_TIMEOUT = Duration.ofSeconds(2);

  private static final Duration PROGRESS_LOG_INTERVAL = Duration.ofSeconds(5);

  /** Journal kind of set-aside writes: kept for operators, never replayed. */
  private static final Logger log = LoggerFactory.getLogger(SessionStore.class);

  private static final int MAX_STALE_READ_RETRIES = 3;

  /** Longest a read of a held session waits for the database to say whether it changed. */
  static final Duration REVALIDATION_TIMEOUT = Duration.ofMillis(300);

  /**
   * How long after a revalidation found the database not answering reads of stale held copies
   * answer at once (one probe at a time still asks), so that a hanging database costs one wait of
   * {@link #REVALIDATION_TIMEOUT}, not one per read until the breaker opens.
   */
  static final Duration SUSPECT_DATABASE = Duration.ofSeconds(5);

  /** Default of {@link Builder#cacheFreshness}. */
  public static final Duration DEFAULT_CACHE_FRESHNESS = Duration.ofSeconds(1);

  private final SessionBackend remote;

  /** Embedded mode: the backend is local and durable, so writes go straight to it. */
  private final WritePath writePath;

  /** Where acknowledged writes are made durable before the caller hears "saved"; may be absent. */
  private final JournalBridge journal;

  private final RemoteGuard guard;
  private final WritePacer<SessionId> pacer;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Duration closeTimeout;
  private final int maxMessagesPerAppend;

  /** What the database last confirmed, per session; owner inside. Evictable. */
  private final Cache<SessionId, ChatSession> confirmed;

  /** Acknowledged, unconfirmed writes; never evicted. */
  private final ConcurrentHashMap<SessionId, Outbox> outboxes = new ConcurrentHashMap<>();

  /** The latest token each owner presented, and whether the database refused it. */
  private final OwnerTokens ownerTokens;

  /**
   * Who owns the sessions this process wrote or looked up without holding them (a head read, a
   * confirmed write): lets the next write of the owner go without asking the database again, and
   * another user's be refused as the database would.
   */
  private final Cache<SessionId, UUID> knownOwners;

  /** How long a caller waits on the database at most (reads, head reads, creations). */
  private final Duration databaseTimeout;

  /**
   * How long a held session is answered without asking the database whether another instance
   * changed it; zero asks on every read. Not used in embedded mode (this process is the only
   * writer).
   */
  private final long freshnessMillis;

  /**
   * When a revalidation last found the database not answering ({@link Clock#millis()}): for a while
   * after, stale held copies are answered at once while one probe asks on their behalf.
   */
  private final AtomicLong revalidationFailedAt = new AtomicLong(Long.MIN_VALUE / 2);

  /** Whether that probe is in flight. */
  private final java.util.concurrent.atomic.AtomicBoolean probing =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** When each held session was last known to match the database ({@link Clock#millis()}). */
  private final ConcurrentHashMap<SessionId, Long> validatedAt = new ConcurrentHashMap<>();

  /** Tells a read that raced a confirmation of its session that it must read again. */
  private final ConfirmationStamps confirmationStamps;

  private final List<SetAsideWrite> setAside = new CopyOnWriteArrayList<>();

  /** Writes confirmed since start, for progress lines while a backlog drains. */
  private final AtomicLong confirmedWrites = new AtomicLong();

  /** False once the database answered that it has no batch append function. */
  private final AtomicBoolean appendBatchSupported = new AtomicBoolean(true);

  /** Writes found in the journal when the store was built: the backlog a restart drains. */
  private volatile int replayedWrites;

  private final java.util.concurrent.atomic.AtomicReference<Instant> lastProgressLog =
      new java.util.concurrent.atomic.AtomicReference<>(Instant.MIN);

  /**
   * Delivers, with the service key and under the drain's rules, the writes of owners without a
   * usable token; absent when the operator gave none (then those writes wait for their owners).
   */
  private final @Nullable OperatorDelivery operator;

  /** When a write is acknowledged; {@link Acknowledgement#DATABASE}: only once confirmed. */
  private final Acknowledgement acknowledgement;

  /** Database-acknowledged appends, coalesced per session while one is in flight. */
  private final AppendBatches appendBatches;

  /** Writes delivered by {@link #operator} since start. */
  private final AtomicLong operatorDeliveredWrites = new AtomicLong();

  /** Owners some of whose writes are parked until they present a usable token. */
  private volatile boolean closed;

  private SessionStore(Builder builder) {
    this.clock = builder.clock;
    this.ownsScheduler = builder.scheduler == null;
    this.scheduler =
        builder.scheduler != null
            ? builder.scheduler
            : Executors.newScheduledThreadPool(
                2,
                new ThreadFactoryBuilder()
                    .setNameFormat("session-store-%d")
                    .setDaemon(true)
                    .build());
    this.remote = builder.backend;
    // Database acknowledgement keeps nothing the database does not hold: no journal.
    this.journal =
        builder.embedded
                || builder.acknowledgement == Acknowledgement.DATABASE
                || builder.journal == null
            ? JournalBridge.none()
            : JournalBridge.over(
                builder.journal, clock, builder.localCopyMaxAge, builder.localCopyMaxBytes);
    this.guard =
        builder.guard != null ? builder.guard : RemoteGuard.builder(clock, scheduler).build();
    this.closeTimeout = builder.closeTimeout;
    this.maxMessagesPerAppend = builder.maxMessagesPerAppend;
    Ticker ticker = clockTicker(clock);
    this.confirmed =
        CacheBuilder.newBuilder()
            .maximumWeight(builder.cacheMaximumWeightBytes)
            .weigher((SessionId id, ChatSession session) -> SessionWeigher.weigh(session))
            .expireAfterAccess(builder.cacheIdleExpiry)
            .ticker(ticker)
            .recordStats()
            .removalListener(
                (RemovalNotification<SessionId, ChatSession> removed) -> {
                  if (removed.getCause() != RemovalCause.REPLACED && removed.getKey() != null) {
                    validatedAt.remove(removed.getKey());
                  }
                })
            .build();
    this.ownerTokens = new OwnerTokens(ticker);
    this.confirmationStamps = new ConfirmationStamps(ticker);
    this.knownOwners =
        CacheBuilder.newBuilder()
            .maximumSize(200_000)
            .expireAfterAccess(Duration.ofHours(6))
            .ticker(ticker)
            .build();
    this.databaseTimeout = builder.databaseTimeout;
    this.freshnessMillis = builder.cacheFreshness.toMillis();
    this.operator =
        builder.operatorScope == null || builder.embedded
            ? null
            : new OperatorDelivery(builder.operatorScope, this.guard);
    this.acknowledgement = builder.embedded ? Acknowledgement.JOURNAL : builder.acknowledgement;
    this.writePath =
        builder.embedded
            ? new ThroughTheTable()
            : acknowledgement == Acknowledgement.DATABASE
                ? new AfterTheDatabase()
                : new AfterTheJournal();
    this.appendBatches =
        new AppendBatches(
            (id, owner, token, append) ->
                guard
                    .call(() -> remote.append(token, owner, id, append), databaseTimeout)
                    .thenApply(
                        ack -> {
                          confirmedAppend(id, owner, append, ack);
                          return ack;
                        }));
    this.pacer =
        WritePacer.builder(this::flushOne, clock, scheduler)
            .debounce(builder.debounce)
            .maxWait(builder.maxWait == null ? builder.debounce : builder.maxWait)
            .flushConcurrency(builder.flushConcurrency)
            .grouping(
                id -> Optional.ofNullable(outboxes.get(id)).map(outbox -> outbox.owner),
                SessionBackend.MAX_SESSIONS_PER_REQUEST,
                this::flushGroup)
            .build();
  }

  /**
   * A builder for a store over Supabase through {@code client}; every other setting has a default.
   */
  public static Builder builder(PostgrestClient client) {
    return new Builder(new SessionRemote(client), false);
  }

  /**
   * A builder for the embedded default: sessions live in {@code table} (this process's SQLite
   * file), every write is durable there before it is acknowledged, and nothing is sent anywhere.
   * Reads report {@link ReadSource#DATABASE} (the local table is the system of record) or {@link
   * ReadSource#CACHE}. The store does not close {@code table}.
   */
  public static Builder embedded(LocalSessionTable table) {
    return new Builder(new LocalSessionBackend(table), true);
  }

  // ---------------------------------------------------------------- reads

  /** The caller's session: every message, the context, where it came from. */
  public SessionRead history(Caller caller, SessionId id) {
    // A cache hit is answered on the caller's thread without a future in between: the common
    // read stays a lookup plus the ownership check (BENCHMARKS.md, measurement 4).
    SessionRead hit = cacheHit(caller, id);
    return hit != null ? hit : FutureResults.join(readHeldOrThrough(caller, id, 0));
  }

  /**
   * {@link #history} without blocking; every failure, one found in the cache included, completes
   * the future rather than being thrown.
   */
  public CompletableFuture<SessionRead> historyAsync(Caller caller, SessionId id) {
    SessionRead hit;
    try {
      hit = cacheHit(caller, id);
    } catch (SessionException e) { // held, but deleted by a pending write
      return CompletableFuture.failedFuture(e);
    }
    return hit != null ? CompletableFuture.completedFuture(hit) : readHeldOrThrough(caller, id, 0);
  }

  /**
   * The caller's session when this process holds it and it is fresh (validated against the database
   * within the freshness bound), without waiting for anything: no database call, no future. It is
   * the answer {@link #history} gives on a cache hit; empty when the read would have to go to the
   * database (then call {@link #history}). For callers that must not block, such as an HTTP
   * server's I/O thread.
   *
   * @throws SessionNotFoundException if the session is held but deleted by a pending write
   */
  public Optional<SessionRead> historyIfHeld(Caller caller, SessionId id) {
    return Optional.ofNullable(cacheHit(caller, id));
  }

  /**
   * The answer from the cache when it holds the caller's session and the copy is fresh; null on a
   * miss or a copy to revalidate first.
   */
  private @Nullable SessionRead cacheHit(Caller caller, SessionId id) {
    rememberToken(caller);
    ChatSession cached = confirmed.getIfPresent(id);
    if (cached != null && cached.owner().equals(caller.userId()) && isFresh(id)) {
      return answer(caller, id, Optional.of(cached), cacheSource());
    }
    return null;
  }

  private boolean isFresh(SessionId id) {
    if (writePath.heldCopiesAreCurrent()) {
      return true;
    }
    Long at = validatedAt.get(id);
    return at != null && clock.millis() - at < freshnessMillis;
  }

  private void validated(SessionId id) {
    validatedAt.put(id, clock.millis());
  }

  /** A read that missed the fresh cache: the held copy brought up to date, or a whole read. */
  private CompletableFuture<SessionRead> readHeldOrThrough(
      Caller caller, SessionId id, int attempt) {
    // Through the map view: the lookup that decided this read already counted as a hit or miss.
    ChatSession held = confirmed.asMap().get(id);
    if (held != null && held.owner().equals(caller.userId()) && !writePath.heldCopiesAreCurrent()) {
      if (clock.millis() - revalidationFailedAt.get() < SUSPECT_DATABASE.toMillis()) {
        if (probing.compareAndSet(false, true)) {
          // The probe may take the whole database timeout: a database that is merely slow under
          // load ends the suspicion at its answer, rather than keeping copies stale for 5 s.
          revalidate(caller, id, held, MAX_STALE_READ_RETRIES, databaseTimeout)
              .whenComplete((read, failure) -> probing.set(false));
        }
        return CompletableFuture.completedFuture(
            answer(caller, id, Optional.of(held), ReadSource.LOCAL));
      }
      Duration deadline =
          databaseTimeout.compareTo(REVALIDATION_TIMEOUT) < 0
              ? databaseTimeout
              : REVALIDATION_TIMEOUT;
      return revalidate(caller, id, held, attempt, deadline);
    }
    return readThrough(caller, id, attempt);
  }

  /**
   * Asks the database what changed in {@code held} since its version (one request that costs what
   * changed) and answers the result. When the database does not answer at once the held copy is the
   * answer ({@link ReadSource#LOCAL}): revalidation is never retried and never waits longer than
   * {@link #REVALIDATION_TIMEOUT}.
   */
  private CompletableFuture<SessionRead> revalidate(
      Caller caller, SessionId id, ChatSession held, int attempt, Duration deadline) {
    long startedAt = confirmationStamps.mark();
    return guard
        .callOnce(
            () -> remote.changes(caller.token(), caller.userId(), id, held.version()), deadline)
        .handle(
            (changes, failure) -> {
              if (failure != null) {
                if (!RemoteGuard.isUnavailable(failure)) {
                  throw translate(failure, "session " + id);
                }
                revalidationFailedAt.set(clock.millis());
                return CompletableFuture.completedFuture(
                    answer(caller, id, Optional.of(held), ReadSource.LOCAL));
              }
              revalidationFailedAt.set(Long.MIN_VALUE / 2);
              if (changes.isEmpty()) {
                // Deleted through another instance: this copy goes, as a delete here would drop it.
                confirmed.asMap().remove(id, held);
                knownOwners.invalidate(id);
                journal.dropLocalCopy(id);
                return CompletableFuture.completedFuture(
                    answer(caller, id, Optional.empty(), ReadSource.DATABASE));
              }
              Optional<ChatSession> next = changes.get().applyTo(held);
              if (next.isEmpty()) {
                confirmed.asMap().remove(id, held);
                return readThrough(caller, id, attempt);
              }
              ChatSession updated = next.get();
              if (changes.get().unchanged() || confirmed.asMap().replace(id, held, updated)) {
                if (!changes.get().unchanged()) {
                  journal.keepLocalCopy(updated);
                }
                validated(id);
              }
              // As in readThrough: a confirmation that raced this read may have released writes
              // the answer does not show yet.
              if (confirmationStamps.confirmedSince(id, startedAt)
                  && attempt < MAX_STALE_READ_RETRIES) {
                return readHeldOrThrough(caller, id, attempt + 1);
              }
              return CompletableFuture.completedFuture(
                  answer(caller, id, Optional.of(updated), ReadSource.DATABASE));
            })
        .thenCompose(Function.identity());
  }

  /** The caller's session with only its last {@code n} messages. */
  public SessionRead lastMessages(Caller caller, SessionId id, int n) {
    return FutureResults.join(lastMessagesAsync(caller, id, n));
  }

  /** {@link #lastMessages} without blocking. */
  public CompletableFuture<SessionRead> lastMessagesAsync(Caller caller, SessionId id, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative but was " + n);
    }
    return historyAsync(caller, id)
        .thenApply(
            read -> {
              ChatSession s = read.session();
              return new SessionRead(
                  s.withMessages(s.lastMessages(n)), read.source(), read.pendingWrites());
            });
  }

  /**
   * Reads the session straight from the database, bypassing and then replacing the cached copy
   * ("manual recovery"). Fails with {@link SessionUnavailableException} when the database cannot be
   * reached: this read never falls back.
   */
  public SessionRead recover(Caller caller, SessionId id) {
    return FutureResults.join(recoverAsync(caller, id));
  }

  /** {@link #recover} without blocking. */
  public CompletableFuture<SessionRead> recoverAsync(Caller caller, SessionId id) {
    rememberToken(caller);
    confirmed.invalidate(id);
    return fetch(caller, id)
        .handle(
            (row, failure) -> {
              if (failure != null) {
                throw translate(failure, "session " + id);
              }
              return answer(caller, id, row, ReadSource.DATABASE);
            });
  }

  /**
   * A page of the caller's sessions, most recent activity first, optionally only those of one repo.
   * Needs the database: fails with {@link SessionUnavailableException} when it cannot be reached
   * rather than answering with a partial list. The caller's sessions with writes acknowledged here
   * but not confirmed yet come first on the first page (a session created a moment ago is listed),
   * and on no other page, so the first page may hold more than {@code limit}; sessions the caller's
   * pending writes delete are left out.
   */
  public SessionPage list(Caller caller, int limit, int offset, Optional<String> repo) {
    return FutureResults.join(listAsync(caller, limit, offset, repo));
  }

  /** {@link #list(Caller, int, int, Optional)} of every repo. */
  public SessionPage list(Caller caller, int limit, int offset) {
    return list(caller, limit, offset, Optional.empty());
  }

  /** {@link #list(Caller, int, int, Optional)} of one repo. */
  public SessionPage list(Caller caller, int limit, int offset, String repo) {
    return list(caller, limit, offset, Optional.of(repo));
  }

  /** {@link #list(Caller, int, int)} without blocking. */
  public CompletableFuture<SessionPage> listAsync(Caller caller, int limit, int offset) {
    return listAsync(caller, limit, offset, Optional.empty());
  }

  /** {@link #list} without blocking. */
  public CompletableFuture<SessionPage> listAsync(
      Caller caller, int limit, int offset, Optional<String> repo) {
    if (limit < 1 || limit > DEFAULT_MAX_PAGE_SIZE) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + DEFAULT_MAX_PAGE_SIZE + " but was " + limit);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative but was " + offset);
    }
    new ContextUpdate(repo, Optional.empty(), Optional.empty(), Optional.empty()); // validates repo
    rememberToken(caller);
    return guard
        .call(
            () -> remote.list(caller.token(), caller.userId(), limit, offset, repo),
            databaseTimeout)
        .handle(
            (page, failure) -> {
              if (failure != null) {
                throw translate(failure, "the session list");
              }
              return withPendingWrites(caller, page, repo);
            });
  }

  // ---------------------------------------------------------------- writes

  /**
   * Creates a new, empty session owned by the caller, with a fresh unguessable id. The database row
   * is created by the write-behind; the session is held from now on (its owner is answered without
   * the database).
   */
  public SessionId create(Caller caller) {
    rememberToken(caller);
    return writePath.createFresh(caller, SessionId.generate(clock));
  }

  /**
   * Creates the caller's session under an id the caller chose, in the database now rather than
   * through the write-behind, so that an id another user already holds is refused at once: that
   * fails with {@link SessionNotFoundException}, exactly as a missing session would. A session the
   * caller already has is left as it is. Nothing is downloaded: the database answers with the
   * session's size and version only. Answered without the database when this process already knows
   * the session is the caller's. Fails with {@link SessionUnavailableException} when the database
   * cannot be reached within the database timeout (nothing is recorded then).
   *
   * @return {@code id}
   */
  public SessionId create(Caller caller, SessionId id) {
    return FutureResults.join(createAsync(caller, id));
  }

  /** {@link #create(Caller, SessionId)} without blocking. */
  public CompletableFuture<SessionId> createAsync(Caller caller, SessionId id) {
    rememberToken(caller);
    Optional<Boolean> known = knownOwnership(caller, id);
    if (known.isPresent()) {
      return known.get()
          ? CompletableFuture.completedFuture(id)
          : CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    PendingOp.Append creation = new PendingOp.Append(List.of(), Optional.empty(), Optional.empty());
    return guard
        .call(() -> remote.append(caller.token(), caller.userId(), id, creation), databaseTimeout)
        .handle(
            (ack, failure) -> {
              if (failure != null) {
                Throwable cause = FutureResults.unwrap(failure);
                // The database answers an append to a foreign id with 42501 (403); to this caller
                // the id simply does not exist.
                if (cause instanceof PostgrestHttpException http
                    && http.kind() == FailureKind.FORBIDDEN) {
                  knownOwners.invalidate(id);
                  throw new SessionNotFoundException(id);
                }
                throw translate(failure, "session " + id);
              }
              confirmationStamps.stamp(id);
              knownOwners.put(id, caller.userId());
              if (ack.created()) {
                // Created by this call: empty, no context. Held from now on.
                cacheIfNewer(
                    ChatSession.empty(id, caller.userId())
                        .withVersion(ack.version())
                        .withLastActivity(ack.lastActivity()));
              }
              return id;
            });
  }

  /**
   * Whether the caller owns {@code id} as far as this process knows without asking: present and
   * true when held or known to be the caller's, present and false when known to be another user's,
   * empty when unknown.
   */
  private Optional<Boolean> knownOwnership(Caller caller, SessionId id) {
    ChatSession held = confirmed.getIfPresent(id);
    if (held != null) {
      return Optional.of(held.owner().equals(caller.userId()));
    }
    Outbox outbox = outboxes.get(id);
    if (outbox != null && outbox.knownNew) {
      return Optional.of(outbox.owner.equals(caller.userId()));
    }
    UUID owner = knownOwners.getIfPresent(id);
    if (owner == null) {
      owner = localCopyOwner(id).orElse(null);
    }
    return owner == null ? Optional.empty() : Optional.of(owner.equals(caller.userId()));
  }

  /**
   * The owner the journal's local copy of {@code id} names, remembered as known: after a restart it
   * answers "whose is it" without the database (an owner never changes; a deleted session loses its
   * copy).
   */
  private Optional<UUID> localCopyOwner(SessionId id) {
    Optional<UUID> owner = journal.localCopyOwner(id);
    owner.ifPresent(o -> knownOwners.put(id, o));
    return owner;
  }

  /**
   * What this process knows of the caller's session {@code id} before a write that needs it to
   * exist: the whole state when held, else its head (one read of everything but the history,
   * bounded by the database timeout), else nothing more than that it is the caller's. Fails with
   * {@link SessionNotFoundException} when the caller has no such session (another user's included)
   * or the caller's pending writes delete it.
   */
  private CompletableFuture<Optional<ChatSession>> existing(Caller caller, SessionId id) {
    Outbox pending = outboxes.get(id);
    @Nullable Outbox own =
        pending != null && pending.owner.equals(caller.userId()) ? pending : null;
    if (own != null && own.endsDeleted()) {
      return CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    ChatSession held = confirmed.getIfPresent(id);
    if (held != null) {
      return held.owner().equals(caller.userId())
          ? CompletableFuture.completedFuture(Optional.of(held))
          : CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    if (own != null && (own.knownNew || own.hasAppend())) {
      // Accepted earlier (created here, or written while the database could not say): the flush
      // creates it, or sets the writes aside if the id turns out to be taken.
      return CompletableFuture.completedFuture(Optional.empty());
    }
    UUID owner = knownOwners.getIfPresent(id);
    if (owner == null) {
      owner = localCopyOwner(id).orElse(null);
    }
    if (owner != null) {
      return owner.equals(caller.userId())
          ? CompletableFuture.completedFuture(Optional.empty())
          : CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    return head(caller, id).thenApply(found -> found.map(SessionBackend.SessionHead::session));
  }

  /** One head read (no history) of the caller's session; holds it when that is its whole state. */
  private CompletableFuture<Optional<SessionBackend.SessionHead>> head(
      Caller caller, SessionId id) {
    return guard
        .call(() -> remote.head(caller.token(), caller.userId(), id), databaseTimeout)
        .handle(
            (row, failure) -> {
              if (failure != null) {
                throw translate(failure, "session " + id);
              }
              Optional<SessionBackend.SessionHead> own =
                  row.filter(h -> h.session().owner().equals(caller.userId()));
              if (own.isEmpty()) {
                throw new SessionNotFoundException(id);
              }
              knownOwners.put(id, caller.userId());
              if (own.get().isComplete()) {
                cacheIfNewer(own.get().session());
              }
              return own;
            });
  }

  /**
   * Appends {@code messages} to the caller's session, creating it on first use. Acknowledged once
   * recorded; messages whose ids the session already holds are skipped (a retry is harmless).
   *
   * @throws IllegalArgumentException if {@code messages} is empty or longer than the configured
   *     maximum
   */
  public AppendReceipt append(Caller caller, SessionId id, List<ChatMessage> messages) {
    return FutureResults.join(
        appendAsync(caller, id, messages, Optional.empty(), Optional.empty()));
  }

  /** {@link #append(Caller, SessionId, List)}, moving {@code repo} and {@code currentFile} too. */
  public AppendReceipt append(
      Caller caller,
      SessionId id,
      List<ChatMessage> messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    return FutureResults.join(appendAsync(caller, id, messages, repo, currentFile));
  }

  /** {@link #append(Caller, SessionId, List)} without blocking. */
  public CompletableFuture<AppendReceipt> appendAsync(
      Caller caller, SessionId id, List<ChatMessage> messages) {
    return appendAsync(caller, id, messages, Optional.empty(), Optional.empty());
  }

  /**
   * {@link #append} without blocking; {@code repo} and {@code currentFile} move the context too.
   */
  public CompletableFuture<AppendReceipt> appendAsync(
      Caller caller,
      SessionId id,
      List<ChatMessage> messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    if (messages.isEmpty() || messages.size() > maxMessagesPerAppend) {
      throw new IllegalArgumentException(
          "an append must carry 1.."
              + maxMessagesPerAppend
              + " messages but had "
              + messages.size());
    }
    // The constructor applies the same limits as a context update (and as the database).
    new ContextUpdate(repo, currentFile, Optional.empty(), Optional.empty());
    rememberToken(caller);
    ChatSession cached = confirmed.getIfPresent(id);
    if (cached != null && !cached.owner().equals(caller.userId())) {
      return CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    UUID knownOwner = knownOwners.getIfPresent(id);
    if (knownOwner != null && !knownOwner.equals(caller.userId())) {
      return CompletableFuture.failedFuture(new SessionNotFoundException(id));
    }
    Map<MessageId, ChatMessage> unique = new LinkedHashMap<>();
    messages.forEach(message -> unique.putIfAbsent(message.id(), message));
    return writePath.append(caller, id, cached, unique, repo, currentFile);
  }

  /**
   * {@link Acknowledgement#DATABASE}: the append is answered once the database confirmed the
   * request that carried it (coalesced with the session's other appends of that moment); nothing is
   * recorded before.
   */
  private CompletableFuture<AppendReceipt> appendConfirmed(
      Caller caller,
      SessionId id,
      @Nullable ChatSession held,
      java.util.Collection<ChatMessage> unique,
      Optional<String> repo,
      Optional<String> currentFile) {
    List<ChatMessage> fresh = new ArrayList<>();
    for (ChatMessage message : unique) {
      if (held == null || !containsId(held, message.id())) {
        fresh.add(message);
      }
    }
    PendingOp.Append op = new PendingOp.Append(fresh, repo, currentFile);
    return appendBatches
        .submit(id, caller.userId(), caller.token(), op)
        .handle(
            (ack, failure) -> {
              if (failure != null) {
                Throwable cause = FutureResults.unwrap(failure);
                if (cause instanceof PostgrestHttpException http
                    && http.kind() == FailureKind.FORBIDDEN) {
                  knownOwners.invalidate(id);
                  throw new SessionNotFoundException(id); // another user's id, as the database says
                }
                throw translate(failure, "session " + id);
              }
              return new AppendReceipt(
                  id, fresh.size(), unique.size() - fresh.size(), ack.messageCount(), 0);
            });
  }

  /**
   * {@link #append}, but only to a session the caller has: fails with {@link
   * SessionNotFoundException} otherwise (another user's session included), and records nothing.
   * Answered from what this process holds or knows, or after one read of the session's head (never
   * its history), bounded by the database timeout.
   */
  public AppendReceipt appendExisting(Caller caller, SessionId id, List<ChatMessage> messages) {
    return FutureResults.join(
        appendExistingAsync(caller, id, messages, Optional.empty(), Optional.empty()));
  }

  /**
   * {@link #appendExisting} without blocking; {@code repo} and {@code currentFile} move the context
   * too.
   */
  public CompletableFuture<AppendReceipt> appendExistingAsync(
      Caller caller,
      SessionId id,
      List<ChatMessage> messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    if (messages.isEmpty() || messages.size() > maxMessagesPerAppend) {
      throw new IllegalArgumentException(
          "an append must carry 1.."
              + maxMessagesPerAppend
              + " messages but had "
              + messages.size());
    }
    rememberToken(caller);
    return writePath
        .existingSession(caller, id)
        .thenCompose(known -> appendAsync(caller, id, messages, repo, currentFile));
  }

  /** Changes the session's context. The session must exist for the caller. */
  public SessionRead updateContext(Caller caller, SessionId id, ContextUpdate update) {
    return FutureResults.join(updateContextAsync(caller, id, update));
  }

  /** {@link #updateContext} without blocking. */
  public CompletableFuture<SessionRead> updateContextAsync(
      Caller caller, SessionId id, ContextUpdate update) {
    if (update.isEmpty()) {
      throw new IllegalArgumentException("a context update must change at least one field");
    }
    return enqueueOnExisting(caller, id, new PendingOp.Context(update));
  }

  /** Empties the session's history. The session must exist for the caller. */
  public SessionRead clear(Caller caller, SessionId id) {
    return FutureResults.join(clearAsync(caller, id));
  }

  /** {@link #clear} without blocking. */
  public CompletableFuture<SessionRead> clearAsync(Caller caller, SessionId id) {
    return enqueueOnExisting(caller, id, new PendingOp.Clear());
  }

  /** Deletes the session. The session must exist for the caller. */
  public void delete(Caller caller, SessionId id) {
    FutureResults.join(deleteAsync(caller, id));
  }

  /** {@link #delete} without blocking. */
  public CompletableFuture<Void> deleteAsync(Caller caller, SessionId id) {
    return enqueueOnExisting(caller, id, new PendingOp.Delete()).thenApply(read -> null);
  }

  // ---------------------------------------------------------------- flushing and status

  /**
   * Sends every acknowledged write now and waits until the database confirmed them all, or until
   * {@code timeout}; the report lists what is still pending and why.
   */
  public FlushReport flush(Duration timeout) {
    return FutureResults.join(flushAsync(timeout));
  }

  /** {@link #flush} without blocking; the timeout is measured on the injected scheduler. */
  public CompletableFuture<FlushReport> flushAsync(Duration timeout) {
    pacer.flushAllSoon();
    CompletableFuture<Void> idle = pacer.whenIdle();
    CompletableFuture<FlushReport> report = new CompletableFuture<>();
    var timer =
        scheduler.schedule(
            () -> report.complete(report()), timeout.toNanos(), TimeUnit.NANOSECONDS);
    idle.whenComplete(
        (ignored, failure) -> {
          timer.cancel(false);
          report.complete(report());
        });
    return report;
  }

  private FlushReport report() {
    return new FlushReport(pendingSessions(), setAside.size());
  }

  /** Sessions with writes not yet confirmed, oldest first. */
  /**
   * Writes that wait for their owners: pending writes of owners this process has no usable token
   * for (after a restart: tokens are never written to disk), when no service key was given to
   * deliver them ({@link Builder#operatorDelivery}), or when the database refused the key; they are
   * sent when each owner makes a request here again.
   */
  public int writesWaitingForOwners() {
    int waiting = 0;
    for (Outbox outbox : outboxes.values()) {
      // With the service key, only writes the database refused to deliver with it wait.
      if (ownerTokens.usable(outbox.owner).isEmpty()
          && (operator == null || ownerTokens.isParked(outbox.owner))) {
        waiting += outbox.pendingWrites();
      }
    }
    return waiting;
  }

  /** Writes delivered with the service key for owners without a usable token, since start. */
  public long writesDeliveredWithoutOwners() {
    return operatorDeliveredWrites.get();
  }

  public List<PendingSession> pendingSessions() {
    List<PendingSession> pending = new ArrayList<>();
    for (Outbox outbox : outboxes.values()) {
      if (outbox.isEmpty()) {
        continue;
      }
      pending.add(
          new PendingSession(
              outbox.id,
              outbox.owner,
              outbox.pendingWrites(),
              outbox.oldestAcknowledged(),
              pacer.isParked(outbox.id),
              outbox.lastFailure()));
    }
    pending.sort(
        (a, b) ->
            a.oldestAcknowledged()
                .orElse(Instant.MAX)
                .compareTo(b.oldestAcknowledged().orElse(Instant.MAX)));
    return pending;
  }

  /** Writes refused for good by the database, oldest first. */
  public List<SetAsideWrite> setAsideWrites() {
    return List.copyOf(setAside);
  }

  /** The cache's counts since the store started. */
  public SessionCacheStats cacheStats() {
    CacheStats stats = confirmed.stats();
    return new SessionCacheStats(stats.hitCount(), stats.missCount(), stats.evictionCount());
  }

  /** Approximate number of sessions in the cache. */
  public long cachedSessions() {
    return confirmed.size();
  }

  /** State of the circuit breaker in front of the database. */
  public BreakerState breakerState() {
    return guard.breakerState();
  }

  /**
   * Publishes the store's meters to {@code registry}: {@code sessions.pending.writes}, {@code
   * sessions.pending.sessions}, {@code sessions.pending.oldest.age} (seconds), {@code
   * sessions.setaside.writes}, the cache's {@code cache.*} meters (name {@code sessions}) and its
   * weight {@code sessions.cache.weight} (bytes), and the breaker's and retry's. Gauges are
   * computed when scraped, not on the hot path.
   */
  public void bindTo(MeterRegistry registry) {
    Gauge.builder(
            "sessions.pending.writes",
            this,
            s -> s.pendingSessions().stream().mapToInt(PendingSession::pendingWrites).sum())
        .description("writes acknowledged but not yet confirmed by the database")
        .register(registry);
    Gauge.builder("sessions.pending.sessions", outboxes, Map::size)
        .description("sessions with unconfirmed writes")
        .register(registry);
    Gauge.builder("sessions.pending.oldest.age", this, SessionStore::oldestPendingAgeSeconds)
        .description("age of the oldest unconfirmed write")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("sessions.flush.limit", pacer, WritePacer::flushLimit)
        .description("sessions that may be flushed at once now (adaptive by default)")
        .register(registry);
    Gauge.builder("sessions.setaside.writes", setAside, List::size)
        .description("writes the database refused for good")
        .register(registry);
    // Drain progress after a restart: the backlog found in the journal, what has been confirmed
    // since, and owners whose replayed writes wait for their next request (tokens are never
    // stored).
    Gauge.builder("sessions.replay.writes", this, s -> s.replayedWrites)
        .description("writes found in the journal when the store started (the backlog to drain)")
        .register(registry);
    FunctionCounter.builder("sessions.confirmed.writes", confirmedWrites, AtomicLong::get)
        .description("writes the database confirmed since the store started")
        .register(registry);
    Gauge.builder(
            "sessions.pending.owners.waiting.for.token", ownerTokens, OwnerTokens::parkedOwners)
        .description("owners whose pending writes wait for their next request to bring a token")
        .register(registry);
    GuavaCacheMetrics.monitor(registry, confirmed, "sessions");
    // Guava keeps the total weight to itself: summed at each scrape, off the hot path.
    Gauge.builder("sessions.cache.weight", confirmed, SessionStore::cacheWeightBytes)
        .description("estimated bytes of the cached sessions, the measure of the cache's bound")
        .baseUnit("bytes")
        .register(registry);
    guard.bindTo(registry);
  }

  private static double cacheWeightBytes(Cache<SessionId, ChatSession> cache) {
    return cache.asMap().values().stream().mapToLong(SessionWeigher::weigh).sum();
  }

  private double oldestPendingAgeSeconds() {
    Instant now = clock.instant();
    return outboxes.values().stream()
        .map(Outbox::oldestAcknowledged)
        .flatMap(Optional::stream)
        .map(at -> Duration.between(at, now).toMillis() / 1000.0)
        .max(Double::compare)
        .orElse(0.0);
  }

  /** The resilience wrapper this store calls through (its operator delivery shares it). */
  RemoteGuard guard() {
    return guard;
  }

  /**
   * Flushes within the configured close timeout, logs what could not be sent, and stops. Writes
   * still pending afterwards are reported, not silently dropped (and, in memory, lost).
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    FlushReport report;
    try {
      // Bounded in real time too, in case the scheduler itself is stuck or shut down.
      report =
          flushAsync(closeTimeout).get(closeTimeout.toMillis() * 2 + 100, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      report = report();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      report = report();
    }
    closed = true;
    pacer.close();
    if (!report.isComplete()) {
      log.warn(
          "closing with {} unconfirmed writes in {} sessions",
          report.pendingWrites(),
          report.pending().size());
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- internals: reads

  /** A cache hit while the breaker is open is a degraded answer: say so. */
  private ReadSource cacheSource() {
    return guard.breakerState() == BreakerState.OPEN ? ReadSource.LOCAL : ReadSource.CACHE;
  }

  private CompletableFuture<SessionRead> readThrough(Caller caller, SessionId id, int attempt) {
    long startedAt = confirmationStamps.mark();
    return fetch(caller, id)
        .handle(
            (row, failure) -> {
              if (failure != null) {
                if (!RemoteGuard.isUnavailable(failure)) {
                  throw translate(failure, "session " + id);
                }
                return CompletableFuture.completedFuture(fallback(caller, id, failure));
              }
              SessionRead read = answer(caller, id, row, ReadSource.DATABASE);
              // A confirmation of this session after the read began may have released writes the
              // row did not show yet (the answer then missed them): read again.
              if (confirmationStamps.confirmedSince(id, startedAt)
                  && attempt < MAX_STALE_READ_RETRIES) {
                return readThrough(caller, id, attempt + 1);
              }
              return CompletableFuture.completedFuture(read);
            })
        .thenCompose(Function.identity());
  }

  /**
   * The database's row for the caller (within the database timeout), cached when it is the newest
   * known.
   */
  private CompletableFuture<Optional<ChatSession>> fetch(Caller caller, SessionId id) {
    return guard
        .call(() -> remote.fetch(caller.token(), caller.userId(), id), databaseTimeout)
        .thenApply(
            row -> {
              Optional<ChatSession> own = row.filter(s -> s.owner().equals(caller.userId()));
              if (row.isPresent() && own.isEmpty()) {
                // RLS should make this impossible; never hand another user's row out.
                log.error("database returned a session of another owner; treating it as missing");
              }
              own.ifPresent(
                  session -> {
                    knownOwners.put(id, caller.userId());
                    cacheIfNewer(session);
                  });
              return own;
            });
  }

  private void cacheIfNewer(ChatSession session) {
    ChatSession kept =
        confirmed
            .asMap()
            .merge(
                session.id(),
                session,
                (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
    if (kept == session) {
      validated(session.id());
      journal.keepLocalCopy(session);
    }
  }

  private SessionRead answer(
      Caller caller, SessionId id, Optional<ChatSession> base, ReadSource source) {
    Outbox outbox = outboxes.get(id);
    if (outbox == null || !outbox.owner.equals(caller.userId())) {
      return base.map(session -> new SessionRead(session, source, 0))
          .orElseThrow(() -> new SessionNotFoundException(id));
    }
    Optional<ChatSession> merged = outbox.overlay(base);
    ReadSource effective =
        base.isEmpty() && source == ReadSource.DATABASE ? ReadSource.CACHE : source;
    return merged
        .map(session -> new SessionRead(session, effective, outbox.pendingWrites()))
        .orElseThrow(() -> new SessionNotFoundException(id));
  }

  private SessionRead fallback(Caller caller, SessionId id, Throwable failure) {
    ChatSession cached = confirmed.getIfPresent(id);
    if (cached != null && cached.owner().equals(caller.userId())) {
      return answer(caller, id, Optional.of(cached), ReadSource.LOCAL);
    }
    Optional<ChatSession> copy = journal.localCopy(id, caller.userId());
    if (copy.isPresent()) {
      return answer(caller, id, copy, ReadSource.LOCAL);
    }
    Outbox outbox = outboxes.get(id);
    if (outbox != null && outbox.knownNew && outbox.owner.equals(caller.userId())) {
      return answer(caller, id, Optional.empty(), ReadSource.LOCAL);
    }
    throw unavailable("session " + id, failure);
  }

  /**
   * {@code page} as this process knows it: the caller's sessions written here and not confirmed yet
   * first (on the first page only), those that the caller's pending writes delete left out.
   */
  private SessionPage withPendingWrites(Caller caller, SessionPage page, Optional<String> repo) {
    List<SessionSummary> pendingFirst = new ArrayList<>();
    Set<SessionId> pendingIds = new HashSet<>();
    for (Outbox outbox : outboxes.values()) {
      if (!outbox.owner.equals(caller.userId())
          || outbox.endsDeleted()
          || !(outbox.knownNew || outbox.hasAppend())) {
        continue;
      }
      ChatSession base =
          Optional.ofNullable(confirmed.getIfPresent(outbox.id))
              .orElseGet(() -> ChatSession.empty(outbox.id, caller.userId()));
      Optional<ChatSession> overlaid = outbox.overlay(Optional.of(base));
      if (overlaid.isEmpty() || (repo.isPresent() && !overlaid.get().repo().equals(repo))) {
        continue;
      }
      ChatSession session = overlaid.get();
      Instant written = outbox.oldestAcknowledged().orElseGet(clock::instant);
      pendingIds.add(outbox.id);
      pendingFirst.add(
          new SessionSummary(
              outbox.id,
              session.repo(),
              session.currentFile(),
              session.messageCount(),
              session.lastActivity().filter(at -> at.isAfter(written)).orElse(written),
              written));
    }
    pendingFirst.sort(Comparator.comparing(SessionSummary::lastActivity).reversed());
    List<SessionSummary> kept = new ArrayList<>(page.offset() == 0 ? pendingFirst : List.of());
    for (SessionSummary summary : page.sessions()) {
      if (pendingIds.contains(summary.id())) {
        continue;
      }
      Outbox outbox = outboxes.get(summary.id());
      if (outbox != null
          && outbox.owner.equals(caller.userId())
          && outbox
              .overlay(Optional.of(ChatSession.empty(summary.id(), caller.userId())))
              .isEmpty()) {
        continue;
      }
      kept.add(summary);
    }
    return new SessionPage(kept, page.total(), page.offset(), page.source());
  }

  private CompletableFuture<SessionRead> enqueueOnExisting(
      Caller caller, SessionId id, PendingOp op) {
    rememberToken(caller);
    return writePath.change(caller, id, op);
  }

  /**
   * {@link Acknowledgement#DATABASE}: a context update, clear or delete answered once the database
   * confirmed it, within the database timeout; nothing is recorded before.
   */
  private CompletableFuture<SessionRead> confirmedNow(Caller caller, SessionId id, PendingOp op) {
    CompletableFuture<Optional<ChatSession>> known =
        op instanceof PendingOp.Context
            ? historyAsync(caller, id).thenApply(read -> Optional.of(read.session()))
            : existing(caller, id)
                .thenCompose(
                    base ->
                        base.isPresent()
                            ? CompletableFuture.completedFuture(base)
                            : headIfAny(caller, id));
    return known.thenCompose(
        current -> {
          if (current.isEmpty() && !(op instanceof PendingOp.Delete)) {
            throw new SessionNotFoundException(id);
          }
          return sendAs(id, caller.userId(), caller.token(), op, databaseTimeout)
              .handle(
                  (ignored, failure) -> {
                    if (failure != null) {
                      throw translate(failure, "session " + id);
                    }
                    if (op instanceof PendingOp.Delete) {
                      return new SessionRead(
                          ChatSession.empty(id, caller.userId()), ReadSource.DATABASE, 0);
                    }
                    ChatSession held = confirmed.asMap().get(id);
                    ChatSession after =
                        held != null && held.owner().equals(caller.userId())
                            ? held
                            : OperatorDelivery.overlay(id, caller.userId(), List.of(op), current)
                                .orElseThrow(() -> new SessionNotFoundException(id));
                    return new SessionRead(after, ReadSource.DATABASE, 0);
                  });
        });
  }

  /** The caller's session head, or empty when the database has no row of the caller's yet. */
  private CompletableFuture<Optional<ChatSession>> headIfAny(Caller caller, SessionId id) {
    return head(caller, id)
        .handle(
            (found, failure) -> {
              if (failure == null) {
                return found.map(SessionBackend.SessionHead::session);
              }
              Throwable cause = FutureResults.unwrap(failure);
              if (cause instanceof SessionNotFoundException) {
                return Optional.<ChatSession>empty();
              }
              throw cause instanceof RuntimeException runtime
                  ? runtime
                  : new IllegalStateException(cause);
            });
  }

  // ---------------------------------------------------------------- internals: write-behind

  private CompletableFuture<FlushOutcome> flushOne(SessionId id) {
    Outbox outbox = outboxes.get(id);
    if (outbox == null) {
      return CompletableFuture.completedFuture(FlushOutcome.done());
    }
    Optional<PendingOp> head = outbox.takeHead();
    if (head.isEmpty()) {
      removeIfEmpty(outbox);
      return CompletableFuture.completedFuture(FlushOutcome.done());
    }
    return sendHead(outbox, head.get());
  }

  /**
   * Sends {@code op}, the outbox's taken head, with a token of its owner; without one, delivers it
   * as the operator when one is configured, or parks it until the owner's next token.
   */
  private CompletableFuture<FlushOutcome> sendHead(Outbox outbox, PendingOp op) {
    Optional<AccessToken> usable = ownerTokens.usable(outbox.owner);
    if (usable.isEmpty() && operator != null) {
      return deliverAsOperator(outbox, op);
    }
    if (usable.isEmpty()) {
      outbox.releaseHead("waiting for a new access token of the owner");
      return CompletableFuture.completedFuture(parkUntilNextToken(outbox.owner));
    }
    AccessToken token = usable.get();
    return send(outbox, token, op)
        .handle(
            (ignored, failure) -> {
              if (failure == null) {
                journal.release(outbox.id, outbox.removeHead());
                confirmedWrites.addAndGet(op.weight());
                logProgress();
                return afterHead(outbox);
              }
              return onFlushFailure(outbox, token, op, FutureResults.unwrap(failure));
            });
  }

  /**
   * Flushes sessions of one owner that came due together (the pacer groups them by owner): the
   * heads that are appends go to the database in one request ({@code append_chat_messages_batch},
   * with the owner's token, so Row Level Security applies), as many as one request may carry; any
   * other head, and everything when the owner has no usable token, is sent as {@link #flushOne}
   * sends it.
   */
  private CompletableFuture<Map<SessionId, FlushOutcome>> flushGroup(List<SessionId> ids) {
    Map<SessionId, CompletableFuture<FlushOutcome>> outcomes = new LinkedHashMap<>();
    List<Outbox> batched = new ArrayList<>();
    List<SessionBackend.SessionAppend> appends = new ArrayList<>();
    AccessToken token = null; // the owner's (the pacer groups sessions by owner)
    int messages = 0;
    for (SessionId id : ids) {
      Outbox outbox = outboxes.get(id);
      Optional<PendingOp> head = outbox == null ? Optional.empty() : outbox.takeHead();
      if (outbox == null || head.isEmpty()) {
        if (outbox != null) {
          removeIfEmpty(outbox);
        }
        outcomes.put(id, CompletableFuture.completedFuture(FlushOutcome.done()));
        continue;
      }
      Optional<AccessToken> usable = ownerTokens.usable(outbox.owner);
      if (head.get() instanceof PendingOp.Append append
          && appendBatchSupported.get()
          && usable.isPresent()
          && messages + append.messages().size() <= Outbox.MAX_MESSAGES_PER_REQUEST) {
        token = usable.get();
        batched.add(outbox);
        appends.add(new SessionBackend.SessionAppend(id, append));
        messages += append.messages().size();
      } else {
        outcomes.put(id, sendHead(outbox, head.get()));
      }
    }
    if (batched.size() < 2 || token == null) { // a lone append goes as flushOne sends it
      return eachOnItsOwn(batched, appends).thenCombine(allOf(outcomes), SessionStore::together);
    }
    return sendBatch(batched, appends, token).thenCombine(allOf(outcomes), SessionStore::together);
  }

  private static Map<SessionId, FlushOutcome> together(
      Map<SessionId, FlushOutcome> some, Map<SessionId, FlushOutcome> others) {
    Map<SessionId, FlushOutcome> all = new LinkedHashMap<>(some);
    all.putAll(others);
    return all;
  }

  /** The outcomes of flushes running side by side, once all of them are in. */
  private static CompletableFuture<Map<SessionId, FlushOutcome>> allOf(
      Map<SessionId, CompletableFuture<FlushOutcome>> outcomes) {
    return CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              Map<SessionId, FlushOutcome> done = new LinkedHashMap<>();
              outcomes.forEach((id, outcome) -> done.put(id, outcome.join()));
              return done;
            });
  }

  /**
   * One request, with the owner's {@code token}, for the appends of {@code batched} (taken heads of
   * one owner's outboxes, in step with {@code appends}). Each session's answer is handled as {@link
   * #flushOne} handles a single append's; a failure of the request as a whole, as a failure of
   * each. A database without the batch function (its migration not applied) gets each append on its
   * own, now and from then on.
   */
  private CompletableFuture<Map<SessionId, FlushOutcome>> sendBatch(
      List<Outbox> batched, List<SessionBackend.SessionAppend> appends, AccessToken token) {
    UUID owner = batched.get(0).owner;
    return guarded(() -> remote.appendEach(token, owner, appends), null)
        .handle(
            (answers, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(batchAnswered(batched, appends, answers));
              }
              Throwable cause = FutureResults.unwrap(failure);
              if (isMissingBatchFunction(cause)) {
                if (appendBatchSupported.getAndSet(false)) {
                  log.warn(
                      "the database has no {} (migration 20261205000000 not applied):"
                          + " sessions of one owner are written one request each",
                      SessionCodec.APPEND_BATCH_FUNCTION);
                }
                return eachOnItsOwn(batched, appends);
              }
              Map<SessionId, FlushOutcome> outcomes = new LinkedHashMap<>();
              for (int i = 0; i < batched.size(); i++) {
                Outbox outbox = batched.get(i);
                outcomes.put(
                    outbox.id, onFlushFailure(outbox, token, appends.get(i).append(), cause));
              }
              return CompletableFuture.completedFuture(outcomes);
            })
        .thenCompose(Function.identity());
  }

  /** Each taken head of {@code batched} sent as {@link #flushOne} sends it. */
  private CompletableFuture<Map<SessionId, FlushOutcome>> eachOnItsOwn(
      List<Outbox> batched, List<SessionBackend.SessionAppend> appends) {
    Map<SessionId, CompletableFuture<FlushOutcome>> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < batched.size(); i++) {
      outcomes.put(batched.get(i).id, sendHead(batched.get(i), appends.get(i).append()));
    }
    return allOf(outcomes);
  }

  private Map<SessionId, FlushOutcome> batchAnswered(
      List<Outbox> batched,
      List<SessionBackend.SessionAppend> appends,
      Map<SessionId, SessionBackend.AppendAnswer> answers) {
    Map<SessionId, FlushOutcome> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < batched.size(); i++) {
      Outbox outbox = batched.get(i);
      PendingOp.Append append = appends.get(i).append();
      SessionBackend.AppendAnswer answer = answers.get(outbox.id);
      if (answer instanceof SessionBackend.AppendAnswer.Stored stored) {
        confirmedAppend(outbox.id, outbox.owner, append, stored.ack());
        journal.release(outbox.id, outbox.removeHead());
        confirmedWrites.addAndGet(append.weight());
        outcomes.put(outbox.id, afterHead(outbox));
      } else if (answer instanceof SessionBackend.AppendAnswer.Refused refused) {
        outcomes.put(
            outbox.id,
            setAsideHead(
                outbox,
                append,
                "the database refused the append (" + refused.code() + "): " + refused.message()));
      } else {
        int attempts = outbox.releaseHead("the database's answer left this session out");
        outcomes.put(outbox.id, FlushOutcome.retryAfter(guard.backoff(attempts)));
      }
    }
    logProgress();
    return outcomes;
  }

  /** PostgREST's answer for a function it does not know (PGRST202). */
  private static boolean isMissingBatchFunction(Throwable failure) {
    return failure instanceof PostgrestHttpException http
        && http.status() == 404
        && "PGRST202".equals(http.code().orElse(null));
  }

  /**
   * Delivers {@code op}, whose owner has no usable token, with the service key under the drain's
   * rules ({@link OperatorDelivery}); what it cannot deliver is set aside as the drain sets it
   * aside, or waits for the owner when the database refuses the key itself.
   */
  private CompletableFuture<FlushOutcome> deliverAsOperator(Outbox outbox, PendingOp op) {
    OperatorDelivery delivery = java.util.Objects.requireNonNull(operator);
    return delivery
        .deliver(outbox.id, outbox.owner, List.of(op))
        .handle(
            (result, failure) -> {
              if (failure == null) {
                switch (result.outcome()) {
                  case DELIVERED -> {
                    // Counted and applied before the release, which is what waiters watch.
                    confirmedWrites.addAndGet(op.weight());
                    operatorDeliveredWrites.addAndGet(op.weight());
                    deliveredWithoutOwner(outbox.id, op);
                    journal.release(outbox.id, outbox.removeHead());
                    logProgress();
                    return afterHead(outbox);
                  }
                  case STILL_CHANGING -> {
                    int attempts =
                        outbox.releaseHead(result.reason().orElse("the row kept changing"));
                    return FlushOutcome.retryAfter(guard.backoff(attempts));
                  }
                  default -> {
                    return setAsideHead(
                        outbox, op, result.reason().orElse(SetAsideWrite.OWNED_BY_ANOTHER_USER));
                  }
                }
              }
              Throwable cause = FutureResults.unwrap(failure);
              if (RemoteGuard.isUnavailable(cause)) {
                int attempts = outbox.releaseHead(describe(cause));
                return FlushOutcome.retryAfter(guard.retryDelayAfter(cause, attempts));
              }
              if (cause instanceof PostgrestHttpException http
                  && (http.kind() == FailureKind.CLIENT || http.kind() == FailureKind.CONFLICT)) {
                return setAsideHead(outbox, op, describe(cause));
              }
              // The database refused the service key's request as such (a wrong key, missing
              // grants): as the drain does, the write stays pending, here for its owner's next
              // token.
              outbox.releaseHead(
                  "waiting for the owner: the service key was refused (" + describe(cause) + ")");
              log.warn(
                  "writes of session {} wait for their owner; the service key was refused: {}",
                  outbox.id,
                  describe(cause));
              return parkUntilNextToken(outbox.owner);
            });
  }

  /**
   * The held copy after a write delivered without its owner: the write applied, at the version held
   * before, so the next read asks the database what changed.
   */
  private void deliveredWithoutOwner(SessionId id, PendingOp op) {
    confirmationStamps.stamp(id);
    if (op instanceof PendingOp.Delete) {
      confirmed.invalidate(id);
      knownOwners.invalidate(id);
      journal.dropLocalCopy(id);
      return;
    }
    confirmed
        .asMap()
        .computeIfPresent(
            id,
            (key, held) ->
                OperatorDelivery.overlay(id, held.owner(), List.of(op), Optional.of(held))
                    .orElse(held));
    validatedAt.remove(id);
  }

  /**
   * Sets the outbox's head aside for good with {@code reason}, as a refusal of the database does.
   */
  private FlushOutcome setAsideHead(Outbox outbox, PendingOp op, String reason) {
    SetAsideWrite entry =
        new SetAsideWrite(
            outbox.id, outbox.owner, opName(op), messageIds(op), reason, clock.instant());
    setAside.add(entry);
    log.warn(
        "set aside a {} of session {} ({} messages): {}",
        entry.operation(),
        outbox.id,
        entry.messageIds().size(),
        reason);
    journal.keepSetAside(entry, op);
    journal.release(outbox.id, outbox.removeHead());
    confirmed.invalidate(outbox.id);
    knownOwners.invalidate(outbox.id);
    return afterHead(outbox);
  }

  /** Embedded mode: performs {@code op} on the local backend now. */
  private CompletableFuture<Void> applyNow(Caller caller, SessionId id, PendingOp op) {
    return sendAs(id, caller.userId(), caller.token(), op);
  }

  private CompletableFuture<Void> send(Outbox outbox, AccessToken token, PendingOp op) {
    return sendAs(outbox.id, outbox.owner, token, op);
  }

  private CompletableFuture<Void> sendAs(
      SessionId id, UUID owner, AccessToken token, PendingOp op) {
    return sendAs(id, owner, token, op, null);
  }

  /** Under the guard; within {@code deadline} when a caller waits for the answer. */
  private <T> CompletableFuture<T> guarded(
      Supplier<CompletableFuture<T>> call, @Nullable Duration deadline) {
    return deadline == null ? guard.call(call) : guard.call(call, deadline);
  }

  private CompletableFuture<Void> sendAs(
      SessionId id, UUID owner, AccessToken token, PendingOp op, @Nullable Duration deadline) {
    if (op instanceof PendingOp.Append append) {
      return guarded(() -> remote.append(token, owner, id, append), deadline)
          .thenAccept(ack -> confirmedAppend(id, owner, append, ack));
    }
    if (op instanceof PendingOp.Context context) {
      return guarded(() -> remote.updateContext(token, owner, id, context.update()), deadline)
          .thenAccept(
              row -> {
                if (row.isEmpty()) {
                  throw new SessionNotFoundException(id);
                }
                confirmedChange(id, row.get(), s -> Outbox.withContext(s, context.update()));
              });
    }
    if (op instanceof PendingOp.Clear) {
      return guarded(() -> remote.clear(token, owner, id), deadline)
          .thenAccept(
              row ->
                  row.ifPresentOrElse(
                      version -> confirmedChange(id, version, s -> s.withMessages(List.of())),
                      () -> confirmed.invalidate(id)));
    }
    return guarded(() -> remote.delete(token, owner, id), deadline)
        .thenAccept(
            deleted -> {
              confirmationStamps.stamp(id);
              confirmed.invalidate(id);
              knownOwners.invalidate(id);
              journal.dropLocalCopy(id);
            });
  }

  private void confirmedAppend(
      SessionId id, UUID owner, PendingOp.Append append, SessionBackend.AppendAck ack) {
    confirmationStamps.stamp(id);
    knownOwners.put(id, owner);
    ChatSession cached = confirmed.getIfPresent(id);
    if (cached == null) {
      if (ack.created() && ack.appended() == append.messages().size()) {
        // This write created the row: the session is exactly what it sent. Held from now on.
        ChatSession created =
            Outbox.withAppended(ChatSession.empty(id, owner), append)
                .withVersion(ack.version())
                .withLastActivity(ack.lastActivity());
        cacheIfNewer(created);
      }
      return;
    }
    ChatSession next = Outbox.withAppended(cached, append);
    boolean consistent =
        next.messageCount() == ack.messageCount()
            && cached.messageCount() + ack.appended() == ack.messageCount()
            && (ack.version() == cached.version() + 1
                || (ack.appended() == 0 && ack.version() == cached.version()));
    if (consistent) {
      ChatSession updated = next.withVersion(ack.version()).withLastActivity(ack.lastActivity());
      if (confirmed.asMap().replace(id, cached, updated)) {
        validated(id);
        journal.keepLocalCopy(updated);
      }
    } else {
      // Another writer got in between (another instance, or our copy was stale): keep what this
      // write stored, at the version held before it, and ask what else changed at the next read.
      if (confirmed.asMap().replace(id, cached, next.withLastActivity(ack.lastActivity()))) {
        validatedAt.remove(id);
      }
      log.debug("session {} changed elsewhere; cached copy to revalidate", id);
    }
  }

  private void confirmedChange(
      SessionId id, SessionBackend.RowVersion row, Function<ChatSession, ChatSession> change) {
    confirmationStamps.stamp(id);
    ChatSession cached = confirmed.getIfPresent(id);
    if (cached == null) {
      return;
    }
    if (row.version() == cached.version() + 1) {
      ChatSession updated =
          change.apply(cached).withVersion(row.version()).withLastActivity(row.lastActivity());
      if (confirmed.asMap().replace(id, cached, updated)) {
        validated(id);
        journal.keepLocalCopy(updated);
      }
    } else {
      confirmed.invalidate(id);
    }
  }

  private FlushOutcome afterHead(Outbox outbox) {
    if (outbox.isEmpty()) {
      removeIfEmpty(outbox);
      return FlushOutcome.done();
    }
    // A backlog that was already waiting goes at once. Writes that arrived while the head was in
    // flight were marked dirty then: the pacer times them from their arrival, so a session still
    // gets at most one write per debounce window.
    return outbox.backlogPredatesLastSend() ? FlushOutcome.more() : FlushOutcome.done();
  }

  private FlushOutcome onFlushFailure(
      Outbox outbox, AccessToken token, PendingOp op, Throwable failure) {
    if (RemoteGuard.isUnavailable(failure)) {
      int attempts = outbox.releaseHead(describe(failure));
      Duration delay = guard.retryDelayAfter(failure, attempts);
      return FlushOutcome.retryAfter(delay);
    }
    if (failure instanceof PostgrestException remoteFailure
        && remoteFailure.kind() == FailureKind.AUTH) {
      outbox.releaseHead(describe(failure));
      if (ownerTokens.refuse(outbox.owner, token)) {
        return FlushOutcome.more(); // a newer token arrived while this one was being refused
      }
      log.warn(
          "writes of session {} wait for a new token of their owner: {}",
          outbox.id,
          describe(failure));
      return parkUntilNextToken(outbox.owner);
    }
    if (!(failure instanceof PostgrestHttpException
        || failure instanceof SessionNotFoundException)) {
      // Not an answer from the database (a shutdown scheduler, a bug): nothing says the write is
      // wrong, so it stays pending (and journaled) and is tried again later.
      int attempts = outbox.releaseHead(describe(failure));
      if (!closed) {
        log.warn(
            "writes of session {} could not be sent and stay pending: {}",
            outbox.id,
            describe(failure));
      }
      return FlushOutcome.retryAfter(guard.backoff(attempts));
    }
    // Refused for good (policy, constraint, missing session): set aside, go on with the rest.
    return setAsideHead(outbox, op, describe(failure));
  }

  /** At most every few seconds while writes are pending: how the drain is going. */
  private void logProgress() {
    Instant now = clock.instant();
    Instant last =
        java.util.Objects.requireNonNull(lastProgressLog.get()); // set at construction, never null
    boolean recent =
        !last.equals(Instant.MIN)
            && Duration.between(last, now).compareTo(PROGRESS_LOG_INTERVAL) < 0;
    if (recent || !lastProgressLog.compareAndSet(last, now)) {
      return;
    }
    int pendingSessions = outboxes.size();
    if (pendingSessions > 0) {
      log.info(
          "write-behind: {} writes confirmed since start; {} sessions still pending, oldest {} s",
          confirmedWrites.get(),
          pendingSessions,
          Math.round(oldestPendingAgeSeconds()));
    }
  }

  /**
   * Rebuilds the pending writes the journal holds (acknowledged before a crash or restart) and
   * schedules them; each owner's writes go once the owner presents a token.
   */
  private void replayJournal() {
    int replayed = 0;
    for (JournalBridge.Recorded entry : journal.recorded()) {
      if (entry instanceof JournalBridge.SetAside setAsideWrite) {
        setAside.add(setAsideWrite.write());
        continue;
      }
      JournalBridge.PendingWrite write = (JournalBridge.PendingWrite) entry;
      Outbox outbox =
          outboxes.computeIfAbsent(write.id(), key -> new Outbox(key, write.owner(), false));
      if (!outbox.owner.equals(write.owner())) {
        log.error(
            "journal entry {} names another owner than earlier entries of its session; left in place",
            write.sequence());
        continue;
      }
      outbox.add(write.op(), write.recordedAt(), write.sequence());
      replayed +=
          write.op().weight(); // the unit of every "writes" figure: a message, or one other change
    }
    for (SessionId id : outboxes.keySet()) {
      pacer.markDirty(id);
    }
    replayedWrites = replayed;
    if (replayed > 0) {
      log.info("replaying {} journaled writes of {} sessions", replayed, outboxes.size());
      if (operator != null) {
        log.info(
            "writes of owners without a token are delivered with the service key, under the drain's rules");
      } else {
        log.info(
            "{} journaled writes wait for their owners' next requests (no service key given to deliver them)",
            writesWaitingForOwners());
      }
    }
  }

  private void removeIfEmpty(Outbox outbox) {
    outboxes.computeIfPresent(
        outbox.id, (id, current) -> current == outbox && current.isEmpty() ? null : current);
  }

  private void rememberToken(Caller caller) {
    // Parked writes of this owner (token refused, expired from memory, or never seen since a
    // restart) can go now.
    if (ownerTokens.remember(caller.userId(), caller.token())) {
      resumeOwner(caller.userId());
    }
  }

  /** Parks the owner's writes until their next token, or sends them if one came meanwhile. */
  private FlushOutcome parkUntilNextToken(UUID owner) {
    if (ownerTokens.park(owner)) {
      resumeOwner(owner);
      return FlushOutcome.more();
    }
    return FlushOutcome.parked();
  }

  private void resumeOwner(UUID owner) {
    for (Outbox outbox : outboxes.values()) {
      if (outbox.owner.equals(owner)) {
        pacer.resume(outbox.id);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private static boolean containsId(ChatSession session, MessageId id) {
    for (ChatMessage message : session.messages()) {
      if (message.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  private static String opName(PendingOp op) {
    if (op instanceof PendingOp.Append) {
      return "append";
    }
    if (op instanceof PendingOp.Context) {
      return "context";
    }
    return op instanceof PendingOp.Clear ? "clear" : "delete";
  }

  private static List<MessageId> messageIds(PendingOp op) {
    if (op instanceof PendingOp.Append append) {
      return append.messages().stream().map(ChatMessage::id).toList();
    }
    return List.of();
  }

  private static String describe(Throwable failure) {
    if (failure instanceof CallNotPermittedException) {
      return "circuit breaker open";
    }
    String message = failure.getMessage();
    return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private SessionUnavailableException unavailable(String what, Throwable failure) {
    Throwable cause = FutureResults.unwrap(failure);
    @Nullable Duration retryAfter = null;
    if (cause instanceof PostgrestHttpException http && http.retryAfter().isPresent()) {
      retryAfter = http.retryAfter().get();
    } else if (cause instanceof CallNotPermittedException
        || cause instanceof dev.codebasechat.sync.DeadlineExceededException) {
      retryAfter = Duration.ofSeconds(1);
    }
    return new SessionUnavailableException(what, retryAfter, cause);
  }

  private RuntimeException translate(Throwable failure, String what) {
    Throwable cause = FutureResults.unwrap(failure);
    if (cause instanceof SessionException session) {
      return session;
    }
    if (RemoteGuard.isUnavailable(cause)) {
      return unavailable(what, cause);
    }
    if (cause instanceof PostgrestHttpException http) {
      switch (http.kind()) {
        case AUTH:
          return new SessionAccessException(
              SessionAccessException.Reason.UNAUTHENTICATED, http.status(), http);
        case FORBIDDEN:
          return new SessionAccessException(
              SessionAccessException.Reason.FORBIDDEN, http.status(), http);
        case CONFLICT:
          return new SessionRejectedException(
              SessionRejectedException.Reason.CONFLICT,
              "the database refused the request for " + what + ": " + http.getMessage(),
              http);
        case CLIENT:
        case NOT_FOUND:
          return new SessionRejectedException(
              SessionRejectedException.Reason.INVALID,
              "the database refused the request for " + what + ": " + http.getMessage(),
              http);
        default:
          return new SessionRejectedException(
              SessionRejectedException.Reason.DATABASE_ERROR,
              "the database refused the request for " + what + ": " + http.getMessage(),
              http);
      }
    }
    if (cause instanceof PostgrestException remoteFailure) {
      return new SessionRejectedException(
          SessionRejectedException.Reason.DATABASE_ERROR,
          "request for " + what + " failed: " + remoteFailure.getMessage(),
          remoteFailure);
    }
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    return new IllegalStateException(cause);
  }

  private static Ticker clockTicker(Clock clock) {
    // The caches read their ticker on every hit. Milliseconds are plenty for expiries measured in
    // minutes, and Clock.millis() does not allocate an Instant per read as instant() does.
    return new Ticker() {
      @Override
      public long read() {
        return TimeUnit.MILLISECONDS.toNanos(clock.millis());
      }
    };
  }

  // ---------------------------------------------------------------- write paths

  /**
   * Where a write is acknowledged, fixed when the store is built: in the embedded table ({@link
   * ThroughTheTable}), once the database confirmed it ({@link AfterTheDatabase}), or once recorded
   * here (and journaled) for the write-behind to deliver ({@link AfterTheJournal}). The public
   * writes check their arguments and the caller first, then hand over to it.
   */
  private abstract class WritePath {
    /** Creates the caller's session under a fresh id. */
    abstract SessionId createFresh(Caller caller, SessionId id);

    /** Appends {@code unique} (ids not repeated) to the caller's session held as {@code cached}. */
    abstract CompletableFuture<AppendReceipt> append(
        Caller caller,
        SessionId id,
        @Nullable ChatSession cached,
        Map<MessageId, ChatMessage> unique,
        Optional<String> repo,
        Optional<String> currentFile);

    /** A context update, a clear or a delete of the caller's existing session. */
    abstract CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp op);

    /** Completes once the caller's session is known to exist; else fails as a missing one. */
    CompletableFuture<?> existingSession(Caller caller, SessionId id) {
      return existing(caller, id);
    }

    /** Whether held copies are the stored state itself, so that a read never revalidates. */
    boolean heldCopiesAreCurrent() {
      return false;
    }
  }

  /** The embedded default: every write committed to the local table before it is answered. */
  private final class ThroughTheTable extends WritePath {
    @Override
    SessionId createFresh(Caller caller, SessionId id) {
      FutureResults.join(
          remote.append(
              caller.token(),
              caller.userId(),
              id,
              new PendingOp.Append(List.of(), Optional.empty(), Optional.empty())));
      return id;
    }

    @Override
    CompletableFuture<AppendReceipt> append(
        Caller caller,
        SessionId id,
        @Nullable ChatSession cached,
        Map<MessageId, ChatMessage> unique,
        Optional<String> repo,
        Optional<String> currentFile) {
      PendingOp.Append op =
          new PendingOp.Append(new ArrayList<>(unique.values()), repo, currentFile);
      return remote
          .append(caller.token(), caller.userId(), id, op)
          .thenApply(
              ack -> {
                confirmedAppend(id, caller.userId(), op, ack);
                return new AppendReceipt(
                    id, ack.appended(), unique.size() - ack.appended(), ack.messageCount(), 0);
              });
    }

    @Override
    CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp op) {
      return historyAsync(caller, id)
          .thenCompose(current -> applyNow(caller, id, op))
          .thenCompose(
              ignored ->
                  op instanceof PendingOp.Delete
                      ? CompletableFuture.completedFuture(
                          new SessionRead(
                              ChatSession.empty(id, caller.userId()), ReadSource.DATABASE, 0))
                      : historyAsync(caller, id));
    }

    @Override
    CompletableFuture<?> existingSession(Caller caller, SessionId id) {
      return historyAsync(caller, id);
    }

    @Override
    boolean heldCopiesAreCurrent() {
      return true; // this store is the table's only writer
    }
  }

  /** {@link Acknowledgement#DATABASE}: answered once the database confirmed the write. */
  private final class AfterTheDatabase extends WritePath {
    @Override
    SessionId createFresh(Caller caller, SessionId id) {
      return create(caller, id);
    }

    @Override
    CompletableFuture<AppendReceipt> append(
        Caller caller,
        SessionId id,
        @Nullable ChatSession cached,
        Map<MessageId, ChatMessage> unique,
        Optional<String> repo,
        Optional<String> currentFile) {
      return appendConfirmed(caller, id, cached, unique.values(), repo, currentFile);
    }

    @Override
    CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp op) {
      return confirmedNow(caller, id, op);
    }
  }

  /**
   * {@link Acknowledgement#JOURNAL}: answered once recorded in the session's outbox (and the
   * journal, when there is one); the write-behind delivers it.
   */
  private final class AfterTheJournal extends WritePath {
    @Override
    SessionId createFresh(Caller caller, SessionId id) {
      Outbox outbox = new Outbox(id, caller.userId(), true);
      PendingOp.Append creation =
          new PendingOp.Append(List.of(), Optional.empty(), Optional.empty());
      try {
        outbox.add(creation, clock.instant(), journal.record(id, caller.userId(), creation));
      } catch (JournalException e) {
        throw new SessionStorageException(id, e);
      }
      outboxes.put(id, outbox);
      // Nothing is stored under a fresh id: the empty session is its whole state.
      confirmed.put(id, ChatSession.empty(id, caller.userId()));
      validated(id);
      pacer.markDirty(id);
      return id;
    }

    @Override
    CompletableFuture<AppendReceipt> append(
        Caller caller,
        SessionId id,
        @Nullable ChatSession cached,
        Map<MessageId, ChatMessage> unique,
        Optional<String> repo,
        Optional<String> currentFile) {
      int[] accepted = new int[1];
      Outbox outbox;
      try {
        outbox =
            outboxes.compute(
                id,
                (key, existing) -> {
                  Outbox target =
                      existing != null ? existing : new Outbox(id, caller.userId(), false);
                  if (!target.owner.equals(caller.userId())) {
                    return target; // not the caller's: refused below, nothing recorded
                  }
                  List<ChatMessage> fresh = new ArrayList<>();
                  for (ChatMessage message : unique.values()) {
                    boolean known =
                        target.isPending(message.id())
                            || (cached != null && containsId(cached, message.id()));
                    if (!known) {
                      fresh.add(message);
                    }
                  }
                  accepted[0] = fresh.size();
                  if (!fresh.isEmpty()
                      || repo.isPresent()
                      || currentFile.isPresent()
                      || existing == null) {
                    PendingOp.Append op = new PendingOp.Append(fresh, repo, currentFile);
                    // Durable before it counts as acknowledged; a failure leaves nothing recorded.
                    target.add(op, clock.instant(), journal.record(id, target.owner, op));
                  }
                  return target;
                });
      } catch (JournalException e) {
        return CompletableFuture.failedFuture(new SessionStorageException(id, e));
      }
      if (!outbox.owner.equals(caller.userId())) {
        return CompletableFuture.failedFuture(new SessionNotFoundException(id));
      }
      pacer.markDirty(id);
      int count =
          outbox.overlay(Optional.ofNullable(cached)).map(ChatSession::messageCount).orElse(0);
      return CompletableFuture.completedFuture(
          new AppendReceipt(
              id, accepted[0], unique.size() - accepted[0], count, outbox.pendingWrites()));
    }

    @Override
    CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp op) {
      // A context update answers with the whole session: for a session not held that is a read. A
      // clear or a delete needs only to know the session is the caller's: no history is downloaded.
      CompletableFuture<Optional<ChatSession>> known =
          op instanceof PendingOp.Context
              ? historyAsync(caller, id).thenApply(read -> Optional.of(read.session()))
              : existing(caller, id)
                  .thenCompose(
                      base ->
                          base.isPresent() || op instanceof PendingOp.Delete
                              ? CompletableFuture.completedFuture(base)
                              : headIfAny(caller, id));
      return known.thenApply(
          current -> {
            Outbox outbox;
            try {
              outbox =
                  outboxes.compute(
                      id,
                      (key, existing) -> {
                        Outbox target =
                            existing != null ? existing : new Outbox(id, caller.userId(), false);
                        if (target.owner.equals(caller.userId())) {
                          target.add(op, clock.instant(), journal.record(id, target.owner, op));
                        }
                        return target;
                      });
            } catch (JournalException e) {
              throw new SessionStorageException(id, e);
            }
            if (!outbox.owner.equals(caller.userId())) {
              throw new SessionNotFoundException(id);
            }
            pacer.markDirty(id);
            ChatSession cached = confirmed.getIfPresent(id);
            Optional<ChatSession> base =
                cached != null && cached.owner().equals(caller.userId())
                    ? Optional.of(cached)
                    : current;
            Optional<ChatSession> after =
                outbox.overlay(
                    Optional.of(base.orElseGet(() -> ChatSession.empty(id, caller.userId()))));
            return new SessionRead(
                after.orElseGet(() -> ChatSession.empty(id, caller.userId())),
                ReadSource.CACHE,
                outbox.pendingWrites());
          });
    }
  }

  /** Builds a {@link SessionStore}; every setter rejects a bad value at once. */
  public static final class Builder {
    private final SessionBackend backend;

    /**
     * The embedded default (a local table) rather than Supabase: decides the store's write path.
     */
    private final boolean embedded;

    private Clock clock = SystemTime.clock();
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable RemoteGuard guard;
    private Duration debounce = WritePacer.DEFAULT_DEBOUNCE;
    private @Nullable Duration maxWait;
    private FlushConcurrency flushConcurrency = FlushConcurrency.DEFAULT;
    private long cacheMaximumWeightBytes = DEFAULT_CACHE_MAXIMUM_WEIGHT_BYTES;
    private Duration cacheIdleExpiry = DEFAULT_CACHE_IDLE_EXPIRY;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int maxMessagesPerAppend = DEFAULT_MAX_MESSAGES_PER_APPEND;
    private @Nullable Journal journal;
    private Duration localCopyMaxAge = DEFAULT_LOCAL_COPY_MAX_AGE;
    private long localCopyMaxBytes = DEFAULT_LOCAL_COPY_MAX_BYTES;
    private Duration databaseTimeout = DEFAULT_DATABASE_TIMEOUT;
    private Duration cacheFreshness = DEFAULT_CACHE_FRESHNESS;
    private dev.codebasechat.postgrest.@Nullable OperatorScope operatorScope;
    private Acknowledgement acknowledgement = Acknowledgement.JOURNAL;

    private Builder(SessionBackend backend, boolean embedded) {
      this.backend = backend;
      this.embedded = embedded;
    }

    /**
     * Source of time for timestamps, debounce, cache expiry and the breaker; default UTC system
     * clock.
     */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Runs debounce timers, retries and flush starts. Default: two daemon threads owned (and shut
     * down) by the store. A scheduler passed here is not shut down by {@link #close()}.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Retry and breaker around every database call; default {@link RemoteGuard}'s defaults. */
    public Builder guard(RemoteGuard guard) {
      this.guard = guard;
      return this;
    }

    /** Quiet time that coalesces a session's writes into one request; default 500 ms. */
    public Builder debounce(Duration debounce) {
      this.debounce = DurationSettings.requirePositive("debounce", debounce);
      return this;
    }

    /** Longest a write waits before it is sent; default equal to the debounce window. */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = DurationSettings.requirePositive("maxWait", maxWait);
      return this;
    }

    /**
     * Longest a caller waits on the database: a read of a session this process does not hold, the
     * head read before a write to such a session, a creation under a chosen id, a listing. Past it
     * the call fails with {@link SessionUnavailableException} (and counts against the circuit
     * breaker). Flushes of the write-behind are not bounded by it. Default 2 s.
     */
    public Builder databaseTimeout(Duration timeout) {
      this.databaseTimeout = DurationSettings.requirePositive("databaseTimeout", timeout);
      return this;
    }

    /**
     * The staleness bound across instances: a held session is answered from memory for this long
     * after the database last confirmed it; the first read after that asks the database what
     * changed since the version held (one request that costs what changed, not the history) and
     * answers the result, or the held copy when the database does not answer within 300 ms. So a
     * write confirmed through another instance shows in reads here at most this long after (plus
     * one round trip). {@link Duration#ZERO} asks on every read. Default 1 s. Not used in embedded
     * mode, where this process is the only writer.
     */
    public Builder cacheFreshness(Duration freshness) {
      if (freshness.isNegative()) {
        throw new IllegalArgumentException(
            "cacheFreshness must not be negative but was " + freshness);
      }
      this.cacheFreshness = freshness;
      return this;
    }

    /**
     * Lets the store deliver, with the service key, the journaled writes of owners who have no
     * usable token (after a restart, or when their token was refused), instead of waiting until
     * each owner sends a request to this process again: under exactly the rules of the {@code
     * drain} command (the owner journaled with each write, verified when it was acknowledged, is
     * enforced by the database through {@code store_chat_session_for}; another user's session is
     * never written; what cannot be stored is set aside). The key is used for nothing else: never
     * for a user's request, reads included. Default: none (such writes wait for their owners).
     */
    public Builder operatorDelivery(dev.codebasechat.postgrest.OperatorScope serviceScope) {
      this.operatorScope = serviceScope;
      return this;
    }

    /**
     * When a write is acknowledged in Supabase mode ({@link Acknowledgement}); default {@link
     * Acknowledgement#JOURNAL}. With {@link Acknowledgement#DATABASE} the journal is not used.
     * Ignored in embedded mode.
     */
    public Builder acknowledgement(Acknowledgement acknowledgement) {
      this.acknowledgement = acknowledgement;
      return this;
    }

    /** Exactly {@code sessions} flushed in parallel: {@code flushConcurrency(fixed(sessions))}. */
    public Builder maxConcurrentFlushes(int sessions) {
      if (sessions < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentFlushes must be at least 1 but was " + sessions);
      }
      return flushConcurrency(FlushConcurrency.fixed(sessions));
    }

    /**
     * How many sessions are flushed in parallel; default {@link FlushConcurrency#DEFAULT}: a limit
     * from 8 that adapts to how fast the database answers (1 to 64), and shrinks when flushes fail,
     * so that a backlog after an outage goes out as the database can take it.
     */
    public Builder flushConcurrency(FlushConcurrency concurrency) {
      this.flushConcurrency = concurrency;
      return this;
    }

    /** Approximate bytes of confirmed sessions kept in memory; default 256 MiB. */
    public Builder cacheMaximumWeightBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException(
            "cacheMaximumWeightBytes must be positive but was " + bytes);
      }
      this.cacheMaximumWeightBytes = bytes;
      return this;
    }

    /** A cached session unread for this long is dropped; default 30 minutes. */
    public Builder cacheIdleExpiry(Duration idle) {
      this.cacheIdleExpiry = DurationSettings.requirePositive("cacheIdleExpiry", idle);
      return this;
    }

    /** How long {@link SessionStore#close()} waits for pending writes; default 10 s. */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = DurationSettings.requirePositive("closeTimeout", timeout);
      return this;
    }

    /** Most messages one append may carry; default 500. */
    public Builder maxMessagesPerAppend(int messages) {
      if (messages < 1 || messages > Outbox.MAX_MESSAGES_PER_REQUEST) {
        throw new IllegalArgumentException(
            "maxMessagesPerAppend must be between 1 and "
                + Outbox.MAX_MESSAGES_PER_REQUEST
                + " but was "
                + messages);
      }
      this.maxMessagesPerAppend = messages;
      return this;
    }

    /**
     * Makes every acknowledged write durable in {@code journal} first, releases it once the
     * database confirmed it, and replays what it holds when the store is built (each owner's writes
     * are sent once that owner presents a token again: tokens are never written to disk). Without a
     * journal, unconfirmed writes live in memory only. Ignored in embedded mode, whose table is
     * itself durable. The store does not close the journal.
     */
    public Builder journal(Journal journal) {
      this.journal = journal;
      return this;
    }

    /**
     * Retention of the journal's local copies of confirmed sessions: copies not refreshed for
     * {@code maxAge} go, then the least recently refreshed until they take at most {@code
     * maxBytes}; copies of sessions with pending writes always stay. Defaults: 7 days, 256 MiB.
     */
    public Builder localCopyRetention(Duration maxAge, long maxBytes) {
      this.localCopyMaxAge = DurationSettings.requirePositive("localCopyRetention maxAge", maxAge);
      if (maxBytes < 1) {
        throw new IllegalArgumentException(
            "localCopyRetention maxBytes must be positive but was " + maxBytes);
      }
      this.localCopyMaxBytes = maxBytes;
      return this;
    }

    public SessionStore build() {
      SessionStore store = new SessionStore(this);
      store.replayJournal();
      return store;
    }
  }
}
