package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * JSON as the front reads and writes it: numbers kept as written (1.50 stays 1.50, as PostgreSQL's
 * json keeps them), request bodies refused as PostgREST refuses them (PGRST102). Stateless.
 */
public final class Json {
  /** The one mapper of the front and its backends. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(PgJsonb.tableReadConstraints())
                  // Decimals as numeric_out prints them.
                  .addDecorator(PgJsonb.numericDecimals())
                  .build())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // Aeson's decode refuses what follows the value; Jackson would ignore it.
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  private Json() {}

  /**
   * A table write's body as PostgREST's {@code getPayload} reads it for its {@code Content-Type}:
   * JSON (an object, or unless {@code objectOnly} an array of objects with the same keys; any other
   * JSON value is no row) or form fields (text values).
   *
   * @throws PostgrestError PGRST102 for a body that does not parse or a type a table takes no body
   *     in; PGRST127 for CSV and, on PATCH, a JSON array
   */
  static JsonNode payload(byte[] body, @Nullable String contentType, boolean objectOnly) {
    JsonNode payload =
        switch (MediaTypes.Body.of(contentType)) {
          case JSON -> parse(body);
          case FORM -> formFields(body);
          case CSV -> throw PostgrestError.notInKit("text/csv request bodies");
          default -> throw MediaTypes.notAcceptable(String.valueOf(contentType));
        };
    if (!(payload.isObject() || payload.isArray())) {
      // PostgREST reads any other JSON value as an empty array: no row.
      return objectOnly ? MAPPER.createObjectNode() : MAPPER.createArrayNode();
    }
    if (payload.isArray() && objectOnly) {
      throw PostgrestError.notInKit("PATCH with a JSON array body");
    }
    objectOf(payload);
    return payload;
  }

  /**
   * The named arguments of a JSON body: an object, the first object of an array whose objects all
   * have the same keys, or none for any other value.
   *
   * @throws PostgrestError PGRST102 "All object keys must match"
   */
  static ObjectNode objectOf(JsonNode payload) {
    if (payload instanceof ObjectNode object) {
      return object;
    }
    if (!payload.isArray() || payload.isEmpty()) {
      return MAPPER.createObjectNode();
    }
    Set<String> keys = payload.get(0).isObject() ? Set.copyOf(fieldNames(payload.get(0))) : null;
    for (JsonNode element : payload) {
      if (keys == null || !element.isObject() || !keys.equals(Set.copyOf(fieldNames(element)))) {
        throw PostgrestError.invalidBody("All object keys must match");
      }
    }
    return (ObjectNode) payload.get(0);
  }

  /** An {@code application/x-www-form-urlencoded} body: its fields as text, the last one wins. */
  static ObjectNode formFields(byte[] body) {
    ObjectNode fields = MAPPER.createObjectNode();
    for (ApiRequest.Param field : ApiRequest.parameters(new String(body, StandardCharsets.UTF_8))) {
      fields.put(field.key(), field.value() == null ? "" : field.value());
    }
    return fields;
  }

  /** One JSON value and nothing after it; PGRST102 for anything else (an empty body too). */
  static JsonNode parse(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw PostgrestError.invalidBody("Empty or invalid json");
      }
      return node;
    } catch (IOException e) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
  }

  public static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** {@code object}'s fields named in {@code names}, in that order; one it lacks is JSON null. */
  static ObjectNode only(ObjectNode object, List<String> names) {
    ObjectNode only = MAPPER.createObjectNode();
    for (String name : names) {
      only.set(name, object.has(name) ? object.get(name) : MAPPER.nullNode());
    }
    return only;
  }

  /** {@code value} as compact JSON text. */
  public static String write(JsonNode value) {
    return write(MAPPER.writer(), value);
  }

  static String write(ObjectWriter writer, JsonNode value) {
    try {
      return writer.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
