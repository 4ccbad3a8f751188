package dev.codebasechat.testing.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The rows a read answers, as PostgREST's {@code getRanges} computes them from the last {@code
 * limit} and {@code offset} parameters and, on GET only, the {@code Range} header ({@code
 * first-[last]}, rows counted from 0): a value that is no integer is ignored, a negative offset
 * reads as 0, {@code limit=0} answers no rows, and an empty range is 416 PGRST103. Immutable.
 *
 * @param limit null for no limit
 */
record RowRange(long offset, @Nullable Long limit) {
  private static final Pattern RANGE = Pattern.compile("^([0-9]+)-([0-9]*)$");

  /** Integers from {@code lower} to {@code upper} (null: no end); empty when upper < lower. */
  private record Bounds(long lower, @Nullable Long upper) {
    static final Bounds ALL = new Bounds(0, null);

    boolean empty() {
      return upper != null && upper < lower;
    }

    Bounds intersect(Bounds other) {
      Long end = upper;
      Long otherEnd = other.upper;
      if (end == null || (otherEnd != null && otherEnd < end)) {
        end = otherEnd;
      }
      return new Bounds(Math.max(lower, other.lower), end);
    }

    /** PostgREST's limit-zero range (0 ≤ x ≤ -1), the one empty range it allows. */
    boolean limitZero() {
      return upper != null && upper == -1;
    }
  }

  static RowRange of(ApiRequest query, @Nullable String rangeHeader, boolean get) {
    Long limit = integer(query.limit);
    Long offset = integer(query.offset);
    long lower = offset == null ? 0 : offset; // also when it is no integer
    Bounds requested =
        query.limit == null
            ? new Bounds(lower, null)
            : query.offset == null
                ? new Bounds(0, limit == null ? null : limit - 1)
                : new Bounds(lower, lower + (limit == null ? 0 : limit) - 1);
    Bounds header = get && rangeHeader != null ? header(rangeHeader) : Bounds.ALL;
    Bounds range = requested.limitZero() ? new Bounds(0, -1L) : header.intersect(requested);
    if (range.empty() && !requested.limitZero()) {
      throw PostgrestError.of(
          416,
          "PGRST103",
          "Requested range not satisfiable",
          header.empty()
              ? "The lower boundary must be lower than or equal to the upper boundary in the Range"
                  + " header."
              : "Limit should be greater than or equal to zero.",
          null);
    }
    return new RowRange(
        range.lower(), range.upper() == null ? null : range.upper() - range.lower() + 1);
  }

  /** Whether these are all the rows. */
  boolean whole() {
    return offset == 0 && limit == null;
  }

  /** {@code rangeParse}: {@code first-[last]}; anything else is every row. */
  private static Bounds header(String value) {
    Matcher m = RANGE.matcher(value);
    if (!m.matches()) {
      return Bounds.ALL;
    }
    Long first = integer(m.group(1));
    Long last = integer(m.group(2));
    return new Bounds(first == null ? 0 : first, last);
  }

  private static @Nullable Long integer(@Nullable String text) {
    return text == null ? null : HaskellRead.clamped(text);
  }
}
