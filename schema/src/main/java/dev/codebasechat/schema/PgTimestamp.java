package dev.codebasechat.schema;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's reading of a text as {@code timestamptz}, in microseconds since the epoch, for
 * ISO-8601 date-times: {@code YYYY-MM-DD} (one or two digits of month and day, three to six of
 * year, taken as written), then optionally {@code T} or a space and {@code hh:mm}, {@code :ss} and
 * a fraction, and a zone ({@code Z}, {@code UTC}, {@code GMT}, {@code ±hh}, {@code ±hh:mm} or
 * {@code ±hhmm}; none is UTC, the session zone of the Data API); also {@code epoch}, {@code
 * infinity} and {@code -infinity}. Its rules, not {@code java.time}'s: letters in any case, blanks
 * around, a date alone is its midnight, {@code 24:00:00} is the next midnight, second 60 rolls
 * over, the fraction is rounded to microseconds; year 0 and impossible dates or times are out of
 * range, a zone beyond ±15:59 is an error of its own, and a {@code -} zone right after a date
 * without a time is no reading at all (PostgreSQL takes the {@code -} for the date's). A
 * microsecond count since 1970 holds no later time than 294247-01-10T04:00:54.775806Z (the largest
 * stands for {@code infinity}): later ones, which PostgreSQL reads up to the end of 294276, are out
 * of range here.
 *
 * <p>The other forms PostgreSQL reads ({@code now}, {@code today}, {@code Jan 18 2025}, {@code
 * J2451187}, a first field of one or two digits read as a month, zone names, …) are not read here:
 * {@link #read} calls them {@link Reading#UNREADABLE}. Checked against PostgreSQL 17 on thousands
 * of texts ({@code PgTimestampAgreesWithPostgresTest}).
 */
public final class PgTimestamp {

  /** Orders before every readable timestamp: {@code '-infinity'::timestamptz}. */
  public static final long MINUS_INFINITY = Long.MIN_VALUE;

  /** Orders after every readable timestamp: {@code 'infinity'::timestamptz}. */
  public static final long INFINITY = Long.MAX_VALUE;

  private static final Pattern FORM =
      Pattern.compile(
          "(\\d{3,6})-(\\d{1,2})-(\\d{1,2})"
              + "(?:[t ](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?"
              + " ?(z|utc|gmt|[+-]\\d{1,2}(?::?\\d{2})?)?");

  private static final long MICROS_PER_SECOND = 1_000_000L;

  private PgTimestamp() {}

  /** How a text reads. */
  public enum Outcome {
    READ,
    /** 22007 "invalid input syntax": not a form read here. */
    UNREADABLE,
    /** 22008 "date/time field value out of range": the form, with an impossible field. */
    OUT_OF_RANGE,
    /** {@link #OUT_OF_RANGE} for a month outside 1..12, which PostgreSQL hints may be a day. */
    MONTH_OUT_OF_RANGE,
    /** 22009 "time zone displacement out of range": raised as it is. */
    ZONE_OUT_OF_RANGE
  }

  public record Reading(Outcome outcome, long micros) {
    public static final Reading UNREADABLE = new Reading(Outcome.UNREADABLE, 0);
    public static final Reading OUT_OF_RANGE = new Reading(Outcome.OUT_OF_RANGE, 0);
    public static final Reading MONTH_OUT_OF_RANGE = new Reading(Outcome.MONTH_OUT_OF_RANGE, 0);
    public static final Reading ZONE_OUT_OF_RANGE = new Reading(Outcome.ZONE_OUT_OF_RANGE, 0);
  }

  public static Reading read(String text) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    switch (lower) {
      case "epoch" -> {
        return new Reading(Outcome.READ, 0);
      }
      case "infinity", "+infinity" -> {
        return new Reading(Outcome.READ, INFINITY);
      }
      case "-infinity" -> {
        return new Reading(Outcome.READ, MINUS_INFINITY);
      }
      default -> {
        // a date-time, below
      }
    }
    Matcher m = FORM.matcher(lower);
    if (!m.matches()) {
      return Reading.UNREADABLE;
    }
    int year = Integer.parseInt(m.group(1));
    int month = Integer.parseInt(m.group(2));
    int day = Integer.parseInt(m.group(3));
    int hour = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
    int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
    int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
    // ParseFractionalSecond: rint(strtod("0.<digits>") * 1000000), Java's doubles round as C's do.
    long fraction =
        m.group(7) == null
            ? 0
            : (long) Math.rint(Double.parseDouble("0." + m.group(7)) * MICROS_PER_SECOND);
    if (minute > 59
        || second > 60
        || hour > 24
        || (hour == 24 && (minute > 0 || second > 0 || fraction > 0))) {
      return Reading.OUT_OF_RANGE;
    }
    int offsetSeconds = 0;
    String zone = m.group(8);
    boolean dateAlone = m.group(4) == null;
    if (dateAlone && zone != null && lower.charAt(m.start(8) - 1) != ' ' && zone.charAt(0) == '-') {
      return Reading.UNREADABLE;
    }
    if (zone != null && (zone.charAt(0) == '+' || zone.charAt(0) == '-')) {
      String digits = zone.substring(1).replace(":", "");
      int hoursLength = digits.length() % 2 == 1 ? 1 : Math.min(2, digits.length());
      int zoneHours = Integer.parseInt(digits.substring(0, hoursLength));
      int zoneMinutes =
          digits.length() > hoursLength ? Integer.parseInt(digits.substring(hoursLength)) : 0;
      if (zoneHours > 15 || zoneMinutes > 59) {
        return Reading.ZONE_OUT_OF_RANGE;
      }
      offsetSeconds = (zone.charAt(0) == '-' ? -1 : 1) * (zoneHours * 3600 + zoneMinutes * 60);
    }
    if (month < 1 || month > 12) {
      return Reading.MONTH_OUT_OF_RANGE;
    }
    LocalDate date;
    try {
      if (year == 0) {
        return Reading.OUT_OF_RANGE; // there is no year 0 AD
      }
      date = LocalDate.of(year, month, day);
    } catch (DateTimeException e) {
      return Reading.OUT_OF_RANGE;
    }
    long seconds =
        date.toEpochSecond(LocalTime.MIDNIGHT, ZoneOffset.UTC)
            + hour * 3600L
            + minute * 60L
            + second
            - offsetSeconds;
    long micros;
    try {
      micros = Math.addExact(Math.multiplyExact(seconds, MICROS_PER_SECOND), fraction);
    } catch (ArithmeticException beyondALong) {
      return Reading.OUT_OF_RANGE;
    }
    // The largest count stands for infinity.
    return micros == INFINITY ? Reading.OUT_OF_RANGE : new Reading(Outcome.READ, micros);
  }
}
