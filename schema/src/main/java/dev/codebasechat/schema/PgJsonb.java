package dev.codebasechat.schema;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonGeneratorDecorator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How PostgreSQL's {@code jsonb} keeps a value: the order of an object's keys, and the bytes the
 * value takes, which is what the table's size limits count ({@code pg_column_size} in its CHECK
 * constraints and in {@code append_chat_messages}). Stateless and thread-safe.
 */
public final class PgJsonb {

  /**
   * jsonb's key order: shorter keys first, keys of equal length by their UTF-8 bytes (unsigned).
   * PostgreSQL stores, writes and lists ({@code jsonb_object_keys}) keys in that order, whatever
   * order they were sent in.
   */
  public static final Comparator<String> KEY_ORDER =
      Comparator.comparing(
          (String key) -> key.getBytes(StandardCharsets.UTF_8),
          Comparator.<byte[]>comparingInt(bytes -> bytes.length)
              .thenComparing(Arrays::compareUnsigned));

  /**
   * The longest number PostgreSQL's numeric prints: 131 072 digits before the point, 16 383 after,
   * the point and a sign. A reader of the table's JSON must accept numbers this long.
   */
  public static final int NUMBER_TEXT_MAX = 131_072 + 16_383 + 2;

  /**
   * The deepest nesting of objects and arrays {@link #checkFits} takes in a value (a message, a
   * context): PostgreSQL stores deeper ones, but JSON readers and writers stop at some depth (
   * Jackson at 1 000 by default) and the value travels inside a few more levels (a request's
   * arguments, a row, a history), so a value stored deeper could be written once and never read
   * again.
   */
  public static final int MAX_NESTING_DEPTH = 512;

  /**
   * A generator decorator ({@code JsonFactory.builder().addDecorator}) that writes decimals as
   * PostgreSQL's numeric prints them, in plain digits whatever the scale: Jackson writes {@code
   * 1.5E+400}, which a reader of doubles takes as Infinity, and its own plain writing stops at a
   * scale of 9 999.
   */
  public static JsonGeneratorDecorator numericDecimals() {
    return (factory, generator) ->
        new JsonGeneratorDelegate(generator, true) {
          @Override
          public void writeNumber(BigDecimal value) throws IOException {
            delegate.writeNumber(value.toPlainString());
          }
        };
  }

  /**
   * What a reader of the table's JSON must accept beyond Jackson's defaults: numbers {@link
   * #NUMBER_TEXT_MAX} long, and keys of any length (jsonb has no limit of its own under the
   * value's; Jackson's default stops at 50 000 characters). Nesting keeps Jackson's 1 000, above
   * {@link #MAX_NESTING_DEPTH} and the levels a value travels in.
   */
  public static StreamReadConstraints tableReadConstraints() {
    return StreamReadConstraints.builder()
        .maxNumberLength(NUMBER_TEXT_MAX)
        .maxNameLength(Integer.MAX_VALUE)
        .build();
  }

  // jsonb's binary layout (PostgreSQL's jsonb.h, jsonb_util.c and numeric.c, the same since 9.4;
  // JsonbStoredSizeTest compares with PostgreSQL 15 and 17): a 4-byte varlena header; a container
  // is a 4-byte header and a 4-byte entry per element (two per member), then the keys' bytes, then
  // the values; numbers and containers start at a multiple of 4 from the value's first byte.
  private static final int HEADER = 4;
  private static final int NUMERIC_SHORT_HEADER = 6;
  private static final int NUMERIC_LONG_HEADER = 8;
  // numeric's 14-bit display scale, and its int16 weight of base-10000 digits (32 767 is the
  // weight of the digit group holding 10^131068..10^131071).
  private static final int NUMERIC_DSCALE_MAX = 16_383;
  private static final long NUMERIC_DIGITS_BEFORE_MAX = 131_072;

  private PgJsonb() {}

  /**
   * The bytes {@code value} takes as a jsonb value that PostgreSQL has just read from JSON text,
   * which is what {@code pg_column_size} measures in a CHECK constraint or on a function's
   * argument. It differs from the length of the JSON text: every value costs a 4-byte entry, every
   * number is a {@code numeric} of 6 to 8 bytes plus 2 per 4 decimal digits, and neither quotes nor
   * separators are stored; {@code [1,2,3]} takes 44 bytes, {@code "abc"} 15.
   *
   * @throws IllegalArgumentException when {@code value} holds a number PostgreSQL does not store
   *     ({@link #isStorableNumber}) or a node that is not JSON (a Java object); binary data counts
   *     as the base64 text Jackson writes for it
   */
  public static long storedSize(JsonNode value) {
    return new Layout(null).of(value);
  }

