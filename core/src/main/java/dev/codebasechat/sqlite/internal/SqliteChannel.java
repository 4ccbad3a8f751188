package dev.codebasechat.sqlite.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One connection to a SQLite file, its prepared statements kept for reuse, and whether it has a
 * transaction open. Not thread-safe: its owner ({@link SqliteDatabase}) uses it under one lock.
 *
 * <p>The connection stays in JDBC auto-commit mode and transactions are opened by hand:
 * sqlite-jdbc's own transaction handling (auto-commit off) begins the next transaction right after
 * each commit, which would hold the file's write lock between operations and block every other
 * process.
 */
final class SqliteChannel {
  final Connection connection;

  /**
   * Prepared statements kept for reuse, by SQL, while no work uses them. Preparing a statement
   * costs SQLite a parse and a plan on every use otherwise.
   */
  private final Map<String, ArrayDeque<PreparedStatement>> idleStatements = new HashMap<>();

  /** The connection as works see it: {@code prepareStatement(sql)} reuses kept statements. */
  final Connection reusing;

  boolean transactionOpen;

  SqliteChannel(Connection connection) {
    this.connection = connection;
    this.reusing =
        (Connection)
            Proxy.newProxyInstance(
                SqliteChannel.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) ->
                    method.getName().equals("prepareStatement")
                            && args != null
                            && args.length == 1
                            && args[0] instanceof String sql
                        ? borrow(sql)
                        : invoke(connection, method, args));
  }

  /** A kept statement of {@code sql} (or a new one), whose {@code close()} keeps it again. */
  private PreparedStatement borrow(String sql) throws SQLException {
    ArrayDeque<PreparedStatement> idle =
        idleStatements.computeIfAbsent(sql, k -> new ArrayDeque<>());
    PreparedStatement kept = idle.poll();
    PreparedStatement statement = kept != null ? kept : connection.prepareStatement(sql);
    boolean[] returned = {false};
    return (PreparedStatement)
        Proxy.newProxyInstance(
            SqliteChannel.class.getClassLoader(),
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

  void execute(String sql) throws SQLException {
    try (PreparedStatement statement = borrow(sql)) {
      statement.execute();
    }
  }

  void begin(String begin) throws SQLException {
    execute(begin);
    transactionOpen = true;
  }

  void commit() throws SQLException {
    execute("COMMIT");
    transactionOpen = false;
  }

  /**
   * Undoes the open transaction, if any. SQLite may already have rolled it back by itself (after
   * some I/O and full-disk errors); the "no transaction is active" answer then is kept as a
   * suppressed exception of {@code cause}, for the record.
   */
  void rollbackQuietly(Exception cause) {
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

  /** Closes the kept statements and the connection. */
  void close() throws SQLException {
    for (ArrayDeque<PreparedStatement> idle : idleStatements.values()) {
      for (PreparedStatement statement : idle) {
        statement.close();
      }
    }
    idleStatements.clear();
    connection.close();
  }
}
