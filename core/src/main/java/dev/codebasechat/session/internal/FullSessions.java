package dev.codebasechat.session.internal;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.SessionId;
import java.util.Optional;

/**
 * The sessions near a history limit of the table, until this process sees them far from full again:
 * those whose journaled append the database refused as full, and those a head read found more than
 * half full. With journal acknowledgement an append to such a session is checked against the
 * database's own counts first (a head read), so that it is refused as {@code session_full} instead
 * of being acknowledged and then set aside. Kept in memory, for at most {@link #MAX_REMEMBERED}
 * sessions (the least recently used forgotten first), and marked again at start for each set-aside
 * record of a full refusal the journal holds; a session forgotten is marked again by its next
 * refusal. Thread-safe.
 */
public final class FullSessions {
  static final int MAX_REMEMBERED = 100_000;

  /**
   * One refusal, by identity: a check that began before a newer refusal cannot drop the newer mark.
   */
  public static final class Mark {
    private Mark() {}
  }

  private final Cache<SessionId, Mark> full =
      CacheBuilder.newBuilder().maximumSize(MAX_REMEMBERED).build();

  /** The database refused an append to {@code id} because its history is full. */
  public void refused(SessionId id) {
    full.put(id, new Mark());
  }

  /**
   * A head read found {@code id} more than half full ({@link #farFromFull} false): its appends are
   * checked against the database's counts from now on. A mark already there stays.
   */
  public void nearLimits(SessionId id) {
    full.asMap().putIfAbsent(id, new Mark());
  }

  /** The mark of {@code id}: the database's last refusal of an append to it as full, if any. */
  public Optional<Mark> markOf(SessionId id) {
    return Optional.ofNullable(full.getIfPresent(id));
  }

  /**
   * Whether a session of {@code messages} taking {@code historyBytes} is far from full: at most
   * half of each history limit, so that appends to it need no head read before they are
   * acknowledged.
   */
  public static boolean farFromFull(long messages, long historyBytes) {
    return messages <= SessionTableRules.MAX_MESSAGES_PER_SESSION / 2
        && historyBytes <= SessionTableRules.MAX_HISTORY_BYTES / 2;
  }

  /**
   * Forgets the refusal {@code mark} of {@code id} (a check found the session far from full since),
   * unless a newer refusal replaced it.
   */
  public void forget(SessionId id, Mark mark) {
    full.asMap().remove(id, mark);
  }

  /** {@code id} has room again whatever was refused before: this process cleared or deleted it. */
  public void emptied(SessionId id) {
    full.invalidate(id);
  }
}
