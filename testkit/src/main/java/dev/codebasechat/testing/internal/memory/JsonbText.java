package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL's text form of a {@code jsonb} value ({@code value::text}, {@code ->>} of a
 * container): keys sorted by length then bytes, {@code ", "} and {@code ": "} between items,
 * strings escaped as {@code escape_json} does, numbers as {@code numeric} prints them. The SQL
 * counts sizes in this form ({@code octet_length(body::text)}), so the fake does too.
 *
 * <p>A number Jackson read as a {@code double} has lost its written digits; it is printed as the
 * shortest decimal of that double, which may differ from what PostgreSQL kept (the fake reads
 * request bodies with exact decimals, so this concerns values built in Java only).
 */
public final class JsonbText {

  private static final Comparator<String> KEY_ORDER = PgJsonb.KEY_ORDER;

  private JsonbText() {}

  static String of(JsonNode value) {
    return switch (value.getNodeType()) {
      case OBJECT ->
          value
              .propertyStream()
              .sorted(Map.Entry.comparingByKey(KEY_ORDER))
              .map(field -> quoted(field.getKey()) + ": " + of(field.getValue()))
              .collect(Collectors.joining(", ", "{", "}"));
      case ARRAY ->
          value.valueStream().map(JsonbText::of).collect(Collectors.joining(", ", "[", "]"));
      case STRING -> quoted(value.textValue());
      case NUMBER -> numeric(value);
      case BOOLEAN -> String.valueOf(value.booleanValue());
      default -> "null";
    };
  }

  /**
   * {@code value} as jsonb holds it: a copy whose objects list their keys in jsonb's order, which
   * is the order PostgreSQL writes them in (a JSON null or SQL NULL stays as it is).
   */
  static @Nullable JsonNode stored(@Nullable JsonNode value) {
    if (value instanceof ObjectNode object) {
      ObjectNode sorted = object.objectNode();
      object
          .propertyStream()
          .sorted(Map.Entry.comparingByKey(KEY_ORDER))
          .forEach(field -> sorted.set(field.getKey(), stored(field.getValue())));
      return sorted;
    }
    if (value instanceof ArrayNode array) {
      ArrayNode copy = array.arrayNode(array.size());
      array.forEach(element -> copy.add(stored(element)));
      return copy;
    }
    return value;
  }

  /** {@code octet_length(value::text)}. */
  public static int octetLength(JsonNode value) {
    return of(value).getBytes(StandardCharsets.UTF_8).length;
  }

  /** numeric_out: plain digits, the scale as written (1.50 stays 1.50, 1e3 is 1000). */
  private static String numeric(JsonNode number) {
    if (number.isIntegralNumber()) {
      return number.bigIntegerValue().toString();
    }
    BigDecimal decimal =
        number.isBigDecimal()
            ? number.decimalValue()
            : new BigDecimal(Double.toString(number.doubleValue()));
    if (decimal.signum() == 0) {
      decimal = decimal.abs(); // numeric has no negative zero
    }
    return decimal.scale() < 0 ? decimal.setScale(0).toPlainString() : decimal.toPlainString();
  }

  /**
   * escape_json, written out rather than left to Jackson: PostgreSQL writes the other control
   * characters with lower-case hex digits, Jackson with upper-case ones.
   */
  private static String quoted(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
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
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
