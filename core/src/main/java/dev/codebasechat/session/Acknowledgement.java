package dev.codebasechat.session;

/**
 * When a store answers "saved" to a write in Supabase mode.
 *
 * <ul>
 *   <li>{@link #JOURNAL} (the default): once the write is durable in this process's journal; it
 *       reaches the database after the debounce window, also after an outage or a restart. Writes
 *       are accepted while the database is away; the journal's disk must outlive the process.
 *   <li>{@link #DATABASE}: once the database confirmed it. Writes of one session that arrive while
 *       one of its writes is in the database go together in the next request. While the database is
 *       away writes fail with {@link SessionUnavailableException}, and nothing is acknowledged that
 *       the database does not hold: an instance keeps no state that another could not rebuild, so
 *       it needs no disk of its own.
 * </ul>
 *
 * Embedded mode always acknowledges once the local table holds the write.
 */
public enum Acknowledgement {
  JOURNAL,
  DATABASE
}
