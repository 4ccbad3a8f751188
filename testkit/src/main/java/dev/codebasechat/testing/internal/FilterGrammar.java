package dev.codebasechat.testing.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The value of a filter parameter as PostgREST's {@code pOpExpr} reads it: {@code [not.]op.value},
 * with Parsec's errors (the column of the furthest failure, the character met there), {@code
 * is.<word>} and {@code in.(…)} as their own parsers read them, and, for a GET or HEAD call of a
 * function, which values are arguments instead ({@code NoOpExpr}). Stateless.
 */
public final class FilterGrammar {
  /** The operators with one value, and their SQL. */
  public static final Map<String, String> SIMPLE_OPERATORS =
      pairs(
          "eq = neq <> gt > gte >= lt < lte <= like LIKE ilike ILIKE match ~ imatch ~*"
              + " isdistinct IS_DISTINCT_FROM cs @> cd <@ ov &&");

  /** The operators that take {@code (any)} or {@code (all)}. */
  private static final Set<String> QUANTIFIED =
      Set.of("eq", "gte", "gt", "lte", "lt", "like", "ilike", "match", "imatch");

  /** Full-text search, which takes a {@code (language)}. */
  private static final Set<String> FULL_TEXT = Set.of("fts", "plfts", "phfts", "wfts");

  /** Range operators, read by PostgREST and not implemented here. */
  private static final Set<String> RANGES = Set.of("sl", "sr", "nxr", "nxl", "adj");

  /** Every operator name PostgREST's parser knows. */
  private static final Set<String> OPERATORS =
      Stream.of(SIMPLE_OPERATORS.keySet(), Set.of("in", "is"), FULL_TEXT, RANGES)
          .flatMap(Set::stream)
          .collect(Collectors.toUnmodifiableSet());

  private FilterGrammar() {}

  /**
   * {@code column=expression} as a filter.
   *
   * @throws PostgrestError PGRST100 as PostgREST words it; PGRST127 for what it reads and the kit
   *     does not implement (quantifiers, full-text search, range operators)
   */
  static ApiRequest.Filter parse(String column, String expression, int postgrestMajor) {
    boolean negated = expression.startsWith("not.");
    int at = negated ? 4 : 0; // where the operator starts
    String rest = expression.substring(at);
    int dot = rest.indexOf('.');
    String operator = dot < 0 ? rest : rest.substring(0, dot);
    if (dot >= 0 && modified(operator)) {
      throw PostgrestError.notInKit("operator quantifiers and full-text search (" + operator + ")");
    }
    if (!OPERATORS.contains(operator) || dot < 0) {
      throw operatorError(expression, negated);
    }
    if (FULL_TEXT.contains(operator) || RANGES.contains(operator)) {
      throw PostgrestError.notInKit("the operator " + operator);
    }
    int valueAt = at + dot + 1;
    String value = rest.substring(dot + 1);
    if (operator.equals("is")) {
      value = isValue(expression, valueAt, postgrestMajor);
    } else if (operator.equals("in")) {
      list(expression, valueAt); // its errors now, before the resource is looked up
    }
    return new ApiRequest.Filter(column, negated, operator, value);
  }

  /** {@code eq(any)}, {@code fts(english)} and the like: an operator PostgREST reads so. */
  private static boolean modified(String operator) {
    int open = operator.indexOf('(');
    if (open < 0 || !operator.endsWith(")")) {
      return false;
    }
    String base = operator.substring(0, open);
    String modifier = operator.substring(open + 1, operator.length() - 1);
    return (QUANTIFIED.contains(base) && (modifier.equals("any") || modifier.equals("all")))
        || (FULL_TEXT.contains(base) && !modifier.isEmpty());
  }

  /**
   * Whether PostgREST reads a GET call's parameter as a filter: {@code pOpExpr} consumed input
   * ({@code not.}, {@code in.}, {@code is.}, {@code isdistinct.}) or read a whole operator and its
   * dot. Anything else is an argument.
   */
  static boolean readsAsFilter(String value) {
    int dot = value.indexOf('.');
    String operator = dot < 0 ? "" : value.substring(0, dot);
    return value.startsWith("not.") || OPERATORS.contains(operator) || modified(operator);
  }

  /**
   * PGRST100 for an expression no operator reads: Parsec reports the furthest point an alternative
   * reached (a whole operator, or {@code not}, then no dot), else the start, with the character the
   * first alternative ({@code not}, after it {@code in}) did not expect.
   */
  private static PostgrestError operatorError(String expression, boolean negated) {
    int at = negated ? 4 : 0;
    String rest = expression.substring(at);
    boolean notThenNoDot = !negated && rest.startsWith("not"); // no operator starts so
    int furthest = notThenNoDot ? 3 : 0;
    for (String word : OPERATORS) {
      if (rest.startsWith(word)) {
        furthest = Math.max(furthest, word.length());
      }
    }
    if (furthest > 0) {
      return filterError(
          expression,
          at + furthest,
          at + furthest,
          notThenNoDot ? "delimiter (.)" : "operator (eq, gt, ...)");
    }
    String first = negated ? "in" : "not";
    return filterError(
        expression,
        at,
        at + commonPrefix(rest, first),
        (negated ? "" : "\"not\" or ") + "operator (eq, gt, ...)");
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
   * {@code pListVal}: the elements of {@code (a,"b,c",d)} as written (unquoted ones are not
   * trimmed); a quoted element may hold commas, {@code \"} and {@code \\} and must end where its
   * element ends, else it is read as written. What follows the closing parenthesis is ignored. One
   * empty element, as in {@code ()} or {@code ("")}, matches nothing: the list is empty.
   */
  public static List<String> inList(String value) {
    return list("in." + value, 3);
  }

  private static List<String> list(String expression, int at) {
    String value = expression.substring(at);
    if (!value.startsWith("(")) {
      throw filterError(expression, at, at, "\"(\"");
    }
    List<String> elements = new ArrayList<>();
    int i = 1;
    while (i < value.length() && Character.isWhitespace(value.charAt(i))) {
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
        throw filterError(expression, expression.length(), expression.length(), "\",\" or \")\"");
      }
      if (value.charAt(end) == ')') {
        return elements.equals(List.of("")) ? List.of() : elements;
      }
      i = end + 1;
    }
  }

  /**
   * Parsec's error for a filter: the column where the failing parser stood, the character it met
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

  static int commonPrefix(String text, String word) {
    int n = 0;
    while (n < text.length() && n < word.length() && text.charAt(n) == word.charAt(n)) {
      n++;
    }
    return n;
  }

  /** {@code "key value key value …"}, an underscore in a value standing for a space. */
  private static Map<String, String> pairs(String keysAndValues) {
    String[] words = keysAndValues.split(" ");
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < words.length; i += 2) {
      map.put(words[i], words[i + 1].replace('_', ' '));
    }
    return Map.copyOf(map);
  }
}
