package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.testing.FakeTokens.Caller;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The rows of {@code public.codebase_chat_sessions}, with the table's RLS policies
 * ({@code auth.uid() = user_id} for every command) and the row maintenance of its triggers
 * ({@code version} + 1, {@code updated_at}/{@code last_activity} = now on every update,
 * {@code message_count} following the history).
 *
 * <p>Every method holds the table's monitor for its whole run, so each is atomic, as one SQL
 * statement (or one SQL function call) would be. Rows handed out are deep copies.
 */
final class FakeTable {

  /** The columns in table order, with their types. */
  static final Map<String, ColumnType> COLUMNS = columns();

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** PostgreSQL's JSON rendering of timestamptz in a UTC session: microseconds, {@code +00:00}. */
  static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral('T')
          .appendPattern("HH:mm:ss")
          .appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
          .appendOffset("+HH:MM", "+00:00")
          .toFormatter()
          .withZone(ZoneOffset.UTC);

  private final Clock clock;
  private final Map<String, ObjectNode> rowsBySessionId = new LinkedHashMap<>();

  FakeTable(Clock clock) {
    this.clock = clock;
  }

  private static Map<String, ColumnType> columns() {
    Map<String, ColumnType> columns = new LinkedHashMap<>();
    columns.put("id", ColumnType.UUID);
    columns.put("session_id", ColumnType.TEXT);
    columns.put("user_id", ColumnType.UUID);
    columns.put("repo", ColumnType.TEXT);
    columns.put("current_file", ColumnType.TEXT);
    columns.put("conversation_history", ColumnType.JSONB);
    columns.put("context_cache", ColumnType.JSONB);
    columns.put("metadata", ColumnType.JSONB);
    columns.put("message_count", ColumnType.INTEGER);
    columns.put("version", ColumnType.BIGINT);
    columns.put("last_activity", ColumnType.TIMESTAMPTZ);
    columns.put("created_at", ColumnType.TIMESTAMPTZ);
    columns.put("updated_at", ColumnType.TIMESTAMPTZ);
    return Collections.unmodifiableMap(columns);
  }

  /** @throws PostgrestErrors.Failure 42703 when the table has no such column */
  static ColumnType typeOf(String column) {
    ColumnType type = COLUMNS.get(column);
    if (type == null) {
      throw PostgrestErrors.undefinedColumn(column);
    }
    return type;
  }

  /** Copies of the rows {@code caller} may see that pass every filter, in insertion order. */
  synchronized List<ObjectNode> select(Caller caller, List<QueryFilter> filters) {
    List<ObjectNode> result = new ArrayList<>();
    for (ObjectNode row : visible(caller, filters)) {
      result.add(row.deepCopy());
    }
    return result;
  }

  /**
   * Sets {@code changes} on every visible row that passes the filters. {@code checkCount} sees
   * the number of such rows first; an exception it throws aborts the update with nothing changed.
   */
  synchronized List<ObjectNode> update(
      Caller caller, List<QueryFilter> filters, ObjectNode changes, IntConsumer checkCount) {
    List<ObjectNode> targets = visible(caller, filters);
    checkCount.accept(targets.size());
    List<ObjectNode> result = new ArrayList<>();
    for (ObjectNode row : targets) {
      row.setAll(changes.deepCopy());
      touch(row);
      result.add(row.deepCopy());
    }
    return result;
  }

