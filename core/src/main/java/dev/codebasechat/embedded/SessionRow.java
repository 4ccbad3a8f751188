package dev.codebasechat.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.internal.TableJson;
import dev.codebasechat.schema.PgTimestamp;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.internal.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One row of the embedded table's {@code sessions}, as stored and as PostgREST renders it (the
 * shape, column order and time format the store reads from the Supabase table). Immutable.
 */
record SessionRow(
    long id,
    String sessionId,
    @Nullable String repo,
    @Nullable String currentFile,
    String contextCache,
    String metadata,
    int messageCount,
    long version,
    long lastActivity,
    long historyBytes) {

  private static final ObjectMapper JSON = TableJson.mapper();

  private static final DateTimeFormatter POSTGREST_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private static final String SESSION_COLUMNS =
      "id, session_id, user_id, repo, current_file, context_cache, metadata, message_count,"
          + " version, last_activity, created_at, history_bytes";

  /** The caller's row {@code sessionId}; empty when the caller has none by that id. */
  static Optional<SessionRow> read(Connection connection, UUID owner, String sessionId)
      throws SQLException {
    try (PreparedStatement statement =
            Sql.prepare(
                connection,
                "SELECT " + SESSION_COLUMNS + " FROM sessions WHERE session_id = ? AND user_id = ?",
                sessionId,
                owner.toString());
        ResultSet rows = statement.executeQuery()) {
      if (!rows.next()) {
        return Optional.empty();
      }
      return Optional.of(
          new SessionRow(
              rows.getLong("id"),
              rows.getString("session_id"),
              rows.getString("repo"),
              rows.getString("current_file"),
              rows.getString("context_cache"),
              rows.getString("metadata"),
              rows.getInt("message_count"),
              rows.getLong("version"),
              rows.getLong("last_activity"),
              rows.getLong("history_bytes")));
    }
  }

  /** The row in PostgREST's shape and column order, with the history when given. */
  ObjectNode json(UUID owner, Optional<ArrayNode> history, Path file) {
    ObjectNode json = JSON.createObjectNode();
    json.put("session_id", sessionId);
    json.put("user_id", owner.toString());
    json.put("repo", repo);
    json.put("current_file", currentFile);
    history.ifPresent(messages -> json.set("conversation_history", messages));
    json.set("context_cache", parse(contextCache, file));
    json.set("metadata", parse(metadata, file));
    json.put("message_count", messageCount);
    json.put("version", version);
    json.put("last_activity", time(lastActivity));
    return json;
  }

  /**
   * {@code stored} (in arrival order) in the history's order, as the database orders it: by
   * timestamp as PostgreSQL reads it, then by arrival. Messages almost always arrive in timestamp
   * order, so this usually only checks.
   */
  static ArrayNode inHistoryOrder(ArrayNode stored) {
    long[] sentAt = new long[stored.size()];
    boolean ordered = true;
    for (int i = 0; i < sentAt.length; i++) {
      sentAt[i] = PgTimestamp.read(stored.get(i).path("timestamp").asText()).micros();
      ordered &= i == 0 || sentAt[i - 1] <= sentAt[i];
    }
    if (ordered) {
      return stored;
    }
    Integer[] positions = new Integer[sentAt.length];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = i;
    }
    // A stable sort: equal timestamps keep their arrival order.
    java.util.Arrays.sort(positions, java.util.Comparator.comparingLong(i -> sentAt[i]));
    ArrayNode sorted = stored.arrayNode(positions.length);
    for (int position : positions) {
      sorted.add(stored.get(position));
    }
    return sorted;
  }

  /** A stored JSON value of {@code file}. */
  static JsonNode parse(String json, Path file) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new JournalException(
          JournalException.Reason.CORRUPT, file, "a stored JSON value is unreadable", e);
    }
  }

  /** {@code epochMillis} as PostgREST renders a timestamptz. */
  static String time(long epochMillis) {
    return POSTGREST_TIME.format(Instant.ofEpochMilli(epochMillis));
  }
}
