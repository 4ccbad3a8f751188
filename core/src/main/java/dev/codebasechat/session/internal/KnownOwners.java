package dev.codebasechat.session.internal;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.session.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Who owns the sessions this process wrote or looked up without caching them (a head read, a
 * confirmed write), and, after a restart, whom the journal's local copy names: lets an owner's next
 * write go without asking the database, and another user's be refused as the database would. An
 * owner never changes; a deleted session is forgotten.
 *
 * <p>Thread-safe. Bounded: {@value #MAX_SESSIONS} sessions, each kept {@value #KEPT_HOURS} hours
 * after it was last asked about.
 */
public final class KnownOwners {
  static final int MAX_SESSIONS = 200_000;
  static final int KEPT_HOURS = 6;

  private final Cache<SessionId, UUID> owners;
  private final JournalBridge journal;

  public KnownOwners(Clock clock, JournalBridge journal) {
    this.journal = journal;
    this.owners =
        CacheBuilder.newBuilder()
            .maximumSize(MAX_SESSIONS)
            .expireAfterAccess(Duration.ofHours(KEPT_HOURS))
            .ticker(SessionCache.ticker(clock))
            .build();
  }

  /** The owner this process knows of {@code id}: remembered, or named by its local copy. */
  public Optional<UUID> ownerOf(SessionId id) {
    UUID owner = owners.getIfPresent(id);
    if (owner != null) {
      return Optional.of(owner);
    }
    Optional<UUID> copied = journal.localCopyOwner(id);
    copied.ifPresent(o -> owners.put(id, o));
    return copied;
  }

  /** The owner remembered for {@code id}, without asking the journal. */
  public Optional<UUID> remembered(SessionId id) {
    return Optional.ofNullable(owners.getIfPresent(id));
  }

  public void remember(SessionId id, UUID owner) {
    owners.put(id, owner);
  }

  public void forget(SessionId id) {
    owners.invalidate(id);
  }
}
