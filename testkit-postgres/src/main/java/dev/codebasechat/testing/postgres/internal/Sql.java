package dev.codebasechat.testing.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement being built: SQL text with {@code ?} placeholders and their values. Every value is
 * bound as a literal of unknown type ({@code Types.OTHER}), as PostgREST binds filter values, so
 * PostgreSQL infers the type from the column or the cast next to it; values never become SQL text.
 * Identifiers are quoted by {@link #ident}.
 */
final class Sql {
  private final StringBuilder text = new StringBuilder();
  private final List<String> values = new ArrayList<>();

  Sql append(String sql) {
    text.append(sql);
    return this;
  }

  Sql append(Sql other) {
    text.append(other.text);
    values.addAll(other.values);
    return this;
  }

  /** A placeholder bound to {@code value}, an unknown-typed literal. */
  Sql value(String value) {
    text.append('?');
    values.add(value);
    return this;
  }

  /** A double-quoted identifier: {@code "na""me"}. */
  static String ident(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  PreparedStatement prepare(Connection connection) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(text.toString());
    for (int i = 0; i < values.size(); i++) {
      statement.setObject(i + 1, values.get(i), Types.OTHER);
    }
    return statement;
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
