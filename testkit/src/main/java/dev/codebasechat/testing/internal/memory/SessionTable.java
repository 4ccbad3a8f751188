package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgTimestamp;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.internal.PostgrestError;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The rows of {@code public.codebase_chat_sessions} and, beside each, its rows of {@code
 * public.codebase_chat_messages}, with the table's RLS policies ({@code auth.uid() = user_id} for
 * every command), the row maintenance of its update trigger ({@code version} + 1, {@code
 * updated_at}/{@code last_activity} = now, {@code fields_version} = the new version when {@code
 * repo}, {@code current_file}, {@code context_cache} or {@code metadata} changed) and the bodies of
 * the functions that write messages, as migration {@code 20261203000000} defines them.
 *
 * <p>A row holds the table's real columns only. Each message keeps what its SQL row keeps beside
 * the JSON the client sent ({@code message_id}, {@code sent_at}, {@code seq}, {@code
 * added_version}, {@code body_bytes}); none of it ever appears in a row. {@code
 * conversation_history}, the computed field, is assembled from the messages when a request selects
 * it: ordered by {@code sent_at}, then {@code seq} (arrival).
 *
 * <p>Every method holds the table's monitor for its whole run, so each is atomic, as one SQL
 * statement (or one SQL function call) would be; a function that fails changes nothing. Rows handed
 * out are deep copies.
 */
final class SessionTable {

  /** The computed field: selectable by name, not part of {@code *}, not writable. */
  static final String HISTORY = "conversation_history";

  /** The four columns whose change moves {@code fields_version}. */
  static final List<String> FIELDS = List.of("repo", "current_file", "context_cache", "metadata");

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
  private final Map<String, Session> sessionsById = new LinkedHashMap<>();
  private final Random random = new Random();

  /** The identity column {@code seq}: shared by every session, never reused, not rolled back. */
  private long lastSeq;

  SessionTable(Clock clock) {
    this.clock = clock;
  }

  // ---------------------------------------------------------------- the messages of a session

  /** One row of {@code codebase_chat_messages}; {@code sentAt} in microseconds since the epoch. */
  private record StoredMessage(
      String key, long sentAt, long seq, long addedVersion, JsonNode body, int bodyBytes) {}

  /** A session row and its messages, in history order. */
  private static final class Session {
    final ObjectNode row;
    final List<StoredMessage> history;
    final Map<String, StoredMessage> byKey;

    Session(ObjectNode row) {
      this(row, new ArrayList<>(), new HashMap<>());
    }

    private Session(ObjectNode row, List<StoredMessage> history, Map<String, StoredMessage> byKey) {
      this.row = row;
      this.history = history;
      this.byKey = byKey;
    }

    /** A copy to work on, so that a failing function leaves the stored session as it was. */
    Session copy() {
      return new Session(row.deepCopy(), new ArrayList<>(history), new HashMap<>(byKey));
    }

    UUID owner() {
      return UUID.fromString(row.get("user_id").asText());
    }

    long version() {
      return row.get("version").asLong();
    }

    /** Inserts after the last message whose timestamp is not later: the order (sent_at, seq). */
    void insert(StoredMessage message) {
      int at = history.size();
      if (at > 0 && history.get(at - 1).sentAt() > message.sentAt()) {
        int low = 0;
        int high = at;
        while (low < high) {
          int middle = (low + high) >>> 1;
          if (history.get(middle).sentAt() <= message.sentAt()) {
            low = middle + 1;
          } else {
            high = middle;
          }
        }
        at = low;
      }
      history.add(at, message);
      byKey.put(message.key(), message);
    }

    void removeAll() {
      history.clear();
      byKey.clear();
    }

    ArrayNode historyJson() {
      ArrayNode array = NODES.arrayNode();
      history.forEach(message -> array.add(message.body().deepCopy()));
      return array;
    }

    /** A copy of the row, with the computed field when asked for. */
    ObjectNode view(boolean withHistory) {
      ObjectNode copy = row.deepCopy();
      if (withHistory) {
        copy.set(HISTORY, historyJson());
      }
      return copy;
    }

