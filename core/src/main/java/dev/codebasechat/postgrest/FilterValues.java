package dev.codebasechat.postgrest;

import java.util.Collection;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Renders filter operands. Top-level values ({@code eq.VALUE}) are taken verbatim by PostgREST up
 * to the end of the (URL-decoded) parameter, so they need no quoting; OkHttp's query encoder stops
 * {@code &}, {@code =} and {@code #} from starting a new parameter. Elements of {@code in.(…)} end
 * at {@code ,} or {@code )}, so each one is always double-quoted with {@code \} and {@code "}
 * escaped (reference/postgrest.md §1.5–1.6).
 */
final class FilterValues {
  private FilterValues() {}

  static String scalar(String column, Object value) {
    Objects.requireNonNull(
        value, () -> "value for " + column + " must not be null; use is(column, IsValue.NULL)");
    return String.valueOf(value);
  }

  static String list(String column, Collection<?> values) {
    Objects.requireNonNull(values, () -> "values for " + column + " must not be null");
    StringJoiner joined = new StringJoiner(",", "(", ")");
    for (Object v : values) {
      joined.add(quoted(scalar(column, v)));
    }
    return joined.toString();
  }

  static String quoted(String raw) {
    StringBuilder sb = new StringBuilder(raw.length() + 2).append('"');
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }
}