  /**
   * Refuses {@code value} unless jsonb can hold it in at most {@code maxBytes} ({@link
   * #storedSize}): what a library checks before it acknowledges a write, so that the database never
   * refuses it later. Besides the size, jsonb cannot hold a string or key with a NUL character
   * (PostgreSQL's 22P05) or an unpaired surrogate (22P02), nor a number {@link #isStorableNumber}
   * refuses (22003); and objects and arrays are nested at most {@link #MAX_NESTING_DEPTH} deep.
   *
   * @param name what {@code value} is, for the message
   * @throws IllegalArgumentException naming {@code name} and what breaks the rule (the limit and
   *     the stored size), never the value
   */
  public static void checkFits(JsonNode value, String name, long maxBytes) {
    long bytes = new Layout(name).of(value);
    if (bytes > maxBytes) {
      throw new IllegalArgumentException(
          name
              + " must be at most "
              + maxBytes
              + " bytes of JSON as PostgreSQL stores it (jsonb) but takes "
              + bytes);
    }
  }

  /**
   * PostgreSQL's text form of {@code value} as jsonb ({@code value::text}): keys in {@link
   * #KEY_ORDER}, {@code ", "} and {@code ": "} between items, strings escaped as {@code
   * escape_json} escapes them, numbers as {@code numeric} prints them (1.50 stays 1.50, 1e3 is
   * 1000). A number held as a {@code double} prints from its shortest decimal, which is the text
   * Jackson sends.
   */
  public static String text(JsonNode value) {
    StringBuilder out = new StringBuilder();
    appendText(value, out);
    return out.toString();
  }

  /**
   * {@code octet_length(value::text)}: what the migrations count a message as ({@code body_bytes})
   * towards its session's history size.
   */
  public static long textBytes(JsonNode value) {
    return text(value).getBytes(StandardCharsets.UTF_8).length;
  }