    FakeSession snapshot() {
      List<JsonNode> messages = new ArrayList<>(history.size());
      history.forEach(message -> messages.add(message.body()));
      return snapshotOf(row, messages);
    }
  }

  /** What {@code insert_messages} answers. */
  private record Inserted(int added, long bytes) {}

  // ---------------------------------------------------------------- plain table requests

  /** Copies of the rows {@code caller} may see that pass every filter, in insertion order. */
  synchronized List<ObjectNode> select(
      Caller caller, Predicate<ObjectNode> where, boolean withHistory) {
    return visible(caller, where).stream().map(session -> session.view(withHistory)).toList();
  }

  /**
   * Sets {@code changes} on every visible row that passes the filters. {@code checkCount} sees the
   * number of such rows first; an exception it throws aborts the update with nothing changed.
   */
  synchronized List<ObjectNode> update(
      Caller caller,
      Predicate<ObjectNode> where,
      ObjectNode changes,
      IntConsumer checkCount,
      boolean withHistory) {
    List<Session> targets = visible(caller, where);
    checkCount.accept(targets.size());
    List<ObjectNode> result = new ArrayList<>();
    for (Session session : targets) {
      ObjectNode before = fields(session.row);
      session.row.setAll(changes.deepCopy());
      touch(session.row, before);
      result.add(session.view(withHistory));
    }
    return result;
  }

  /**
   * Inserts a row for {@code owner} with the given columns (the rest take their defaults), as a
   * PostgREST INSERT after its permission checks; null when the session id is taken.
   */
  synchronized @Nullable ObjectNode insert(
      UUID owner, String sessionId, ObjectNode columns, boolean withHistory) {
    if (sessionsById.containsKey(sessionId)) {
      return null;
    }
    Session session = new Session(newRow(owner, sessionId));
    for (String column : FIELDS) {
      if (columns.has(column)) {
        session.row.set(column, columns.get(column).deepCopy());
      }
    }
    sessionsById.put(sessionId, session);
    return session.view(withHistory);
  }

  /**
   * Deletes every row {@code caller} may see that passes the filters; the deleted rows, as they
   * were.
   */
  synchronized List<ObjectNode> deleteWhere(
      Caller caller, Predicate<ObjectNode> where, IntConsumer checkCount, boolean withHistory) {
    List<Session> targets = visible(caller, where);
    checkCount.accept(targets.size());
    List<ObjectNode> deleted = new ArrayList<>();
    for (Session session : targets) {
      // The statement's snapshot still sees the messages the cascade removes.
      deleted.add(session.view(withHistory));
      sessionsById.remove(session.row.get("session_id").asText());
    }
    return deleted;
  }

  // ---------------------------------------------------------------- the functions

  /**
   * The body of {@code append_chat_messages} after {@code caller_for} and {@code check_messages}:
   * creates the session owned by the caller when absent, stores the messages whose ids are new (of
   * repeats within the batch the first), each where its timestamp puts it, and updates the
   * counters, {@code repo} and {@code current_file} in one update of the row, or not at all when
   * nothing changes.
   *
   * @param messages the checked {@code p_messages}, repeats included
   * @throws PostgrestError the foreign-session answer when another user owns the id; 22023 naming
   *     the first timestamp PostgreSQL cannot read; 23514 when the row would break a CHECK
   */
  synchronized ObjectNode append(
      UUID caller,
      String sessionId,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile) {
    Session stored = sessionsById.get(sessionId);
    boolean created = stored == null;
    Session session;
    if (stored == null) {
      session = new Session(newRow(caller, sessionId));
      session.row.put("repo", repo);
      session.row.put("current_file", currentFile);
      checkRow(session.row);
    } else if (!stored.owner().equals(caller)) {
      throw SqlErrors.foreignSession("append_chat_messages");
    } else {
      session = stored.copy();
    }
    ObjectNode row = session.row;
    Inserted inserted = insertMessages(session, session.version() + 1, messages);
    boolean repoChanges = repo != null && !repo.equals(textOrNull(row.get("repo")));
    boolean fileChanges =
        currentFile != null && !currentFile.equals(textOrNull(row.get("current_file")));
    if (inserted.added() > 0 || repoChanges || fileChanges) {
      ObjectNode before = fields(row);
      addCounts(row, inserted);
      if (repo != null) {
        row.put("repo", repo);
      }
      if (currentFile != null) {
        row.put("current_file", currentFile);
      }
      touch(row, before);
      checkRow(row);
    }
    sessionsById.put(sessionId, session);
    ObjectNode result = NODES.objectNode();
    result.put("session_id", sessionId);
    result.put("appended", inserted.added());
    result.put("message_count", row.get("message_count").asInt());
    result.put("version", row.get("version").asLong());
    result.put("created", created);
    result.set("last_activity", row.get("last_activity"));
    return result;
  }

