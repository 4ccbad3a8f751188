package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one row of the fake's {@code codebase_chat_sessions} table and its messages, taken
 * under the table's lock. Immutable: the JSON values are copies and changing them changes nothing.
 *
 * @param userId the owner; null for a row the service role inserted without one
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
    @Nullable UUID userId,
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
}
