package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One horizontal filter, {@code column=op.value}, of the few forms the fake understands: {@code
 * eq}, {@code neq}, {@code gt}, {@code gte}, {@code lt}, {@code lte}, {@code in.(…)} (elements
 * optionally double-quoted, with {@code \"} and {@code \\} escapes) and {@code is.null} / {@code
 * is.not_null}, each optionally negated with {@code not.}. Anything else is answered with a
 * PGRST100 whose details say so.
 */
final class QueryFilter {

  private final String column;
  private final ColumnType type;
  private final String operator;
  private final boolean negated;
  private final List<String> values;

  private QueryFilter(
      String column, ColumnType type, String operator, boolean negated, List<String> values) {
    this.column = column;
    this.type = type;
    this.operator = operator;
    this.negated = negated;
    this.values = values;
  }

  /**
   * @throws PostgrestErrors.Failure 42703 for an unknown column, PGRST100 for a malformed or
   *     unsupported filter, 22P02 for a value the column's type refuses
   */
  static QueryFilter parse(String column, String raw) {
    if (column.equals(FakeTable.HISTORY)) {
      throw PostgrestErrors.parseError(
          "filter", raw, "the fake does not filter on the computed field " + FakeTable.HISTORY);
    }
    ColumnType type = FakeTable.typeOf(column);
    String rest = raw;
    boolean negated = false;
    if (rest.startsWith("not.")) {
      negated = true;
      rest = rest.substring(4);
    }
    int dot = rest.indexOf('.');
    if (dot < 0) {
      throw PostgrestErrors.parseError(
          "filter", raw, "expecting an operator followed by \".\" and a value");
    }
    String operator = rest.substring(0, dot);
    String value = rest.substring(dot + 1);
    if (type == ColumnType.JSONB && !operator.equals("is")) {
      throw PostgrestErrors.parseError(
          "filter", raw, "the fake filters jsonb columns only with is.null / is.not_null");
    }
    List<String> values =
        switch (operator) {
          case "eq", "neq", "gt", "gte", "lt", "lte" -> List.of(type.canonical(value));
          case "in" -> parseList(raw, value).stream().map(type::canonical).toList();
          case "is" -> List.of(parseIs(raw, value));
          default ->
              throw PostgrestErrors.parseError(
                  "filter",
                  raw,
                  "the fake supports only eq, neq, gt, gte, lt, lte, in and is (operator was \""
                      + operator
                      + "\")");
        };
    return new QueryFilter(column, type, operator, negated, values);
  }

  private static String parseIs(String raw, String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    if (!lower.equals("null") && !lower.equals("not_null")) {
      throw PostgrestErrors.parseError(
          "filter", raw, "the fake supports only is.null and is.not_null");
    }
    return lower;
  }

  /** Reads {@code (a,"b,c","d\"e")}: ends at {@code ,} or {@code )}, quotes protect both. */
  static List<String> parseList(String raw, String list) {
    String body = list.strip();
    if (!body.startsWith("(") || !body.endsWith(")")) {
      throw PostgrestErrors.parseError(
          "filter", raw, "unexpected \"" + body + "\" expecting \"(\"");
    }
    List<String> elements = new ArrayList<>();
    String inner = body.substring(1, body.length() - 1);
    if (inner.isBlank()) {
      return elements;
    }
    int i = 0;
    while (true) {
      StringBuilder element = new StringBuilder();
      while (i < inner.length() && inner.charAt(i) == ' ') {
        i++;
      }
      if (i < inner.length() && inner.charAt(i) == '"') {
        i++;
        boolean closed = false;
        while (i < inner.length()) {
          char c = inner.charAt(i++);
          if (c == '\\' && i < inner.length()) {
            element.append(inner.charAt(i++));
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            element.append(c);
          }
        }
        if (!closed) {
          throw PostgrestErrors.parseError(
              "filter", raw, "unexpected end of input expecting closing quote");
        }
        while (i < inner.length() && inner.charAt(i) == ' ') {
          i++;
        }
        if (i < inner.length() && inner.charAt(i) != ',') {
          throw PostgrestErrors.parseError(
              "filter", raw, "unexpected \"" + inner.charAt(i) + "\" expecting \",\" or \")\"");
        }
      } else {
        while (i < inner.length() && inner.charAt(i) != ',') {
          char c = inner.charAt(i++);
          if (c == '(' || c == ')' || c == '"') {
            throw PostgrestErrors.parseError(
                "filter", raw, "unexpected \"" + c + "\" in an unquoted list element");
          }
          element.append(c);
        }
      }
      elements.add(element.toString());
      if (i >= inner.length()) {
        return elements;
      }
      i++; // the comma
    }
  }

  String column() {
    return column;
  }

  /** Whether {@code row} passes, with SQL's NULL semantics (NULL never equals anything). */
  boolean matches(ObjectNode row) {
    JsonNode stored = row.get(column);
    boolean isNull = stored == null || stored.isNull();
    if (operator.equals("is")) {
      return negated ^ (values.get(0).equals("null") == isNull);
    }
    if (isNull) {
      return false;
    }
    String canonical = type.canonical(stored);
    boolean hit =
        switch (operator) {
          case "eq" -> values.get(0).equals(canonical);
          case "neq" -> !values.get(0).equals(canonical);
          case "gt" -> type.compare(canonical, values.get(0)) > 0;
          case "gte" -> type.compare(canonical, values.get(0)) >= 0;
          case "lt" -> type.compare(canonical, values.get(0)) < 0;
          case "lte" -> type.compare(canonical, values.get(0)) <= 0;
          default -> values.contains(canonical);
        };
    return negated ^ hit;
  }

  /** Whether this filter pins {@code column} to exactly one value ({@code eq}, not negated). */
  boolean isEqualityOn(String name) {
    return column.equals(name) && operator.equals("eq") && !negated;
  }
}
