package dev.codebasechat.schema;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's reading of a text as {@code timestamptz}, in microseconds since the epoch, for
 * ISO-8601 date-times: {@code YYYY-MM-DD}, {@code T} or a space, {@code hh:mm:ss}, an optional
 * fraction, and a zone ({@code Z}, {@code ±hh}, {@code ±hh:mm} or {@code ±hhmm}; none is UTC, the
 * session zone of the Data API). Its rules, not {@code java.time}'s: year 0 and impossible dates
 * are refused, {@code 24:00:00} is the next midnight, second 60 rolls over, the fraction is rounded
 * to microseconds, and a zone beyond ±15:59 is an error of its own.
 *
 * <p>The other forms PostgreSQL reads ({@code epoch}, {@code now}, {@code Jan 18 2025}, …) are not
 * read here: {@link #read} calls them {@link Reading#UNREADABLE}.
 */
public final class PgTimestamp {

  /** Orders before every readable timestamp: {@code '-infinity'::timestamptz}. */
  public static final long MINUS_INFINITY = Long.MIN_VALUE;

  private static final Pattern FORM =
      Pattern.compile(
          "(\\d{4})-(\\d{2})-(\\d{2})[T ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?"
              + "(Z|[+-]\\d{2}(?::?\\d{2})?)?");

  private static final long MICROS_PER_SECOND = 1_000_000L;

  private PgTimestamp() {}

  /** How a text reads. */
  public enum Outcome {
    READ,
    /** 22007 or 22008: what {@code insert_messages} reports with the message's position. */
    UNREADABLE,
    /** 22009 "time zone displacement out of range": raised as it is. */
    ZONE_OUT_OF_RANGE
  }

  public record Reading(Outcome outcome, long micros) {
    public static final Reading UNREADABLE = new Reading(Outcome.UNREADABLE, 0);
    public static final Reading ZONE_OUT_OF_RANGE = new Reading(Outcome.ZONE_OUT_OF_RANGE, 0);
  }

  public static Reading read(String text) {
    Matcher m = FORM.matcher(text.strip());
    if (!m.matches()) {
      return Reading.UNREADABLE;
    }
    int year = Integer.parseInt(m.group(1));
    int month = Integer.parseInt(m.group(2));
    int day = Integer.parseInt(m.group(3));
    int hour = Integer.parseInt(m.group(4));
    int minute = Integer.parseInt(m.group(5));
    int second = Integer.parseInt(m.group(6));
    // ParseFractionalSecond: rint(strtod("0.<digits>") * 1000000), Java's doubles round as C's do.
    long fraction =
        m.group(7) == null
            ? 0
            : (long) Math.rint(Double.parseDouble("0." + m.group(7)) * MICROS_PER_SECOND);
    if (minute > 59
        || second > 60
        || hour > 24
        || (hour == 24 && (minute > 0 || second > 0 || fraction > 0))) {
      return Reading.UNREADABLE;
    }
    int offsetSeconds = 0;
    String zone = m.group(8);
    if (zone != null && !zone.equals("Z")) {
      String digits = zone.substring(1).replace(":", "");
      int zoneHours = Integer.parseInt(digits.substring(0, 2));
      int zoneMinutes = digits.length() > 2 ? Integer.parseInt(digits.substring(2)) : 0;
      if (zoneHours > 15 || zoneMinutes > 59) {
        return Reading.ZONE_OUT_OF_RANGE;
      }
      offsetSeconds = (zone.charAt(0) == '-' ? -1 : 1) * (zoneHours * 3600 + zoneMinutes * 60);
    }
    LocalDate date;
    try {
      if (year == 0) {
        return Reading.UNREADABLE; // there is no year 0 AD
      }
      date = LocalDate.of(year, month, day);
    } catch (DateTimeException e) {
      return Reading.UNREADABLE;
    }
    long seconds =
        date.toEpochSecond(LocalTime.MIDNIGHT, ZoneOffset.UTC)
            + hour * 3600L
            + minute * 60L
            + second
            - offsetSeconds;
    return new Reading(Outcome.READ, seconds * MICROS_PER_SECOND + fraction);
  }
}
