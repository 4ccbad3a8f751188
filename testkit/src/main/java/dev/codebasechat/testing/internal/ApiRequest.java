package dev.codebasechat.testing.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
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

  /** One parameter of the query string; {@code value} null when it had no {@code =}. */
  public record Param(String key, @Nullable String value) {}

  /** What Parsec expects where a field name should start. */
  private static final String FIELD_NAME = "field name (* or [a..z0..9_$])";

  /** An aggregate in a select item: {@code count()} or {@code column.sum()} and the like. */
  private static final Pattern AGGREGATE =
      Pattern.compile("^([^:(]+:)?count\\(\\)|\\.(count|sum|avg|max|min)\\(\\)");

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
  private boolean aggregates;
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
    List<OrderTerm> firstOrder = null;
    for (Param p : all) {
      if (p.key().equals("order") && p.value() != null) {
        List<OrderTerm> terms = parseOrder(p.value()); // each is read; the first counts
        firstOrder = firstOrder == null ? terms : firstOrder;
      }
    }
    this.order = firstOrder == null ? List.of() : firstOrder;
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
        throw PostgrestError.notInKit("logic trees (" + key + "=)");
      }
      if (key.contains(".") || key.contains("->")) {
        throw PostgrestError.notInKit("filters on embedded resources or JSON paths (" + key + ")");
      }
      String column = treePath(key);
      if (functionRead && !FilterGrammar.readsAsFilter(p.value())) {
        read.put(column, p.value()); // PostgREST's NoOpExpr: an argument
      } else {
        parsed.add(FilterGrammar.parse(column, p.value(), postgrestMajor));
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

  /** The parameters this grammar was read from, decoded, in order. */
  List<Param> parameters() {
    return all;
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

  /**
   * PGRST123 when the select uses an aggregate: Supabase leaves db-aggregates-enabled off.
   * PostgREST refuses it once it has found the resource.
   */
  void refuseAggregates() {
    if (aggregates) {
      throw PostgrestError.of(
          400, "PGRST123", "Use of aggregate functions is not allowed", null, null);
    }
  }

  /** Whether {@code limit} or {@code offset} is given: what writes and calls refuse. */
  boolean paged() {
    return limit != null || offset != null;
  }

  /**
   * {@code pColumns}: field names separated by commas; reading stops at the first character that is
   * none, as PostgREST's parser does not require the end of the input.
   */
  private @Nullable List<String> names(String what) {
    String list = first(what);
    if (list == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    int at = 0;
    for (String item : splitTopLevel(list)) {
      String name = fieldName(item);
      if (name.isEmpty()) {
        int failed = at + (item.length() - item.stripLeading().length());
        throw parseError(what + " parameter", list, failed, unexpected(list, failed), FIELD_NAME);
      }
      names.add(name);
      if (!item.strip().equals(name) && !item.strip().startsWith("\"")) {
        break; // a character no field name holds ends the list
      }
      at += item.length() + 1;
    }
    return List.copyOf(names);
  }

  /** A field name at the start of {@code text}: quoted, or the identifier characters. */
  private static String fieldName(String text) {
    String item = text.strip();
    if (item.startsWith("\"")) {
      return unquote(item);
    }
    int end = 0;
    while (end < item.length() && identifierChar(item.charAt(end))) {
      end++;
    }
    return item.substring(0, end).strip();
  }

  /** {@code pIdentifierChar}: a letter, a digit, {@code _}, {@code $} or a blank. */
  private static boolean identifierChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == ' ';
  }

  /**
   * {@code pTreePath} of a filter's key: the field name it starts with ({@code " id "} reads as
   * {@code id}); PGRST100 when it starts with none.
   */
  private static String treePath(String key) {
    String name = fieldName(key);
    if (name.isEmpty()) {
      throw parseError("tree path", key, 0, unexpected(key, 0), FIELD_NAME);
    }
    return name;
  }

  private List<SelectItem> parseSelect(@Nullable String select) {
    if (select == null || select.isBlank()) {
      return SELECT_ALL;
    }
    List<SelectItem> items = new ArrayList<>();
    for (String raw : splitTopLevel(select)) {
      String item = raw.strip();
      if (AGGREGATE.matcher(item).find()) {
        aggregates = true; // refused once the resource is found, as PostgREST plans
        continue;
      }
      if (item.contains("(") || item.contains("->") || item.startsWith("...")) {
        throw PostgrestError.notInKit(
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

  /**
   * {@code pOrder}: terms {@code column[.asc|.desc][.nullsfirst|.nullslast]} separated by commas,
   * with Parsec's errors: the column of the failure and the character it met.
   */
  private static List<OrderTerm> parseOrder(String order) {
    List<OrderTerm> terms = new ArrayList<>();
    int start = 0; // index of this term in order
    for (String raw : splitTopLevel(order)) {
      if (raw.contains("->") || raw.contains("(")) {
        throw PostgrestError.notInKit("JSON paths and embedded resources in order (" + raw + ")");
      }
      int dot = raw.indexOf('.');
      String name = dot < 0 ? raw : raw.substring(0, dot);
      String column = unquote(name.strip());
      if (column.isEmpty() && !name.strip().startsWith("\"")) {
        throw parseError("order", order, start, unexpected(order, start), FIELD_NAME);
      }
      for (int i = 0; i < name.length() && !name.strip().startsWith("\""); i++) {
        char c = name.charAt(i);
        if (!identifierChar(c) && c != '-') {
          throw parseError(
              "order",
              order,
              start + i,
              "'" + c + "'",
              "letter, digit, \"-\", \"->>\", \"->\", delimiter (.), \",\" or end of input");
        }
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
          throw parseError(
              "order", order, at, "'" + order.charAt(at) + "'", "\",\" or end of input");
        }
        if (order.charAt(at) != '.') {
          throw parseError(
              "order",
              order,
              at,
              "'" + order.charAt(at) + "'",
              "delimiter (.), \",\" or end of input");
        }
        // Each modifier was tried after the '.': Parsec reports the first one's mismatch there.
        String expected = descending == null ? "asc" : "nullsfirst";
        int mismatch = at + 1 + FilterGrammar.commonPrefix(order.substring(at + 1, end), expected);
        throw parseError(
            "order",
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

  /** PGRST100 as Parsec words a failure to parse {@code what} ({@code text}) at {@code index}. */
  private static PostgrestError parseError(
      String what, String text, int index, String unexpected, String expecting) {
    return PostgrestError.parse(
        "\"failed to parse " + what + " (" + text + ")\" (line 1, column " + (index + 1) + ")",
        "unexpected " + unexpected + " expecting " + expecting);
  }

  /** What Parsec's {@code string} shows it met at {@code index}: the character, or the end. */
  private static String unexpected(String text, int index) {
    return index < text.length() ? "\"" + text.charAt(index) + "\"" : "end of input";
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
