package dev.codebasechat.testing.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The query string of one request as PostgREST reads it (reference/postgrest.md §1.3, §1.5): the
 * reserved parameters ({@code select}, {@code columns}, {@code on_conflict}, {@code order}, {@code
 * limit}, {@code offset}) and every other parameter as a filter {@code column=[not.]op.value}, the
 * value kept as text for the backend to read into the column's type (PostgreSQL binds it as a
 * literal of unknown type). {@code apikey} is the platform gateway's (it hides it from PostgREST).
 * As http-types splits and decodes it: at {@code &} and {@code ;}, {@code +} is a space, a {@code
 * %} not followed by two hex digits stays; a parameter without {@code =} is no filter. {@code
 * select}, {@code columns}, {@code on_conflict} and {@code order} are read from their first
 * occurrence, {@code limit} and {@code offset} from their last. Logic trees ({@code or=}, {@code
 * and=}), embedding, full-text and range operators and JSON paths are not implemented: PGRST127.
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

  /** One parameter of the query string; {@code value} null when it had no {@code =}. */
  public record Param(String key, @Nullable String value) {}

  /** An aggregate in a select item: {@code count()} or {@code column.sum()} and the like. */
  private static final Pattern AGGREGATE = Pattern.compile("(^|[.:])(count|sum|avg|max|min)\\(\\)");

  /** Operators PostgREST reads that the kit does not implement (full-text search, ranges). */
  private static final Set<String> UNIMPLEMENTED_OPERATORS =
      Set.of("fts", "plfts", "phfts", "wfts", "sl", "sr", "nxr", "nxl", "adj");

  /**
   * One filter: {@code column [NOT] op value}; for {@code is} the value is the word read, in lower
   * case ({@code null}, {@code not_null}, {@code true}, {@code false}, {@code unknown}).
   */
  public record Filter(String column, boolean negated, String operator, String value) {}

  /** One {@code order} term. */
  public record OrderTerm(String column, boolean descending, @Nullable Boolean nullsFirst) {}

  /** One {@code select} item: a column (or {@code *}), an optional alias and cast. */
  public record SelectItem(String column, @Nullable String alias, @Nullable String cast) {}

  /** The {@code select} of a request that names none. */
  public static final List<SelectItem> SELECT_ALL = List.of(new SelectItem("*", null, null));

  private final List<Param> all;
  public final List<SelectItem> select;
  public final @Nullable List<String> columns;
  public final @Nullable List<String> onConflict;
  public final List<OrderTerm> order;

  /** The last {@code limit} and {@code offset} given, as written; null when absent. */
  final @Nullable String limit;

  final @Nullable String offset;
  public final List<Filter> filters;

  /**
   * A function's arguments in the query string of a GET or HEAD call: every parameter whose value
   * reads as no filter, by name, as text.
   */
  public final Map<String, String> arguments;

  /**
   * The grammar of the decoded parameters {@code all} (see {@link #parameters}); {@code
   * postgrestMajor} picks what the {@code is} operator reads; {@code functionRead}: a GET or HEAD
   * call, whose parameters are arguments unless they read as filters.
   */
  ApiRequest(List<Param> all, int postgrestMajor, boolean functionRead) {
    this.all = all;
    // In PostgREST's order of parsing, which decides the error when several are bad.
    this.order = parseOrder(firstGiven("order"));
    this.columns = names("columns");
    this.select = parseSelect(first("select"));
    this.limit = lastGiven("limit");
    this.offset = lastGiven("offset");
    List<Filter> parsed = new ArrayList<>();
    Map<String, String> read = new LinkedHashMap<>();
    for (Param p : all) {
      String key = p.key();
      if (RESERVED.contains(key) || key.equals("apikey") || p.value() == null) {
        continue;
      }
      if (key.equals("or") || key.equals("and") || key.endsWith(".or") || key.endsWith(".and")) {
        throw notImplemented("logic trees (" + key + "=)");
      }
      if (key.contains(".") || key.contains("->")) {
        throw notImplemented("filters on embedded resources or JSON paths (" + key + ")");
      }
      try {
        parsed.add(parseFilter(key, p.value(), postgrestMajor));
      } catch (PostgrestError e) {
        if (!functionRead || !e.code().equals("PGRST100")) {
          throw e;
        }
        read.put(key, p.value()); // PostgREST's NoOpExpr: an argument
      }
    }
    this.filters = List.copyOf(parsed);
    this.arguments = Collections.unmodifiableMap(read);
    this.onConflict = names("on_conflict");
  }

  /**
   * The parameters of {@code rawQuery} as http-types' {@code parseQueryReplacePlus True} reads
   * them: split at {@code &} and {@code ;}, decoded, in order.
   */
  static List<Param> parameters(@Nullable String rawQuery) {
    List<Param> all = new ArrayList<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("[&;]", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        all.add(new Param(decode(key), eq < 0 ? null : decode(pair.substring(eq + 1))));
      }
    }
    return List.copyOf(all);
  }

  /** {@code urlDecode True}: {@code +} is a space; a {@code %} without two hex digits stays. */
  static String decode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (b == '+') {
        out.write(' ');
      } else if (b == '%'
          && i + 2 < bytes.length
          && HexFormat.isHexDigit(bytes[i + 1])
          && HexFormat.isHexDigit(bytes[i + 2])) {
        out.write(Character.digit(bytes[i + 1], 16) * 16 + Character.digit(bytes[i + 2], 16));
        i += 2;
      } else {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The value of the first parameter named {@code name}; null when absent or without a value. */
  private @Nullable String first(String name) {
    return all.stream()
        .filter(p -> p.key().equals(name))
        .findFirst()
        .map(Param::value)
        .orElse(null);
  }

  /** The value of the first parameter named {@code name} that has one. */
  private @Nullable String firstGiven(String name) {
    return all.stream()
        .filter(p -> p.key().equals(name) && p.value() != null)
        .findFirst()
        .map(Param::value)
        .orElse(null);
  }

  private @Nullable String lastGiven(String name) {
    String found = null;
    for (Param p : all) {
      if (p.key().equals(name) && p.value() != null) {
        found = p.value();
      }
    }
    return found;
  }

  /** Whether {@code limit} or {@code offset} is given: what writes and calls refuse. */
  boolean paged() {
    return limit != null || offset != null;
  }

  private @Nullable List<String> names(String what) {
    String list = first(what);
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
      return SELECT_ALL;
    }
    List<SelectItem> items = new ArrayList<>();
    for (String raw : splitTopLevel(select)) {
      String item = raw.strip();
      if (AGGREGATE.matcher(item).find()) {
        // Supabase leaves db-aggregates-enabled off.
        throw PostgrestError.of(
            400, "PGRST123", "Use of aggregate functions is not allowed", null, null);
      }
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

  /**
   * {@code pOrder}: terms {@code column[.asc|.desc][.nullsfirst|.nullslast]} separated by commas,
   * with Parsec's errors: the column of the failure and the character it met.
   */
  private static List<OrderTerm> parseOrder(@Nullable String order) {
    if (order == null) {
      return List.of();
    }
    List<OrderTerm> terms = new ArrayList<>();
    int start = 0; // index of this term in order
    for (String raw : splitTopLevel(order)) {
      if (raw.contains("->") || raw.contains("(")) {
        throw notImplemented("JSON paths and embedded resources in order (" + raw + ")");
      }
      int dot = raw.indexOf('.');
      String column = unquote((dot < 0 ? raw : raw.substring(0, dot)).strip());
      if (column.isEmpty()) {
        throw orderError(order, start, unexpected(order, start), "field name (* or [a..z0..9_$])");
      }
      int at = start + (dot < 0 ? raw.length() : dot); // the character after what was read
      int end = start + raw.length();
      Boolean descending = null;
      Boolean nullsFirst = null;
      String word = at < end ? order.substring(at + 1, end) : "";
      for (String direction : List.of("asc", "desc")) {
        if (at < end && word.startsWith(direction)) {
          descending = direction.equals("desc");
          at += 1 + direction.length();
        }
      }
      word = at < end ? order.substring(at + 1, end) : "";
      for (String nulls : List.of("nullsfirst", "nullslast")) {
        if (at < end && order.charAt(at) == '.' && word.startsWith(nulls)) {
          nullsFirst = nulls.equals("nullsfirst");
          at += 1 + nulls.length();
        }
      }
      if (at < end) {
        if (nullsFirst != null) {
          throw orderError(order, at, "'" + order.charAt(at) + "'", "\",\" or end of input");
        }
        if (order.charAt(at) != '.') {
          throw orderError(
              order, at, "'" + order.charAt(at) + "'", "delimiter (.), \",\" or end of input");
        }
        // Each modifier was tried after the '.': Parsec reports the first one's mismatch there.
        String expected = descending == null ? "asc" : "nullsfirst";
        int mismatch = at + 1 + commonPrefix(order.substring(at + 1, end), expected);
        throw orderError(
            order,
            at + 1,
            unexpected(order, Math.min(mismatch, end)),
            descending == null
                ? "\"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""
                : "\"nullsfirst\" or \"nullslast\"");
      }
      terms.add(new OrderTerm(column, Boolean.TRUE.equals(descending), nullsFirst));
      start = end + 1;
    }
    return List.copyOf(terms);
  }

  private static PostgrestError orderError(
      String order, int index, String unexpected, String expecting) {
    return PostgrestError.parse(
        "\"failed to parse order (" + order + ")\" (line 1, column " + (index + 1) + ")",
        "unexpected " + unexpected + " expecting " + expecting);
  }

  /** What Parsec's {@code string} shows it met at {@code index}: the character, or the end. */
  private static String unexpected(String text, int index) {
    return index < text.length() && text.charAt(index) != ','
        ? "\"" + text.charAt(index) + "\""
        : index < text.length() ? "\",\"" : "end of input";
  }

  private static int commonPrefix(String text, String word) {
    int n = 0;
    while (n < text.length() && n < word.length() && text.charAt(n) == word.charAt(n)) {
      n++;
    }
    return n;
  }

  private static Filter parseFilter(String column, String expression, int postgrestMajor) {
    boolean negated = expression.startsWith("not.");
    int at = negated ? 4 : 0; // where the operator starts
    String rest = expression.substring(at);
    int dot = rest.indexOf('.');
    String operator = dot < 0 ? rest : rest.substring(0, dot);
    if (operator.contains("(")) {
      throw notImplemented("operator quantifiers and full-text search (" + operator + ")");
    }
    if (UNIMPLEMENTED_OPERATORS.contains(operator)) {
      throw notImplemented("the operator " + operator);
    }
    boolean known =
        operator.equals("in") || operator.equals("is") || SIMPLE_OPERATORS.containsKey(operator);
    if (!known || dot < 0) {
      // pOpExpr: "not" (at the start), then an operator; Parsec shows where "in" first failed.
      int mismatch = at + commonPrefix(rest, "in.");
      throw filterError(
          expression, at, mismatch, (negated ? "" : "\"not\" or ") + "operator (eq, gt, ...)");
    }
    String value = rest.substring(dot + 1);
    if (operator.equals("is")) {
      value = isValue(expression, expression.length() - value.length(), postgrestMajor);
    }
    return new Filter(unquote(column), negated, operator, value);
  }

  /**
   * {@code pIsVal}: the first of the words that {@code expression} continues with at {@code at}, in
   * any case (what follows is ignored, as PostgREST's filter parser reads no end of input); {@code
   * not_null} from PostgREST 13 on.
   */
  private static String isValue(String expression, int at, int postgrestMajor) {
    List<String> words =
        postgrestMajor < 13
            ? List.of("null", "true", "false", "unknown")
            : List.of("null", "not_null", "true", "false", "unknown");
    String value = expression.substring(at).toLowerCase(Locale.ROOT);
    int furthest = 0;
    for (String word : words) {
      if (value.startsWith(word)) {
        return word;
      }
      furthest = Math.max(furthest, commonPrefix(value, word));
    }
    int failed = at + furthest;
    throw filterError(
        expression,
        failed,
        failed,
        postgrestMajor < 13
            ? "null or trilean value (unknown, true, false)"
            : "isVal: (null, not_null, true, false, unknown)");
  }

  /**
   * Parsec's error for a filter: the column where the failing parser started, the character it met
   * (or the end), what it expected.
   */
  private static PostgrestError filterError(
      String expression, int column, int unexpected, String expecting) {
    return PostgrestError.parse(
        "\"failed to parse filter (" + expression + ")\" (line 1, column " + (column + 1) + ")",
        "unexpected "
            + (unexpected < expression.length()
                ? "\"" + expression.charAt(unexpected) + "\""
                : "end of input")
            + " expecting "
            + expecting);
  }

  /**
   * {@code pListVal}: the elements of {@code (a,"b,c",d)} as written (unquoted ones are not
   * trimmed); a quoted element may hold commas, {@code \"} and {@code \\} and must end where its
   * element ends, else it is read as written. What follows the closing parenthesis is ignored. One
   * empty element, as in {@code ()} or {@code ("")}, matches nothing: the list is empty.
   */
  public static List<String> inList(String value) {
    String failure = "\"failed to parse filter (in." + value + ")\" (line 1, column ";
    if (!value.startsWith("(")) {
      throw PostgrestError.parse(
          failure + "4)",
          "unexpected "
              + (value.isEmpty() ? "end of input" : "\"" + value.charAt(0) + "\"")
              + " expecting \"(\"");
    }
    List<String> elements = new ArrayList<>();
    int i = 1;
    while (i < value.length() && value.charAt(i) == ' ') {
      i++;
    }
    while (true) {
      int end = i;
      String element = null;
      if (i < value.length() && value.charAt(i) == '"') {
        StringBuilder quoted = new StringBuilder();
        int j = i + 1;
        while (j < value.length() && value.charAt(j) != '"') {
          if (value.charAt(j) == '\\' && j + 1 < value.length()) {
            j++;
          }
          quoted.append(value.charAt(j++));
        }
        if (j + 1 < value.length() && (value.charAt(j + 1) == ',' || value.charAt(j + 1) == ')')) {
          element = quoted.toString();
          end = j + 1;
        }
      }
      if (element == null) {
        while (end < value.length() && value.charAt(end) != ',' && value.charAt(end) != ')') {
          end++;
        }
        element = value.substring(i, end);
      }
      elements.add(element);
      if (end >= value.length()) {
        throw PostgrestError.parse(
            failure + (value.length() + 4) + ")",
            "unexpected end of input expecting \",\" or \")\"");
      }
      if (value.charAt(end) == ')') {
        return elements.equals(List.of("")) ? List.of() : elements;
      }
      i = end + 1;
    }
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
