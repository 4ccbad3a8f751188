package dev.codebasechat.testing.postgrest;

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
 * limit}, {@code offset}) and every other parameter as a filter {@code column=[not.]op.value}.
 * {@code apikey} is the platform gateway's (it hides it from PostgREST). Logic trees ({@code or=},
 * {@code and=}), embedding and JSON paths are not implemented: they answer PGRST127.
 *
 * <p>Filters become SQL with the value bound as a literal of unknown type, exactly as PostgREST
 * does: PostgreSQL decides how the text converts to the column's type, and an invalid value is its
 * error (e.g. 22P02).
 */
final class QueryParams {
  private static final Set<String> RESERVED =
      Set.of("select", "columns", "on_conflict", "order", "limit", "offset");
  private static final Map<String, String> SIMPLE_OPERATORS =
      Map.ofEntries(
          Map.entry("eq", "="),
          Map.entry("neq", "<>"),
          Map.entry("gt", ">"),
          Map.entry("gte", ">="),
          Map.entry("lt", "<"),
          Map.entry("lte", "<="),
          Map.entry("like", "LIKE"),
          Map.entry("ilike", "ILIKE"),
          Map.entry("match", "~"),
          Map.entry("imatch", "~*"),
          Map.entry("isdistinct", "IS DISTINCT FROM"),
          Map.entry("cs", "@>"),
          Map.entry("cd", "<@"),
          Map.entry("ov", "&&"));
  private static final Map<String, String> IS_VALUES =
      Map.of(
          "null",
          "NULL",
          "not_null",
          "NOT NULL",
          "true",
          "TRUE",
          "false",
          "FALSE",
          "unknown",
          "UNKNOWN");

  /** One filter: {@code column [NOT] op value}. */
  record Filter(String column, boolean negated, String operator, String value) {}

  /** One {@code order} term. */
  record OrderTerm(String column, boolean descending, @Nullable Boolean nullsFirst) {}

  /** One {@code select} item: a column (or {@code *}), an optional alias and cast. */
  record SelectItem(String column, @Nullable String alias, @Nullable String cast) {}

  final List<Map.Entry<String, String>> all;
  final List<SelectItem> select;
  final @Nullable List<String> columns;
  final @Nullable List<String> onConflict;
  final List<OrderTerm> order;
  final OptionalLong limit;
  final long offset;
  final List<Filter> filters;

  private QueryParams(List<Map.Entry<String, String>> all) {
    this.all = all;
    this.select = parseSelect(single("select"));
    String cols = single("columns");
    this.columns = cols == null ? null : names("columns", cols);
    String conflict = single("on_conflict");
    this.onConflict = conflict == null ? null : names("on_conflict", conflict);
    this.order = parseOrder(single("order"));
    String limitText = single("limit");
    this.limit =
        limitText == null ? OptionalLong.empty() : OptionalLong.of(number("limit", limitText));
    String offsetText = single("offset");
    this.offset = offsetText == null ? 0 : number("offset", offsetText);
    List<Filter> parsed = new ArrayList<>();
    for (Map.Entry<String, String> p : all) {
      String key = p.getKey();
      if (RESERVED.contains(key) || key.equals("apikey")) {
        continue;
      }
      if (key.equals("or") || key.equals("and") || key.endsWith(".or") || key.endsWith(".and")) {
        throw PostgrestError.notImplemented("logic trees (" + key + "=)");
      }
      if (key.contains(".") || key.contains("->")) {
        throw PostgrestError.notImplemented(
            "filters on embedded resources or JSON paths (" + key + ")");
      }
      parsed.add(parseFilter(key, p.getValue()));
    }
    this.filters = List.copyOf(parsed);
  }

  static QueryParams parse(@Nullable String rawQuery) {
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
    return new QueryParams(List.copyOf(all));
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

  private static long number(String name, String text) {
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

  private static List<String> names(String what, String list) {
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
        throw PostgrestError.notImplemented(
            "embedding, aggregates and JSON paths in select (" + item + ")");
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
        throw PostgrestError.notImplemented(
            "operator quantifiers and full-text search (" + operator + ")");
      }
      throw PostgrestError.parse(
          "\"failed to parse filter (" + expression + ")\" (line 1, column 1)",
          "unexpected \"" + operator + "\" expecting operator (eq, gt, ...)");
    }
    if (operator.equals("is") && !IS_VALUES.containsKey(value.toLowerCase(Locale.ROOT))) {
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

  /** The SQL of {@code filter} on {@code qualifiedTable} ({@code "schema"."table"}). */
  static Sql toSql(String qualifiedTable, Filter filter) {
    Sql sql = new Sql();
    if (filter.negated()) {
      sql.append("NOT ");
    }
    sql.append(qualifiedTable + "." + Sql.ident(filter.column()) + " ");
    switch (filter.operator()) {
      case "is" -> sql.append("IS " + IS_VALUES.get(filter.value().toLowerCase(Locale.ROOT)));
      case "in" -> sql.append("= ANY (").value(arrayLiteral(inList(filter.value()))).append(")");
      case "like", "ilike" ->
          sql.append(SIMPLE_OPERATORS.get(filter.operator()) + " ")
              .value(filter.value().replace('*', '%'));
      default -> sql.append(SIMPLE_OPERATORS.get(filter.operator()) + " ").value(filter.value());
    }
    return sql;
  }

  /**
   * The elements of {@code (a,"b,c",d)}: quoted elements may hold commas, {@code \"} and {@code
   * \\}.
   */
  static List<String> inList(String value) {
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

  /** A PostgreSQL array literal of {@code elements}, every element quoted: {@code {"a","b\"c"}}. */
  static String arrayLiteral(List<String> elements) {
    StringBuilder literal = new StringBuilder("{");
    for (int i = 0; i < elements.size(); i++) {
      if (i > 0) {
        literal.append(',');
      }
      literal
          .append('"')
          .append(elements.get(i).replace("\\", "\\\\").replace("\"", "\\\""))
          .append('"');
    }
    return literal.append('}').toString();
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

  private static String unquote(String name) {
    if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
      return name.substring(1, name.length() - 1).replace("\\\"", "\"");
    }
    return name;
  }
}
