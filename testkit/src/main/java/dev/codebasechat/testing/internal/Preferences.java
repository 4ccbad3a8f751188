package dev.codebasechat.testing.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Prefer} headers of a request as PostgREST reads them (reference/postgrest.md §1.2):
 * several headers are merged, the first occurrence of a key wins, unknown values are ignored unless
 * {@code handling=strict} (then 400 PGRST122).
 */
public final class Preferences {
  private static final Map<String, List<String>> KNOWN =
      Map.of(
          "return", List.of("minimal", "representation", "headers-only"),
          "count", List.of("exact", "planned", "estimated"),
          "resolution", List.of("merge-duplicates", "ignore-duplicates"),
          "missing", List.of("default", "null"),
          "tx", List.of("commit", "rollback"),
          "handling", List.of("strict", "lenient"));

  private final Map<String, String> values = new LinkedHashMap<>();

  Preferences(List<String> headers) {
    List<String> invalid = new ArrayList<>();
    for (String header : headers) {
      for (String raw : header.split(",", -1)) {
        String preference = raw.strip();
        if (preference.isEmpty()) {
          continue;
        }
        int eq = preference.indexOf('=');
        String key =
            eq < 0 ? preference : preference.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : preference.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
        boolean known =
            (KNOWN.containsKey(key) && KNOWN.get(key).contains(value))
                || key.equals("timezone")
                || (key.equals("max-affected") && value.matches("[0-9]+"));
        if (!known) {
          invalid.add(preference);
          continue;
        }
        values.putIfAbsent(key, value);
      }
    }
    if ("strict".equals(values.get("handling")) && !invalid.isEmpty()) {
      throw PostgrestError.of(
          400,
          "PGRST122",
          "Invalid preferences given with handling=strict",
          "Invalid preferences: " + String.join(", ", invalid),
          null);
    }
  }

  public @Nullable String get(String key) {
    return values.get(key);
  }

  public boolean representation() {
    return "representation".equals(values.get("return"));
  }

  /**
   * Whether a count was asked for: {@code exact}, or {@code planned} and {@code estimated}, which
   * are exact here (no planner estimate is ever cheaper on a test's tables).
   */
  public boolean counts() {
    return values.get("count") != null;
  }

  /**
   * The {@code Preference-Applied} value for the given keys, in PostgREST's order; null when none
   * applied.
   */
  @Nullable String applied(List<String> keys) {
    List<String> applied = new ArrayList<>();
    for (String key :
        List.of("resolution", "missing", "return", "count", "tx", "handling", "timezone")) {
      if (keys.contains(key) && values.containsKey(key)) {
        applied.add(key + "=" + values.get(key));
      }
    }
    return applied.isEmpty() ? null : String.join(", ", applied);
  }
}
