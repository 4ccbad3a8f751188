package dev.codebasechat.postgrest;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Names that become part of a query's shape (tables, functions, columns, select lists) come from
 * code, never from callers' data; these checks make that a rule rather than a hope.
 */
final class Identifiers {
  /** A plain SQL identifier as PostgREST takes it unquoted (PostgreSQL's 63-byte limit). */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /**
   * A select list: names, {@code *}, aliases {@code a:b}, casts {@code ::text}, JSON paths {@code
   * ->}/{@code ->>}, embeddings {@code rel(*)} and {@code !inner}. No quotes, no {@code &}, {@code
   * =}, {@code #} or {@code %}.
   */
  private static final Pattern SELECT = Pattern.compile("[A-Za-z0-9_*,:.()>!\\-]{1,4096}");

  /**
   * Query keys PostgREST reads as something other than a filter ([P-QP]): a filter on a column with
   * one of these names would silently become paging, ordering or a logic tree.
   */
  private static final Set<String> RESERVED =
      Set.of("select", "columns", "on_conflict", "order", "limit", "offset", "and", "or");

  private Identifiers() {}

  /** A column used as a filter key: a plain identifier that PostgREST does not reserve. */
  static String filterColumn(String column) {
    name(column, "column");
    if (RESERVED.contains(column)) {
      throw new IllegalArgumentException(
          "column \"" + column + "\" is a reserved PostgREST query key and cannot be filtered on");
    }
    return column;
  }

  static String name(String name, String what) {
    Objects.requireNonNull(name, () -> what + " must not be null");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " must match " + NAME.pattern() + " but was \"" + printable(name) + "\"");
    }
    return name;
  }

  static String selectList(String columns) {
    Objects.requireNonNull(columns, "columns must not be null");
    String stripped = columns.replaceAll("\\s+", "");
    if (stripped.isEmpty()) {
      return "*";
    }
    if (!SELECT.matcher(stripped).matches()) {
      throw new IllegalArgumentException(
          "columns must match " + SELECT.pattern() + " but was \"" + printable(stripped) + "\"");
    }
    return stripped;
  }

  /** Names come from code, so echoing them is safe; still keep messages short and one line. */
  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
