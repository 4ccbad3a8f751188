package dev.codebasechat.session;

import com.google.common.cache.CacheStats;
import dev.codebasechat.DurationSettings;
import dev.codebasechat.SystemTime;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.journal.Journal;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.internal.Admissions;
import dev.codebasechat.session.internal.LocalSessionBackend;
import dev.codebasechat.session.internal.Outbox;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.session.internal.RepeatedWrites;
import dev.codebasechat.session.internal.SessionBackend;
import dev.codebasechat.session.internal.SessionCreation;
import dev.codebasechat.session.internal.SessionRemote;
import dev.codebasechat.session.internal.StoreMetrics;
import dev.codebasechat.session.internal.StoreParts;
import dev.codebasechat.session.internal.StoreSettings;
import dev.codebasechat.writebehind.FlushConcurrency;
import dev.codebasechat.writebehind.internal.WritePacer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// The store is the public operations only (its parts are in session.internal); the file is long
// because its builder is nested in it, as OkHttpClient.Builder is, and each operation states its
// contract.
/**
 * Chat sessions, durable in Supabase and available while it is not: the library's entry point.
 *
 * <pre>{@code
 * SessionStore store = SessionStore.builder(postgrestClient).journal(journal).build();
 * Caller alice = new Caller(verifiedUserId, AccessToken.of(usersJwt));
 * SessionId id = store.create(alice);
 * store.append(alice, id, Append.of(ChatMessage.user("How do I run the tests?")));
 * List<ChatMessage> history = store.history(alice, id).session().messages();
 * }</pre>
 *
 * <p><b>Writes</b> ({@link #append}, {@link #updateContext}, {@link #clear}, {@link #delete}) are
 * acknowledged once recorded here; they reach the database through a debounced write-behind: the
 * appends of a session within the debounce window go out as one request (a change an append cannot
 * carry goes in a request of its own right after), each session's writes in order and never two at
 * once, different sessions in parallel. Every remote call goes through retry and a circuit breaker.
 * Appends are idempotent by message id, so a retry after a lost answer never stores a message
 * twice. A write the database refuses for good (a 4xx other than 401 and the transient 402, 408,
 * 420, 429 and a read-only database's 405, or a 5xx of kind {@code SERVER}) is {@linkplain
 * #setAsideWrites set aside} with the reason; a write refused with 401 waits for the owner's next
 * request carrying another token. Concurrent writers of one session are serialised by that session
 * alone: the first read after the last acknowledgement shows every acknowledged message, once, in
 * the history's order (by timestamp, then arrival).
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
 * (401/403, passed on, never retried or masked), {@link SessionRejectedException} or {@link
 * SessionStorageException} (the local journal or table could not record the write). Arguments are
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
 * memory are lost if the process dies (give it a journal); {@link #close()} flushes within a
 * bounded time.
 */
public final class SessionStore implements AutoCloseable {

  public static final long DEFAULT_CACHE_MAXIMUM_WEIGHT_BYTES = 256L * 1024 * 1024;
  public static final Duration DEFAULT_CACHE_IDLE_EXPIRY = Duration.ofMinutes(30);
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_MESSAGES_PER_APPEND = 500;
  public static final Duration DEFAULT_LOCAL_COPY_MAX_AGE = Duration.ofDays(7);
  public static final long DEFAULT_LOCAL_COPY_MAX_BYTES = 256L * 1024 * 1024;

  /**
   * Longest a caller waits on the database (a read of a session not cached, a head read, a
   * creation).
   */
  public static final Duration DEFAULT_DATABASE_TIMEOUT = Duration.ofSeconds(2);

  /** Default of {@link Builder#cacheFreshness}. */
  public static final Duration DEFAULT_CACHE_FRESHNESS = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(SessionStore.class);

  private final StoreParts parts;
  private final Duration closeTimeout;
  private final int maxMessagesPerAppend;
  private volatile boolean closed;

  /** Writes admitted and not answered yet; from {@link #close} on, writes are refused. */
  private final Admissions admissions = new Admissions();

  private SessionStore(StoreSettings settings, Duration closeTimeout, int maxMessagesPerAppend) {
    this.parts = new StoreParts(settings, this::historyAsync, () -> closed);
    this.closeTimeout = closeTimeout;
    this.maxMessagesPerAppend = maxMessagesPerAppend;
  }

