package dev.codebasechat.cli;

import dev.codebasechat.session.SessionId;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option value converters: a bad value is a usage error (exit 2) with a message naming the rule.
 */
final class Converters {

  private Converters() {}

  /** {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d}, or ISO-8601 such as {@code PT1H30M}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("([0-9]{1,9})(s|m|h|d)");

    /** The longest duration an option takes: a year is already past any use of one. */
    private static final Duration LONGEST = Duration.ofDays(366);

    @Override
    public Duration convert(String value) {
      String text = value.strip().toLowerCase(Locale.ROOT);
      Matcher matcher = SHORT.matcher(text);
      Duration duration;
      if (matcher.matches()) {
        long amount = Long.parseLong(matcher.group(1));
        duration =
            switch (matcher.group(2)) {
              case "s" -> Duration.ofSeconds(amount);
              case "m" -> Duration.ofMinutes(amount);
              case "h" -> Duration.ofHours(amount);
              default -> Duration.ofDays(amount);
            };
      } else {
        try {
          duration = Duration.parse(value.strip());
        } catch (DateTimeParseException e) {
          throw new TypeConversionException(
              "'"
                  + value
                  + "' is not a duration: use a number with s, m, h or d (90s, 30m, 1h, 2d) or ISO-8601 (PT1H)");
        }
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new TypeConversionException("'" + value + "' must be a positive duration");
      }
      if (duration.compareTo(LONGEST) > 0) {
        throw new TypeConversionException("'" + value + "' is longer than 366 days (366d)");
      }
      return duration;
    }
  }

  /** A session id as the table's CHECK allows it ({@code chat-<digits>-<letters and digits>}). */
  static final class SessionIdConverter implements ITypeConverter<SessionId> {
    @Override
    public SessionId convert(String value) {
      try {
        return SessionId.of(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * A user id as Supabase writes it: a UUID in its canonical 8-4-4-4-12 hexadecimal form ({@link
   * UUID#fromString} alone would also take forms such as {@code 1-2-3-4-5}).
   */
  static final class UserIdConverter implements ITypeConverter<UUID> {
    private static final Pattern CANONICAL =
        Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    @Override
    public UUID convert(String value) {
      if (!CANONICAL.matcher(value).matches()) {
        throw new TypeConversionException(
            "'"
                + value
                + "' is not a user id: give the user's UUID, such as"
                + " 6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f");
      }
      return UUID.fromString(value);
    }
  }

  /** A whole number; the command checks its range. */
  static final class WholeNumberConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        return Integer.valueOf(value.strip());
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is not a whole number");
      }
    }
  }
}
