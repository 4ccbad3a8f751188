package dev.codebasechat.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** Shared formatting of the commands' output: JSON documents and times. */
final class Output {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Output() {}

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Prints {@code document} as indented JSON and a newline. */
  static void printJson(PrintWriter out, JsonNode document) {
    try {
      out.println(JSON.writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
    out.flush();
  }

  /** ISO-8601 to the second, or {@code -}. */
  static String time(Optional<Instant> at) {
    return at.map(Output::time).orElse("-");
  }

  static String time(Instant at) {
    return at.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** ISO-8601 with the full precision, or JSON null. */
  static void putTime(ObjectNode node, String field, Optional<Instant> at) {
    if (at.isPresent()) {
      node.put(field, at.get().toString());
    } else {
      node.putNull(field);
    }
  }
}
