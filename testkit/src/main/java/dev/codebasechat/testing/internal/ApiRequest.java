package dev.codebasechat.testing.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The query string of one request as PostgREST reads it (reference/postgrest.md §1.3, §1.5): the
 * reserved parameters ({@code select}, {@code columns}, {@code on_conflict}, {@code order}, {@code
 * limit}, {@code offset}) and every other parameter as a filter {@code column=[not.]op.value}, the
 * value kept as text for the backend to read into the column's type (PostgreSQL binds it as a
 * literal of unknown type). {@code apikey} is the platform gateway's (it hides it from PostgREST).
 * Logic trees ({@code or=}, {@code and=}), embedding and JSON paths are not implemented: PGRST127.
 * Immutable.
 */
public final class ApiRequest {
  private static final Set<String> RESERVED =
      Set.of("select", "columns", "on_conflict", "order", "limit", "offset");

  /** The operators with one value, and their SQL. */
  public static final Map<String, String> SIMPLE_OPERATORS =
      pairs(
          "eq = neq <> gt > gte >= lt < lte <= like LIKE ilike ILIKE match ~ imatch ~*"
              + " isdistinct IS_DISTINCT_FROM cs @> cd <@ ov &&");

  /** The values of {@code is}; the SQL of each is its upper case, {@code _} a space. */
  public static final Set<String> IS_VALUES =
      Set.of("null", "not_null", "true", "false", "unknown");

  /** One filter: {@code column [NOT] op value}; {@code operator} in lower case. */
  public record Filter(String column, boolean negated, String operator, String value) {}

  /** One {@code order} term. */
  public record OrderTerm(String column, boolean descending, @Nullable Boolean nullsFirst) {}

  /** One {@code select} item: a column (or {@code *}), an optional alias and cast. */
  public record SelectItem(String column, @Nullable String alias, @Nullable String cast) {}

  private final List<Map.Entry<String, String>> all;
  public final List<SelectItem> select;
  public final @Nullable List<String> columns;
  public final @Nullable List<String> onConflict;
  public final List<OrderTerm> order;
  public final OptionalLong limit;
  public final long offset;
  public final List<Filter> filters;

  /** The grammar of the decoded parameters {@code all} (see {@link #parameters}). */
  ApiRequest(List<Map.Entry<String, String>> all) {
    this.all = all;
    this.select = parseSelect(single("select"));
    this.columns = names("columns");
    this.onConflict = names("on_conflict");
    this.order = parseOrder(single("order"));
    String limitText = single("limit");
    this.limit = limitText == null ? OptionalLong.empty() : OptionalLong.of(number("limit"));
    this.offset = single("offset") == null ? 0 : number("offset");
    List<Filter> parsed = new ArrayList<>();
    for (Map.Entry<String, String> p : all) {
      String key = p.getKey();
      if (RESERVED.contains(key) || key.equals("apikey")) {
        continue;
      }
      if (key.equals("or") || key.equals("and") || key.endsWith(".or") || key.endsWith(".and")) {
        throw notImplemented("logic trees (" + key + "=)");
      }
      if (key.contains(".") || key.contains("->")) {
        throw notImplemented("filters on embedded resources or JSON paths (" + key + ")");
      }
      parsed.add(parseFilter(key, p.getValue()));
    }
    this.filters = List.copyOf(parsed);
  }