  /**
   * A builder for a store over Supabase through {@code client}; every other setting has a default.
   */
  public static Builder builder(PostgrestClient client) {
    return new Builder(clock -> new SessionRemote(client, clock), false);
  }

  /**
   * A builder for the embedded default: sessions live in {@code table} (this process's SQLite
   * file), every write is durable there before it is acknowledged, and nothing is sent anywhere.
   * Reads report {@link ReadSource#DATABASE} (the local table is the system of record) or {@link
   * ReadSource#CACHE}. The store does not close {@code table}.
   */
  public static Builder embedded(LocalSessionTable table) {
    return new Builder(clock -> new LocalSessionBackend(table), true);
  }

  // ---------------------------------------------------------------- reads

  /**
   * The most messages one {@link Append} may carry in this store ({@link
   * Builder#maxMessagesPerAppend}).
   */
  public int maxMessagesPerAppend() {
    return maxMessagesPerAppend;
  }

  /** The caller's session: every message, the context, where it came from. */
  public SessionRead history(Caller caller, SessionId id) {
    // A cache hit is answered on the caller's thread without a future in between: the common
    // read stays a lookup plus the ownership check (BENCHMARKS.md, measurement 4).
    parts.routing.rememberForRead(caller);
    SessionRead hit = parts.reader.cacheHit(caller, id);
    if (hit != null) {
      return hit;
    }
    return FutureResults.join(
        closed ? closedToReads() : parts.reader.readCachedOrThrough(caller, id));
  }

  /**
   * {@link #history} without blocking; every failure, one found in the cache included, completes
   * the future rather than being thrown.
   */
  public CompletableFuture<SessionRead> historyAsync(Caller caller, SessionId id) {
    parts.routing.rememberForRead(caller);
    SessionRead hit;
    try {
      hit = parts.reader.cacheHit(caller, id);
    } catch (SessionException e) { // cached, but deleted by a pending write
      return CompletableFuture.failedFuture(e);
    }
    if (hit != null) {
      return CompletableFuture.completedFuture(hit);
    }
    return closed ? closedToReads() : parts.reader.readCachedOrThrough(caller, id);
  }

  /** What a read that would reach the database gets once {@link #close} has returned. */
  private static <T> CompletableFuture<T> closedToReads() {
    return CompletableFuture.failedFuture(
        new IllegalStateException(
            "this session store is closed: it answers only what its cache holds fresh, and calls"
                + " the database no more"));
  }

  /**
   * The caller's session when this process caches it and the copy is fresh (validated against the
   * database within the freshness bound), without waiting for anything: no database call, no
   * future. It is the answer {@link #history} gives on a cache hit; empty when the read would have
   * to go to the database (then call {@link #history}, which counts the cache read: this counts it
   * only when it answers). For callers that must not block, such as an HTTP server's I/O thread.
   *
   * @throws SessionNotFoundException if the session is cached but deleted by a pending write
   */
  public Optional<SessionRead> historyIfCached(Caller caller, SessionId id) {
    parts.routing.rememberForRead(caller);
    return Optional.ofNullable(parts.reader.cacheHitOrNothing(caller, id));
  }

  /** The caller's session with only its last {@code n} messages. */
  public SessionRead lastMessages(Caller caller, SessionId id, int n) {
    return FutureResults.join(lastMessagesAsync(caller, id, n));
  }

