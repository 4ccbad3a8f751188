package dev.codebasechat.memory.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.MessageId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The window a framework last saved, as a view of the session's whole history. The view is a list
 * of runs {@code [first message id, count]} over the history's order (a window is a system message
 * and a tail, so mostly two runs), stored with the last message the save appended, in its
 * attachment: {@code {"chat_memory": {"message": <codec payload>, "view": [[id, n], ...]}}}. A save
 * that appends nothing but changes the window stores the view in the session's metadata instead,
 * under {@value #METADATA_KEY}, naming the last message it applies after.
 *
 * <p>Reading: the metadata's view while the history still ends with the message it names; else the
 * view of the last message that carries one, followed by every message after it (those written
 * without the memory, through the gateway say); else the whole history.
 */
public final class MemoryView {

  /** The key of the memory's part of a message attachment. */
  public static final String ATTACHMENT_KEY = "chat_memory";

  /** The key of a view stored in the session's metadata. */
  public static final String METADATA_KEY = "chat_memory_view";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private MemoryView() {}

  /** The positions in {@code history} of the view, in the view's order. */
  public static List<Integer> positions(List<ChatMessage> history, JsonNode metadata) {
    if (history.isEmpty()) {
      return List.of();
    }
    Map<MessageId, Integer> index = index(history);
    JsonNode stored = metadata.path(METADATA_KEY);
    if (stored.isObject()
        && history.get(history.size() - 1).id().value().equals(stored.path("after").asText())) {
      return expand(stored.path("view"), index, history.size());
    }
    for (int at = history.size() - 1; at >= 0; at--) {
      JsonNode view = memoryPart(history.get(at)).path("view");
      if (view.isArray()) {
        List<Integer> positions = new ArrayList<>(expand(view, index, history.size()));
        for (int later = at + 1; later < history.size(); later++) {
          positions.add(later);
        }
        return positions;
      }
    }
    List<Integer> all = new ArrayList<>(history.size());
    for (int at = 0; at < history.size(); at++) {
      all.add(at);
    }
    return all;
  }

  /** {@code view} (ids of {@code history}'s messages) as runs over the history's order. */
  public static ArrayNode runs(List<MessageId> view, List<ChatMessage> history) {
    Map<MessageId, Integer> index = index(history);
    ArrayNode runs = JSON.arrayNode();
    int runStart = -1;
    int runLength = 0;
    for (MessageId id : view) {
      Integer at = index.get(id);
      if (at == null) {
        throw new IllegalArgumentException("message " + id + " is not in the history");
      }
      if (runLength > 0 && at == runStart + runLength) {
        runLength++;
        continue;
      }
      if (runLength > 0) {
        runs.add(JSON.arrayNode().add(history.get(runStart).id().value()).add(runLength));
      }
      runStart = at;
      runLength = 1;
    }
    if (runLength > 0) {
      runs.add(JSON.arrayNode().add(history.get(runStart).id().value()).add(runLength));
    }
    return runs;
  }

  /** The codec payload a message carries, if the memory stored one. */
  public static Optional<JsonNode> payloadOf(ChatMessage message) {
    JsonNode payload = memoryPart(message).path("message");
    return payload.isMissingNode() || payload.isNull() ? Optional.empty() : Optional.of(payload);
  }

  /** The attachment of a stored message: its payload and the view, when either is present. */
  public static Optional<JsonNode> attachment(
      Optional<JsonNode> payload, Optional<ArrayNode> view) {
    if (payload.isEmpty() && view.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode part = JSON.objectNode();
    payload.ifPresent(p -> part.set("message", p));
    view.ifPresent(v -> part.set("view", v));
    ObjectNode attachment = JSON.objectNode();
    attachment.set(ATTACHMENT_KEY, part);
    return Optional.of(attachment);
  }

  /** {@code metadata} with the view {@code runs}, valid while {@code after} is the last message. */
  public static ObjectNode metadataWith(JsonNode metadata, MessageId after, ArrayNode runs) {
    ObjectNode updated =
        metadata.isObject() ? ((ObjectNode) metadata).deepCopy() : JSON.objectNode();
    ObjectNode stored = JSON.objectNode();
    stored.put("after", after.value());
    stored.set("view", runs);
    updated.set(METADATA_KEY, stored);
    return updated;
  }

  private static JsonNode memoryPart(ChatMessage message) {
    return message.code().map(code -> code.path(ATTACHMENT_KEY)).orElse(JSON.missingNode());
  }

  private static Map<MessageId, Integer> index(List<ChatMessage> history) {
    Map<MessageId, Integer> index = new HashMap<>(history.size() * 2);
    for (int at = 0; at < history.size(); at++) {
      index.put(history.get(at).id(), at);
    }
    return index;
  }

  /** The positions of {@code runs}; a run whose first message is gone (cleared) is left out. */
  private static List<Integer> expand(JsonNode runs, Map<MessageId, Integer> index, int size) {
    List<Integer> positions = new ArrayList<>();
    for (JsonNode run : runs) {
      String first = run.path(0).asText();
      int length = run.path(1).asInt(0);
      Integer start =
          MessageId.FORMAT.matcher(first).matches() ? index.get(MessageId.of(first)) : null;
      if (start == null) {
        continue;
      }
      for (int at = start; at < Math.min(size, start + length); at++) {
        positions.add(at);
      }
    }
    return positions;
  }
}