  /**
   * The body of {@code append_chat_messages} after argument checks: creates the session owned by
   * the caller when absent, appends the messages whose ids are new, in order.
   *
   * @param batch messages with distinct ids (duplicates within the request already dropped)
   * @throws PostgrestErrors.Failure the foreign-session answer when another user owns the id
   */
  synchronized ObjectNode append(
      UUID caller,
      String sessionId,
      List<JsonNode> batch,
      @Nullable String repo,
      @Nullable String currentFile) {
    ObjectNode row = rowsBySessionId.get(sessionId);
    boolean created = row == null;
    if (row == null) {
      row = newRow(caller, sessionId);
      row.put("repo", repo);
      row.put("current_file", currentFile);
      rowsBySessionId.put(sessionId, row);
    } else if (!caller.toString().equals(row.get("user_id").asText())) {
      throw FakeSupabase.foreignSessionAppend();
    }
    ArrayNode history = (ArrayNode) row.get("conversation_history");
    Set<String> stored = new HashSet<>();
    history.forEach(message -> stored.add(message.path("id").asText()));
    List<JsonNode> fresh = batch.stream().filter(m -> !stored.contains(m.path("id").asText())).toList();
    boolean repoChanges = repo != null && !repo.equals(row.path("repo").asText(null));
    boolean fileChanges = currentFile != null && !currentFile.equals(row.path("current_file").asText(null));
    if (!fresh.isEmpty()) {
      ArrayNode grown = history.deepCopy();
      fresh.forEach(grown::add);
      try {
        // The table's CHECKs on the history; a refusal leaves the row as it was.
        dev.codebasechat.sync.SessionTableRules.checkHistory(
            grown.size(), grown.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
      } catch (dev.codebasechat.sync.TableConstraintException e) {
        if (created) {
          rowsBySessionId.remove(sessionId); // the function's insert is rolled back with it
        }
        throw PostgrestErrors.of(e);
      }
    }
    if (!fresh.isEmpty() || repoChanges || fileChanges) {
      fresh.forEach(message -> history.add(message.deepCopy()));
      if (repo != null) {
        row.put("repo", repo);
      }
      if (currentFile != null) {
        row.put("current_file", currentFile);
      }
      touch(row);
    }
    ObjectNode result = NODES.objectNode();
    result.put("session_id", sessionId);
    result.put("appended", fresh.size());
    result.put("message_count", row.get("message_count").asInt());
    result.put("version", row.get("version").asLong());
    result.put("created", created);
    result.set("last_activity", row.get("last_activity"));
    return result;
  }

  /** Empties the history of the caller's session; a copy of the row after it, or null when not visible. */
  synchronized @Nullable ObjectNode clearHistory(UUID caller, String sessionId) {
    ObjectNode row = ownRow(caller, sessionId);
    if (row == null) {
      return null;
    }
    row.set("conversation_history", NODES.arrayNode());
    touch(row);
    return row.deepCopy();
  }

  /** Deletes the caller's session; whether there was one. */
  synchronized boolean delete(UUID caller, String sessionId) {
    if (ownRow(caller, sessionId) == null) {
      return false;
    }
    rowsBySessionId.remove(sessionId);
    return true;
  }

  /**
   * Inserts a row for {@code owner} with the given columns (the rest take their defaults), as a
   * PostgREST INSERT after its permission checks; null when the session id is taken.
   */
  synchronized @Nullable ObjectNode insert(UUID owner, String sessionId, ObjectNode columns) {
    if (rowsBySessionId.containsKey(sessionId)) {
      return null;
    }
    ObjectNode row = newRow(owner, sessionId);
    for (String column : List.of("repo", "current_file", "conversation_history", "context_cache", "metadata")) {
      if (columns.has(column)) {
        row.set(column, columns.get(column).deepCopy());
      }
    }
    row.put("message_count", row.get("conversation_history").size());
    rowsBySessionId.put(sessionId, row);
    return row.deepCopy();
  }

  /** Deletes every row {@code caller} may see that passes the filters; the deleted rows. */
  synchronized List<ObjectNode> deleteWhere(Caller caller, List<QueryFilter> filters) {
    List<ObjectNode> targets = visible(caller, filters);
    targets.forEach(row -> rowsBySessionId.remove(row.get("session_id").asText()));
    return targets.stream().map(ObjectNode::deepCopy).toList();
  }

  /** Inserts or replaces a row as the table owner would (no RLS, no triggers). */
  synchronized void seed(UUID owner, String sessionId, ArrayNode messages) {
    ObjectNode row = newRow(owner, sessionId);
    row.set("conversation_history", messages.deepCopy());
    row.put("message_count", messages.size());
    rowsBySessionId.put(sessionId, row);
  }

  synchronized List<ObjectNode> all() {
    return rowsBySessionId.values().stream().map(ObjectNode::deepCopy).toList();
  }

  synchronized @Nullable ObjectNode row(String sessionId) {
    ObjectNode row = rowsBySessionId.get(sessionId);
    return row == null ? null : row.deepCopy();
  }

  synchronized void clear() {
    rowsBySessionId.clear();
  }

  private List<ObjectNode> visible(Caller caller, List<QueryFilter> filters) {
    List<ObjectNode> result = new ArrayList<>();
    for (ObjectNode row : rowsBySessionId.values()) {
      if (caller.sees(UUID.fromString(row.get("user_id").asText()))
          && filters.stream().allMatch(filter -> filter.matches(row))) {
        result.add(row);
      }
    }
    return result;
  }

  private @Nullable ObjectNode ownRow(UUID caller, String sessionId) {
    ObjectNode row = rowsBySessionId.get(sessionId);
    return row != null && Objects.equals(row.get("user_id").asText(), caller.toString()) ? row : null;
  }

  private ObjectNode newRow(UUID owner, String sessionId) {
    String now = TIMESTAMP.format(clock.instant());
    ObjectNode row = NODES.objectNode();
    row.put("id", UUID.randomUUID().toString());
    row.put("session_id", sessionId);
    row.put("user_id", owner.toString());
    row.putNull("repo");
    row.putNull("current_file");
    row.set("conversation_history", NODES.arrayNode());
    row.set("context_cache", NODES.objectNode());
    row.set("metadata", NODES.objectNode());
    row.put("message_count", 0);
    row.put("version", 0L);
    row.put("last_activity", now);
    row.put("created_at", now);
    row.put("updated_at", now);
    return row;
  }

  /** What the update trigger does to every changed row. */
  private void touch(ObjectNode row) {
    String now = TIMESTAMP.format(clock.instant());
    row.put("message_count", row.get("conversation_history").size());
    row.put("version", row.get("version").asLong() + 1);
    row.put("updated_at", now);
    row.put("last_activity", now);
  }
}