  /** {@link #lastMessages} without blocking. */
  public CompletableFuture<SessionRead> lastMessagesAsync(Caller caller, SessionId id, int n) {
    if (n < 0) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("n must not be negative but was " + n));
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
   * reached: this read never falls back, and then changes nothing (the cached copy stays the
   * owner's answer while the database is away).
   */
  public SessionRead recover(Caller caller, SessionId id) {
    return FutureResults.join(recoverAsync(caller, id));
  }

  /** {@link #recover} without blocking. */
  public CompletableFuture<SessionRead> recoverAsync(Caller caller, SessionId id) {
    if (closed) {
      return closedToReads();
    }
    parts.routing.remember(caller);
    return parts.reader.recover(caller, id);
  }

  /**
   * A page of the caller's sessions, most recent activity first, as {@code query} says. Needs the
   * database: fails with {@link SessionUnavailableException} when it cannot be reached rather than
   * answering with a partial list. The caller's sessions with writes acknowledged here but not
   * confirmed yet come first on the first page (a session created a moment ago is listed), and on
   * no other page, so the first page may hold more than the query's limit; sessions the caller's
   * pending writes delete are left out.
   */
  public SessionPage list(Caller caller, SessionQuery query) {
    return FutureResults.join(listAsync(caller, query));
  }

  /** {@link #list} without blocking. */
  public CompletableFuture<SessionPage> listAsync(Caller caller, SessionQuery query) {
    if (closed) {
      return closedToReads();
    }
    parts.routing.remember(caller);
    return parts.reader.list(caller, query.limit(), query.offset(), query.repo());
  }

  // ---------------------------------------------------------------- writes

  /**
   * Creates a new, empty session owned by the caller, with a fresh unguessable id, and caches it
   * (its owner is answered without the database from now on). Acknowledged as any write is: once
   * journaled (the database row is created by the write-behind), once the embedded table holds it,
   * or, with {@link Acknowledgement#DATABASE}, once the database created it (within the database
   * timeout).
   */
  public SessionId create(Caller caller) {
    return FutureResults.join(createAsync(caller));
  }

  /** {@link #create(Caller)} without blocking. */
  public CompletableFuture<SessionId> createAsync(Caller caller) {
    return admissions.admit(
        () -> {
          parts.routing.remember(caller);
          return parts.writePath.createFresh(caller, SessionId.generate(parts.clock));
        });
  }

  /**
   * Creates the caller's session under an id the caller chose, in the database now rather than
   * through the write-behind, so that an id another user already holds is refused at once: that
   * fails with {@link SessionNotFoundException}, exactly as a missing session would. A session the
   * caller already has is left as it is; one the caller's own delete, still pending, removes is
   * created again, empty, after it (acknowledged as any write). Nothing is downloaded: the database
   * answers with the session's size and version only. Answered without the database when this
   * process already knows the session is the caller's. Fails with {@link
   * SessionUnavailableException} when the database cannot be reached within the database timeout
   * (nothing is recorded then).
   *
   * @return {@code id}
   */
  public SessionId create(Caller caller, SessionId id) {
    return FutureResults.join(createAsync(caller, id));
  }

  /** {@link #create(Caller, SessionId)} without blocking. */
  public CompletableFuture<SessionId> createAsync(Caller caller, SessionId id) {
    return admissions.admit(
        () -> {
          parts.routing.remember(caller);
          if (parts.outboxes.ownedBy(id, caller.userId()).filter(Outbox::endsDeleted).isPresent()) {
            // The caller's own delete is still pending: the id is theirs, and the database still
            // holds the session, so the creation is recorded after the delete, as an append is.
            return parts
                .writePath
                .append(caller, id, PendingOp.Append.creation())
                .thenApply(r -> id);
          }
          return SessionCreation.create(
              caller, id, parts.ownership, parts.owners, parts.ledger, parts.database);
        });
  }

  /**
   * Appends {@code append}'s messages to the caller's session, creating it on first use, and moves
   * its context when the append says so. Acknowledged once recorded; messages whose ids the session
   * already holds are skipped (a retry is harmless), and so is a message whose id an earlier one of
   * the same append carries (the first is kept); messages without a time are stamped with the
   * store's clock.
   *
   * @throws IllegalArgumentException if {@code append} carries no message, or more than the
   *     configured maximum
   */
  public AppendReceipt append(Caller caller, SessionId id, Append append) {
    return FutureResults.join(appendAsync(caller, id, append));
  }

  /** {@link #append} without blocking. */
  public CompletableFuture<AppendReceipt> appendAsync(Caller caller, SessionId id, Append append) {
    return sent(caller, id, append, parts.writePath::append);
  }

  /**
   * How one kind of append is recorded: the write path's append, or its append to an existing
   * session.
   */
  @FunctionalInterface
  private interface AppendPath {
    CompletableFuture<AppendReceipt> record(Caller caller, SessionId id, PendingOp.Append append);
  }

  /**
   * {@code append} recorded by {@code path}, unless refused first (the future fails then): an
   * argument out of bounds, a closed store, a session known to be another user's.
   */
  private CompletableFuture<AppendReceipt> sent(
      Caller caller, SessionId id, Append append, AppendPath path) {
    PendingOp.Append write;
    try {
      write = checked(append);
    } catch (IllegalArgumentException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    return admissions.admit(
        () -> {
          parts.routing.remember(caller);
          if (parts.ownership.knownToBeAnothers(caller, id)) {
            return CompletableFuture.failedFuture(new SessionNotFoundException(id));
          }
          return path.record(caller, id, write).thenApply(withRepeats(append, write));
        });
  }

  /**
   * The receipt of {@code sent} once recorded as {@code recorded}: a message repeating an id of an
   * earlier one of the same append was skipped by {@link #checked}, and counts among the
   * duplicates, so that accepted + duplicates is what the caller sent.
   */
  private static java.util.function.UnaryOperator<AppendReceipt> withRepeats(
      Append sent, PendingOp.Append recorded) {
    int repeated = sent.messages().size() - recorded.messages().size();
    return receipt ->
        repeated == 0
            ? receipt
            : new AppendReceipt(
                receipt.sessionId(),
                receipt.accepted(),
                receipt.duplicates() + repeated,
                receipt.messageCount(),
                receipt.pendingWrites());
  }

  /**
   * {@link #append}, but only to a session the caller has: fails with {@link
   * SessionNotFoundException} otherwise (another user's session included), and records nothing.
   * Answered from what this process holds or knows, or after one read of the session's head (never
   * its history), bounded by the database timeout. It never brings a deleted session back: a delete
   * that reaches the database first, through any instance, makes it store nothing (acknowledged
   * after the journal, it is then dropped on delivery; after the database, it fails as missing).
   */
  public AppendReceipt appendExisting(Caller caller, SessionId id, Append append) {
    return FutureResults.join(appendExistingAsync(caller, id, append));
  }

  /** {@link #appendExisting} without blocking. */
  public CompletableFuture<AppendReceipt> appendExistingAsync(
      Caller caller, SessionId id, Append append) {
    return sent(caller, id, append, parts.writePath::appendExisting);
  }

  /**
   * {@code append} as the write-behind records it, once its size is checked: the first of a
   * repeated id kept, messages without a time stamped now.
   */
  private PendingOp.Append checked(Append append) {
    List<ChatMessage> messages = append.messages();
    if (messages.isEmpty() || messages.size() > maxMessagesPerAppend) {
      throw new IllegalArgumentException(
          "an append must carry 1.."
              + maxMessagesPerAppend
              + " messages but had "
              + messages.size());
    }
    Instant now = parts.clock.instant();
    Map<MessageId, ChatMessage> unique = new LinkedHashMap<>();
    for (ChatMessage message : messages) {
      unique.putIfAbsent(message.id(), message.isStamped() ? message : message.withTimestamp(now));
    }
    return new PendingOp.Append(List.copyOf(unique.values()), append.repo(), append.currentFile());
  }

  /**
   * Changes the session's context. The session must exist for the caller.
   *
   * @throws IllegalArgumentException if {@code update} changes nothing, or holds a context cache or
   *     metadata the table refuses ({@link ContextUpdate#withContextCache}); nothing is recorded
   */
  public SessionRead updateContext(Caller caller, SessionId id, ContextUpdate update) {
    return FutureResults.join(updateContextAsync(caller, id, update));
  }

  /** {@link #updateContext} without blocking. */
  public CompletableFuture<SessionRead> updateContextAsync(
      Caller caller, SessionId id, ContextUpdate update) {
    try {
      if (update.isEmpty()) {
        throw new IllegalArgumentException("a context update must change at least one field");
      }
      update.checkStored();
    } catch (IllegalArgumentException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    return change(caller, id, new PendingOp.Context(update));
  }

  /** Empties the session's history. The session must exist for the caller. */
  public SessionRead clear(Caller caller, SessionId id) {
    return FutureResults.join(clearAsync(caller, id));
  }

  /** {@link #clear} without blocking. */
  public CompletableFuture<SessionRead> clearAsync(Caller caller, SessionId id) {
    return change(caller, id, PendingOp.Clear.asked());
  }

  /**
   * {@link #clear}, named {@code clearId} by the caller when the user asks for it and sent again
   * unchanged with every try of it (its answer lost on the way): a try of an id this store accepted
   * for the caller's session within the last hour, or the database recorded within 7 days, clears
   * nothing and answers the session as it now is, with what was stored since the clear. A try this
   * store does not know, acknowledged after the journal, is answered (and read here until it is
   * delivered) as an emptied history; the database keeps what was stored since. A clear's id and a
   * delete's are apart. The embedded table keeps no ids, so there a restart forgets them.
   */
  public SessionRead clear(Caller caller, SessionId id, UUID clearId) {
    return FutureResults.join(clearAsync(caller, id, clearId));
  }

  /** {@link #clear(Caller, SessionId, UUID)} without blocking. */
  public CompletableFuture<SessionRead> clearAsync(Caller caller, SessionId id, UUID clearId) {
    PendingOp.Clear clear = new PendingOp.Clear(Objects.requireNonNull(clearId, "clearId"));
    return parts.repeated.once(
        caller.userId(),
        id,
        clear,
        () -> change(caller, id, clear),
        () -> historyAsync(caller, id));
  }

  /** Deletes the session. The session must exist for the caller. */
  public void delete(Caller caller, SessionId id) {
    FutureResults.join(deleteAsync(caller, id));
  }

  /** {@link #delete} without blocking. */
  public CompletableFuture<Void> deleteAsync(Caller caller, SessionId id) {
    return change(caller, id, PendingOp.Delete.asked()).thenApply(read -> null);
  }

  /**
   * {@link #delete}, named {@code deleteId} by the caller when the user asks for it and sent again
   * unchanged with every try of it: a try of an id this store accepted for the caller's session
   * within the last hour, or the database recorded within 7 days, deletes nothing (not a session
   * started again under the id since) and succeeds as the first did; one that found no session
   * fails again with {@link SessionNotFoundException}, and its id is recorded in the database so
   * that a try after the session is started again does not delete it. The embedded table keeps no
   * ids, so there a restart forgets them.
   */
  public void delete(Caller caller, SessionId id, UUID deleteId) {
    FutureResults.join(deleteAsync(caller, id, deleteId));
  }

  /** {@link #delete(Caller, SessionId, UUID)} without blocking. */
  public CompletableFuture<Void> deleteAsync(Caller caller, SessionId id, UUID deleteId) {
    PendingOp.Delete delete = new PendingOp.Delete(Objects.requireNonNull(deleteId, "deleteId"));
    return parts.repeated.once(
        caller.userId(),
        id,
        delete,
        () ->
            change(caller, id, delete)
                .<Void>thenApply(read -> null)
                .exceptionallyCompose(
                    failure ->
                        RepeatedWrites.deletedBefore(
                            parts.database,
                            parts.outboxes,
                            parts.ledger,
                            caller,
                            id,
                            deleteId,
                            failure)),
        () -> CompletableFuture.<Void>completedFuture(null));
  }

  private CompletableFuture<SessionRead> change(Caller caller, SessionId id, PendingOp change) {
    return admissions.admit(
        () -> {
          parts.routing.remember(caller);
          return parts.writePath.change(caller, id, change);
        });
  }

  // ---------------------------------------------------------------- flushing and status

  /**
   * Sends every acknowledged write now and waits until the database confirmed them all, or until
   * {@code timeout}; the report lists what is still pending and why. Writes that can only wait for
   * their owner's next token (after a restart, without a service key) are tried once and reported
   * {@code waitingForToken}, not waited for.
   */
  public FlushReport flush(Duration timeout) {
    return FutureResults.join(flushAsync(timeout));
  }

  /** {@link #flush} without blocking; the timeout is measured on the injected scheduler. */
  public CompletableFuture<FlushReport> flushAsync(Duration timeout) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("this session store is closed: there is nothing to flush"));
    }
    return parts.flush(timeout);
  }

