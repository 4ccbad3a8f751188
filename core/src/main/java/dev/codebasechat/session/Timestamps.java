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

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /** {@code at} cut to {@link #PRECISION}. */
  public static Instant truncate(Instant at) {
    return at.truncatedTo(PRECISION);
  }

  /** {@code at} as ISO-8601 UTC with microseconds. */
  public static String format(Instant at) {
    return FORMAT.format(at);
  }
}