  /**
   * The body of {@code append_chat_messages_for} after its argument checks: {@link #append} as
   * {@code owner}, or null, changing nothing, when the session id belongs to another user.
   */
  synchronized @Nullable ObjectNode appendFor(
      UUID owner,
      String sessionId,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile) {
    Session stored = sessionsById.get(sessionId);
    if (stored != null && !owner.equals(stored.owner())) {
      return null;
    }
    return append(owner, sessionId, messages, repo, currentFile);
  }

  /**
   * {@code clear_chat_history}: a copy of the row after it, or null when the caller has no such
   * session.
   */
  synchronized @Nullable ObjectNode clearHistory(UUID caller, String sessionId) {
    Session session = ownSession(caller, sessionId);
    if (session == null) {
      return null;
    }
    removeMessages(session);
    return session.row.deepCopy();
  }

  /** {@code delete_chat_session}: whether the caller had such a session. */
  synchronized boolean delete(UUID caller, String sessionId) {
    if (ownSession(caller, sessionId) == null) {
      return false;
    }
    sessionsById.remove(sessionId);
    return true;
  }

  /**
   * The body of {@code chat_session_changes} after its argument checks: null when the caller has no
   * session with that id; otherwise what changed since {@code sinceVersion}.
   */
  synchronized @Nullable ObjectNode changes(UUID caller, String sessionId, long sinceVersion) {
    Session session = ownSession(caller, sessionId);
    if (session == null) {
      return null;
    }
    ObjectNode row = session.row;
    long version = row.get("version").asLong();
    ObjectNode answer = NODES.objectNode();
    answer.put("session_id", sessionId);
    answer.put("version", version);
    answer.set("message_count", row.get("message_count").deepCopy());
    answer.set("created_at", row.get("created_at").deepCopy());
    answer.set("last_activity", row.get("last_activity").deepCopy());
    if (sinceVersion == version) {
      answer.put("unchanged", true);
      return answer;
    }
    boolean reset = sinceVersion > version || row.get("cleared_version").asLong() > sinceVersion;
    ArrayNode messages = NODES.arrayNode();
    for (StoredMessage message : session.history) {
      if (reset || message.addedVersion() > sinceVersion) {
        messages.add(message.body().deepCopy());
      }
    }
    answer.put("unchanged", false);
    answer.put("reset", reset);
    answer.set("messages", messages);
    if (reset || row.get("fields_version").asLong() > sinceVersion) {
      answer.set("fields", fields(row));
    }
    return answer;
  }

