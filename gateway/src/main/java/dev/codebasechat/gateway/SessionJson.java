package dev.codebasechat.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionPage;
import dev.codebasechat.session.SessionSummary;
import dev.codebasechat.session.Timestamps;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Request and response bodies of the session routes. Stateless.
 *
 * <p>Messages go out in the original's shape, {@code {role, content, timestamp, code?}}, plus the
 * {@code id} that makes a retried append harmless. Timestamps are ISO-8601 UTC strings.
 */
final class SessionJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  // Epoch milliseconds count from 1970 (a negative count is refused, as the API has always done)
  // to the last millisecond the table holds.
  private static final long LAST_EPOCH_MILLI = Timestamps.LATEST.toEpochMilli();

  /**
   * A message time as text, as the API document's {@code TimestampInput} states it: what {@link
   * Instant#parse} also takes but the document refuses (hour 24, second 60, an offset with seconds)
   * is refused.
   */
  static final java.util.regex.Pattern TIMESTAMP_INPUT =
      java.util.regex.Pattern.compile(
          "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
              + ":[0-5][0-9](\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$");

  private static final Set<String> MESSAGE_FIELDS =
      Set.of("id", "role", "content", "timestamp", "code");
  private static final Set<String> CONTEXT_FIELDS =
      Set.of("repo", "currentFile", "contextCache", "metadata");

  private SessionJson() {}

  // ------------------------------------------------------------------ out

  /**
   * A session with {@code shown} of its messages, as UTF-8 JSON; {@code messageCount} is the full
   * count. Written with the streaming generator: the hot read builds no tree.
   */
  static byte[] session(ChatSession session, List<ChatMessage> shown) {
    return write(
        gen -> {
          gen.writeStartObject();
          gen.writeStringField("id", session.id().value());
          writeOptional(gen, "repo", session.repo());
          writeOptional(gen, "currentFile", session.currentFile());
          gen.writeFieldName("contextCache");
          gen.writeTree(session.contextCache());
          gen.writeFieldName("metadata");
          gen.writeTree(session.metadata());
          gen.writeNumberField("messageCount", session.messageCount());
          gen.writeFieldName("messages");
          writeMessages(gen, shown);
          if (session.lastActivity().isPresent()) {
            gen.writeStringField("lastActivity", Timestamps.format(session.lastActivity().get()));
          } else {
            gen.writeNullField("lastActivity");
          }
          gen.writeEndObject();
        });
  }

  /** The compat GET answer: {@code {success, sessionId, history, count}}. */
  static byte[] compatHistory(SessionId id, ChatSession session) {
    return write(
        gen -> {
          gen.writeStartObject();
          gen.writeBooleanField("success", true);
          gen.writeStringField("sessionId", id.value());
          gen.writeFieldName("history");
          writeMessages(gen, session.messages());
          gen.writeNumberField("count", session.messageCount());
          gen.writeEndObject();
        });
  }

  private static void writeMessages(JsonGenerator gen, List<ChatMessage> messages)
      throws IOException {
    gen.writeStartArray();
    for (ChatMessage message : messages) {
      gen.writeStartObject();
      gen.writeStringField("id", message.id().value());
      gen.writeStringField("role", message.role().wireName());
      gen.writeStringField("content", message.content());
      gen.writeStringField("timestamp", Timestamps.format(message.timestamp()));
      if (message.code().isPresent()) {
        gen.writeFieldName("code");
        gen.writeTree(message.code().get());
      }
      gen.writeEndObject();
    }
    gen.writeEndArray();
  }

  private static void writeOptional(JsonGenerator gen, String field, Optional<String> value)
      throws IOException {
    if (value.isPresent()) {
      gen.writeStringField(field, value.get());
    } else {
      gen.writeNullField(field);
    }
  }

  /** What writes one body; IOException only because the generator's methods declare it. */
  private interface BodyWriter {
    void write(JsonGenerator gen) throws IOException;
  }

  private static byte[] write(BodyWriter writer) {
    ByteArrayBuilder out = new ByteArrayBuilder(8 * 1024);
    try (JsonGenerator gen = Json.MAPPER.getFactory().createGenerator(out)) {
      writer.write(gen);
    } catch (IOException e) {
      // Writing to memory fails only on a bug (an unbalanced object), never on input.
      throw new IllegalStateException("a JSON answer could not be written", e);
    }
    return out.toByteArray();
  }

  static ObjectNode page(SessionPage page, int limit) {
    ObjectNode node = NODES.objectNode();
    ArrayNode sessions = node.putArray("sessions");
    for (SessionSummary summary : page.sessions()) {
      ObjectNode item = sessions.addObject();
      item.put("id", summary.id().value());
      putOptional(item, "repo", summary.repo());
      putOptional(item, "currentFile", summary.currentFile());
      item.put("messageCount", summary.messageCount());
      item.put("lastActivity", Timestamps.format(summary.lastActivity()));
      item.put("createdAt", Timestamps.format(summary.createdAt()));
    }
    if (page.total().isPresent()) {
      node.put("total", page.total().getAsLong());
    } else {
      node.putNull("total");
    }
    node.put("limit", limit);
    node.put("offset", page.offset());
    return node;
  }

  private static void putOptional(ObjectNode node, String field, Optional<String> value) {
    if (value.isPresent()) {
      node.put(field, value.get());
    } else {
      node.putNull(field);
    }
  }

  // ------------------------------------------------------------------ in

  /** The session id field of a compat body (or query). */
  static SessionId sessionId(String value) {
    try {
      return SessionId.of(value);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_session_id", ApiError.messageOf(e));
    }
  }

  static SessionId requiredSessionId(ObjectNode body) {
    JsonNode node = body.get("sessionId");
    if (node == null || node.isNull() || (node.isTextual() && node.textValue().isEmpty())) {
      throw ApiError.missingField("sessionId");
    }
    if (!node.isTextual()) {
      throw ApiError.invalidField("sessionId must be a string");
    }
    return sessionId(node.textValue());
  }

  /**
   * {@code messages} as an array of message objects; {@code strict} refuses fields this API does
   * not know (REST), otherwise they are ignored (the original's clients send extra fields).
   */
  static List<ChatMessage> messageList(JsonNode array, boolean strict, Clock clock) {
    if (!array.isArray()) {
      throw ApiError.invalidField("messages must be an array of message objects");
    }
    if (array.isEmpty()) {
      throw ApiError.invalidField("messages must not be empty");
    }
    List<ChatMessage> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(message(array.get(i), "messages[" + i + "]", strict, clock));
    }
    return out;
  }

  static ChatMessage message(JsonNode node, String where, boolean strict, Clock clock) {
    if (!node.isObject()) {
      throw ApiError.invalidField(where + " must be a JSON object");
    }
    if (strict) {
      rejectUnknown(node, MESSAGE_FIELDS, where);
    }
    Role role;
    JsonNode roleNode = node.get("role");
    if (roleNode == null || roleNode.isNull()) {
      throw ApiError.missingField(where + ".role");
    }
    if (!roleNode.isTextual()) {
      throw ApiError.invalidField(where + ".role must be a string");
    }
    try {
      role = Role.fromWireName(roleNode.textValue());
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("unknown_role", where + ": " + e.getMessage());
    }
    String content =
        text(node, "content", where).orElseThrow(() -> ApiError.missingField(where + ".content"));
    MessageId id;
    Optional<String> idText = text(node, "id", where);
    try {
      id = idText.map(MessageId::of).orElseGet(MessageId::random);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(where + ": " + e.getMessage());
    }
    Instant timestamp = timestamp(node.get("timestamp"), where).orElseGet(clock::instant);
    JsonNode code = node.get("code");
    if (code != null) {
      checkText(code, where + ".code");
    }
    try {
      return new ChatMessage(id, role, content, timestamp, Optional.ofNullable(code));
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(where + ": " + e.getMessage());
    }
  }

  /** The context fields of a PATCH (and of a create). */
  static ContextUpdate contextUpdate(ObjectNode body) {
    rejectUnknown(body, CONTEXT_FIELDS, "the body");
    ContextUpdate update = ContextUpdate.none();
    try {
      // null clears a text field; the JSON objects are emptied with {} (they are never null).
      if (body.has("repo") && body.get("repo").isNull()) {
        update = update.withoutRepo();
      }
      Optional<String> repo = text(body, "repo", "the body");
      if (repo.isPresent()) {
        update = update.withRepo(repo.get());
      }
      if (body.has("currentFile") && body.get("currentFile").isNull()) {
        update = update.withoutCurrentFile();
      }
      Optional<String> file = text(body, "currentFile", "the body");
      if (file.isPresent()) {
        update = update.withCurrentFile(file.get());
      }
      for (String field : java.util.List.of("contextCache", "metadata")) {
        if (body.has(field) && body.get(field).isNull()) {
          throw ApiError.invalidField("the body." + field + " cannot be null; send {} to empty it");
        }
      }
      JsonNode cache = body.get("contextCache");
      if (cache != null) {
        checkText(cache, "contextCache");
        update = update.withContextCache(cache);
      }
      JsonNode metadata = body.get("metadata");
      if (metadata != null) {
        checkText(metadata, "metadata");
        update = update.withMetadata(metadata);
      }
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(e);
    }
    return update;
  }

  /** An optional string field: absent or null is empty; any other type is a 400. */
  static Optional<String> text(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw ApiError.invalidField(where + "." + field + " must be a string but was " + kind(value));
    }
    checkText(value, where + "." + field);
    return Optional.of(value.textValue());
  }

  /**
   * Refuses text PostgreSQL cannot store in JSONB (U+0000, unpaired surrogates), anywhere in {@code
   * node}: accepting it here would only get the write set aside later.
   */
  static void checkText(JsonNode node, String where) {
    if (node.isTextual()) {
      if (!storable(node.textValue())) {
        throw ApiError.badRequest(
            "invalid_text", where + " contains a NUL character or an unpaired surrogate");
      }
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!storable(entry.getKey())) {
          throw ApiError.badRequest(
              "invalid_text", where + " has a key with a NUL character or an unpaired surrogate");
        }
        checkText(entry.getValue(), where);
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        checkText(element, where);
      }
    }
  }

  private static boolean storable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code text} is white space alone, as the API document's {@code \S} reads it: the white
   * space and line terminators of ECMA-262, which include the no-break spaces and the byte order
   * mark that {@link String#isBlank} does not, and exclude the separators U+001C to U+001F that it
   * does.
   */
  static boolean blank(String text) {
    return text.chars().allMatch(SessionJson::isDocumentWhiteSpace);
  }

  private static boolean isDocumentWhiteSpace(int c) {
    return switch (c) {
      case '\t', 0x0B, '\f', ' ', 0xA0, 0xFEFF, '\n', '\r', 0x2028, 0x2029 -> true;
      default -> Character.getType(c) == Character.SPACE_SEPARATOR;
    };
  }

  private static Optional<Instant> timestamp(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (node.isTextual()) {
      Instant parsed;
      try {
        parsed = Instant.parse(node.textValue());
      } catch (DateTimeParseException e) {
        throw ApiError.invalidField(
            where + ".timestamp must be an ISO-8601 instant such as 2025-01-18T12:00:00Z");
      }
      if (!Timestamps.isStorable(parsed)) {
        throw ApiError.invalidField(
            where + ".timestamp must be within the years 0001 to 9999 (UTC)");
      }
      if (!TIMESTAMP_INPUT.matcher(node.textValue()).matches()) {
        throw ApiError.invalidField(
            where
                + ".timestamp must be an ISO-8601 instant such as 2025-01-18T12:00:00Z (hours"
                + " 00 to 23, seconds 00 to 59, an offset in hours and minutes)");
      }
      return Optional.of(parsed);
    }
    if (node.isNumber()) {
      // A whole number written with a fraction of zeros (1737201600000.0, as floats print) is the
      // integer JSON Schema's "integer" means too.
      if (!Double.isFinite(node.doubleValue())) {
        throw ApiError.invalidField(
            where
                + ".timestamp in epoch milliseconds must be 0.."
                + LAST_EPOCH_MILLI
                + " (1970 to the end of 9999, UTC) but was a number beyond any of them");
      }
      java.math.BigDecimal value = node.decimalValue();
      String written = value.stripTrailingZeros().toPlainString();
      if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
        throw ApiError.invalidField(
            where + ".timestamp in epoch milliseconds must be a whole number but was " + written);
      }
      if (value.signum() >= 0
          && value.compareTo(java.math.BigDecimal.valueOf(LAST_EPOCH_MILLI)) <= 0) {
        return Optional.of(Instant.ofEpochMilli(value.longValue()));
      }
      throw ApiError.invalidField(
          where
              + ".timestamp in epoch milliseconds must be 0.."
              + LAST_EPOCH_MILLI
              + " (1970 to the end of 9999, UTC) but was "
              + written);
    }
    throw ApiError.invalidField(
        where
            + ".timestamp must be an ISO-8601 instant or epoch milliseconds but was "
            + kind(node));
  }

  private static void rejectUnknown(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw ApiError.badRequest(
            "unknown_field",
            where
                + " has an unknown field "
                + quote(name)
                + "; known: "
                + String.join(", ", new java.util.TreeSet<>(known)));
      }
    }
  }

  /** The JSON type of {@code node} as a person names it: "number", "array", "boolean", ... */
  static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  static String quote(String value) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
    StringBuilder out = new StringBuilder("\"");
    for (char c : shown.toCharArray()) {
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return out.append('"').toString();
  }
}
