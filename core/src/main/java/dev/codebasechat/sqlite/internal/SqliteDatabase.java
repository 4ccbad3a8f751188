package dev.codebasechat.sqlite.internal;

import dev.codebasechat.sqlite.CommitGrouping;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.JournalException.Reason;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite file opened for this package: WAL mode, the chosen {@code synchronous} level, a busy
 * timeout, and a single connection used by one thread at a time under a fair lock. Every {@link
 * #write} is one {@code BEGIN IMMEDIATE … COMMIT} transaction that has committed (and, with {@link
 * Durability#FULL}, been fsynced) before it returns; a failure rolls back and surfaces as a {@link
 * JournalException} naming the file. Reads use the same connection under the same lock, so they see
 * every write that returned.
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
  private final ReentrantLock lock = new ReentrantLock(true);
  private final Connection connection;
  private final FileLock exclusiveUse;
  private final CommitGrouping grouping;
  private boolean closed;
  private boolean transactionOpen;

  /**
   * Writes waiting for the transaction that will hold them, in arrival order; guarded by itself.
   */
  private final ArrayDeque<PendingWrite<?>> waiting = new ArrayDeque<>();

  /**
   * Prepared statements kept for reuse, by SQL, while no work uses them; guarded by {@link #lock}.
   * Preparing a statement costs SQLite a parse and a plan on every write otherwise.
   */
  private final Map<String, ArrayDeque<PreparedStatement>> idleStatements = new HashMap<>();

  /** The connection as works see it: {@code prepareStatement(sql)} reuses kept statements. */
  private final Connection reusing;

  /** Write transactions committed (a group counts once): for tests and the benchmarks. */
  private final AtomicLong commits = new AtomicLong();

  private SqliteDatabase(
      Path path, Connection connection, FileLock exclusiveUse, CommitGrouping grouping) {
    this.path = path;
    this.connection = connection;
    this.exclusiveUse = exclusiveUse;
    this.grouping = grouping;
    this.reusing =
        (Connection)
            Proxy.newProxyInstance(
                SqliteDatabase.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) ->
                    method.getName().equals("prepareStatement")
                            && args != null
                            && args.length == 1
                            && args[0] instanceof String sql
                        ? borrow(sql)
                        : invoke(connection, method, args));
  }

  /**
   * A kept statement of {@code sql} (or a new one), whose {@code close()} clears it and keeps it
   * again. Only under {@link #lock}, as every work runs.
   */
  private PreparedStatement borrow(String sql) throws SQLException {
    ArrayDeque<PreparedStatement> idle =
        idleStatements.computeIfAbsent(sql, k -> new ArrayDeque<>());
    PreparedStatement kept = idle.poll();
    PreparedStatement statement = kept != null ? kept : connection.prepareStatement(sql);
    boolean[] returned = {false};
    return (PreparedStatement)
        Proxy.newProxyInstance(
            SqliteDatabase.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "close" -> {
                  if (!returned[0]) {
                    returned[0] = true;
                    // Closing its result resets the statement: SQLite counts one left stepping
                    // as a statement in progress, which blocks the next COMMIT.
                    ResultSet open = statement.getResultSet();
                    if (open != null) {
                      open.close();
                    }
                    statement.clearParameters();
                    idle.push(statement);
                  }
                  return null;
                }
                case "isClosed" -> {
                  return returned[0] || statement.isClosed();
                }
                default -> {
                  if (returned[0]) {
                    throw new SQLException("statement is closed");
                  }
                  return invoke(statement, method, args);
                }
              }
            });
  }

  private static @Nullable Object invoke(Object target, Method method, @Nullable Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
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
    FileLock exclusiveUse = ExclusiveFile.lock(path);
    Connection connection;
    try {
      connection = DriverManager.getConnection("jdbc:sqlite:" + path, config.toProperties());
    } catch (SQLException e) {
      ExclusiveFile.release(exclusiveUse);
      throw Sql.failure(path, "cannot open", e);
    }
    SqliteDatabase database = new SqliteDatabase(path, connection, exclusiveUse, grouping);
    try {
      SchemaCheck.verify(connection, path, schema);
      if (maxPageCount > 0) {
        try (Statement statement = connection.createStatement()) {
          statement.execute("PRAGMA max_page_count=" + maxPageCount);
        }
      }
      database.migrate(schema);
      return database;
    } catch (SQLException | RuntimeException e) {
      try {
        connection.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
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

  private void migrate(Schema schema) throws SQLException {
    int found = SchemaCheck.pragmaInt(connection, "user_version");
    if (found == schema.version()) {
      return;
    }
    execute("BEGIN IMMEDIATE");
    transactionOpen = true;
    try (Statement statement = connection.createStatement()) {
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
      rollbackQuietly(e);
      throw e;
    }
    commit();
  }

  /**
   * Runs {@code work} in one IMMEDIATE transaction and commits it; {@code what} names the operation
   * in the error.
   *
   * @throws JournalException when the transaction cannot be committed; it was rolled back
   */
  public <T> T write(String what, Work<T> work) {
    if (grouping == CommitGrouping.ONE_PER_WRITE) {
      T result = inTransaction("BEGIN IMMEDIATE", what, work);
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
      execute("BEGIN IMMEDIATE");
      transactionOpen = true;
      for (PendingWrite<?> write : group) {
        if (alone) {
          write.run(reusing);
          continue;
        }
        execute("SAVEPOINT grouped_write");
        try {
          write.run(reusing);
        } catch (SQLException | RuntimeException e) {
          execute("ROLLBACK TO grouped_write");
          write.fail(translate(write.what, e));
        }
        execute("RELEASE grouped_write");
      }
      commit();
      commits.incrementAndGet();
      group.forEach(PendingWrite::succeed);
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(e);
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
    return inTransaction("BEGIN DEFERRED", what, work);
  }

  /*
   * The connection stays in JDBC auto-commit mode and transactions are opened by hand: sqlite-jdbc's
   * own transaction handling (auto-commit off) begins the next transaction right after each commit,
   * which would hold the file's write lock between operations and block every other process.
   */
  private <T> T inTransaction(String begin, String what, Work<T> work) {
    lock.lock();
    try {
      ensureOpen(what);
      try {
        execute(begin);
        transactionOpen = true;
        T result = work.run(reusing);
        commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(e);
        if (e instanceof SQLException sql) {
          throw Sql.failure(path, what + " failed", sql);
        }
        throw (RuntimeException) e;
      }
    } finally {
      lock.unlock();
    }
  }

  private void commit() throws SQLException {
    execute("COMMIT");
    transactionOpen = false;
  }

  private void execute(String sql) throws SQLException {
    try (PreparedStatement statement = borrow(sql)) {
      statement.execute();
    }
  }

  /**
   * Undoes the transaction opened by {@link #inTransaction}, if one is open. SQLite may already
   * have rolled it back by itself (after some I/O and full-disk errors); the "no transaction is
   * active" answer then is kept as a suppressed exception, for the record.
   */
  private void rollbackQuietly(Exception cause) {
    if (!transactionOpen) {
      return;
    }
    transactionOpen = false;
    try {
      execute("ROLLBACK");
    } catch (SQLException e) {
      cause.addSuppressed(e);
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
    try {
      ensureOpen("checkpoint");
      try {
        execute("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (SQLException e) {
        throw Sql.failure(path, "checkpoint failed", e);
      }
    } finally {
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

  /** Idempotent; waits for the operation in progress, then closes the connection. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        for (ArrayDeque<PreparedStatement> idle : idleStatements.values()) {
          for (PreparedStatement statement : idle) {
            statement.close();
          }
        }
        idleStatements.clear();
        connection.close();
      } catch (SQLException e) {
        throw Sql.failure(path, "close failed", e);
      } finally {
        ExclusiveFile.release(exclusiveUse);
      }
    } finally {
      lock.unlock();
    }
  }
}
