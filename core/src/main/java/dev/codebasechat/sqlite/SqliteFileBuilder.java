package dev.codebasechat.sqlite;

import dev.codebasechat.SystemTime;
import dev.codebasechat.sqlite.internal.SqliteDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The options every SQLite-backed component of this package shares ({@link
 * dev.codebasechat.journal.SqliteJournal}, {@link LocalSessionTable}): the file, its {@link
 * Durability}, the clock, the busy timeout, how concurrent writes share commits ({@link
 * CommitGrouping}) and an optional size cap. {@link #path} is required. Setters reject bad values
 * at once. Not thread-safe.
 */
public abstract class SqliteFileBuilder<B extends SqliteFileBuilder<B>> {

  public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(5);

  private @Nullable Path path;
  private Durability durability = Durability.FULL;
  private Clock clock = SystemTime.clock();
  private Duration busyTimeout = DEFAULT_BUSY_TIMEOUT;
  private CommitGrouping commitGrouping = CommitGrouping.GROUPED;
  private long maxPageCount;

  protected SqliteFileBuilder() {}

  protected abstract B self();

  /** The database file; its directory is created when missing. */
  public B path(Path path) {
    this.path = path;
    return self();
  }

  /** What a returned write survives; default {@link Durability#FULL}. */
  public B durability(Durability durability) {
    this.durability = durability;
    return self();
  }

  /** The source of every recorded time; default the system UTC clock. */
  public B clock(Clock clock) {
    this.clock = clock;
    return self();
  }

  /** How long to wait for another process's write lock; default 5 seconds. */
  public B busyTimeout(Duration busyTimeout) {
    if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "busyTimeout must be between 0 and " + Integer.MAX_VALUE + " ms but was " + busyTimeout);
    }
    this.busyTimeout = busyTimeout;
    return self();
  }

  /** Whether concurrent writes share commits; default {@link CommitGrouping#GROUPED}. */
  public B commitGrouping(CommitGrouping commitGrouping) {
    this.commitGrouping = commitGrouping;
    return self();
  }

  /**
   * Caps the file at this many pages of SQLite's page size ({@code PRAGMA max_page_count}), as a
   * full disk would: a write that needs more fails with {@link JournalException.Reason#DISK_FULL}
   * and keeps nothing of itself, and writes succeed again once pages are free (deleted data leaves
   * them). Default 0: no cap but the disk's.
   */
  public B maxPageCount(long pages) {
    if (pages < 0) {
      throw new IllegalArgumentException("maxPageCount must be at least 0 but was " + pages);
    }
    this.maxPageCount = pages;
    return self();
  }

  protected Clock clock() {
    return clock;
  }

  protected SqliteDatabase open(SqliteDatabase.Schema schema) {
    return SqliteDatabase.open(
        Objects.requireNonNull(path, "path must be set"),
        durability,
        busyTimeout,
        schema,
        maxPageCount,
        commitGrouping);
  }
}
