package dev.codebasechat.testing.internal.memory;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * {@code codebase_chat_private.session_versions_ended} (migration 20261212000000): the last version
 * of each deleted session, by owner and session id, for {@link NamedWrites#KEPT}; a session its
 * owner creates under such an id continues from there. Not thread-safe: used under the {@link
 * SessionTable}'s monitor.
 */
final class EndedVersions {
  private record Ended(long version, Instant at) {}

  private final Clock clock;
  private final Map<List<Object>, Ended> ended = new HashMap<>();

  EndedVersions(Clock clock) {
    this.clock = clock;
  }

  /** The trigger after a delete: keeps the greater version, forgets records past their time. */
  void remember(UUID owner, String sessionId, long version) {
    Instant now = clock.instant();
    ended.values().removeIf(e -> e.at().isBefore(now.minus(NamedWrites.KEPT)));
    ended.merge(
        List.of(owner, sessionId),
        new Ended(version, now),
        (earlier, later) -> new Ended(Math.max(earlier.version(), later.version()), now));
  }

  /** The version {@code owner}'s session {@code sessionId} ended at within the time kept. */
  OptionalLong of(UUID owner, String sessionId) {
    Ended e = ended.get(List.of(owner, sessionId));
    return e == null || e.at().isBefore(clock.instant().minus(NamedWrites.KEPT))
        ? OptionalLong.empty()
        : OptionalLong.of(e.version());
  }

  /** Forgets every record (the fake's reset). */
  void forgetAll() {
    ended.clear();
  }
}
