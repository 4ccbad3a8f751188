package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON as the front reads and writes it: numbers kept as written (1.50 stays 1.50, as PostgreSQL's
 * json keeps them), request bodies refused as PostgREST refuses them (PGRST102). Stateless.
 */
public final class Json {
  /** The one mapper of the front and its backends. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  private Json() {}

  /** The body as JSON: an object, or (unless {@code objectOnly}) an array of objects. */
  static JsonNode payload(byte[] body, boolean objectOnly) {
    JsonNode payload = body.length == 0 ? MAPPER.missingNode() : parse(body);
    if (!(payload.isObject() || payload.isArray())) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
    if (payload.isArray() && objectOnly) {
      throw PostgrestError.notImplemented(
          "PATCH with a JSON array body (not implemented by the test kit)");
    }
    for (JsonNode element : payload.isArray() ? payload : MAPPER.createArrayNode()) {
      if (!element.isObject()) {
        throw PostgrestError.invalidBody("All object keys must match");
      }
    }
    return payload;
  }

  static JsonNode parse(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      return node == null ? MAPPER.missingNode() : node;
    } catch (IOException e) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
  }

  public static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** {@code value} as compact JSON text. */
  public static String write(JsonNode value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
