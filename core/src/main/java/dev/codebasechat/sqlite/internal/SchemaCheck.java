package dev.codebasechat.sqlite.internal;

import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.JournalException.Reason;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether an opened file may be used with a schema: intact ({@code PRAGMA quick_check}), of the
 * same use ({@code PRAGMA application_id}) and not written by a newer version ({@code PRAGMA
 * user_version}). Stateless.
 */
final class SchemaCheck {
  private SchemaCheck() {}

  /**
   * @throws JournalException ({@link Reason#CORRUPT}) naming what is wrong with the file
   */
  static void verify(Connection connection, Path path, SqliteDatabase.Schema schema)
      throws SQLException {

    List<String> problems = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA quick_check")) {
      while (rows.next()) {
        problems.add(rows.getString(1));
      }
    }
    if (!problems.equals(List.of("ok"))) {
      throw new JournalException(
          Reason.CORRUPT, path, "the database fails PRAGMA quick_check: " + problems);
    }
    int applicationId = pragmaInt(connection, "application_id");
    int version = pragmaInt(connection, "user_version");
    if (version == 0 && applicationId == 0 && hasTables(connection)) {
      throw new JournalException(
          Reason.CORRUPT, path, "the file is a SQLite database of some other program");
    }
    if (applicationId != 0 && applicationId != schema.applicationId()) {
      throw new JournalException(
          Reason.CORRUPT,
          path,
          "the file belongs to another use: application_id must be "
              + schema.applicationId()
              + " but was "
              + applicationId);
    }
    if (version > schema.version()) {
      throw new JournalException(
          Reason.NEWER_VERSION,
          path,
          "the file was written by a newer version (schema version "
              + version
              + ", this one reads up to "
              + schema.version()
              + ")");
    }
  }

  private static boolean hasTables(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")) {
      return rows.next() && rows.getInt(1) > 0;
    }
  }

  static int pragmaInt(Connection connection, String name) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA " + name)) {
      return rows.next() ? rows.getInt(1) : 0;
    }
  }
}
