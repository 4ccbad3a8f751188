package dev.codebasechat.testing.postgres;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a SQL script into statements at semicolons that are outside string literals ({@code '…'},
 * {@code E'…'}), quoted identifiers, dollar-quoted bodies ({@code $tag$…$tag$}) and comments
 * ({@code --}, nested {@code /* … *}{@code /}), as the Supabase CLI does before sending a
 * migration. Statements are returned trimmed; empty ones (only comments or blanks) are dropped.
 */
public final class SqlStatements {
  private SqlStatements() {}

  public static List<String> split(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean hasCode = false;
    int i = 0;
    int n = script.length();
    while (i < n) {
      char c = script.charAt(i);
      int end;
      if (script.startsWith("--", i) || script.startsWith("/*", i)) {
        // A comment stays in the statement's text but is not code: alone, it makes no statement.
        end = c == '-' ? endOfLineComment(script, i) : endOfBlockComment(script, i);
        current.append(script, i, end);
        i = end;
        continue;
      } else if (c == '\'') {
        boolean escapes = i > 0 && (script.charAt(i - 1) == 'E' || script.charAt(i - 1) == 'e');
        end = endOfQuoted(script, i, '\'', escapes);
      } else if (c == '"') {
        end = endOfQuoted(script, i, '"', false);
      } else if (c == '$' && dollarTag(script, i) != null) {
        String tag = dollarTag(script, i);
        int close = script.indexOf(tag, i + tag.length());
        end = close < 0 ? n : close + tag.length();
      } else if (c == ';') {
        if (hasCode) {
          statements.add(current.toString().trim());
        }
        current.setLength(0);
        hasCode = false;
        i++;
        continue;
      } else {
        end = i + 1;
      }
      if (!Character.isWhitespace(c)) {
        hasCode = true;
      }
      current.append(script, i, end);
      i = end;
    }
    if (hasCode) {
      statements.add(current.toString().trim());
    }
    return statements;
  }

  private static int endOfLineComment(String s, int start) {
    int end = s.indexOf('\n', start);
    return end < 0 ? s.length() : end;
  }

  private static int endOfBlockComment(String s, int start) {
    int depth = 0;
    int i = start;
    while (i < s.length()) {
      if (s.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (s.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return s.length();
  }

  private static int endOfQuoted(String s, int start, char quote, boolean backslashEscapes) {
    int i = start + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return s.length();
  }

  /** The dollar-quote tag ({@code $$} or {@code $name$}) starting at {@code i}, or null. */
  private static String dollarTag(String s, int i) {
    if (i > 0 && (Character.isLetterOrDigit(s.charAt(i - 1)) || s.charAt(i - 1) == '_')) {
      return null;
    }
    int j = i + 1;
    while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
      j++;
    }
    if (j < s.length()
        && s.charAt(j) == '$'
        && (j == i + 1 || !Character.isDigit(s.charAt(i + 1)))) {
      return s.substring(i, j + 1);
    }
    return null;
  }
}
