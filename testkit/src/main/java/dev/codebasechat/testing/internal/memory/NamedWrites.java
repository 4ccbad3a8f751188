package dev.codebasechat.testing.internal.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * {@code codebase_chat_private.session_clears} and {@code session_deletes} (migrations
 * 20261208000000 and 20261208000100): when each clear and delete id was applied, by owner and
 * session id, for {@link #KEPT}; a try of a clear or delete whose id is here is not applied again.
 * Not thread-safe: used under the {@link SessionTable}'s monitor.
 */
final class NamedWrites {
  /** How long the ids are kept ({@code codebase_chat_private.named_writes_kept()}). */
  static final Duration KEPT = Duration.ofDays(7);

  private final Clock clock;
  private final Map<List<Object>, Instant> clears = new HashMap<>();
  private final Map<List<Object>, Deleted> deletes = new HashMap<>();

  /** A delete's record: when, and whether it found a session (what a try sent again answers). */
  private record Deleted(Instant at, boolean found) {}

  NamedWrites(Clock clock) {
    this.clock = clock;
  }

  /** Whether {@code owner} cleared {@code sessionId} with {@code clearId} within {@link #KEPT}. */
  boolean cleared(UUID owner, String sessionId, UUID clearId) {
    return within(clears.get(List.of(owner, sessionId, clearId)));
  }

  /** Records the clear now, forgetting clears past {@link #KEPT}. */
  void clearedNow(UUID owner, String sessionId, UUID clearId) {
    recordNow(clears, List.of(owner, sessionId, clearId));
  }

  /**
   * What {@code owner}'s delete of {@code sessionId} with {@code deleteId} answered (whether it
   * found the session), when applied within {@link #KEPT}; null otherwise.
   */
  @Nullable Boolean deleteAnswered(UUID owner, String sessionId, UUID deleteId) {
    Deleted deleted = deletes.get(List.of(owner, sessionId, deleteId));
    return deleted != null && within(deleted.at()) ? deleted.found() : null;
  }

  /** Records the delete of a session now, forgetting deletes past {@link #KEPT}. */
  void deletedNow(UUID owner, String sessionId, UUID deleteId) {
    Instant now = clock.instant();
    deletes.values().removeIf(deleted -> deleted.at().isBefore(now.minus(KEPT)));
    deletes.put(List.of(owner, sessionId, deleteId), new Deleted(now, true));
  }

  /**
   * Records a clear that found no session, unless its id is recorded already ({@code on conflict do
   * nothing}: an expired record stays as it is).
   */
  void clearFoundNothing(UUID owner, String sessionId, UUID clearId) {
    clears.putIfAbsent(List.of(owner, sessionId, clearId), clock.instant());
  }

  /** {@link #clearFoundNothing} for a delete: a try sent again answers false. */
  void deleteFoundNothing(UUID owner, String sessionId, UUID deleteId) {
    deletes.putIfAbsent(List.of(owner, sessionId, deleteId), new Deleted(clock.instant(), false));
  }

  /** Forgets every record (the fake's reset). */
  void forgetAll() {
    clears.clear();
    deletes.clear();
  }

  private boolean within(@Nullable Instant at) {
    return at != null && !at.isBefore(clock.instant().minus(KEPT));
  }

  private void recordNow(Map<List<Object>, Instant> records, List<Object> key) {
    Instant now = clock.instant();
    records.values().removeIf(at -> at.isBefore(now.minus(KEPT)));
    records.put(key, now);
  }
}
