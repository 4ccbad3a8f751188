package dev.codebasechat.journal;

import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.SqliteFileBuilder;
import dev.codebasechat.sqlite.internal.Sql;
import dev.codebasechat.sqlite.internal.SqliteDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Journal} in one SQLite file (sqlite-jdbc), in WAL mode.
 *
 * <p><b>Durability.</b> Each {@link #append} / {@link #appendAll} is one {@code BEGIN IMMEDIATE …
 * COMMIT} transaction that has committed before the method returns. What a committed entry survives
 * depends on {@link Builder#durability}:
 *
 * <ul>
 *   <li>{@link Durability#FULL} (default): {@code PRAGMA journal_mode=WAL} + {@code PRAGMA
 *       synchronous=FULL}. The WAL is fsynced at every commit: an acknowledged entry survives a
 *       process crash ({@code kill -9}) and an OS crash or power loss.
 *   <li>{@link Durability#PROCESS_CRASH_SAFE}: {@code synchronous=NORMAL}. No fsync per commit:
 *       survives a process crash, but the last commits may be lost on OS crash or power loss.
 * </ul>
 *
 * <p><b>Opening</b> checks that the directory is writable, runs {@code PRAGMA quick_check}, checks
 * the file's {@code application_id} and creates the schema ({@code user_version} {@value
 * #SCHEMA_VERSION}) on first use; a file that is not a database, is corrupt or belongs to another
 * use fails with {@link JournalException} naming the file, before anything is read from it.
 *
 * <p><b>Concurrency.</b> Thread-safe: one connection, used by one thread at a time under a fair
 * lock (SQLite has one writer anyway). One process per file: a second process that opens it fails
 * at once with {@link JournalException.Reason#IN_USE} (a lock on a file beside it).
 *
 * <p>Times ({@code recordedAt}, snapshot {@code touchedAt}, retention) come from the injected
 * clock. {@link #checkpoint()} folds the write-ahead log into the file; SQLite also does this by
 * itself every ~1000 pages.
 */
public final class SqliteJournal implements Journal {

  static final int SCHEMA_VERSION = 1;

  /** {@code PRAGMA application_id} of a journal file: "CBCJ". */
  static final int APPLICATION_ID = 0x4342434A;

  private static final SqliteDatabase.Schema SCHEMA =
      new SqliteDatabase.Schema(
          APPLICATION_ID,
          SCHEMA_VERSION,
          List.of(
              // AUTOINCREMENT: a sequence number is never reused, even after its entry is released.
              "CREATE TABLE IF NOT EXISTS journal_entries ("
                  + " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                  + " key TEXT NOT NULL, owner TEXT NOT NULL, kind TEXT NOT NULL,"
                  + " payload BLOB NOT NULL, recorded_at INTEGER NOT NULL)",
              "CREATE INDEX IF NOT EXISTS journal_entries_key_seq ON journal_entries (key, seq)",
              "CREATE TABLE IF NOT EXISTS journal_snapshots ("
                  + " key TEXT PRIMARY KEY, owner TEXT NOT NULL, version INTEGER NOT NULL,"
                  + " json BLOB NOT NULL, bytes INTEGER NOT NULL, touched_at INTEGER NOT NULL)",
              "CREATE INDEX IF NOT EXISTS journal_snapshots_touched"
                  + " ON journal_snapshots (touched_at)"));

  private static final String ENTRY_COLUMNS = "seq, key, owner, kind, payload, recorded_at";

  private final SqliteDatabase database;
  private final Clock clock;

  private SqliteJournal(Clock clock, SqliteDatabase database) {
    this.clock = clock;
    this.database = database;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Opens (or creates) the journal at {@code path} with the defaults. */
  public static SqliteJournal open(Path path) {
    return builder().path(path).build();
  }

  @Override
  public long append(String key, UUID owner, String kind, byte[] payload) {
    return appendAll(List.of(new Append(key, owner, kind, payload)));
  }

  @Override
  public long appendAll(List<Append> entries) {
    return database.write(
        "append",
        connection -> {
          if (entries.isEmpty()) {
            return Sql.queryLong(connection, "SELECT coalesce(max(seq), 0) FROM journal_entries");
          }
          long recordedAt = clock.millis();
          long last = 0;
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO journal_entries (key, owner, kind, payload, recorded_at)"
                      + " VALUES (?, ?, ?, ?, ?) RETURNING seq")) {
            for (Append entry : entries) {
              insert.setString(1, entry.key());
              insert.setString(2, entry.owner().toString());
              insert.setString(3, entry.kind());
              insert.setBytes(4, entry.payload());
              insert.setLong(5, recordedAt);
              try (ResultSet rows = insert.executeQuery()) {
                rows.next();
                last = rows.getLong(1);
              }
            }
          }
          return last;
        });
  }

  @Override
  public int release(String key, long upToSequence) {
    return database.write(
        "release",
        connection ->
            Sql.update(
                connection,
                "DELETE FROM journal_entries WHERE key = ? AND seq <= ?",
                key,
                upToSequence));
  }

  @Override
  public int remove(String key, Collection<Long> sequences) {
    if (sequences.isEmpty()) {
      return 0;
    }
    List<Long> distinct = List.copyOf(new java.util.TreeSet<>(sequences));
    return database.write(
        "remove entries",
        connection -> {
          int removed = 0;
          for (Long sequence : distinct) {
            removed +=
                Sql.update(
                    connection,
                    "DELETE FROM journal_entries WHERE key = ? AND seq = ?",
                    key,
                    sequence);
          }
          return removed;
        });
  }

  @Override
  public List<JournalEntry> pending() {
    return database.read(
        "read pending entries",
        connection ->
            entries(
                connection,
                "SELECT " + ENTRY_COLUMNS + " FROM journal_entries ORDER BY seq",
                null));
  }

  @Override
  public List<JournalEntry> pending(String key) {
    return database.read(
        "read pending entries",
        connection ->
            entries(
                connection,
                "SELECT " + ENTRY_COLUMNS + " FROM journal_entries WHERE key = ? ORDER BY seq",
                key));
  }

  private static List<JournalEntry> entries(Connection connection, String sql, @Nullable String key)
      throws SQLException {
    List<JournalEntry> entries = new ArrayList<>();
    try (PreparedStatement statement =
            key == null ? Sql.prepare(connection, sql) : Sql.prepare(connection, sql, key);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        entries.add(
            new JournalEntry(
                rows.getLong(1),
                rows.getString(2),
                UUID.fromString(rows.getString(3)),
                rows.getString(4),
                rows.getBytes(5),
                Instant.ofEpochMilli(rows.getLong(6))));
      }
    }
    return entries;
  }

  @Override
  public void putSnapshot(String key, UUID owner, long version, byte[] json) {
    database.write(
        "put snapshot",
        connection ->
            Sql.update(
                connection,
                "INSERT INTO journal_snapshots (key, owner, version, json, bytes, touched_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                    + " owner = excluded.owner, version = excluded.version, json = excluded.json,"
                    + " bytes = excluded.bytes, touched_at = excluded.touched_at",
                key,
                owner.toString(),
                version,
                json.clone(),
                json.length,
                clock.millis()));
  }

  @Override
  public Optional<Snapshot> snapshot(String key) {
    return database.read(
        "read snapshot",
        connection -> {
          try (PreparedStatement statement =
                  Sql.prepare(
                      connection,
                      "SELECT owner, version, json, touched_at FROM journal_snapshots"
                          + " WHERE key = ?",
                      key);
              ResultSet rows = statement.executeQuery()) {
            if (!rows.next()) {
              return Optional.empty();
            }
            return Optional.of(
                new Snapshot(
                    key,
                    UUID.fromString(rows.getString(1)),
                    rows.getLong(2),
                    rows.getBytes(3),
                    Instant.ofEpochMilli(rows.getLong(4))));
          }
        });
  }

  @Override
  public void deleteSnapshot(String key) {
    database.write(
        "delete snapshot",
        connection -> Sql.update(connection, "DELETE FROM journal_snapshots WHERE key = ?", key));
  }

  @Override
  public int pruneSnapshots(Duration olderThan, long maxTotalBytes) {
    if (olderThan.isNegative()) {
      throw new IllegalArgumentException("olderThan must not be negative but was " + olderThan);
    }
    if (maxTotalBytes < 0) {
      throw new IllegalArgumentException(
          "maxTotalBytes must not be negative but was " + maxTotalBytes);
    }
    long cutoff = clock.millis() - olderThan.toMillis();
    return database.write(
        "prune snapshots",
        connection -> {
          int removed =
              Sql.update(
                  connection,
                  "DELETE FROM journal_snapshots WHERE touched_at < ? AND " + NOT_PENDING,
                  cutoff);
          long total =
              Sql.queryLong(connection, "SELECT coalesce(sum(bytes), 0) FROM journal_snapshots");
          if (total <= maxTotalBytes) {
            return removed;
          }
          List<String> victims = new ArrayList<>();
          try (PreparedStatement statement =
                  connection.prepareStatement(
                      "SELECT key, bytes FROM journal_snapshots WHERE "
                          + NOT_PENDING
                          + " ORDER BY touched_at, key");
              ResultSet rows = statement.executeQuery()) {
            while (total > maxTotalBytes && rows.next()) {
              victims.add(rows.getString(1));
              total -= rows.getLong(2);
            }
          }
          for (String key : victims) {
            removed += Sql.update(connection, "DELETE FROM journal_snapshots WHERE key = ?", key);
          }
          return removed;
        });
  }

  private static final String NOT_PENDING =
      "NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.key = journal_snapshots.key)";

  @Override
  public JournalStats stats() {
    return database.read(
        "read stats",
        connection -> {
          try (PreparedStatement statement =
                  connection.prepareStatement(
                      "SELECT (SELECT count(*) FROM journal_entries),"
                          + " (SELECT count(DISTINCT key) FROM journal_entries),"
                          + " (SELECT min(recorded_at) FROM journal_entries),"
                          + " (SELECT count(*) FROM journal_snapshots),"
                          + " (SELECT coalesce(sum(bytes), 0) FROM journal_snapshots)");
              ResultSet rows = statement.executeQuery()) {
            rows.next();
            long oldest = rows.getLong(3);
            Optional<Instant> oldestPending =
                rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(oldest));
            return new JournalStats(
                rows.getLong(1),
                rows.getLong(2),
                oldestPending,
                rows.getLong(4),
                rows.getLong(5),
                database.fileSize());
          }
        });
  }

  /**
   * Folds the write-ahead log into the database file and truncates it ({@code PRAGMA
   * wal_checkpoint(TRUNCATE)}). Off the hot path: call it now and then, e.g. after a drain.
   */
  public void checkpoint() {
    database.checkpoint();
  }

  /** The database file. */
  public Path path() {
    return database.path();
  }

  @Override
  public void close() {
    database.close();
  }

  /** Options for {@link SqliteJournal}; see {@link SqliteFileBuilder}. Not thread-safe. */
  public static final class Builder extends SqliteFileBuilder<Builder> {

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Opens the journal.
     *
     * @throws JournalException when the file cannot be opened, is corrupt or not a journal
     */
    public SqliteJournal build() {
      return new SqliteJournal(clock(), open(SCHEMA));
    }
  }
}
