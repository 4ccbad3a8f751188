package dev.codebasechat.testing.internal.memory;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /**
   * The trigger after a delete of {@code gone}: keeps its version (the greater, for an id deleted
   * before) unless it had no owner, and forgets records past their time.
   */
  void remember(Session gone) {
    UUID owner = gone.owner();
    if (owner == null) {
      return;
    }
    Instant now = clock.instant();
    ended.values().removeIf(e -> e.at().isBefore(now.minus(NamedWrites.KEPT)));
    ended.merge(
        List.of(owner, gone.row.get("session_id").asText()),
        new Ended(gone.version(), now),
        (earlier, later) -> new Ended(Math.max(earlier.version(), later.version()), now));
  }

  /** The trigger before an insert: a session its owner deleted lately goes on from its version. */
  void continueIn(Session session) {
    UUID owner = session.owner();
    if (owner != null && session.row.path("session_id").isTextual()) {
      Ended e = ended.get(List.of(owner, session.row.get("session_id").asText()));
      if (e != null && !e.at().isBefore(clock.instant().minus(NamedWrites.KEPT))) {
        session.continueAfter(e.version());
      }
    }
  }

  /** Forgets every record (the fake's reset). */
  void forgetAll() {
    ended.clear();
  }
}