  /**
   * The body of {@code store_chat_session_for} after its argument checks (service_role, owner,
   * session id, the shape of {@code session} and the length of {@code target}).
   *
   * @param session the session to store, or null to delete it
   * @param target its {@code conversation_history} (an array; empty when {@code session} is null)
   * @return false when the row is not at {@code expectedVersion} (null: when there is a row)
   * @throws PostgrestError 42501 when another user owns the id; 22023 from the message checks;
   *     23514 when the row would break a CHECK
   */
  synchronized boolean storeFor(
      UUID owner,
      String sessionId,
      @Nullable Long expectedVersion,
      @Nullable ObjectNode session,
      JsonNode target) {
    Session stored = sessionsById.get(sessionId);
    if (stored != null && !stored.owner().equals(owner)) {
      throw PostgrestError.sql(
          "42501", "store_chat_session_for: this session id belongs to a session of another user");
    }
    if (stored != null
        ? !Objects.equals(expectedVersion, stored.version())
        : expectedVersion != null) {
      return false;
    }
    if (session == null) {
      if (stored != null) {
        sessionsById.remove(sessionId);
      }
      return true;
    }
    Session working;
    if (stored == null) {
      working = new Session(newRow(owner, sessionId));
      setFields(working.row, session);
      checkRow(working.row);
    } else {
      working = stored.copy();
    }
    // Stored messages that the target no longer holds: a clear happened; start over.
    Set<String> kept = new HashSet<>();
    target.forEach(
        message -> {
          String id = textOrNull(message.get("id"));
          if (id != null) {
            kept.add(id);
          }
        });
    if (!kept.containsAll(working.byKey.keySet())) {
      removeMessages(working);
    }
    checkMessages(target, SessionTableRules.MAX_MESSAGES_PER_SESSION);
    Inserted inserted = insertMessages(working, working.version() + 1, target);
    ObjectNode before = fields(working.row);
    setFields(working.row, session);
    addCounts(working.row, inserted);
    touch(working.row, before);
    checkRow(working.row);
    sessionsById.put(sessionId, working);
    return true;
  }

  /**
   * {@code check_messages}: the checks {@code append_chat_messages} documents, on at most {@code
   * atMost} messages, with its 22023 answers.
   */
  static void checkMessages(@Nullable JsonNode messages, int atMost) {
    if (messages == null || !messages.isArray()) {
      throw SqlErrors.invalidParameter("p_messages must be a JSON array of messages");
    }
    if (messages.size() > atMost) {
      throw SqlErrors.invalidParameter("p_messages must hold at most " + atMost + " messages");
    }
    for (int pos = 0; pos < messages.size(); pos++) {
      ArrayNode one = NODES.arrayNode().add(messages.get(pos));
      try {
        SessionTableRules.batch(one);
      } catch (IllegalArgumentException e) {
        throw SqlErrors.invalidParameter(
            String.valueOf(e.getMessage())
                .replaceFirst("^p_messages\\[0]", "p_messages[" + pos + "]"));
      }
    }
  }

  // ---------------------------------------------------------------- the table owner's writes

