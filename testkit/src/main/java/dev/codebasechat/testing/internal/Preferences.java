package dev.codebasechat.testing.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Prefer} headers of a request as PostgREST's {@code fromHeaders} reads them
 * (reference/postgrest.md §1.2): every header split at commas, each preference trimmed and matched
 * exactly (case and all); for each kind the first one given wins; {@code timezone=} counts when the
 * database knows the zone, {@code max-affected=} when it is an integer. Anything else is invalid:
 * ignored, or 400 PGRST122 under {@code handling=strict}. Immutable once built.
 */
public final class Preferences {
  private static final Map<String, List<String>> KNOWN =
      Map.of(
          "resolution", List.of("merge-duplicates", "ignore-duplicates"),
          "return", List.of("representation", "minimal", "headers-only"),
          "count", List.of("exact", "planned", "estimated"),
          "tx", List.of("commit", "rollback"),
          "missing", List.of("default", "null"),
          "handling", List.of("strict", "lenient"));

  /** The order of {@code Preference-Applied}. */
  private static final List<String> APPLIED_ORDER =
      List.of(
          "resolution",
          "missing",
          "return",
          "params",
          "count",
          "tx",
          "handling",
          "timezone",
          "max-affected");

  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<String> invalid = new ArrayList<>();

  /**
   * @param timezones whether the database knows a time zone name
   * @param postgrestMajor PostgREST 12 also accepts {@code params=single-object}
   */
  Preferences(List<String> headers, Predicate<String> timezones, int postgrestMajor) {
    List<String> preferences =
        headers.stream()
            .filter(header -> !header.isEmpty())
            .flatMap(header -> Arrays.stream(header.split(",", -1)))
            .map(String::strip)
            .toList();
    // Only the first timezone= and the first max-affected= are read; the first decides whether
    // every timezone= counts.
    String timezone = firstValue(preferences, "timezone=");
    boolean timezoneKnown = timezone != null && timezones.test(timezone);
    String maxAffected = firstValue(preferences, "max-affected=");
    Long max = maxAffected == null ? null : HaskellRead.int64(maxAffected);
    for (String preference : preferences) {
      int eq = preference.indexOf('=');
      String key = eq < 0 ? preference : preference.substring(0, eq);
      String value = eq < 0 ? "" : preference.substring(eq + 1);
      boolean valid =
          eq >= 0
              && switch (key) {
                case "timezone" -> timezoneKnown;
                case "max-affected" -> true; // never listed as invalid, readable or not
                case "params" -> postgrestMajor < 13 && value.equals("single-object");
                default -> KNOWN.getOrDefault(key, List.of()).contains(value);
              };
      if (!valid) {
        invalid.add(preference);
      } else if (!key.equals("timezone") && !key.equals("max-affected")) {
        values.putIfAbsent(key, value);
      }
    }
    if (timezoneKnown) {
      values.put("timezone", timezone);
    }
    if (max != null) {
      values.put("max-affected", Long.toString(max)); // echoed as Haskell shows the number
    }
  }

  private static @Nullable String firstValue(List<String> preferences, String prefix) {
    return preferences.stream()
        .filter(p -> p.startsWith(prefix))
        .map(p -> p.substring(prefix.length()))
        .findFirst()
        .orElse(null);
  }

  /**
   * PGRST122 when an invalid preference came with {@code handling=strict}; PostgREST checks this
   * once it has found the resource and negotiated the media type.
   */
  void refuseInvalidWhenStrict() {
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
   * Whether a write's total is asked for: {@code exact} or {@code estimated} count the rows it
   * reached ({@code shouldCount}); {@code planned} gives none.
   */
  public boolean counts() {
    Statement.Count count = count();
    return count == Statement.Count.EXACT || count == Statement.Count.ESTIMATED;
  }

  /** The total a read asks for. */
  public Statement.Count count() {
    String count = values.get("count");
    return count == null
        ? Statement.Count.NONE
        : Statement.Count.valueOf(count.toUpperCase(java.util.Locale.ROOT));
  }

  /** The {@code max-affected} to enforce: only under {@code handling=strict}; null for none. */
  public @Nullable Long maxAffected() {
    String max = values.get("max-affected");
    return max != null && "strict".equals(values.get("handling")) ? Long.valueOf(max) : null;
  }

  /**
   * The {@code Preference-Applied} value for the given kinds, in PostgREST's order ({@code
   * max-affected} only under {@code handling=strict}); null when none applied.
   */
  @Nullable String applied(List<String> kinds) {
    List<String> applied = new ArrayList<>();
    for (String kind : APPLIED_ORDER) {
      boolean echoed = !kind.equals("max-affected") || maxAffected() != null;
      if (kinds.contains(kind) && values.containsKey(kind) && echoed) {
        applied.add(kind + "=" + values.get(kind));
      }
    }
    return applied.isEmpty() ? null : String.join(", ", applied);
  }
}
