package dev.codebasechat.testing.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.text.similarity.CosineSimilarity;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.jspecify.annotations.Nullable;

/**
 * The closest name for PostgREST's "Perhaps you meant …" hints, searched as the fuzzyset 0.2
 * library PostgREST uses searches (a port of fuzzyset.js): names compared in lower case; the
 * candidates that share 3-grams (else 2-grams) of the name with only letters, digits, blanks and
 * commas, padded with {@code -}, ranked by cosine similarity, the best 50 re-ranked by normalized
 * Levenshtein similarity, the first at or above the minimum score. Stateless.
 */
final class FuzzyHint {
  private static final LevenshteinDistance LEVENSHTEIN = LevenshteinDistance.getDefaultInstance();
  private static final CosineSimilarity COSINE = new CosineSimilarity();

  private FuzzyHint() {}

  /** PostgREST 14's minimum score for table and function names (12 and 13: {@code 0.33}). */
  static final double NAMES = 0.75;

  /** The minimum score of {@code getOne}, which PostgREST uses for parameter lists. */
  static final double ANY = 0.33;

  /** The name of {@code names} closest to {@code query}; null when none scores {@code minScore}. */
  static @Nullable String closest(Collection<String> names, String query, double minScore) {
    Map<String, String> byKey = new LinkedHashMap<>();
    names.forEach(name -> byKey.putIfAbsent(name.toLowerCase(Locale.ROOT), name));
    String key = query.toLowerCase(Locale.ROOT);
    if (byKey.containsKey(key)) {
      return byKey.get(key);
    }
    for (int size = 3; size >= 2; size--) {
      Map<CharSequence, Integer> wanted = grams(key, size);
      record Scored(String key, double score) {}
      List<Scored> shared = new ArrayList<>();
      for (String candidate : byKey.keySet()) {
        double cosine = COSINE.cosineSimilarity(wanted, grams(candidate, size));
        if (cosine > 0) {
          shared.add(new Scored(candidate, cosine));
        }
      }
      Comparator<Scored> best = Comparator.comparingDouble(Scored::score).reversed();
      List<Scored> ranked =
          shared.stream()
              .sorted(best)
              .limit(50)
              .map(s -> new Scored(s.key(), similarity(key, s.key())))
              .sorted(best)
              .filter(s -> s.score() >= minScore)
              .toList();
      if (!ranked.isEmpty()) {
        return byKey.get(ranked.get(0).key());
      }
    }
    return null;
  }

  /** The {@code size}-grams of the name with only letters, digits, blanks and commas. */
  private static Map<CharSequence, Integer> grams(String name, int size) {
    StringBuilder kept = new StringBuilder("-");
    name.codePoints()
        .filter(c -> Character.isLetterOrDigit(c) || Character.isWhitespace(c) || c == ',')
        .forEach(kept::appendCodePoint);
    String padded = kept.append('-').toString();
    Map<CharSequence, Integer> grams = new HashMap<>();
    for (int i = 0; i + size <= padded.length(); i++) {
      grams.merge(padded.substring(i, i + size), 1, Integer::sum);
    }
    return grams;
  }

  /**
   * text-metrics' {@code levenshteinNorm}, an exact ratio (1 - distance / the longer length) read
   * as the nearest double, as PostgREST compares it with the minimum score.
   */
  private static double similarity(String a, String b) {
    int longer = Math.max(a.length(), b.length());
    return longer == 0 ? 1 : (double) (longer - LEVENSHTEIN.apply(a, b)) / longer;
  }
}
