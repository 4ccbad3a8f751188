package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Comparisons of parsed JSON trees that ignore only generated values (message ids, times). */
final class JsonNodeAssertions {
  private JsonNodeAssertions() {}

  /**
   * {@code actual} equals {@code expected} once timestamps are masked and generated message ids
   * removed.
   */
  static void assertWithoutIds(JsonNode actual, String expected) {
    JsonNode copy = GatewayClient.withoutTimes(actual);
    removeIds(copy.path("history"));
    removeIds(copy.path("messages"));
    assertThat(copy).isEqualTo(GatewayClient.json(expected));
  }

  private static void removeIds(JsonNode messages) {
    for (JsonNode message : messages) {
      assertThat(message.path("id").asText()).isNotEmpty();
      ((ObjectNode) message).remove("id");
    }
  }
}
