package dev.codebasechat.sqlite.internal;

import dev.codebasechat.sqlite.CommitGrouping;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.JournalException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite file opened for this package: WAL mode, the chosen {@code synchronous} level, a busy
 * timeout, and two connections, each used by one thread at a time under a fair lock of its own.
 * Every {@link #write} is one {@code BEGIN IMMEDIATE … COMMIT} transaction on the writer's
 * connection that has committed (and, with {@link Durability#FULL}, been fsynced) before it
 * returns; a failure rolls back and surfaces as a {@link JournalException} naming the file. {@link
 * #read}s run on the second connection ({@code query_only}): WAL lets them run beside a write and
 * its sync, so a read never waits for another session's commit, and each sees every write that
 * returned before it began.
 *
 * <p>One process per file: opening takes an exclusive lock on a companion file ({@code
 * <name>.lock}, an OS advisory lock released when the file is closed or the process dies), so a
 * second opener (another process, or a second open in this one) fails at once with {@link
 * Reason#IN_USE} instead of interleaving with the owner. The lock lives on a separate file because
 * SQLite's own POSIX locks on the database would be dropped when any other descriptor of it closes.
 *
 * <p>Opening checks the directory, the file's integrity ({@code PRAGMA quick_check}) and that the
 * file belongs to the same use ({@code PRAGMA application_id}), then creates or upgrades the schema
 * ({@code PRAGMA user_version}).
 *
 * <p><b>Why this class is long.</b> Opening a SQLite file safely is one sequence (the one-process
 * lock, the pragmas of the durability asked for, the schema check, the connection's lifetime) whose
 * steps depend on each other's outcome.
 */
public final class SqliteDatabase implements AutoCloseable {

  /** A unit of work on the connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * What a file holds: its application id, its schema version, the statements creating it at that
   * version, and for each older version {@code v} the statements that bring a file from {@code v}
   * to {@code v + 1}.
   */
  public record Schema(
      int applicationId,
      int version,
      List<String> statements,
      java.util.Map<Integer, List<String>> upgrades) {
    public Schema(int applicationId, int version, List<String> statements) {
      this(applicationId, version, statements, java.util.Map.of());
    }
  }

  private final Path path;

  /** Guards {@link #writer}. */
  private final ReentrantLock lock = new ReentrantLock(true);

  private final SqliteChannel writer;

  /** Guards {@link #reader}. */
  private final ReentrantLock readLock = new ReentrantLock(true);

  private final SqliteChannel reader;
  private final ExclusiveFile.Held exclusiveUse;
  private final CommitGrouping grouping;
  private volatile boolean closed;

  /**
   * Writes waiting for the transaction that will hold them, in arrival order; guarded by itself.
   */
  private final ArrayDeque<PendingWrite<?>> waiting = new ArrayDeque<>();

  /** Write transactions committed (a group counts once): for tests and the benchmarks. */
  private final AtomicLong commits = new AtomicLong();

  private SqliteDatabase(
      Path path,
      Connection writer,
      Connection reader,
      ExclusiveFile.Held exclusiveUse,
      CommitGrouping grouping) {
    this.path = path;
    this.writer = new SqliteChannel(writer);
    this.reader = new SqliteChannel(reader);
    this.exclusiveUse = exclusiveUse;
    this.grouping = grouping;
  }

  public static SqliteDatabase open(
      Path file, Durability durability, Duration busyTimeout, Schema schema, long maxPageCount) {
    return open(file, durability, busyTimeout, schema, maxPageCount, CommitGrouping.GROUPED);
  }

  public static SqliteDatabase open(
      Path file,
      Durability durability,
      Duration busyTimeout,
      Schema schema,
      long maxPageCount,
      CommitGrouping grouping) {
    Path path = file.toAbsolutePath();
    ExclusiveFile.checkDirectory(path);
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(durability.synchronousPragma()));
    config.setBusyTimeout(Math.toIntExact(busyTimeout.toMillis()));
    // Off in SQLite unless asked for. The project's files declare no foreign key; a schema that
    // does gets them enforced (and a deferred one checked at commit).
    config.enforceForeignKeys(true);
    ExclusiveFile.Held exclusiveUse = ExclusiveFile.lock(path);
    Connection connection;
    try {
      OwnerOnly.createFileIfAbsent(path);
    } catch (java.io.IOException e) {
      ExclusiveFile.release(exclusiveUse);
      throw new dev.codebasechat.sqlite.JournalException(
          dev.codebasechat.sqlite.JournalException.Reason.IO_ERROR,
          path,
          "cannot create the file: " + e,
          e);
    }
    try {
      connection = DriverManager.getConnection("jdbc:sqlite:" + path, config.toProperties());
    } catch (SQLException e) {
      ExclusiveFile.release(exclusiveUse);
      throw Sql.failure(path, "cannot open", e);
    }
    Connection readConnection = null;
    try {
      SchemaCheck.verify(connection, path, schema);
      readConnection = DriverManager.getConnection("jdbc:sqlite:" + path, config.toProperties());
      try (Statement statement = readConnection.createStatement()) {
        statement.execute("PRAGMA query_only=ON");
      }
      SqliteDatabase database =
          new SqliteDatabase(path, connection, readConnection, exclusiveUse, grouping);
      if (maxPageCount > 0) {
        try (Statement statement = connection.createStatement()) {
          statement.execute("PRAGMA max_page_count=" + maxPageCount);
        }
      }
      database.migrate(schema);
      return database;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection, e);
      if (readConnection != null) {
        closeQuietly(readConnection, e);
      }
      ExclusiveFile.release(exclusiveUse);
      if (e instanceof JournalException journalException) {
        throw journalException;
      }
      throw e instanceof SQLException sql
          ? Sql.failure(path, "cannot open", sql)
          : new JournalException(Reason.OTHER, path, "cannot open", e);
    }
  }

  /** Closes {@code connection}; a failure to is kept as a suppressed exception of {@code cause}. */
  private static void closeQuietly(Connection connection, Exception cause) {
    try {
      connection.close();
    } catch (SQLException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  private void migrate(Schema schema) throws SQLException {
    int found = SchemaCheck.pragmaInt(writer.connection, "user_version");
    if (found == schema.version()) {
      return;
    }
    writer.begin("BEGIN IMMEDIATE");
    try (Statement statement = writer.connection.createStatement()) {
      if (found == 0) {
        for (String sql : schema.statements()) {
          statement.execute(sql);
        }
      } else {
        for (int version = found; version < schema.version(); version++) {
          List<String> steps = schema.upgrades().get(version);
          if (steps == null) {
            throw new JournalException(
                Reason.CORRUPT,
                path,
                "no upgrade from schema version " + version + " to " + (version + 1));
          }
          for (String sql : steps) {
            statement.execute(sql);
          }
        }
      }
      statement.execute("PRAGMA application_id=" + schema.applicationId());
      statement.execute("PRAGMA user_version=" + schema.version());
    } catch (SQLException | RuntimeException e) {
      writer.rollbackQuietly(e);
      throw e;
    }
    writer.commit();
  }

  /**
   * Runs {@code work} in one IMMEDIATE transaction and commits it; {@code what} names the operation
   * in the error.
   *
   * @throws JournalException when the transaction cannot be committed; it was rolled back
   */
  public <T> T write(String what, Work<T> work) {
    if (grouping == CommitGrouping.ONE_PER_WRITE) {
      T result = inTransaction(writer, lock, "BEGIN IMMEDIATE", what, work);
      commits.incrementAndGet();
      return result;
    }
    PendingWrite<T> mine = new PendingWrite<>(what, work);
    synchronized (waiting) {
      waiting.add(mine);
    }
    // Whoever holds the connection next commits every write waiting by then, ours included unless
    // the holder before took it along: then there is nothing left to do but to read the outcome.
    lock.lock();
    try {
      if (!mine.done) {
        List<PendingWrite<?>> group;
        synchronized (waiting) {
          group = new ArrayList<>(waiting);
          waiting.clear();
        }
        commitGroup(group);
      }
    } finally {
      lock.unlock();
    }
    return mine.outcome();
  }

  /**
   * One transaction for {@code group}, each write in a savepoint of its own so that a write that
   * fails is undone alone; then one commit. Every write of the group is done on return: with its
   * result once the commit succeeded, else with its own failure or the transaction's.
   */
  private void commitGroup(List<PendingWrite<?>> group) {
    String what = group.get(0).what;
    boolean alone = group.size() == 1;
    try {
      ensureOpen(what);
      writer.begin("BEGIN IMMEDIATE");
      for (PendingWrite<?> write : group) {
        if (alone) {
          write.run(writer.reusing);
          continue;
        }
        writer.execute("SAVEPOINT grouped_write");
        try {
          write.run(writer.reusing);
        } catch (SQLException | RuntimeException e) {
          writer.execute("ROLLBACK TO grouped_write");
          write.fail(translate(write.what, e));
        }
        writer.execute("RELEASE grouped_write");
      }
      writer.commit();
      commits.incrementAndGet();
      group.forEach(PendingWrite::succeed);
    } catch (SQLException | RuntimeException e) {
      writer.rollbackQuietly(e);
      for (PendingWrite<?> write : group) {
        if (!write.done) {
          write.fail(translate(write.what, e));
        }
      }
    } finally {
      for (PendingWrite<?> write : group) {
        if (!write.done) { // an Error escaped: nothing of the group was committed
          write.fail(
              new JournalException(
                  Reason.OTHER, path, write.what + " failed: its transaction was abandoned"));
        }
      }
    }
  }

  private RuntimeException translate(String what, Exception e) {
    return e instanceof SQLException sql
        ? Sql.failure(path, what + " failed", sql)
        : (RuntimeException) e;
  }

  /** Write transactions committed since the file was opened (a group of writes counts once). */
  public long commits() {
    return commits.get();
  }

  /** Threads waiting for the connection now (for tests that line operations up behind one). */
  public int threadsWaitingForTheConnection() {
    return lock.getQueueLength();
  }

  /** Writes waiting for a transaction now (for tests that line writes up behind a commit). */
  public int waitingWrites() {
    synchronized (waiting) {
      return waiting.size();
    }
  }

  /**
   * A write and, once its transaction is over, its outcome. Written by the thread that runs the
   * transaction under {@link #lock}, read by the writer after taking the lock itself.
   */
  private static final class PendingWrite<T> {
    final String what;
    private final Work<T> work;
    private @Nullable T result;
    private @Nullable RuntimeException failure;
    boolean done;

    PendingWrite(String what, Work<T> work) {
      this.what = what;
      this.work = work;
    }

    void run(Connection connection) throws SQLException {
      result = work.run(connection);
    }

    /** Done: with its result, or with its own failure when it failed inside the group. */
    void succeed() {
      done = true;
    }

    void fail(RuntimeException cause) {
      failure = cause;
      done = true;
    }

    @SuppressWarnings("NullAway") // a write's own result may be null (Work<Void>)
    T outcome() {
      if (failure != null) {
        throw failure;
      }
      return result;
    }
  }

  /**
   * Runs {@code work} in one read transaction ({@code BEGIN DEFERRED}: in WAL mode it takes no
   * write lock and sees every write that returned).
   */
  public <T> T read(String what, Work<T> work) {
    return inTransaction(reader, readLock, "BEGIN DEFERRED", what, work);
  }

  /** {@code work} in one transaction of {@code channel}, under {@code guard}, then committed. */
  private <T> T inTransaction(
      SqliteChannel channel, ReentrantLock guard, String begin, String what, Work<T> work) {
    guard.lock();
    try {
      ensureOpen(what);
      try {
        channel.begin(begin);
        T result = work.run(channel.reusing);
        channel.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        channel.rollbackQuietly(e);
        if (e instanceof SQLException sql) {
          throw Sql.failure(path, what + " failed", sql);
        }
        throw (RuntimeException) e;
      }
    } finally {
      guard.unlock();
    }
  }

  private void ensureOpen(String what) {
    if (closed) {
      throw new JournalException(Reason.CLOSED, path, what + " failed: the journal is closed");
    }
  }

  /** Moves the write-ahead log into the database file and truncates the log. */
  public void checkpoint() {
    lock.lock();
    readLock.lock(); // no read holds a snapshot the truncation would have to wait for
    try {
      ensureOpen("checkpoint");
      try {
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (SQLException e) {
        throw Sql.failure(path, "checkpoint failed", e);
      }
    } finally {
      readLock.unlock();
      lock.unlock();
    }
  }

  /** The database file plus its write-ahead log, in bytes. */
  public long fileSize() {
    return sizeOf(path) + sizeOf(path.resolveSibling(path.getFileName() + "-wal"));
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  public Path path() {
    return path;
  }

  /** Idempotent; waits for the operations in progress, then closes the connections. */
  @Override
  public void close() {
    lock.lock();
    readLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      SQLException failure = null;
      for (SqliteChannel channel : List.of(reader, writer)) {
        try {
          channel.close();
        } catch (SQLException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      ExclusiveFile.release(exclusiveUse);
      if (failure != null) {
        throw Sql.failure(path, "close failed", failure);
      }
    } finally {
      readLock.unlock();
      lock.unlock();
    }
  }
}
