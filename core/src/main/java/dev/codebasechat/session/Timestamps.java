package dev.codebasechat.session;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The one precision of every time the project keeps and writes: microseconds, as PostgreSQL's
 * {@code timestamptz} keeps them. Message timestamps and activity times are cut to it when they are
 * made, and written as ISO-8601 UTC with six fraction digits ({@code 2025-01-18T12:00:00.123456Z}).
 */
public final class Timestamps {
  /** The precision of stored times. */
  public static final ChronoUnit PRECISION = ChronoUnit.MICROS;

  /**
   * The first time the table can hold: four-digit years, as it writes them, and no year 0, which
   * PostgreSQL does not have.
   */
  public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  /** The last time the table can hold, at {@link #PRECISION}. */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /** {@code at} cut to {@link #PRECISION}. */
  public static Instant truncate(Instant at) {
    return at.truncatedTo(PRECISION);
  }

  /**
   * Whether {@code at}, cut to {@link #PRECISION}, is within {@link #EARLIEST}..{@link #LATEST}.
   */
  public static boolean isStorable(Instant at) {
    Instant kept = truncate(at);
    return !kept.isBefore(EARLIEST) && !kept.isAfter(LATEST);
  }

  /** {@code at} as ISO-8601 UTC with microseconds. */
  public static String format(Instant at) {
    return FORMAT.format(at);
  }
}
