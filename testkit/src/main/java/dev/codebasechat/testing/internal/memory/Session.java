package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.schema.PgTimestamp;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.internal.PostgrestError;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One row of {@code codebase_chat_sessions} and its rows of {@code codebase_chat_messages}, in
 * history order ({@code sent_at}, then {@code seq}, which grows with each insert: here the order of
 * insertion), with what the table's update trigger does to a row ({@code version} + 1, {@code
 * updated_at}/{@code last_activity} = now, {@code fields_version} = the new version when a field
 * changed) and its CHECK constraints. The row holds the real columns only; each message keeps, of
 * its SQL row, only what the fake reads beside the JSON sent (its id, {@code sent_at}, {@code
 * added_version}), none of which appears in a row. Not thread-safe: the {@link SessionTable}'s
 * monitor guards it.
 */
final class Session {
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

  /** {@code is not distinct from} of jsonb scalars: numbers by value (objects ignore key order). */
  private static final Comparator<JsonNode> JSONB_SCALARS =
      (left, right) ->
          left.isNumber() && right.isNumber()
              ? left.decimalValue().compareTo(right.decimalValue())
              : left.equals(right) ? 0 : 1;

  /** One message row; {@code sentAt} in microseconds since the epoch. */
  record Message(String key, long sentAt, long addedVersion, JsonNode body) {}

  final ObjectNode row;
  final List<Message> history;
  final Map<String, Message> byKey;

  /** A new row of {@code owner}, every other column at its default, stamped {@code now}. */
  Session(@Nullable UUID owner, String sessionId, String now) {
    this(NODES.objectNode(), new ArrayList<>(), new HashMap<>());
    row.put("id", UUID.randomUUID().toString()).put("session_id", sessionId);
    row.put("user_id", owner == null ? null : owner.toString());
    row.putNull("repo").putNull("current_file");
    row.set("context_cache", NODES.objectNode());
    row.set("metadata", NODES.objectNode());
    row.put("last_activity", now).put("created_at", now).put("updated_at", now);
    row.put("message_count", 0).put("version", 0L).put("history_bytes", 0L);
    row.put("fields_version", 0L).put("cleared_version", 0L);
  }

  private Session(ObjectNode row, List<Message> history, Map<String, Message> byKey) {
    this.row = row;
    this.history = history;
    this.byKey = byKey;
  }

  /** A copy to work on, so that a failing function leaves the stored session as it was. */
  Session copy() {
    return new Session(row.deepCopy(), new ArrayList<>(history), new HashMap<>(byKey));
  }

  /** The owner; null for a row service_role inserted without one. */
  /**
   * The {@code codebase_chat_sessions_namespace} trigger on this proposed row, which runs before
   * the constraints and the unique key: refused, 42501, when its id is another user's conversation
   * namespace and the caller sees no session under it ({@code stored}, seen by a caller who
   * bypasses RLS, {@code rowVisible}, or owns it).
   */
  void checkNamespace(@Nullable Session stored, boolean rowVisible) {
    String id = textOrNull(row.get("session_id"));
    UUID owner = owner();
    boolean seen = stored != null && (rowVisible || Objects.equals(stored.owner(), owner));
    if (id != null
        && !seen
        && (owner == null
            ? SessionTableRules.inANamespace(id)
            : !SessionTableRules.mayCreate(id, owner))) {
      throw PostgrestError.sql("42501", SessionTableRules.NAMESPACE_TAKEN);
    }
  }

  @Nullable UUID owner() {
    String owner = textOrNull(row.get("user_id"));
    return owner == null ? null : UUID.fromString(owner);
  }

  long version() {
    return row.get("version").asLong();
  }

  /**
   * The trigger before an insert of a session its owner deleted within the time kept: versions go
   * on after {@code ended}, as if the session had been cleared then.
   */
  void continueAfter(long ended) {
    row.put("version", ended + 1)
        .put("fields_version", ended + 1)
        .put("cleared_version", ended + 1);
  }

  /**
   * Stores {@code message} after the last one whose timestamp is not later: (sent_at, seq), as the
   * message inserted last has the highest seq.
   */
  void insert(Message message) {
    int low = 0;
    int high = history.size();
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (history.get(middle).sentAt() <= message.sentAt()) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    history.add(low, message);
    byKey.put(message.key(), message);
  }

