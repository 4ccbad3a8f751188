package dev.codebasechat.session.internal;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.session.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * How many messages the database counted in the sessions this process writes without caching them,
 * at its last answer (a head read, a create-if-absent, a confirmed write): what an append's receipt
 * adds its pending messages to, so that a session this process does not hold is not answered as
 * holding only what is pending here. Another instance's writes since are not in it (bounded
 * staleness, as for a cached copy); a deleted session is forgotten. A count is kept with the owner
 * whose token it was read with (the database counts only that user's rows) and answered to that
 * owner only: another user's writes under the id never start from it.
 *
 * <p>Thread-safe. Bounded: {@value #MAX_SESSIONS} sessions, each kept {@value #KEPT_HOURS} hours
 * after it was last asked about.
 */
final class StoredCounts {
  static final int MAX_SESSIONS = 200_000;
  static final int KEPT_HOURS = 6;

  /** {@code owner}'s session holds {@code messages}. */
  private record Counted(UUID owner, int messages) {}

  private final Cache<SessionId, Counted> counts;

  StoredCounts(Clock clock) {
    this.counts =
        CacheBuilder.newBuilder()
            .maximumSize(MAX_SESSIONS)
            .expireAfterAccess(Duration.ofHours(KEPT_HOURS))
            .ticker(SessionCache.ticker(clock))
            .build();
  }

  /** The database answered that {@code owner}'s {@code id} holds {@code messages}. */
  void counted(SessionId id, UUID owner, int messages) {
    counts.put(id, new Counted(owner, messages));
  }

  /** The count last answered for {@code owner}'s {@code id}, if this process knows one. */
  OptionalInt of(SessionId id, UUID owner) {
    Counted counted = counts.getIfPresent(id);
    return counted == null || !counted.owner().equals(owner)
        ? OptionalInt.empty()
        : OptionalInt.of(counted.messages());
  }

  void forget(SessionId id) {
    counts.invalidate(id);
  }
}