  /**
   * Writes that wait for a token of their owners: pending writes of owners this process has no
   * usable token for (after a restart: tokens are never written to disk), when no service key was
   * given to deliver them ({@link Builder#operatorDelivery}), or when the database refused the key;
   * they are sent when each owner makes a request here again.
   */
  public int writesWaitingForToken() {
    return parts.routing.writesWaitingForToken();
  }

  /** Writes delivered with the service key for owners without a usable token, since start. */
  public long writesDeliveredWithoutOwners() {
    return parts.progress.writesDeliveredWithoutOwners();
  }

  /** Sessions with writes not yet confirmed, oldest first. */
  public List<PendingSession> pendingSessions() {
    return parts.outboxes.pendingSessions(parts.pacer::isParked);
  }

  /** Writes refused for good by the database, oldest first. */
  public List<SetAsideWrite> setAsideWrites() {
    return parts.setAside.all();
  }

  /** The cache's counts since the store started. */
  public SessionCacheStats cacheStats() {
    CacheStats stats = parts.cache.stats();
    return new SessionCacheStats(stats.hitCount(), stats.missCount(), stats.evictionCount());
  }

  /** Approximate number of sessions in the cache. */
  public long cachedSessions() {
    return parts.cache.size();
  }

  /** State of the circuit breaker in front of the database. */
  public BreakerState breakerState() {
    return parts.guard.breakerState();
  }

