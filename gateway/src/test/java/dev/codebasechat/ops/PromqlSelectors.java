package dev.codebasechat.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The series selectors of a PromQL expression: each metric name it reads, with the label values its
 * equality matchers ({@code label="value"}) require. A lexer of PromQL's grammar, enough to tell a
 * metric name from a function, an aggregation, a keyword, a label list ({@code by (...)}, {@code on
 * (...)}), a duration or a string; and Grafana's template variables ({@code $job}, {@code
 * ${instance}}, {@code $__rate_interval}), which only appear inside matchers and ranges or stand
 * for them. Syntax errors are promtool's to find (AlertRulesTest checks every expression with it);
 * this class only has to read valid expressions.
 */
final class PromqlSelectors {
  /** A metric the expression reads and the label values it requires of it. */
  record Selector(String metric, Map<String, String> equalLabels) {}

  /** Words that are operators or modifiers, never metric names, wherever they stand. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "atan2",
          "inf",
          "nan");

  /** Keywords followed by a parenthesised list of label names. */
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  /** Aggregation operators: followed by {@code (} or by a {@code by}/{@code without} clause. */
  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio");

  private final String text;
  private int at;

  private PromqlSelectors(String text) {
    this.text = text;
  }

  /** The selectors of {@code expression}, in the order they appear. */
  static List<Selector> of(String expression) {
    return new PromqlSelectors(expression).selectors();
  }

  private List<Selector> selectors() {
    List<Selector> found = new ArrayList<>();
    while (at < text.length()) {
      char c = text.charAt(at);
      if (Character.isWhitespace(c)) {
        at++;
      } else if (c == '#') {
        skipPast('\n');
      } else if (c == '"' || c == '\'' || c == '`') {
        string();
      } else if (c == '[') {
        skipPast(']'); // a range or subquery: durations and variables
      } else if (c == '$') {
        variable();
      } else if (c == '{') {
        // A selector without a name outside ({__name__="..."}).
        Map<String, String> labels = matchers();
        String name = labels.remove("__name__");
        if (name != null) {
          found.add(new Selector(name, labels));
        }
      } else if (Character.isDigit(c)
          || (c == '.' && at + 1 < text.length() && Character.isDigit(text.charAt(at + 1)))) {
        // A number or a duration (5m, 1h30m, 1e3, 0x1f): one token, letters included.
        while (at < text.length()
            && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.')) {
          at++;
        }
      } else if (isNameStart(c)) {
        identifier(found);
      } else {
        at++; // an operator, a parenthesis, a comma
      }
    }
    return found;
  }

  private void identifier(List<Selector> found) {
    int start = at;
    while (at < text.length() && isNamePart(text.charAt(at))) {
      at++;
    }
    String word = text.substring(start, at);
    char next = nextNonSpace();
    String lower = word.toLowerCase(java.util.Locale.ROOT);
    if (LABEL_LISTS.contains(lower)) {
      if (next == '(') {
        skipWhitespace();
        skipPast(')');
      }
    } else if (KEYWORDS.contains(lower)) {
      return;
    } else if (next == '(') {
      return; // a function's or an aggregation's name
    } else if (AGGREGATIONS.contains(lower) && (nextWordIs("by") || nextWordIs("without"))) {
      return;
    } else if (next == '{') {
      skipWhitespace();
      found.add(new Selector(word, matchers()));
    } else {
      found.add(new Selector(word, Map.of()));
    }
  }

  /** Reads {@code {label op "value", ...}} from its opening brace; the equality matchers. */
  private Map<String, String> matchers() {
    Map<String, String> equal = new LinkedHashMap<>();
    at++; // {
    while (true) {
      skipWhitespace();
      if (at >= text.length()) {
        throw new IllegalArgumentException("unclosed matcher list in: " + text);
      }
      char c = text.charAt(at);
      if (c == '}') {
        at++;
        return equal;
      }
      if (c == ',') {
        at++;
        continue;
      }
      int start = at;
      while (at < text.length() && isNamePart(text.charAt(at))) {
        at++;
      }
      String label = text.substring(start, at);
      skipWhitespace();
      int opStart = at;
      while (at < text.length() && "=!~".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
      String op = text.substring(opStart, at);
      skipWhitespace();
      String value = string();
      if (label.isEmpty() || op.isEmpty()) {
        throw new IllegalArgumentException("cannot read the matchers of: " + text);
      }
      if (op.equals("=") && !value.contains("$")) {
        equal.put(label, value);
      }
    }
  }

  /** Reads a quoted string from its opening quote; its value, escapes resolved. */
  private String string() {
    char quote = text.charAt(at++);
    StringBuilder value = new StringBuilder();
    while (at < text.length() && text.charAt(at) != quote) {
      char c = text.charAt(at++);
      if (c == '\\' && quote != '`' && at < text.length()) {
        c = text.charAt(at++);
      }
      value.append(c);
    }
    at++; // closing quote
    return value.toString();
  }

  /** Skips a Grafana variable: {@code $name}, {@code ${name}} or {@code ${name:format}}. */
  private void variable() {
    at++;
    if (at < text.length() && text.charAt(at) == '{') {
      skipPast('}');
      return;
    }
    while (at < text.length() && isNamePart(text.charAt(at))) {
      at++;
    }
  }

  private boolean nextWordIs(String word) {
    int i = at;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return text.startsWith(word, i)
        && (i + word.length() == text.length() || !isNamePart(text.charAt(i + word.length())));
  }

  private char nextNonSpace() {
    int i = at;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i < text.length() ? text.charAt(i) : '\0';
  }

  private void skipWhitespace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private void skipPast(char end) {
    int found = text.indexOf(end, at);
    at = found < 0 ? text.length() : found + 1;
  }

  private static boolean isNameStart(char c) {
    return Character.isLetter(c) || c == '_' || c == ':';
  }

  private static boolean isNamePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == ':';
  }
}
