package dev.codebasechat.sqlite.internal;

import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.JournalException.Reason;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteException;

/** The statements works run on a connection, and what a SQLite error means. Stateless. */
public final class Sql {
  private Sql() {}

  /** {@code sql} prepared with {@code parameters} bound in order. */
  public static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  /** {@code UPDATE}/{@code DELETE}/{@code INSERT} with parameters; the number of rows changed. */
  public static int update(Connection connection, String sql, @Nullable Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = prepare(connection, sql, parameters)) {
      return statement.executeUpdate();
    }
  }

  /** A query returning one number (0 when it returns no row or null). */
  public static long queryLong(Connection connection, String sql, @Nullable Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = prepare(connection, sql, parameters);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getLong(1) : 0;
    }
  }

  /** Translates a SQLite error into a journal failure that names the file and the cause. */
  public static JournalException failure(Path path, String what, SQLException e) {
    int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
    Reason reason =
        switch (code) {
          case 13 -> Reason.DISK_FULL; // SQLITE_FULL
          case 10 -> Reason.IO_ERROR; // SQLITE_IOERR
          case 8, 14, 3 -> Reason.READ_ONLY; // SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM
          case 11, 26 -> Reason.CORRUPT; // SQLITE_CORRUPT, SQLITE_NOTADB
          case 5, 6 -> Reason.BUSY; // SQLITE_BUSY, SQLITE_LOCKED
          default -> Reason.OTHER;
        };
    return new JournalException(reason, path, what + ": " + e.getMessage(), e);
  }
}