  /** The parameters of {@code rawQuery}, percent-decoded, in order. */
  static List<Map.Entry<String, String>> parameters(@Nullable String rawQuery) {
    List<Map.Entry<String, String>> all = new ArrayList<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        all.add(Map.entry(decode(key), decode(value)));
      }
    }
    return List.copyOf(all);
  }

  private static String decode(String text) {
    // Percent-escapes only: PostgREST keeps a literal '+' as '+'.
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw PostgrestError.parse("failed to parse query string", "invalid percent-encoding");
    }
  }

  private @Nullable String single(String name) {
    String found = null;
    for (Map.Entry<String, String> p : all) {
      if (p.getKey().equals(name)) {
        found = p.getValue(); // PostgREST takes the last occurrence of a reserved parameter
      }
    }
    return found;
  }

  private long number(String name) {
    String text = String.valueOf(single(name));
    try {
      long value = Long.parseLong(text.strip());
      if (value < 0) {
        throw PostgrestError.of(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            name + " must not be negative",
            null);
      }
      return value;
    } catch (NumberFormatException e) {
      throw PostgrestError.parse(
          "failed to parse " + name + " parameter (" + text + ")",
          "expecting a non-negative integer");
    }
  }

  private @Nullable List<String> names(String what) {
    String list = single(what);
    if (list == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (String item : splitTopLevel(list)) {
      String name = unquote(item.strip());
      if (name.isEmpty()) {
        throw PostgrestError.parse(
            "failed to parse " + what + " parameter (" + list + ")", "empty column name");
      }
      names.add(name);
    }
    return List.copyOf(names);
  }

  private static List<SelectItem> parseSelect(@Nullable String select) {
    if (select == null || select.isBlank()) {
      return List.of(new SelectItem("*", null, null));
    }
    List<SelectItem> items = new ArrayList<>();
    for (String raw : splitTopLevel(select)) {
      String item = raw.strip();
      if (item.contains("(") || item.contains("->") || item.startsWith("...")) {
        throw notImplemented("embedding, aggregates and JSON paths in select (" + item + ")");
      }
      String alias = null;
      int colon = item.indexOf(':');
      if (colon >= 0 && !item.startsWith("::", colon)) {
        alias = unquote(item.substring(0, colon).strip());
        item = item.substring(colon + 1).strip();
      }
      String cast = null;
      int castAt = item.indexOf("::");
      if (castAt >= 0) {
        cast = item.substring(castAt + 2).strip();
        item = item.substring(0, castAt).strip();
        if (!cast.matches("[A-Za-z_][A-Za-z0-9_ ]*(\\[\\])?")) {
          throw PostgrestError.parse(
              "failed to parse select parameter (" + select + ")", "invalid cast " + cast);
        }
      }
      String column = item.equals("*") ? "*" : unquote(item);
      if (column.isEmpty()) {
        throw PostgrestError.parse(
            "failed to parse select parameter (" + select + ")", "empty column name");
      }
      items.add(new SelectItem(column, alias, cast));
    }
    return List.copyOf(items);
  }

  private static List<OrderTerm> parseOrder(@Nullable String order) {
    if (order == null) {
      return List.of();
    }
    List<OrderTerm> terms = new ArrayList<>();
    for (String raw : splitTopLevel(order)) {
      String[] parts = raw.strip().split("\\.", -1);
      String column = unquote(parts[0]);
      boolean descending = false;
      Boolean nullsFirst = null;
      for (int i = 1; i < parts.length; i++) {
        switch (parts[i]) {
          case "asc" -> descending = false;
          case "desc" -> descending = true;
          case "nullsfirst" -> nullsFirst = true;
          case "nullslast" -> nullsFirst = false;
          default ->
              throw PostgrestError.parse(
                  "\"failed to parse order ("
                      + order
                      + ")\" (line 1, column "
                      + (raw.indexOf(parts[i]) + 1)
                      + ")",
                  "unexpected \""
                      + parts[i]
                      + "\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"");
        }
      }
      if (column.isEmpty()) {
        throw PostgrestError.parse("failed to parse order (" + order + ")", "empty column name");
      }
      terms.add(new OrderTerm(column, descending, nullsFirst));
    }
    return List.copyOf(terms);
  }

  private static Filter parseFilter(String column, String expression) {
    String rest = expression;
    boolean negated = false;
    if (rest.startsWith("not.")) {
      negated = true;
      rest = rest.substring(4);
    }
    int dot = rest.indexOf('.');
    if (dot < 0) {
      throw PostgrestError.parse(
          "\"failed to parse filter ("
              + expression
              + ")\" (line 1, column "
              + (expression.length() + 1)
              + ")",
          "unexpected end of input expecting operator (eq, gt, ...)");
    }
    String operator = rest.substring(0, dot).toLowerCase(Locale.ROOT);
    String value = rest.substring(dot + 1);
    if (!operator.equals("in")
        && !operator.equals("is")
        && !SIMPLE_OPERATORS.containsKey(operator)) {
      if (operator.contains("(")) {
        throw notImplemented("operator quantifiers and full-text search (" + operator + ")");
      }
      throw PostgrestError.parse(
          "\"failed to parse filter (" + expression + ")\" (line 1, column 1)",
          "unexpected \"" + operator + "\" expecting operator (eq, gt, ...)");
    }
    if (operator.equals("is") && !IS_VALUES.contains(value.toLowerCase(Locale.ROOT))) {
      throw PostgrestError.parse(
          "\"failed to parse filter ("
              + expression
              + ")\" (line 1, column "
              + (expression.indexOf('.') + 2)
              + ")",
          "unexpected \"" + value + "\" expecting null or trilean value (unknown, true, false)");
    }
    return new Filter(unquote(column), negated, operator, value);
  }

  /**
   * The elements of {@code (a,"b,c",d)}: quoted elements may hold commas, {@code \"} and {@code
   * \\}.
   */
  public static List<String> inList(String value) {
    String v = value.strip();
    if (!v.startsWith("(") || !v.endsWith(")")) {
      throw PostgrestError.parse(
          "\"failed to parse filter (in." + value + ")\" (line 1, column 4)",
          "unexpected \"" + v + "\" expecting \"(\"");
    }
    String inner = v.substring(1, v.length() - 1);
    List<String> elements = new ArrayList<>();
    if (inner.isBlank()) {
      return elements;
    }
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (quoted) {
        if (c == '\\' && i + 1 < inner.length()) {
          current.append(inner.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        } else {
          current.append(c);
        }
      } else if (c == '"' && current.toString().isBlank()) {
        quoted = true;
        wasQuoted = true;
        current.setLength(0);
      } else if (c == ',') {
        elements.add(wasQuoted ? current.toString() : current.toString().strip());
        current.setLength(0);
        wasQuoted = false;
      } else if (!(wasQuoted && Character.isWhitespace(c))) {
        current.append(c);
      }
    }
    if (quoted) {
      throw PostgrestError.parse(
          "\"failed to parse filter (in." + value + ")\"",
          "unexpected end of input expecting '\"'");
    }
    elements.add(wasQuoted ? current.toString() : current.toString().strip());
    return elements;
  }

  /** Splits on commas outside double quotes. */
  private static List<String> splitTopLevel(String list) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == ',' && !quoted) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }

  /** {@code "key value key value …"}, an underscore in a value standing for a space. */
  private static Map<String, String> pairs(String keysAndValues) {
    String[] words = keysAndValues.split(" ");
    Map<String, String> map = new java.util.HashMap<>();
    for (int i = 0; i < words.length; i += 2) {
      map.put(words[i], words[i + 1].replace('_', ' '));
    }
    return Map.copyOf(map);
  }

  private static PostgrestError notImplemented(String what) {
    return PostgrestError.notImplemented(what + " (not implemented by the test kit)");
  }

  private static String unquote(String name) {
    if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
      return name.substring(1, name.length() - 1).replace("\\\"", "\"");
    }
    return name;
  }
}
