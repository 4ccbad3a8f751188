package dev.codebasechat.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.schema.PgJsonb;
import java.io.UncheckedIOException;

/**
 * Jackson as the library reads what the table holds ({@link PgJsonb#tableReadConstraints}): a
 * number may be as long as PostgreSQL's numeric prints it, where Jackson's default stops at 1 000
 * characters, and a key of any length, where it stops at 50 000, so that no value the database
 * stores within the library's limits makes a session unreadable. Stateless.
 */
public final class TableJson {
  /** Compact JSON with decimals in plain digits ({@link #text}). */
  private static final ObjectMapper PLAIN_DECIMALS =
      new ObjectMapper(JsonFactory.builder().addDecorator(PgJsonb.numericDecimals()).build());

  private TableJson() {}

  /**
   * {@code value} as compact JSON text, decimals in plain digits as PostgreSQL's numeric prints
   * them: Jackson writes {@code 1.5E+400}, which {@link #mapper} reads back as a double, Infinity.
   * For a table that keeps JSON as text (the embedded one).
   */
  public static String text(JsonNode value) {
    try {
      return PLAIN_DECIMALS.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A factory whose parsers read numbers of any length numeric has, and keys of any length. */
  public static JsonFactory factory() {
    return JsonFactory.builder().streamReadConstraints(PgJsonb.tableReadConstraints()).build();
  }

  /** A plain mapper over {@link #factory}. */
  public static ObjectMapper mapper() {
    return new ObjectMapper(factory());
  }
}
