package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one row of the fake's {@code codebase_chat_sessions} table and its messages, taken
 * under the table's lock. Immutable: the JSON values are copies and changing them changes nothing.
 *
 * @param conversationHistory the stored messages in history order (timestamp, then arrival), each
 *     the JSON object that was sent: what the computed field {@code conversation_history} answers
 * @param historyBytes the {@code history_bytes} column: each message's JSON text and 2, summed
 * @param fieldsVersion the version of the last write that changed repo, current_file, context_cache
 *     or metadata
 * @param clearedVersion the version of the last write that removed messages (a clear)
 */
public record FakeSession(
    UUID id,
    String sessionId,
    UUID userId,
    @Nullable String repo,
    @Nullable String currentFile,
    List<JsonNode> conversationHistory,
    JsonNode contextCache,
    JsonNode metadata,
    int messageCount,
    long version,
    OffsetDateTime lastActivity,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    long historyBytes,
    long fieldsVersion,
    long clearedVersion) {

  public FakeSession {
    conversationHistory = conversationHistory.stream().<JsonNode>map(JsonNode::deepCopy).toList();
    contextCache = contextCache.deepCopy();
    metadata = metadata.deepCopy();
  }

  /** The ids of the stored messages, in order. */
  public List<String> messageIds() {
    List<String> ids = new ArrayList<>();
    conversationHistory.forEach(message -> ids.add(message.path("id").asText()));
    return ids;
  }

  static FakeSession of(ObjectNode row, List<JsonNode> history) {
    return new FakeSession(
        UUID.fromString(row.get("id").asText()),
        row.get("session_id").asText(),
        UUID.fromString(row.get("user_id").asText()),
        row.get("repo").isNull() ? null : row.get("repo").asText(),
        row.get("current_file").isNull() ? null : row.get("current_file").asText(),
        history,
        row.get("context_cache"),
        row.get("metadata"),
        row.get("message_count").asInt(),
        row.get("version").asLong(),
        OffsetDateTime.parse(row.get("last_activity").asText()),
        OffsetDateTime.parse(row.get("created_at").asText()),
        OffsetDateTime.parse(row.get("updated_at").asText()),
        row.get("history_bytes").asLong(),
        row.get("fields_version").asLong(),
        row.get("cleared_version").asLong());
  }
}