  /**
   * Inserts or replaces a row as the table owner would, and its messages as the migration moved a
   * legacy history into rows: every message kept in its order; one without a valid id, or repeating
   * an earlier one's, keyed {@code legacy-<position>-<8 hex>}; each ordered as of the latest
   * readable timestamp up to it ({@code -infinity} before the first), so the order never changes.
   * Version 0, {@code fields_version} = version, counters following the messages.
   */
  synchronized void seed(UUID owner, String sessionId, ArrayNode messages) {
    Session session = new Session(newRow(owner, sessionId));
    long version = session.version();
    long latest = PgTimestamp.MINUS_INFINITY;
    // The migration's "first of its id": row_number() over (partition by the id's text), nulls
    // together.
    Set<String> seenIds = new HashSet<>();
    boolean seenNullId = false;
    long bytes = 0;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      JsonNode id = message.isObject() ? message.get("id") : null;
      String rawId = textOrNull(id);
      boolean first;
      if (rawId == null) {
        first = !seenNullId;
        seenNullId = true;
      } else {
        first = seenIds.add(rawId);
      }
      boolean valid =
          id != null
              && id.isTextual()
              && SessionTableRules.MESSAGE_ID.matcher(id.textValue()).matches();
      String key =
          valid && first && rawId != null
              ? rawId
              : "legacy-" + (i + 1) + "-" + HexFormat.of().toHexDigits(random.nextInt());
      String timestamp = message.isObject() ? textOrNull(message.get("timestamp")) : null;
      if (timestamp != null) {
        PgTimestamp.Reading reading = PgTimestamp.read(timestamp);
        if (reading.outcome() == PgTimestamp.Outcome.READ) {
          latest = Math.max(latest, reading.micros());
        }
      }
      int bodyBytes = JsonbText.octetLength(message);
      session.insert(
          new StoredMessage(key, latest, ++lastSeq, version, message.deepCopy(), bodyBytes));
      bytes += bodyBytes;
    }
    session.row.put("message_count", messages.size());
    session.row.put("history_bytes", bytes + 2L * messages.size());
    session.row.put("fields_version", version);
    sessionsById.put(sessionId, session);
  }

  synchronized List<FakeSession> all() {
    return sessionsById.values().stream().map(Session::snapshot).toList();
  }

  synchronized @Nullable FakeSession row(String sessionId) {
    Session session = sessionsById.get(sessionId);
    return session == null ? null : session.snapshot();
  }

  synchronized void clear() {
    sessionsById.clear();
  }

  // ---------------------------------------------------------------- helpers

  /**
   * {@code insert_messages}: reads every timestamp (all of them, before the conflict check skips
   * any), then stores in order each message whose id the session does not hold yet.
   */
  private Inserted insertMessages(Session session, long version, JsonNode messages) {
    long[] sentAt = new long[messages.size()];
    for (int pos = 0; pos < messages.size(); pos++) {
      String text = messages.get(pos).path("timestamp").asText();
      PgTimestamp.Reading reading = PgTimestamp.read(text);
      switch (reading.outcome()) {
        case READ -> sentAt[pos] = reading.micros();
        case UNREADABLE ->
            throw SqlErrors.invalidParameter(
                "p_messages[" + pos + "].timestamp is not a date-time PostgreSQL can read");
        case ZONE_OUT_OF_RANGE ->
            throw PostgrestError.sql(
                "22009", "time zone displacement out of range: \"" + text + "\"");
      }
    }
    int added = 0;
    long bytes = 0;
    for (int pos = 0; pos < messages.size(); pos++) {
      JsonNode message = messages.get(pos);
      String key = message.get("id").textValue();
      if (session.byKey.containsKey(key)) {
        continue;
      }
      int bodyBytes = JsonbText.octetLength(message);
      session.insert(
          new StoredMessage(key, sentAt[pos], ++lastSeq, version, message.deepCopy(), bodyBytes));
      added++;
      bytes += bodyBytes;
    }
    return new Inserted(added, bytes);
  }

  /** {@code remove_messages}: every message goes, and the update records the clear. */
  private void removeMessages(Session session) {
    ObjectNode row = session.row;
    ObjectNode before = fields(row);
    session.removeAll();
    row.put("message_count", 0);
    row.put("history_bytes", 0L);
    row.put("cleared_version", row.get("version").asLong() + 1);
    touch(row, before);
  }

  private static void addCounts(ObjectNode row, Inserted inserted) {
    row.put("message_count", row.get("message_count").asInt() + inserted.added());
    row.put(
        "history_bytes",
        row.get("history_bytes").asLong() + inserted.bytes() + 2L * inserted.added());
  }

  /** The four fields as {@code store_chat_session_for} takes them from {@code p_session}. */
  private static void setFields(ObjectNode row, ObjectNode session) {
    row.put("repo", textOrNull(session.get("repo")));
    row.put("current_file", textOrNull(session.get("current_file")));
    row.set(
        "context_cache",
        session.has("context_cache")
            ? session.get("context_cache").deepCopy()
            : NODES.objectNode());
    row.set(
        "metadata",
        session.has("metadata") ? session.get("metadata").deepCopy() : NODES.objectNode());
  }

  /**
   * {@code ->>}: null for a missing key or a JSON null, a string's text, any other value's jsonb
   * text.
   */
  private static @Nullable String textOrNull(@Nullable JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    return value.isTextual() ? value.textValue() : JsonbText.of(value);
  }

  /** {repo, current_file, context_cache, metadata}, copied. */
  private static ObjectNode fields(ObjectNode row) {
    ObjectNode fields = NODES.objectNode();
    FIELDS.forEach(column -> fields.set(column, row.get(column).deepCopy()));
    return fields;
  }

  /**
   * The table's CHECK constraints on a row being written, in the order PostgreSQL checks them
   * (alphabetical by name).
   */
  private static void checkRow(ObjectNode row) {
    try {
      SessionTableRules.checkContextCache(row.get("context_cache"));
      SessionTableRules.checkCurrentFile(Optional.ofNullable(textOrNull(row.get("current_file"))));
      if (row.get("history_bytes").asLong() > SessionTableRules.MAX_HISTORY_BYTES) {
        throw SqlErrors.checkViolation("codebase_chat_sessions_history_max_bytes");
      }
      int messages = row.get("message_count").asInt();
      if (messages < 0 || messages > SessionTableRules.MAX_MESSAGES_PER_SESSION) {
        throw SqlErrors.checkViolation("codebase_chat_sessions_history_max_messages");
      }
      SessionTableRules.checkMetadata(row.get("metadata"));
      SessionTableRules.checkRepo(Optional.ofNullable(textOrNull(row.get("repo"))));
    } catch (TableConstraintException e) {
      throw SqlErrors.of(e);
    }
  }

  private List<Session> visible(Caller caller, Predicate<ObjectNode> where) {
    List<Session> result = new ArrayList<>();
    for (Session session : sessionsById.values()) {
      if (caller.sees(session.owner()) && where.test(session.row)) {
        result.add(session);
      }
    }
    return result;
  }

  private @Nullable Session ownSession(UUID caller, String sessionId) {
    Session session = sessionsById.get(sessionId);
    return session != null && session.owner().equals(caller) ? session : null;
  }

  private ObjectNode newRow(UUID owner, String sessionId) {
    String now = TIMESTAMP.format(clock.instant());
    ObjectNode row = NODES.objectNode();
    row.put("id", UUID.randomUUID().toString());
    row.put("session_id", sessionId);
    row.put("user_id", owner.toString());
    row.putNull("repo");
    row.putNull("current_file");
    row.set("context_cache", NODES.objectNode());
    row.set("metadata", NODES.objectNode());
    row.put("last_activity", now);
    row.put("created_at", now);
    row.put("updated_at", now);
    row.put("message_count", 0);
    row.put("version", 0L);
    row.put("history_bytes", 0L);
    row.put("fields_version", 0L);
    row.put("cleared_version", 0L);
    return row;
  }

  /**
   * What the update trigger does to every updated row; {@code before} holds its fields before the
   * update.
   */
  private void touch(ObjectNode row, ObjectNode before) {
    String now = TIMESTAMP.format(clock.instant());
    long version = row.get("version").asLong() + 1;
    row.put("version", version);
    row.put("updated_at", now);
    row.put("last_activity", now);
    for (String column : FIELDS) {
      if (!sameJsonb(before.get(column), row.get(column))) {
        row.put("fields_version", version);
        break;
      }
    }
  }

  /**
   * {@code is not distinct from} for text and jsonb values: numbers by value, objects without key
   * order.
   */
  private static boolean sameJsonb(JsonNode left, JsonNode right) {
    if (left.isNumber() && right.isNumber()) {
      return left.decimalValue().compareTo(right.decimalValue()) == 0;
    }
    if (left.isObject() && right.isObject()) {
      if (left.size() != right.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = left.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode other = right.get(field.getKey());
        if (other == null || !sameJsonb(field.getValue(), other)) {
          return false;
        }
      }
      return true;
    }
    if (left.isArray() && right.isArray()) {
      if (left.size() != right.size()) {
        return false;
      }
      for (int i = 0; i < left.size(); i++) {
        if (!sameJsonb(left.get(i), right.get(i))) {
          return false;
        }
      }
      return true;
    }
    return left.equals(right);
  }

  private static FakeSession snapshotOf(ObjectNode row, List<JsonNode> history) {
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
