package dev.codebasechat.session.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionSummary;
import dev.codebasechat.session.SetAsideWrite;
import dev.codebasechat.session.Timestamps;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The JSON shapes of the {@code codebase_chat_sessions} table and its functions. One place, so the
 * store, the journal and the gateway agree on them.
 *
 * <p><b>Why this class is long.</b> It is the one definition of every shape a session takes outside
 * memory (the table's rows, the function answers, the journal's entries and local copies), in both
 * directions, so that no format is written twice.
 */
public final class SessionCodec {
  /** The journal kind of a set-aside write (kept for operators, never delivered). */
  public static final String SET_ASIDE_KIND = "set-aside";

  /** Whether {@code entry} is a set-aside write rather than one waiting for delivery. */
  public static boolean isSetAside(JournalEntry entry) {
    return entry.kind().equals(SET_ASIDE_KIND);
  }

  public static final String TABLE = "codebase_chat_sessions";
  public static final String APPEND_FUNCTION = "append_chat_messages";
  public static final String CLEAR_FUNCTION = "clear_chat_history";
  public static final String DELETE_FUNCTION = "delete_chat_session";
  public static final String CHANGES_FUNCTION = "chat_session_changes";

  /** The appends of several sessions of the caller in one call. */
  public static final String APPEND_BATCH_FUNCTION = "append_chat_messages_batch";

  /** The operator's write of a whole session (service_role only), used by the drain. */
  public static final String STORE_FOR_FUNCTION = "store_chat_session_for";

  /** The operator's append as a given owner (service_role only), used by the drain. */
  public static final String APPEND_FOR_FUNCTION = "append_chat_messages_for";

  /** The operator's clear, applied once per clear id (migration 20261208000000). */
  public static final String CLEAR_FOR_FUNCTION = "clear_chat_history_for";

  /** The operator's delete, applied once per delete id (migration 20261208000100). */
  public static final String DELETE_FOR_FUNCTION = "delete_chat_session_for";

  public static final String SESSION_COLUMNS =
      "session_id,user_id,repo,current_file,conversation_history,context_cache,metadata,"
          + "message_count,version,last_activity";

  /**
   * Every column the store reads but the history, and the history's size: what a head read asks
   * for.
   */
  public static final String HEAD_COLUMNS =
      "session_id,user_id,repo,current_file,context_cache,metadata,message_count,version,last_activity,"
          + "history_bytes";

  public static final String SUMMARY_COLUMNS =
      "session_id,repo,current_file,message_count,last_activity,created_at";

  /**
   * Journal key prefix of set-aside records. They live under a key of their own so that releasing a
   * session's confirmed writes (everything up to a sequence) never removes them.
   */
  public static final String SET_ASIDE_KEY_PREFIX = "set-aside:";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      dev.codebasechat.internal.TableJson.mapper();

  private SessionCodec() {}

  public static ObjectNode messageToJson(ChatMessage message) {
    ObjectNode node = JSON.objectNode();
    node.put("id", message.id().value());
    node.put("role", message.role().wireName());
    node.put("content", message.content());
    node.put("timestamp", Timestamps.format(message.timestamp()));
    message.code().ifPresent(code -> node.set("code", code));
    return node;
  }

  public static ArrayNode messagesToJson(List<ChatMessage> messages) {
    ArrayNode array = JSON.arrayNode(messages.size());
    messages.forEach(message -> array.add(messageToJson(message)));
    return array;
  }