  /**
   * Publishes the store's meters to {@code registry}: {@code sessions.pending.writes}, {@code
   * sessions.pending.sessions}, {@code sessions.pending.oldest.age} (seconds), {@code
   * sessions.setaside.writes}, the cache's {@code cache.*} meters (name {@code sessions}) and its
   * weight {@code sessions.cache.weight} (bytes), and the breaker's and retry's. Gauges are
   * computed when scraped, not on the hot path.
   */
  public void bindTo(MeterRegistry registry) {
    StoreMetrics.bind(
        registry,
        parts.outboxes,
        parts.cache,
        parts.setAside,
        parts.progress,
        parts.routing,
        parts.pacer,
        parts.guard);
  }

  /** The resilience wrapper this store calls through (its operator delivery shares it). */
  RemoteGuard guard() {
    return parts.guard;
  }

  /**
   * Flushes within the configured close timeout, logs what could not be sent, and stops. Writes
   * still pending afterwards are reported, not silently dropped (and, in memory, lost). From the
   * moment it begins, writes fail with {@link IllegalStateException} (the async forms fail their
   * future); writes already under way are waited for first (also within the close timeout), so that
   * none is acknowledged after the flush; reads go on while it flushes. Once it has returned, a
   * read its cache cannot answer fresh (and every list and recover) fails with {@link
   * IllegalStateException}, as does {@link #flush}: nothing reaches the database any more. Calling
   * it again does nothing.
   */
  @Override
  public void close() {
    // Writes admitted before are recorded first (a write recorded after the flush would be
    // acknowledged and never sent), within the close timeout.
    if (!admissions.close(closeTimeout)) {
      return;
    }
    FlushReport report;
    try {
      // Bounded in real time too, in case the scheduler itself is stuck or shut down.
      report =
          flushAsync(closeTimeout).get(closeTimeout.toMillis() * 2 + 100, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      report = parts.report();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      report = parts.report();
    }
    closed = true;
    parts.pacer.close();
    if (!report.isComplete()) {
      log.warn(
          "closing with {} unconfirmed writes in {} sessions",
          report.pendingWrites(),
          report.pending().size());
    }
    if (parts.ownsScheduler) {
      parts.scheduler.shutdownNow();
    }
  }

  /**
   * Builds a {@link SessionStore}. Every setter rejects a bad value at once, and an option that
   * does not apply to the store being built is refused with the reason ({@link
   * IllegalStateException}): at once in embedded mode, at {@link #build()} for options that
   * conflict with {@link Acknowledgement#DATABASE}. Not thread-safe.
   */
  public static final class Builder {
    private static final String NO_WRITE_BEHIND =
        "an embedded store writes to its table before it answers: there is no write-behind";
    private static final String NO_DATABASE = "an embedded store calls no database";

    /** The sessions' backend, on the store's clock. */
    private final Function<Clock, SessionBackend> backend;

    /** The embedded default (a local table) rather than Supabase. */
    private final boolean embedded;

    /** Options given that need the write-behind (refused with database acknowledgement). */
    private final Set<String> writeBehindOptions = new LinkedHashSet<>();

    private Clock clock = SystemTime.clock();
    private @Nullable ScheduledExecutorService scheduler;
    private Resilience resilience = Resilience.defaults();
    private Duration debounce = WritePacer.DEFAULT_DEBOUNCE;
    private @Nullable Duration maxWait;
    private FlushConcurrency flushConcurrency = FlushConcurrency.DEFAULT;
    private long cacheMaximumWeightBytes = DEFAULT_CACHE_MAXIMUM_WEIGHT_BYTES;
    private Duration cacheIdleExpiry = DEFAULT_CACHE_IDLE_EXPIRY;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int maxMessagesPerAppend = DEFAULT_MAX_MESSAGES_PER_APPEND;
    private @Nullable Journal journal;
    private @Nullable Duration localCopyMaxAge;
    private long localCopyMaxBytes = DEFAULT_LOCAL_COPY_MAX_BYTES;
    private Duration databaseTimeout = DEFAULT_DATABASE_TIMEOUT;
    private Duration cacheFreshness = DEFAULT_CACHE_FRESHNESS;
    private @Nullable OperatorScope operatorScope;
    private Acknowledgement acknowledgement = Acknowledgement.JOURNAL;

    private Builder(Function<Clock, SessionBackend> backend, boolean embedded) {
      this.backend = backend;
      this.embedded = embedded;
    }

    /**
     * The source of every time the store keeps: message stamps, debounce, cache expiry, the
     * breaker, retries; default the UTC system clock. The only clock the store reads.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Runs debounce timers, retries, deadlines and flush starts. Default: two daemon threads owned
     * (and shut down) by the store. A scheduler passed here is not shut down by {@link #close()}.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Retry and circuit breaker around every database call; default {@link Resilience#defaults()}.
     */
    public Builder resilience(Resilience settings) {
      refuseIfEmbedded("resilience", NO_DATABASE);
      this.resilience = Objects.requireNonNull(settings, "resilience");
      return this;
    }

    /** Quiet time that coalesces a session's writes into one request; default 500 ms. */
    public Builder debounce(Duration window) {
      refuseIfEmbedded("debounce", NO_WRITE_BEHIND);
      this.debounce = DurationSettings.requirePositive("debounce", window);
      writeBehindOptions.add("debounce");
      return this;
    }

    /**
     * Longest a write waits before it is sent; default equal to the debounce window, and never
     * shorter: {@link #build()} refuses a shorter one with {@link IllegalArgumentException}.
     */
    public Builder maxWait(Duration wait) {
      refuseIfEmbedded("maxWait", NO_WRITE_BEHIND);
      this.maxWait = DurationSettings.requirePositive("maxWait", wait);
      writeBehindOptions.add("maxWait");
      return this;
    }

    /**
     * How many sessions are flushed in parallel; default {@link FlushConcurrency#DEFAULT}: a limit
     * from 8 that adapts to how fast the database answers (1 to 64), and shrinks when flushes fail,
     * so that a backlog after an outage goes out as the database can take it.
     */
    public Builder flushConcurrency(FlushConcurrency concurrency) {
      refuseIfEmbedded("flushConcurrency", NO_WRITE_BEHIND);
      this.flushConcurrency = Objects.requireNonNull(concurrency, "flushConcurrency");
      writeBehindOptions.add("flushConcurrency");
      return this;
    }

    /**
     * Longest a caller waits on the database: a read of a session this process does not cache, the
     * head read before a write to such a session, a creation under a chosen id, a listing, a write
     * acknowledged by the database. Past it the call fails with {@link SessionUnavailableException}
     * (and counts against the circuit breaker). Flushes of the write-behind are not bounded by it.
     * Default 2 s.
     */
    public Builder databaseTimeout(Duration timeout) {
      refuseIfEmbedded("databaseTimeout", NO_DATABASE);
      this.databaseTimeout = DurationSettings.requirePositive("databaseTimeout", timeout);
      return this;
    }

    /**
     * The staleness bound across instances: a cached session is answered from memory for this long
     * after the database last confirmed it; the first read after that asks the database what
     * changed since the version cached (one request that costs what changed, not the history) and
     * answers the result, or the cached copy when the database does not answer within 300 ms. So a
     * write confirmed through another instance shows in reads here at most this long after (plus
     * one round trip). {@link Duration#ZERO} asks on every read. Default 1 s.
     */
    public Builder cacheFreshness(Duration freshness) {
      refuseIfEmbedded(
          "cacheFreshness",
          "this process is the embedded table's only writer, so a cached session is always current");
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
    public Builder operatorDelivery(OperatorScope serviceScope) {
      refuseIfEmbedded("operatorDelivery", "an embedded store has no database to deliver to");
      this.operatorScope = Objects.requireNonNull(serviceScope, "operatorDelivery");
      writeBehindOptions.add("operatorDelivery");
      return this;
    }

    /**
     * When a write is acknowledged ({@link Acknowledgement}); default {@link
     * Acknowledgement#JOURNAL}. {@link Acknowledgement#DATABASE} keeps nothing the database does
     * not hold, so the options of the journal and the write-behind are refused with it.
     */
    public Builder acknowledgement(Acknowledgement when) {
      refuseIfEmbedded(
          "acknowledgement", "an embedded store acknowledges a write once its table holds it");
      this.acknowledgement = Objects.requireNonNull(when, "acknowledgement");
      return this;
    }

    /** Approximate bytes of sessions cached in memory; default 256 MiB. */
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
      if (messages < 1 || messages > PendingOp.MAX_MESSAGES_PER_REQUEST) {
        throw new IllegalArgumentException(
            "maxMessagesPerAppend must be between 1 and "
                + PendingOp.MAX_MESSAGES_PER_REQUEST
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
     * journal, unconfirmed writes live in memory only. The store does not close the journal.
     */
    public Builder journal(Journal durable) {
      refuseIfEmbedded("journal", "the embedded table is itself durable");
      this.journal = Objects.requireNonNull(durable, "journal");
      writeBehindOptions.add("journal");
      return this;
    }

    /**
     * Retention of the journal's local copies of confirmed sessions: copies not refreshed for
     * {@code maxAge} go, then the least recently refreshed until they take at most {@code
     * maxBytes}; copies of sessions with pending writes always stay. Pruned when the store is built
     * and as copies are kept, at most every 10 minutes of the store's clock. Defaults: 7 days, 256
     * MiB. Needs a {@link #journal}.
     */
    public Builder localCopyRetention(Duration maxAge, long maxBytes) {
      refuseIfEmbedded("localCopyRetention", "only a journal keeps local copies");
      this.localCopyMaxAge = DurationSettings.requirePositive("localCopyRetention maxAge", maxAge);
      if (maxBytes < 1) {
        throw new IllegalArgumentException(
            "localCopyRetention maxBytes must be positive but was " + maxBytes);
      }
      this.localCopyMaxBytes = maxBytes;
      return this;
    }

    /**
     * The store; replays what its journal holds.
     *
     * @throws IllegalStateException when options conflict (see {@link #acknowledgement}, {@link
     *     #localCopyRetention})
     */
    public SessionStore build() {
      if (acknowledgement == Acknowledgement.DATABASE && !writeBehindOptions.isEmpty()) {
        throw new IllegalStateException(
            String.join(", ", writeBehindOptions)
                + (writeBehindOptions.size() == 1 ? " does" : " do")
                + " not apply with Acknowledgement.DATABASE: a write is answered once the"
                + " database holds it, so nothing is journaled and there is no write-behind");
      }
      if (localCopyMaxAge != null && journal == null) {
        throw new IllegalStateException(
            "localCopyRetention needs a journal: only a journal keeps local copies");
      }
      SessionStore store =
          new SessionStore(
              new StoreSettings(
                  backend.apply(clock),
                  embedded,
                  clock,
                  scheduler,
                  resilience,
                  debounce,
                  maxWait == null ? debounce : maxWait,
                  flushConcurrency,
                  cacheMaximumWeightBytes,
                  cacheIdleExpiry,
                  journal,
                  localCopyMaxAge == null ? DEFAULT_LOCAL_COPY_MAX_AGE : localCopyMaxAge,
                  localCopyMaxBytes,
                  databaseTimeout,
                  cacheFreshness,
                  operatorScope,
                  acknowledgement),
              closeTimeout,
              maxMessagesPerAppend);
      store.parts.replayJournal();
      return store;
    }

    private void refuseIfEmbedded(String option, String why) {
      if (embedded) {
        throw new IllegalStateException(option + " does not apply to an embedded store: " + why);
      }
    }
  }
}