  private static void appendText(JsonNode value, StringBuilder out) {
    switch (value.getNodeType()) {
      case OBJECT -> {
        List<String> keys = new ArrayList<>(value.size());
        value.fieldNames().forEachRemaining(keys::add);
        keys.sort(KEY_ORDER);
        out.append('{');
        for (int i = 0; i < keys.size(); i++) {
          out.append(i == 0 ? "" : ", ");
          appendQuoted(keys.get(i), out);
          out.append(": ");
          appendText(value.get(keys.get(i)), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < value.size(); i++) {
          out.append(i == 0 ? "" : ", ");
          appendText(value.get(i), out);
        }
        out.append(']');
      }
      case STRING, BINARY -> appendQuoted(value.asText(), out); // binary data as base64 text
      case NUMBER -> {
        BigDecimal number = value.isIntegralNumber() ? null : decimal(value);
        out.append(
            number == null
                ? value.bigIntegerValue().toString()
                : (number.scale() < 0 ? number.setScale(0) : number).toPlainString());
      }
      case BOOLEAN -> out.append(value.booleanValue());
      case NULL -> out.append("null");
      default -> throw notJson(null);
    }
  }

  /**
   * A node Jackson holds but JSON does not (a Java object, a missing value): what Jackson would
   * write for it, and so its size, is not known here.
   */
  private static IllegalArgumentException notJson(@Nullable String checkedAs) {
    return new IllegalArgumentException(
        (checkedAs == null ? "a value" : checkedAs)
            + " holds a node that is not a JSON value (a Java object or a missing value); convert"
            + " it to JSON text, numbers, booleans, null, arrays or objects first");
  }

  /** escape_json: the other control characters with lower-case hex digits, unlike Jackson. */
  private static void appendQuoted(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < ' ') {
            out.append("\\u").append(HexFormat.of().toHexDigits(c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * Whether PostgreSQL's {@code numeric} holds {@code number} as jsonb reads it: a finite number
   * with at most 16 383 digits after the decimal point and, unless it is zero, fewer than 131 072
   * before it. PostgreSQL refuses any other with 22003 "value overflows numeric format".
   */
  public static boolean isStorableNumber(JsonNode number) {
    return isFinite(number) && fitsNumeric(decimal(number));
  }

  private static boolean fitsNumeric(BigDecimal value) {
    return Math.max(0, value.scale()) <= NUMERIC_DSCALE_MAX
        && (value.signum() == 0 || value.precision() - value.scale() <= NUMERIC_DIGITS_BEFORE_MAX);
  }

  private static boolean isFinite(JsonNode number) {
    return !number.isFloatingPointNumber()
        || number.isBigDecimal()
        || Double.isFinite(number.doubleValue());
  }

  /**
   * The length of one value being laid out, with jsonb's alignment; with a name, it refuses text
   * and numbers jsonb cannot hold as it goes (one pass over the text, which may be megabytes).
   */
  private static final class Layout {
    private final @Nullable String checkedAs;
    private long length = HEADER;
    private int depth;

    Layout(@Nullable String checkedAs) {
      this.checkedAs = checkedAs;
    }

    long of(JsonNode value) {
      if (value.isContainerNode()) {
        add(value);
      } else {
        // A scalar is stored as a one-element array marked as a scalar.
        length += HEADER + HEADER;
        addScalar(value);
      }
      return length;
    }

    private void add(JsonNode value) {
      if (!value.isContainerNode()) {
        addScalar(value);
        return;
      }
      if (++depth > MAX_NESTING_DEPTH && checkedAs != null) {
        throw new IllegalArgumentException(
            checkedAs + " nests objects and arrays more than " + MAX_NESTING_DEPTH + " deep");
      }
      if (value.isObject()) {
        addObject(value);
      } else {
        align();
        length += HEADER + (long) HEADER * value.size();
        value.forEach(this::add);
      }
      depth--;
    }

    private void addObject(JsonNode object) {
      align();
      length += HEADER + 2L * HEADER * object.size();
      // Values are laid out in key order, and the padding before each depends on what precedes it.
      List<String> keys = new ArrayList<>(object.size());
      object.fieldNames().forEachRemaining(keys::add);
      if (keys.size() > 1) {
        keys.sort(KEY_ORDER);
      }
      String keyOf = checkedAs == null ? null : checkedAs + " has a key that";
      for (String key : keys) {
        length += utf8Length(key, keyOf);
      }
      for (String key : keys) {
        add(object.get(key));
      }
    }

    private void addScalar(JsonNode value) {
      if (value.isTextual() || value.isBinary()) {
        length += utf8Length(value.asText(), checkedAs); // binary data is sent as base64 text
      } else if (value.isNumber()) {
        String holder = checkedAs == null ? "a value" : checkedAs;
        if (!isFinite(value)) {
          throw new IllegalArgumentException(
              holder
                  + " holds "
                  + value.asText()
                  + ", which PostgreSQL's jsonb cannot store (a number beyond the range of a"
                  + " double reads as Infinity when parsed as one)");
        }
        BigDecimal number = decimal(value);
        if (!fitsNumeric(number)) {
          throw new IllegalArgumentException(
              holder
                  + " holds a number PostgreSQL's numeric cannot hold (at most 131072 digits"
                  + " before the decimal point and 16383 after)");
        }
        align();
        length += numericSize(number);
      } else if (!value.isBoolean() && !value.isNull()) {
        throw notJson(checkedAs);
      }
      // true, false and null are their entry alone.
    }

    private void align() {
      length = (length + 3) & ~3L;
    }
  }

  /**
   * A finite number as its JSON text carries it: Jackson writes floating-point values as toString.
   */
  private static BigDecimal decimal(JsonNode number) {
    return number.isFloatingPointNumber() && !number.isBigDecimal()
        ? new BigDecimal(number.asText())
        : number.decimalValue();
  }

  /**
   * PostgreSQL's {@code numeric}: base-10000 digits aligned on the decimal point, with leading and
   * trailing zero digits dropped; a 2-byte header when the display scale is at most 63 and the
   * weight of the first digit within -64..63, else 4 bytes.
   */
  private static int numericSize(BigDecimal value) {
    int scale = Math.max(0, value.scale());
    if (value.signum() == 0) {
      return scale <= 63 ? NUMERIC_SHORT_HEADER : NUMERIC_LONG_HEADER;
    }
    String digits = value.unscaledValue().abs().toString();
    int exponent = -value.scale();
    int shift = Math.floorMod(exponent, 4);
    digits = digits + "0".repeat(shift);
    int lowestWeight = (exponent - shift) / 4;
    int groups = (digits.length() + 3) / 4;
    int zeroGroups = 0;
    for (int end = digits.length();
        end >= 4 && digits.regionMatches(end - 4, "0000", 0, 4);
        end -= 4) {
      zeroGroups++;
    }
    int weight = lowestWeight + groups - 1;
    int stored = groups - zeroGroups;
    boolean shortHeader = scale <= 63 && weight <= 63 && weight >= -64;
    return (shortHeader ? NUMERIC_SHORT_HEADER : NUMERIC_LONG_HEADER) + 2 * stored;
  }

  /**
   * Characters copied at a time: a tight loop over an array is several times faster than charAt.
   */
  private static final int CHUNK = 1024;

  /**
   * UTF-8 bytes of {@code text}. With {@code checkedAs}, a NUL character or an unpaired surrogate
   * is refused; without, an unpaired surrogate counts 3 bytes.
   */
  private static long utf8Length(String text, @Nullable String checkedAs) {
    int chars = text.length();
    long bytes = chars;
    char[] chunk = new char[Math.min(chars, CHUNK) + 1];
    int start = 0;
    while (start < chars) {
      int end = Math.min(chars, start + CHUNK);
      int n = end - start;
      text.getChars(start, end, chunk, 0);
      // The character after the chunk, for a pair that straddles its end.
      chunk[n] = end < chars ? text.charAt(end) : 0;
      int i = 0;
      for (; i < n; i++) {
        char c = chunk[i];
        if (c < 0x80) {
          if (c == 0 && checkedAs != null) {
            throw new IllegalArgumentException(
                checkedAs
                    + " holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store");
          }
        } else if (c < 0x800) {
          bytes += 1;
        } else if (!Character.isSurrogate(c)) {
          bytes += 2;
        } else if (Character.isHighSurrogate(c)
            && start + i + 1 < chars
            && Character.isLowSurrogate(chunk[i + 1])) {
          bytes += 2; // a pair: 4 bytes for 2 chars
          i++;
        } else if (checkedAs != null) {
          throw new IllegalArgumentException(
              checkedAs + " holds an unpaired UTF-16 surrogate, which is not Unicode text");
        } else {
          bytes += 2;
        }
      }
      start += i;
    }
    return bytes;
  }
}
