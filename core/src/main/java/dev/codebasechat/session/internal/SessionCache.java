package dev.codebasechat.session.internal;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheStats;
import com.google.common.cache.RemovalCause;
import com.google.common.cache.RemovalNotification;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.GuavaCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The cached sessions: per session, the last state the database confirmed (owner inside), bounded
 * by weight and idle time, with when each was last known to match the database ({@link #isFresh})
 * and the confirmation stamps that tell a read it raced a confirmation ({@link #mark}, {@link
 * #confirmedSince}). Every copy that becomes the newest is mirrored to the journal's local copies.
 *
 * <p>Thread-safe. Lookups take no lock. Changes are made by the {@link Ledger} under the session's
 * lock, so two changes of one session never interleave.
 */
public final class SessionCache {

  private final Cache<SessionId, ChatSession> sessions;

  /** When each cached session was last known to match the database ({@link Clock#millis()}). */
  private final ConcurrentHashMap<SessionId, Long> validatedAt = new ConcurrentHashMap<>();

  /**
   * The messages' part of each cached session's weight, with the history it was summed over
   * (matched by identity: histories are immutable). The cache weighs every session it stores, and
   * an append stores its session again: with this it weighs what the append added, not the whole
   * history again, which made an append cost O(messages).
   */
  private final ConcurrentHashMap<SessionId, WeighedHistory> weighed = new ConcurrentHashMap<>();

  private record WeighedHistory(List<ChatMessage> history, long bytes) {}

  private final ConfirmationStamps stamps;
  private final JournalBridge journal;
  private final Clock clock;

  /**
   * How long a cached session is answered without asking the database whether another instance
   * changed it; {@code null}: always (this process is the store of record's only writer).
   */
  private final @Nullable Long freshnessMillis;

  /**
   * A cache of at most about {@code maxWeightBytes} of sessions, each dropped after {@code
   * idleExpiry} unread, fresh for {@code freshness} after its last validation ({@code null}: for
   * good), timed by {@code clock}.
   */
  public SessionCache(
      long maxWeightBytes,
      Duration idleExpiry,
      @Nullable Duration freshness,
      Clock clock,
      JournalBridge journal) {
    this.clock = clock;
    this.journal = journal;
    this.freshnessMillis = freshness == null ? null : freshness.toMillis();
    Ticker ticker = ticker(clock);
    this.stamps = new ConfirmationStamps(ticker);
    this.sessions =
        CacheBuilder.newBuilder()
            .maximumWeight(maxWeightBytes)
            .weigher(this::weigh)
            .expireAfterAccess(idleExpiry)
            .ticker(ticker)
            .recordStats()
            .removalListener(
                (RemovalNotification<SessionId, ChatSession> removed) -> {
                  if (removed.getCause() != RemovalCause.REPLACED && removed.getKey() != null) {
                    validatedAt.remove(removed.getKey());
                    weighed.remove(removed.getKey());
                  }
                })
            .build();
  }

  /**
   * A ticker on {@code clock}. The caches read it on every hit: milliseconds are plenty for
   * expiries measured in minutes, and {@link Clock#millis()} does not allocate as {@code instant()}
   * does.
   */
  public static Ticker ticker(Clock clock) {
    return new Ticker() {
      @Override
      public long read() {
        return TimeUnit.MILLISECONDS.toNanos(clock.millis());
      }
    };
  }

  /** The cached copy of {@code id}; counted as a read of the cache (a hit or a miss). */
  public @Nullable ChatSession lookup(SessionId id) {
    return sessions.getIfPresent(id);
  }

  /** The cached copy of {@code id}, without counting a read. */
  public @Nullable ChatSession peek(SessionId id) {
    return sessions.asMap().get(id);
  }

  /**
   * The cached copy of {@code id} when it is {@code owner}'s, without counting a read; null
   * otherwise. What a caller's answer is built from: the copy of another user's session with the
   * same id (the caller's write to it not refused yet) is never shown to the caller.
   */
  public @Nullable ChatSession peekOwn(SessionId id, UUID owner) {
    ChatSession cached = peek(id);
    return cached != null && cached.owner().equals(owner) ? cached : null;
  }

  /** Whether the copy of {@code id} is recent enough to answer without asking the database. */
  public boolean isFresh(SessionId id) {
    if (freshnessMillis == null) {
      return true;
    }
    Long at = validatedAt.get(id);
    return at != null && clock.millis() - at < freshnessMillis;
  }

  /** Whether cached copies are the stored state itself, so that a read never revalidates. */
  public boolean copiesAreCurrent() {
    return freshnessMillis == null;
  }

  /** The mark a read takes when it starts, for {@link #confirmedSince}. */
  public long mark() {
    return stamps.mark();
  }

  /** Whether a confirmation of {@code id} landed after {@code mark} was taken. */
  public boolean confirmedSince(SessionId id, long mark) {
    return stamps.confirmedSince(id, mark);
  }

  /** Whether the database confirmed {@code id} gone (deleted) after {@code mark} was taken. */
  public boolean goneSince(SessionId id, long mark) {
    return stamps.goneSince(id, mark);
  }

  // ------------------------------------------------ changes: by the Ledger, under the session lock

  void stamp(SessionId id) {
    stamps.stamp(id);
  }

  void stampGone(SessionId id) {
    stamps.stampGone(id);
  }

  /** Keeps {@code session} unless a newer version is cached; whether it is the one kept now. */
  boolean keepIfNewer(ChatSession session) {
    ChatSession kept =
        sessions
            .asMap()
            .merge(
                session.id(),
                session,
                (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
    if (kept == session) {
      validated(session.id());
      journal.keepLocalCopy(session);
    }
    return kept == session;
  }

  /**
   * Replaces {@code expected} (still cached) by {@code updated}; whether it did. {@code current}:
   * the database holds exactly {@code updated} now (else the copy waits to be revalidated).
   */
  boolean replace(ChatSession expected, ChatSession updated, boolean current) {
    if (!sessions.asMap().replace(updated.id(), expected, updated)) {
      return false;
    }
    if (current) {
      validated(updated.id());
      journal.keepLocalCopy(updated);
    } else {
      validatedAt.remove(updated.id());
    }
    return true;
  }

  /**
   * {@link #replace} for an {@code updated} that is {@code expected} with {@code added} messages
   * (and perhaps another context): weighed by what was added.
   */
  boolean replaceAdding(
      ChatSession expected, ChatSession updated, List<ChatMessage> added, boolean current) {
    WeighedHistory before = weighed.get(expected.id());
    if (before == null || before.history() != expected.messages()) {
      return replace(expected, updated, current);
    }
    WeighedHistory after =
        new WeighedHistory(updated.messages(), before.bytes() + SessionWeigher.historyBytes(added));
    weighed.put(updated.id(), after);
    boolean replaced = replace(expected, updated, current);
    if (!replaced) {
      weighed.remove(updated.id(), after); // not cached: nothing of it is kept
    }
    return replaced;
  }

  /** The weight of {@code session}, its history's part from {@link #weighed} when it is known. */
  private int weigh(SessionId id, ChatSession session) {
    WeighedHistory known = weighed.get(id);
    if (known != null && known.history() == session.messages()) {
      return SessionWeigher.weigh(session, known.bytes());
    }
    long bytes = SessionWeigher.historyBytes(session.messages());
    weighed.put(id, new WeighedHistory(session.messages(), bytes));
    return SessionWeigher.weigh(session, bytes);
  }

  /** Caches {@code session}, the whole state of a session nothing was stored under yet. */
  void put(ChatSession session) {
    sessions.put(session.id(), session);
    validated(session.id());
  }

  /** Marks the copy of {@code id} as matching the database now. */
  void validated(SessionId id) {
    validatedAt.put(id, clock.millis());
  }

  /** Drops the copy of {@code id} (the next read asks the database). */
  void invalidate(SessionId id) {
    sessions.invalidate(id);
  }

  /** Drops the copy of {@code id} if it is still {@code expected}. */
  void remove(ChatSession expected) {
    sessions.asMap().remove(expected.id(), expected);
  }

  /** Asks the database about {@code id} at its next read. */
  void markStale(SessionId id) {
    validatedAt.remove(id);
  }

  // ------------------------------------------------ status

  public CacheStats stats() {
    return sessions.stats();
  }

  public long size() {
    return sessions.size();
  }

  /**
   * The cache's {@code cache.*} meters, named {@code sessions}, and its weight {@code
   * sessions.cache.weight} (bytes, the measure of its bound).
   */
  public void bindTo(MeterRegistry registry) {
    GuavaCacheMetrics.monitor(registry, sessions, "sessions");
    // Guava keeps the total weight to itself: summed at each scrape, off the hot path.
    Gauge.builder("sessions.cache.weight", this, SessionCache::weightBytes)
        .description("estimated bytes of the cached sessions, the measure of the cache's bound")
        .baseUnit("bytes")
        .register(registry);
  }

  private double weightBytes() {
    return sessions.asMap().values().stream().mapToLong(SessionWeigher::weigh).sum();
  }
}
