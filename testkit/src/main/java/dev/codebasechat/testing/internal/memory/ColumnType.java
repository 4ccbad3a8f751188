package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.schema.PgTimestamp;
import dev.codebasechat.testing.internal.PostgrestError;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SQL types of the fake table's columns and of the functions' arguments: how a value is read
 * into one (once, for filters and arguments alike) and how rows sort.
 */
enum ColumnType {
  UUID("uuid"),
  TEXT("text"),
  INTEGER("integer"),
  BIGINT("bigint"),
  TIMESTAMPTZ("timestamp with time zone"),
  JSONB("jsonb"),
  BOOLEAN("boolean");

  private static final Pattern UUID_TEXT = Pattern.compile("(?i)[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern C_BLANKS_AROUND =
      Pattern.compile("^[ \\t\\n\\x0B\\f\\r]+|[ \\t\\n\\x0B\\f\\r]+$");

  /** What PostgreSQL reads as a time relative to the transaction's start. */
  private static final Set<String> RELATIVE_TIMES = Set.of("now", "today", "tomorrow", "yesterday");

  final String sqlName;

  ColumnType(String sqlName) {
    this.sqlName = sqlName;
  }

  /**
   * The canonical text of {@code value} read into this type as PostgreSQL's input function reads it
   * (a filter's value, a function's argument).
   *
   * @throws PostgrestError 22P02, 22007, 22008 or 22009 when PostgreSQL would refuse the value,
   *     22003 when a number is out of the type's range, 22021 for a NUL character
   */
  String canonical(String value) {
    if (value.indexOf('\u0000') >= 0) {
      // Sent to PostgreSQL as text, which holds no NUL.
      throw PostgrestError.sql("22021", "invalid byte sequence for encoding \"UTF8\": 0x00");
    }
    return switch (this) {
      case UUID -> uuid(value);
      case INTEGER -> integer(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case BIGINT -> integer(value, Long.MIN_VALUE, Long.MAX_VALUE);
      case TIMESTAMPTZ -> Long.toString(micros(value));
      case BOOLEAN -> bool(value);
      case TEXT, JSONB -> value;
    };
  }

  /**
   * boolin: after C's isspace() blanks, a prefix (a letter at least, two for {@code on} and {@code
   * off}) of {@code true}, {@code false}, {@code yes}, {@code no}, {@code on} or {@code off} in any
   * case, or {@code 1} or {@code 0}.
   */
  private String bool(String value) {
    String word = C_BLANKS_AROUND.matcher(value).replaceAll("").toLowerCase(Locale.ROOT);
    boolean onOrOff = word.length() >= 2 && ("on".startsWith(word) || "off".startsWith(word));
    if (word.equals("1")
        || (!word.isEmpty() && ("true".startsWith(word) || "yes".startsWith(word)))
        || word.equals("on")) {
      return "true";
    }
    if (word.equals("0")
        || (!word.isEmpty() && ("false".startsWith(word) || "no".startsWith(word)))
        || (onOrOff && !word.equals("on"))) {
      return "false";
    }
    throw SqlErrors.invalidText(sqlName, value);
  }

  /** timestamptz_in, as {@link PgTimestamp} reads it: microseconds since the epoch. */
  private long micros(String value) {
    PgTimestamp.Reading reading = PgTimestamp.read(value);
    String quoted = ": \"" + value + "\"";
    return switch (reading.outcome()) {
      case READ -> reading.micros();
      case UNREADABLE -> {
        if (RELATIVE_TIMES.contains(value.strip().toLowerCase(Locale.ROOT))) {
          throw SqlErrors.unsupported("the fake does not read " + value + " as a timestamp");
        }
        throw PostgrestError.sql("22007", "invalid input syntax for type " + sqlName + quoted);
      }
      case OUT_OF_RANGE ->
          throw PostgrestError.sql("22008", "date/time field value out of range" + quoted);
      case MONTH_OUT_OF_RANGE ->
          throw PostgrestError.sql(
              "22008",
              "date/time field value out of range" + quoted,
              null,
              "Perhaps you need a different \"datestyle\" setting.");
      case ZONE_OUT_OF_RANGE ->
          throw PostgrestError.sql("22009", "time zone displacement out of range" + quoted);
    };
  }

  /** uuid_in: 32 hex digits, a hyphen allowed after any group of four, optionally in braces. */
  private String uuid(String value) {
    boolean braced = value.length() > 1 && value.startsWith("{") && value.endsWith("}");
    String digits = braced ? value.substring(1, value.length() - 1) : value;
    if (!UUID_TEXT.matcher(digits).matches()) {
      throw SqlErrors.invalidText(sqlName, value);
    }
    String hex = digits.replace("-", "").toLowerCase(Locale.ROOT);
    return hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5");
  }

  /** int4in and int8in: an optional sign and decimal digits, C's isspace() blanks around them. */
  private String integer(String value, long min, long max) {
    String digits = C_BLANKS_AROUND.matcher(value).replaceAll("");
    if (!DECIMAL.matcher(digits).matches()) {
      throw SqlErrors.invalidText(sqlName, value);
    }
    try {
      long number = Long.parseLong(digits.startsWith("+") ? digits.substring(1) : digits);
      if (number >= min && number <= max) {
        return Long.toString(number);
      }
    } catch (NumberFormatException e) {
      // more digits than a long holds: out of range, as below
    }
    throw PostgrestError.sql(
        "22003", "value \"" + value + "\" is out of range for type " + sqlName);
  }

  /** The canonical text of a stored, non-null value. */
  String canonical(JsonNode stored) {
    return canonical(stored.asText());
  }

  /**
   * Compares two canonical values of this type as PostgreSQL would: text in the C collation of
   * Supabase's databases, i.e. by UTF-8 bytes, which is code point order (String's own order
   * differs beyond U+FFFF).
   */
  int compare(String left, String right) {
    return switch (this) {
      case INTEGER, BIGINT, TIMESTAMPTZ ->
          Long.compare(Long.parseLong(left), Long.parseLong(right));
      case BOOLEAN -> Boolean.compare(Boolean.parseBoolean(left), Boolean.parseBoolean(right));
      case UUID, TEXT, JSONB ->
          Arrays.compareUnsigned(
              left.getBytes(StandardCharsets.UTF_8), right.getBytes(StandardCharsets.UTF_8));
    };
  }

  /** The order of stored, non-null values. */
  Comparator<JsonNode> order() {
    return (left, right) -> compare(canonical(left), canonical(right));
  }
}