  /**
   * Moves the counters by {@code added} messages that add {@code bytes} to the history's size
   * ({@link SessionTableRules#historyBytesOf} summed).
   */
  void count(int added, long bytes) {
    row.put("message_count", row.get("message_count").asInt() + added);
    row.put("history_bytes", row.get("history_bytes").asLong() + bytes);
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
      try {
        SessionTableRules.batch(NODES.arrayNode().add(messages.get(pos)));
      } catch (IllegalArgumentException e) {
        throw SqlErrors.invalidParameter(
            String.valueOf(e.getMessage())
                .replaceFirst("^p_messages\\[0]", "p_messages[" + pos + "]"));
      }
    }
  }

  /**
   * {@code insert_messages} into this session: reads every timestamp (all of them, before the
   * conflict check skips any), then stores in order each message whose id the session does not hold
   * yet, and moves the counters; how many it stored.
   */
  int insertMessages(long version, JsonNode messages) {
    long[] sentAt = new long[messages.size()];
    for (int pos = 0; pos < messages.size(); pos++) {
      PgTimestamp.Reading reading = PgTimestamp.read(messages.get(pos).path("timestamp").asText());
      if (reading.outcome() != PgTimestamp.Outcome.READ) {
        throw SqlErrors.invalidParameter(
            "p_messages[" + pos + "].timestamp is not a date-time PostgreSQL can read");
      }
      sentAt[pos] = reading.micros();
    }
    int added = 0;
    long bytes = 0;
    for (int pos = 0; pos < messages.size(); pos++) {
      JsonNode message = messages.get(pos);
      String key = message.get("id").textValue();
      if (!byKey.containsKey(key)) {
        insert(new Message(key, sentAt[pos], version, message.deepCopy()));
        added++;
        bytes += SessionTableRules.historyBytesOf(message);
      }
    }
    count(added, bytes);
    return added;
  }

  /**
   * A row as the table owner would insert it, and its messages as the migration moved a legacy
   * history into rows: every message kept in its order; one without a valid id, or repeating an
   * earlier one's, keyed {@code legacy-<position>-<8 hex>}; each ordered as of the latest readable
   * timestamp up to it ({@code -infinity} before the first), so the order never changes. Version 0,
   * {@code fields_version} = version, counters following the messages.
   */
  static Session seeded(
      UUID owner, String sessionId, String now, ArrayNode messages, java.util.Random random) {
    Session session = new Session(owner, sessionId, now);
    long latest = PgTimestamp.MINUS_INFINITY;
    // The migration's "first of its id": row_number() over (partition by the id's text), nulls
    // together (as the text "null").
    Set<String> seenIds = new HashSet<>();
    long bytes = 0;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      JsonNode id = message.path("id");
      String idText = textOrNull(id);
      // PostgreSQL text holds no NUL: the sentinel of "no id" cannot be an id.
      boolean first = seenIds.add(idText == null ? "\u0000" : idText);
      String key =
          first && id.isTextual() && SessionTableRules.MESSAGE_ID.matcher(id.textValue()).matches()
              ? id.textValue()
              : "legacy-" + (i + 1) + "-" + HexFormat.of().toHexDigits(random.nextInt());
      String timestamp = message.isObject() ? textOrNull(message.get("timestamp")) : null;
      PgTimestamp.Reading reading = PgTimestamp.read(timestamp == null ? "" : timestamp);
      if (reading.outcome() == PgTimestamp.Outcome.READ) {
        latest = Math.max(latest, reading.micros());
      }
      session.insert(new Message(key, latest, 0, message.deepCopy()));
      bytes += SessionTableRules.historyBytesOf(message);
    }
    session.count(messages.size(), bytes);
    return session;
  }

  /** {@code remove_messages}: every message goes, and the update records the clear. */
  void removeAll(String now) {
    ObjectNode before = fields();
    history.clear();
    byKey.clear();
    row.put("message_count", 0).put("history_bytes", 0L);
    row.put("cleared_version", version() + 1);
    touch(now, before);
  }

  /** A copy of the row, with the computed field when asked for. */
  ObjectNode view(boolean withHistory) {
    ObjectNode copy = row.deepCopy();
    if (withHistory) {
      ArrayNode array = copy.putArray(HISTORY);
      history.forEach(message -> array.add(message.body().deepCopy()));
    }
    return copy;
  }

  /** {repo, current_file, context_cache, metadata}, copied. */
  ObjectNode fields() {
    ObjectNode fields = NODES.objectNode();
    FIELDS.forEach(column -> fields.set(column, row.get(column).deepCopy()));
    return fields;
  }

  /** The four fields as {@code store_chat_session_for} takes them from {@code p_session}. */
  void setFields(ObjectNode session) {
    row.put("repo", textOrNull(session.get("repo")));
    row.put("current_file", textOrNull(session.get("current_file")));
    for (String object : List.of("context_cache", "metadata")) {
      row.set(object, session.has(object) ? session.get(object).deepCopy() : NODES.objectNode());
    }
  }

  /** What the update trigger does; {@code before} holds the fields before the update. */
  void touch(String now, ObjectNode before) {
    long version = version() + 1;
    row.put("version", version).put("updated_at", now).put("last_activity", now);
    if (!before.equals(JSONB_SCALARS, fields())) {
      row.put("fields_version", version);
    }
  }

  /**
   * The NOT NULL constraints, in column order, which PostgreSQL checks before the CHECKs: for rows
   * a table request wrote, where a JSON null is SQL NULL (in the functions it is jsonb's null).
   *
   * @param rowVisible whether the error shows the row, as PostgreSQL shows it to a role that
   *     bypasses RLS
   */
  void checkNotNull(boolean rowVisible) {
    for (String column : List.of("session_id", "context_cache", "metadata")) {
      if (row.path(column).isNull()) {
        throw SqlErrors.notNull(column, rowVisible ? failingRow() : null);
      }
    }
  }

  /**
   * The table's CHECK constraints, in the order PostgreSQL checks them (by name).
   *
   * @param rowVisible as for {@link #checkNotNull}
   */
  void check(boolean rowVisible) {
    String broken = brokenCheck();
    if (broken != null) {
      throw SqlErrors.checkViolation(broken, rowVisible ? failingRow() : null);
    }
  }

  private @Nullable String brokenCheck() {
    try {
      SessionTableRules.checkContextCache(row.get("context_cache"));
      SessionTableRules.checkCurrentFile(Optional.ofNullable(textOrNull(row.get("current_file"))));
      if (row.get("history_bytes").asLong() > SessionTableRules.MAX_HISTORY_BYTES) {
        return SessionTableRules.HISTORY_MAX_BYTES;
      }
      int messages = row.get("message_count").asInt();
      if (messages < 0 || messages > SessionTableRules.MAX_MESSAGES_PER_SESSION) {
        return SessionTableRules.HISTORY_MAX_MESSAGES;
      }
      SessionTableRules.checkMetadata(row.get("metadata"));
      SessionTableRules.checkRepo(Optional.ofNullable(textOrNull(row.get("repo"))));
      if (!SessionTableRules.SESSION_ID.matcher(row.get("session_id").asText()).matches()) {
        return "codebase_chat_sessions_session_id_format";
      }
      return null;
    } catch (TableConstraintException e) {
      return e.constraint();
    }
  }

  /**
   * The DETAIL of a constraint violation that shows the row: each column's text (jsonb as jsonb
   * prints, timestamps in the ISO style of a UTC session), cut after 64 bytes with "...".
   */
  private String failingRow() {
    List<String> values = new ArrayList<>();
    row.properties()
        .forEach(
            column -> {
              JsonNode value = column.getValue();
              String text;
              if (value == null || value.isNull()) {
                text = "null";
              } else if (column.getKey().equals("context_cache")
                  || column.getKey().equals("metadata")) {
                text = PgJsonb.text(value);
              } else if (column.getKey().endsWith("_at")
                  || column.getKey().equals("last_activity")) {
                text = value.asText().replace('T', ' ').replace("+00:00", "+00");
              } else {
                text = value.asText();
              }
              values.add(clipped(text));
            });
    return "Failing row contains (" + String.join(", ", values) + ").";
  }

  /** At most 64 bytes of UTF-8, whole characters, then "..." when cut. */
  private static String clipped(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
      if (bytes + size > 64) {
        return text.substring(0, i) + "...";
      }
      bytes += size;
      i += Character.charCount(codePoint);
    }
    return text;
  }

  FakeSession snapshot() {
    List<JsonNode> messages = history.stream().map(Message::body).toList();
    return new FakeSession(
        UUID.fromString(row.get("id").asText()),
        row.get("session_id").asText(),
        owner(),
        textOrNull(row.get("repo")),
        textOrNull(row.get("current_file")),
        messages,
        row.get("context_cache"),
        row.get("metadata"),
        row.get("message_count").asInt(),
        version(),
        OffsetDateTime.parse(row.get("last_activity").asText()),
        OffsetDateTime.parse(row.get("created_at").asText()),
        OffsetDateTime.parse(row.get("updated_at").asText()),
        row.get("history_bytes").asLong(),
        row.get("fields_version").asLong(),
        row.get("cleared_version").asLong());
  }

  /** {@code ->>}: null for a missing key or a JSON null, a string's text, else its jsonb text. */
  static @Nullable String textOrNull(@Nullable JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    return value.isTextual() ? value.textValue() : PgJsonb.text(value);
  }
}
