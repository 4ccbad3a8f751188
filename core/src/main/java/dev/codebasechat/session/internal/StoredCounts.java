package dev.codebasechat.session.internal;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.session.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * How many messages the database counted in the sessions this process writes without caching them,
 * at its last answer (a head read, a create-if-absent, a confirmed write): what an append's receipt
 * adds its pending messages to, so that a session this process does not hold is not answered as
 * holding only what is pending here. Another instance's writes since are not in it (bounded
 * staleness, as for a cached copy); a deleted session is forgotten.
 *
 * <p>Thread-safe. Bounded: {@value #MAX_SESSIONS} sessions, each kept {@value #KEPT_HOURS} hours
 * after it was last asked about.
 */
final class StoredCounts {
  static final int MAX_SESSIONS = 200_000;
  static final int KEPT_HOURS = 6;

  private final Cache<SessionId, Integer> counts;

  StoredCounts(Clock clock) {
    this.counts =
        CacheBuilder.newBuilder()
            .maximumSize(MAX_SESSIONS)
            .expireAfterAccess(Duration.ofHours(KEPT_HOURS))
            .ticker(SessionCache.ticker(clock))
            .build();
  }

  /** The database answered that {@code id} holds {@code messages}. */
  void counted(SessionId id, int messages) {
    counts.put(id, messages);
  }

  /** The count last answered for {@code id}, if this process knows one. */
  OptionalInt of(SessionId id) {
    Integer count = counts.getIfPresent(id);
    return count == null ? OptionalInt.empty() : OptionalInt.of(count);
  }

  void forget(SessionId id) {
    counts.invalidate(id);
  }
}