  /**
   * Reads one stored message. Messages written before ids existed get a stable id from their
   * position ({@code legacy-<index>}) so they can still be told apart.
   *
   * @throws IllegalArgumentException naming the field when the message is malformed
   */
  public static ChatMessage messageFromJson(JsonNode node, int index) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("message " + index + " must be a JSON object");
    }
    JsonNode id = node.path("id");
    MessageId messageId =
        id.isTextual() ? MessageId.of(id.asText()) : MessageId.of("legacy-" + index);
    Role role = Role.fromWireName(requiredText(node, "role", index));
    String content = requiredText(node, "content", index);
    Instant timestamp = parseTime(node.path("timestamp")).orElse(Instant.EPOCH);
    JsonNode code = node.get("code");
    try {
      return new ChatMessage(messageId, role, content, timestamp, Optional.ofNullable(code));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "message " + index + " (" + messageId.value() + "): " + e.getMessage(), e);
    }
  }

  public static List<ChatMessage> messagesFromJson(JsonNode array) {
    if (!array.isArray()) {
      throw new IllegalArgumentException("conversation_history must be a JSON array");
    }
    List<ChatMessage> messages = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      messages.add(messageFromJson(array.get(i), i));
    }
    return messages;
  }

  /** A row of {@link #HEAD_COLUMNS}: the session without its messages, and how many it holds. */
  public static SessionBackend.SessionHead headFromRow(JsonNode row) {
    requireRow(row);
    ObjectNode withoutHistory = row.deepCopy();
    withoutHistory.set("conversation_history", JSON.arrayNode());
    return new SessionBackend.SessionHead(
        sessionFromRow(withoutHistory),
        row.path("message_count").asInt(0),
        row.path("history_bytes").asLong(0));
  }

  /**
   * @throws IllegalArgumentException unless {@code row} is a JSON object (a row)
   */
  private static void requireRow(JsonNode row) {
    if (!row.isObject()) {
      throw new IllegalArgumentException(
          "the row is a JSON "
              + row.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
              + ", not an object");
    }
  }

  /** A row of {@link #SESSION_COLUMNS}. */
  public static ChatSession sessionFromRow(JsonNode row) {
    requireRow(row);
    SessionId id = SessionId.of(requiredText(row, "session_id", 0));
    UUID owner = UUID.fromString(requiredText(row, "user_id", 0));
    return new ChatSession(
        id,
        owner,
        optionalText(row, "repo"),
        optionalText(row, "current_file"),
        objectOrEmpty(row.get("context_cache")),
        objectOrEmpty(row.get("metadata")),
        messagesFromJson(row.path("conversation_history")),
        row.path("version").asLong(0),
        parseTime(row.path("last_activity")));
  }

  /** {@code session} in the row shape {@link #sessionFromRow} reads (for local copies). */
  public static byte[] sessionToRow(ChatSession session) {
    ObjectNode row = JSON.objectNode();
    row.put("session_id", session.id().value());
    row.put("user_id", session.owner().toString());
    row.put("repo", session.repo().orElse(null));
    row.put("current_file", session.currentFile().orElse(null));
    row.set("conversation_history", messagesToJson(session.messages()));
    row.set("context_cache", session.contextCache());
    row.set("metadata", session.metadata());
    row.put("message_count", session.messageCount());
    row.put("version", session.version());
    session.lastActivity().ifPresent(at -> row.put("last_activity", Timestamps.format(at)));
    return row.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The session a local copy holds. */
  public static ChatSession sessionFromRow(byte[] row) {
    try {
      return sessionFromRow(MAPPER.readTree(row));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("local copy is not JSON", e);
    }
  }

  /** A row of {@link #SUMMARY_COLUMNS}. */
  public static SessionSummary summaryFromRow(JsonNode row) {
    return new SessionSummary(
        SessionId.of(requiredText(row, "session_id", 0)),
        optionalText(row, "repo"),
        optionalText(row, "current_file"),
        row.path("message_count").asInt(0),
        parseTime(row.path("last_activity")).orElse(Instant.EPOCH),
        parseTime(row.path("created_at")).orElse(Instant.EPOCH));
  }

  public static ObjectNode appendArguments(
      SessionId id, List<ChatMessage> messages, Optional<String> repo, Optional<String> file) {
    ObjectNode args = JSON.objectNode();
    args.put("p_session_id", id.value());
    args.set("p_messages", messagesToJson(messages));
    args.put("p_repo", repo.orElse(null));
    args.put("p_current_file", file.orElse(null));
    return args;
  }

  /** {@code append_chat_messages_batch}'s argument: one object per session's append. */
  public static ObjectNode appendBatchArguments(List<SessionBackend.SessionAppend> appends) {
    ArrayNode items = JSON.arrayNode();
    for (SessionBackend.SessionAppend append : appends) {
      ObjectNode item = items.addObject();
      item.put("session_id", append.id().value());
      item.set("messages", messagesToJson(append.append().messages()));
      item.put("repo", append.append().repo().orElse(null));
      item.put("current_file", append.append().currentFile().orElse(null));
      if (append.append().ifMissing() == PendingOp.IfMissing.NOTHING) {
        item.put("create", false);
      }
    }
    ObjectNode args = JSON.objectNode();
    args.set("p_appends", items);
    return args;
  }

  /** An append's answer ({@code append_chat_messages} and each stored one of the batch). */
  public static SessionBackend.AppendAck appendAckFromJson(JsonNode body) {
    return new SessionBackend.AppendAck(
        body.path("appended").asInt(),
        body.path("message_count").asInt(),
        body.path("version").asLong(),
        body.path("created").asBoolean(false),
        parseTime(body.path("last_activity")));
  }

  /**
   * {@code append_chat_messages_batch}'s answer, by session id.
   *
   * @throws IllegalStateException when it is not an array of answers naming their sessions
   */
  public static Map<SessionId, SessionBackend.AppendAnswer> appendBatchAnswersFromJson(
      JsonNode body) {
    if (!body.isArray()) {
      throw new IllegalStateException(
          APPEND_BATCH_FUNCTION + " answered " + body.getNodeType() + ", not an array");
    }
    Map<SessionId, SessionBackend.AppendAnswer> answers = new LinkedHashMap<>();
    for (JsonNode answer : body) {
      JsonNode sessionId = answer.path("session_id");
      if (!sessionId.isTextual()) {
        throw new IllegalStateException(
            APPEND_BATCH_FUNCTION + " answered an element without a session_id");
      }
      JsonNode refused = answer.path("refused");
      SessionBackend.AppendAnswer read;
      if (refused.isObject()) {
        read =
            new SessionBackend.AppendAnswer.Refused(
                refused.path("code").asText(""), refused.path("message").asText(""));
      } else if (answer.path("missing").asBoolean(false)) {
        read = new SessionBackend.AppendAnswer.Missing();
      } else {
        read = new SessionBackend.AppendAnswer.Stored(appendAckFromJson(answer));
      }
      answers.put(SessionId.of(sessionId.textValue()), read);
    }
    return answers;
  }

  public static ObjectNode changesArguments(SessionId id, long sinceVersion) {
    ObjectNode arguments = JSON.objectNode();
    arguments.put("p_session_id", id.value());
    arguments.put("p_since_version", sinceVersion);
    return arguments;
  }

  /**
   * The answer of {@link #CHANGES_FUNCTION}: empty for its {@code null} (no session of the
   * caller's).
   *
   * @throws IllegalArgumentException when a message is malformed
   */
  public static Optional<SessionBackend.SessionChanges> changesFromJson(JsonNode body) {
    if (!body.isObject()) {
      return Optional.empty();
    }
    boolean unchanged = body.path("unchanged").asBoolean(false);
    JsonNode messages = body.path("messages");
    Optional<SessionBackend.Fields> fields = Optional.empty();
    JsonNode f = body.get("fields");
    if (f != null && f.isObject()) {
      fields =
          Optional.of(
              new SessionBackend.Fields(
                  optionalText(f, "repo"),
                  optionalText(f, "current_file"),
                  objectOrEmpty(f.get("context_cache")),
                  objectOrEmpty(f.get("metadata"))));
    }
    return Optional.of(
        new SessionBackend.SessionChanges(
            body.path("version").asLong(),
            body.path("message_count").asInt(),
            parseTime(body.path("last_activity")),
            unchanged,
            body.path("reset").asBoolean(false),
            messages.isArray() ? messagesFromJson(messages) : List.of(),
            fields));
  }

  public static ObjectNode sessionArgument(SessionId id) {
    return JSON.objectNode().put("p_session_id", id.value());
  }

  public static ObjectNode contextPatch(ContextUpdate update) {
    ObjectNode patch = JSON.objectNode();
    update.repo().ifPresent(value -> patch.put("repo", value));
    update.currentFile().ifPresent(value -> patch.put("current_file", value));
    if (update.cleared().contains(ContextUpdate.TextField.REPO)) {
      patch.putNull("repo");
    }
    if (update.cleared().contains(ContextUpdate.TextField.CURRENT_FILE)) {
      patch.putNull("current_file");
    }
    update.contextCache().ifPresent(value -> patch.set("context_cache", value));
    update.metadata().ifPresent(value -> patch.set("metadata", value));
    return patch;
  }

  /** {@code op} as the journal stores it (UTF-8 JSON). */
  public static byte[] opToJson(PendingOp op) {
    ObjectNode node = JSON.objectNode();
    if (op instanceof PendingOp.Append append) {
      node.set("messages", messagesToJson(append.messages()));
      append.repo().ifPresent(value -> node.put("repo", value));
      append.currentFile().ifPresent(value -> node.put("current_file", value));
      if (append.ifMissing() == PendingOp.IfMissing.NOTHING) {
        // Left out for an append that creates: what versions before this one wrote and read.
        node.put("create", false);
      }
    } else if (op instanceof PendingOp.Context context) {
      node.setAll(contextPatch(context.update()));
    } else if (op instanceof PendingOp.Clear clear) {
      node.put("clear_id", clear.clearId().toString());
    } else if (op instanceof PendingOp.Delete delete) {
      node.put("delete_id", delete.deleteId().toString());
    }
    return node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The journal key of {@code id}'s set-aside records. */
  public static String setAsideKey(SessionId id) {
    return SET_ASIDE_KEY_PREFIX + id.value();
  }

  /**
   * The session a journal key belongs to: the key itself, or the session of a set-aside key.
   *
   * @throws IllegalArgumentException if it names no valid session id
   */
  public static SessionId sessionOfKey(String key) {
    return SessionId.of(
        key.startsWith(SET_ASIDE_KEY_PREFIX) ? key.substring(SET_ASIDE_KEY_PREFIX.length()) : key);
  }

  /**
   * A set-aside record; {@code sessionFull}: the database refused the write because its session is
   * full, which a store started on the journal remembers ({@link #setAsideOfFullSession}).
   */
  public static byte[] setAsideToJson(SetAsideWrite write, PendingOp op, boolean sessionFull) {
    ObjectNode node = JSON.objectNode();
    node.put("operation", write.operation());
    node.put("reason", write.reason());
    node.put("at", write.at().toString());
    if (sessionFull) {
      node.put("session_full", true);
    }
    node.set("write", readJson(opToJson(op)));
    return node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  public static SetAsideWrite setAsideFromJson(SessionId id, java.util.UUID owner, byte[] payload) {
    JsonNode node = readJson(payload);
    List<MessageId> ids = new ArrayList<>();
    node.path("write")
        .path("messages")
        .forEach(message -> ids.add(MessageId.of(message.path("id").asText())));
    return new SetAsideWrite(
        id,
        owner,
        node.path("operation").asText(),
        ids,
        node.path("reason").asText(),
        parseTime(node.path("at")).orElse(Instant.EPOCH));
  }

  /**
   * Whether a set-aside record says the database refused its write because the session is full
   * (records written before this was recorded say nothing: false).
   *
   * @throws IllegalArgumentException if it is not JSON
   */
  public static boolean setAsideOfFullSession(byte[] payload) {
    return readJson(payload).path("session_full").asBoolean(false);
  }

  /**
   * A journal payload or local copy as a JSON tree.
   *
   * @throws IllegalArgumentException if it is not JSON
   */
  public static JsonNode jsonOf(byte[] json) {
    return readJson(json);
  }

  private static JsonNode readJson(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("journal entry is not JSON", e);
    }
  }

  /**
   * The op {@code entry} holds. A clear or delete journaled before they had ids gets one derived
   * from the entry (its key, owner, sequence and time), the same at every read, so every try of it,
   * whichever process makes it, is one write to the database.
   *
   * @throws IllegalArgumentException if the kind is unknown or the payload malformed
   */
  public static PendingOp opFromJson(JournalEntry entry) {
    UUID derived =
        UUID.nameUUIDFromBytes(
            (entry.key() + ":" + entry.owner() + ":" + entry.sequence() + ":" + entry.recordedAt())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return opFromJson(entry.kind(), entry.payload(), derived);
  }

  /**
   * The op a journal entry of {@code kind} holds; {@code idIfNone} names a clear or a delete
   * journaled without an id.
   *
   * @throws IllegalArgumentException if the kind is unknown or the payload malformed
   */
  public static PendingOp opFromJson(String kind, byte[] payload, UUID idIfNone) {
    JsonNode node;
    try {
      node = MAPPER.readTree(payload);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("journal entry of kind " + kind + " is not JSON", e);
    }
    switch (kind) {
      case "append":
        return new PendingOp.Append(
            messagesFromJson(node.path("messages")),
            optionalText(node, "repo"),
            optionalText(node, "current_file"),
            node.path("create").asBoolean(true)
                ? PendingOp.IfMissing.CREATE
                : PendingOp.IfMissing.NOTHING);
      case "context":
        java.util.Set<ContextUpdate.TextField> cleared =
            java.util.EnumSet.noneOf(ContextUpdate.TextField.class);
        if (node.has("repo") && node.get("repo").isNull()) {
          cleared.add(ContextUpdate.TextField.REPO);
        }
        if (node.has("current_file") && node.get("current_file").isNull()) {
          cleared.add(ContextUpdate.TextField.CURRENT_FILE);
        }
        return new PendingOp.Context(
            new ContextUpdate(
                optionalText(node, "repo"),
                optionalText(node, "current_file"),
                Optional.ofNullable(node.get("context_cache")),
                Optional.ofNullable(node.get("metadata")),
                cleared));
      case "clear":
        return new PendingOp.Clear(idOf(node, "clear_id", idIfNone));
      case "delete":
        return new PendingOp.Delete(idOf(node, "delete_id", idIfNone));
      default:
        throw new IllegalArgumentException("unknown journal entry kind " + kind);
    }
  }

  /** The id in {@code field}; {@code idIfNone} when the entry has none (an older journal's). */
  private static UUID idOf(JsonNode node, String field, UUID idIfNone) {
    JsonNode value = node.get(field);
    if (value == null) {
      return idIfNone;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException(field + " must be a UUID");
    }
    return UUID.fromString(value.asText());
  }

  private static String requiredText(JsonNode node, String field, int index) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(
          "field " + field + " of item " + index + " must be a string");
    }
    return value.asText();
  }

  private static Optional<String> optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.asText());
  }

  private static JsonNode objectOrEmpty(JsonNode node) {
    return node != null && node.isObject() ? node : JSON.objectNode();
  }

  public static Optional<Instant> parseTime(JsonNode node) {
    if (node.isNumber()) {
      return Optional.of(Instant.ofEpochMilli(node.asLong()));
    }
    if (!node.isTextual()) {
      return Optional.empty();
    }
    String text = node.asText();
    try {
      return Optional.of(OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      try {
        return Optional.of(Instant.parse(text));
      } catch (DateTimeParseException again) {
        // PostgREST renders timestamptz as "2026-01-01T00:00:00.123+00:00"; anything else is
        // legacy data whose time we cannot read.
        return Optional.empty();
      }
    }
  }
}
