package dev.codebasechat.sqlite;

/**
 * How the writes of a SQLite file ({@link dev.codebasechat.journal.SqliteJournal}, {@link
 * dev.codebasechat.embedded.LocalSessionTable}) reach the disk. Either way a write returns only
 * once the commit that holds it is done (and, with {@link Durability#FULL}, synced): grouping
 * changes how many writes share one commit, not what a returned write survives.
 */
public enum CommitGrouping {
  /**
   * Writes that arrive while a commit is in progress are committed together in the next one, as
   * databases do it (the default). A write that finds nothing in progress is committed at once: no
   * timer, so a lone write is as fast as on its own. A write that fails inside a group is undone
   * alone (a savepoint each); a commit that fails fails exactly the writes it held.
   */
  GROUPED,

  /** One transaction and one commit per write: the behaviour before grouping, for comparison. */
  ONE_PER_WRITE
}
