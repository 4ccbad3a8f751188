package dev.codebasechat.postgrest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.codebasechat.internal.TableJson;
import java.io.UncheckedIOException;
import java.util.Objects;

final class Json {
  private Json() {}

  /** The default mapper: java.time as ISO-8601 strings, as PostgreSQL's timestamptz reads them. */
  static ObjectMapper defaultMapper() {
    return JsonMapper.builder(TableJson.factory())
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .build();
  }

  static <T> T convert(ObjectMapper mapper, JsonNode node, Class<T> type) {
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("PostgREST JSON does not map to " + type.getSimpleName(), e);
    }
  }

  static byte[] bytes(ObjectMapper mapper, Object value, String what) {
    Objects.requireNonNull(value, () -> what + " must not be null");
    try {
      return mapper.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " cannot be serialized to JSON", e);
    }
  }
}
