package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.internal.Json;
import dev.codebasechat.testing.internal.PostgrestError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The public functions of the migrations over a {@link SessionTable}, in PostgreSQL's order:
 * EXECUTE is checked (42501), the arguments are read into their types (22P02, 22003), then the body
 * runs with its own checks and answers. The front has already matched the call to a function by its
 * argument names.
 */
final class ChatFunctions {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  static final String APPEND = "append_chat_messages";
  static final String CLEAR = "clear_chat_history";
  static final String DELETE = "delete_chat_session";
  static final String CHANGES = "chat_session_changes";
  static final String STORE_FOR = "store_chat_session_for";
  static final String APPEND_FOR = "append_chat_messages_for";
  static final String APPEND_BATCH = "append_chat_messages_batch";
  static final String CLEAR_FOR = "clear_chat_history_for";
  static final String DELETE_FOR = "delete_chat_session_for";

  /** The functions only {@code service_role} may execute; {@code authenticated} the others. */
  private static final Set<String> SERVICE_FUNCTIONS =
      Set.of(STORE_FOR, APPEND_FOR, CLEAR_FOR, DELETE_FOR);

  /**
   * The functions that do not write (before the others a test's interleaving may run), the computed
   * field's among them: PostgREST also exposes it as a function to call.
   */
  static final Set<String> READING = Set.of(CHANGES, Session.HISTORY);

  private final SessionTable table;

  ChatFunctions(SessionTable table) {
    this.table = table;
  }

  /**
   * The value of {@code function} called by {@code caller} with {@code arguments}.
   *
   * @throws PostgrestError what PostgreSQL would raise
   */
  JsonNode call(String function, Caller caller, ObjectNode arguments) {
    if (function.equals(Session.HISTORY)) {
      throw SqlErrors.unsupported(
          "the fake answers " + Session.HISTORY + " only as the computed field of a row");
    }
    boolean allowed =
        SERVICE_FUNCTIONS.contains(function) ? caller.bypassesRls() : caller.authenticated();
    if (!allowed) {
      throw SqlErrors.permissionDenied("function " + function);
    }
    SqlErrors.refuseUnreadable(arguments);
    if (function.equals(STORE_FOR)) {
      return storeFor(arguments);
    }
    if (function.equals(APPEND_FOR)) {
      return appendFor(arguments);
    }
    if (function.equals(CLEAR_FOR) || function.equals(DELETE_FOR)) {
      return clearOrDeleteFor(function, arguments);
    }
    Long sinceVersion =
        function.equals(CHANGES) ? bigintArgument(arguments, "p_since_version") : null;
    Boolean create = function.equals(APPEND) ? booleanArgument(arguments, "p_create", true) : null;
    UUID clearId = function.equals(CLEAR) ? uuidArgument(arguments, "p_clear_id") : null;
    UUID deleteId = function.equals(DELETE) ? uuidArgument(arguments, "p_delete_id") : null;
    // caller_for: a signed-in user, then (but for the batch, which checks each) a valid session id.
    UUID user = caller.userId();
    if (user == null) {
      throw PostgrestError.sql("42501", function + " needs a signed-in user (the JWT has no sub)");
    }
    if (function.equals(APPEND_BATCH)) {
      return appendBatch(user, arguments);
    }
    String sessionId = sessionIdArgument(arguments);
    return switch (function) {
      case APPEND -> {
        if (create == null) {
          throw SqlErrors.invalidParameter("p_create must be true or false");
        }
        JsonNode messages = arguments.get("p_messages");
        Session.checkMessages(messages, SessionTableRules.MAX_MESSAGES_PER_APPEND);
        String repo = textArgument(arguments, "p_repo");
        String file = textArgument(arguments, "p_current_file");
        if (create) {
          yield table.append(user, sessionId, messages, repo, file, false);
        }
        ObjectNode appended = table.appendExisting(user, sessionId, messages, repo, file);
        yield appended == null ? JSON.nullNode() : appended;
      }
      case CLEAR -> {
        ObjectNode cleared = table.clearHistory(user, sessionId, clearId);
        yield cleared == null ? JSON.nullNode() : clearAnswer(sessionId, cleared);
      }
      case CHANGES -> {
        if (sinceVersion == null || sinceVersion < 0) {
          throw SqlErrors.invalidParameter(
              "p_since_version must be a version (a number, 0 or more)");
        }
        ObjectNode changes = table.changes(user, sessionId, sinceVersion);
        yield changes == null ? JSON.nullNode() : changes;
      }
      default -> JSON.booleanNode(table.delete(user, sessionId, deleteId));
    };
  }

  /** {@code store_chat_session_for}, for service_role (EXECUTE already checked). */
  private JsonNode storeFor(ObjectNode arguments) {
    UUID owner = uuidArgument(arguments, "p_owner");
    Long expectedVersion = bigintArgument(arguments, "p_expected_version");
    JsonNode session = arguments.get("p_session");
    if (session != null && session.isNull()) {
      session = null; // a JSON null is the SQL NULL: delete
    }
    if (owner == null) {
      throw SqlErrors.invalidParameter("p_owner must be a user id");
    }
    String sessionId = sessionIdArgument(arguments);
    JsonNode target = JSON.arrayNode();
    if (session != null) {
      if (!session.isObject()) {
        throw SqlErrors.invalidParameter("p_session must be a JSON object or null");
      }
      if (session.has(Session.HISTORY)) {
        target = session.get(Session.HISTORY);
      }
      if (!target.isArray()) {
        throw SqlErrors.invalidParameter(
            "p_session.conversation_history must be a JSON array of messages");
      }
      if (target.size() > SessionTableRules.MAX_MESSAGES_PER_SESSION) {
        throw SqlErrors.checkViolation(SessionTableRules.HISTORY_MAX_MESSAGES);
      }
    }
    boolean written =
        table.storeFor(owner, sessionId, expectedVersion, (ObjectNode) session, target);
    return JSON.booleanNode(written);
  }

  /**
   * {@code append_chat_messages_for}, for service_role (EXECUTE already checked): the append of
   * {@code p_owner}, or null when the session id belongs to someone else; with {@code p_create}
   * false, {@code {"session_id", "missing": true}} for a session that does not exist.
   */
  private JsonNode appendFor(ObjectNode arguments) {
    UUID owner = uuidArgument(arguments, "p_owner");
    Boolean create = booleanArgument(arguments, "p_create", true);
    if (owner == null) {
      throw SqlErrors.invalidParameter("p_owner must be a user id");
    }
    String sessionId = sessionIdArgument(arguments);
    if (create == null) {
      throw SqlErrors.invalidParameter("p_create must be true or false");
    }
    JsonNode messages = arguments.get("p_messages");
    Session.checkMessages(messages, SessionTableRules.MAX_MESSAGES_PER_APPEND);
    String repo = textArgument(arguments, "p_repo");
    String file = textArgument(arguments, "p_current_file");
    if (!create) {
      ObjectNode appended = table.appendForExisting(owner, sessionId, messages, repo, file);
      return appended == null ? JSON.nullNode() : appended;
    }
    // Run as service_role, which bypasses RLS: a CHECK the row breaks shows the row.
    ObjectNode answer = table.appendFor(owner, sessionId, messages, repo, file, true);
    return answer == null ? JSON.nullNode() : answer;
  }

  /**
   * {@code clear_chat_history_for} and {@code delete_chat_session_for}, for service_role (EXECUTE
   * already checked): the clear's answer or {@code {"session_id", "missing": true}}, {@code
   * {"session_id", "deleted"}}, null for a session of another user.
   */
  private JsonNode clearOrDeleteFor(String function, ObjectNode arguments) {
    boolean clear = function.equals(CLEAR_FOR);
    String idArgument = clear ? "p_clear_id" : "p_delete_id";
    UUID owner = uuidArgument(arguments, "p_owner");
    UUID writeId = uuidArgument(arguments, idArgument);
    if (owner == null) {
      throw SqlErrors.invalidParameter("p_owner must be a user id");
    }
    String sessionId = sessionIdArgument(arguments);
    if (writeId == null) {
      throw SqlErrors.invalidParameter(
          idArgument + " must be the " + (clear ? "clear" : "delete") + "'s id");
    }
    if (!clear) {
      Boolean deleted = table.deleteFor(owner, sessionId, writeId);
      return deleted == null
          ? JSON.nullNode()
          : JSON.objectNode().put("session_id", sessionId).put("deleted", deleted);
    }
    ObjectNode cleared = table.clearFor(owner, sessionId, writeId);
    if (cleared == null) {
      return JSON.nullNode();
    }
    return cleared.has("missing") ? cleared : clearAnswer(sessionId, cleared);
  }

  private static ObjectNode clearAnswer(String sessionId, ObjectNode row) {
    return JSON.objectNode()
        .put("session_id", sessionId)
        .put("message_count", row.get("message_count").asInt())
        .put("version", row.get("version").asLong())
        .set("last_activity", row.get("last_activity"));
  }

  /**
   * {@code append_chat_messages_batch} of the signed-in {@code user} (EXECUTE and the user already
   * checked): the shape of the whole request checked first (22023, storing nothing), then each
   * append as {@code append_chat_messages} of the caller, in session id order, a refusal of the
   * database (42501 another user's session, 22023, 23514) answered for that session alone; all
   * under the table's lock, as one transaction.
   */
  private JsonNode appendBatch(UUID user, ObjectNode arguments) {
    JsonNode appends = arguments.get("p_appends");
    if (appends == null || !appends.isArray()) {
      throw SqlErrors.invalidParameter("p_appends must be a JSON array of appends");
    }
    if (appends.size() > SessionTableRules.MAX_APPENDS_PER_BATCH) {
      throw SqlErrors.invalidParameter(
          "p_appends must hold at most " + SessionTableRules.MAX_APPENDS_PER_BATCH + " appends");
    }
    Set<String> seen = new HashSet<>();
    Set<String> fields = Set.of("session_id", "messages", "repo", "current_file", "create");
    int total = 0;
    for (int pos = 0; pos < appends.size(); pos++) {
      JsonNode item = appends.get(pos);
      String at = "p_appends[" + pos + "]";
      if (!item.isObject()) {
        throw SqlErrors.invalidParameter(at + " must be a JSON object");
      }
      // The first in jsonb's order, as jsonb_object_keys lists them.
      Optional<String> unknown =
          Json.fieldNames(item).stream()
              .filter(name -> !fields.contains(name))
              .min(PgJsonb.KEY_ORDER);
      if (unknown.isPresent()) {
        throw SqlErrors.invalidParameter(
            at
                + " has an unknown field \""
                + unknown.get()
                + "\" (allowed: session_id, messages, repo, current_file, create)");
      }
      if (!item.path("session_id").isTextual()) {
        throw SqlErrors.invalidParameter(at + ".session_id must be a string");
      }
      if (!seen.add(item.get("session_id").textValue())) {
        throw SqlErrors.invalidParameter(
            at + ".session_id repeats a session of the request: each session at most once");
      }
      if (!item.path("messages").isArray()) {
        throw SqlErrors.invalidParameter(at + ".messages must be a JSON array of messages");
      }
      for (String text : List.of("repo", "current_file")) {
        JsonNode value = item.path(text);
        if (!value.isMissingNode() && !value.isNull() && !value.isTextual()) {
          throw SqlErrors.invalidParameter(at + ".repo and .current_file must be strings or null");
        }
      }
      if (item.has("create") && !item.get("create").isBoolean()) {
        throw SqlErrors.invalidParameter(at + ".create must be true or false");
      }
      total += item.get("messages").size();
    }
    if (total > SessionTableRules.MAX_MESSAGES_PER_APPEND) {
      throw SqlErrors.invalidParameter("p_appends must hold at most 1000 messages in all");
    }
    List<JsonNode> ordered = new ArrayList<>();
    appends.forEach(ordered::add);
    // session_id collate "C": code point order.
    ordered.sort(
        Comparator.comparing(item -> item.get("session_id").textValue(), ColumnType.TEXT::compare));
    ArrayNode answers = JSON.arrayNode();
    synchronized (table) {
      for (JsonNode item : ordered) {
        String sessionId = item.get("session_id").textValue();
        JsonNode answer;
        try {
          sessionIdArgument(JSON.objectNode().put("p_session_id", sessionId));
          JsonNode messages = item.get("messages");
          Session.checkMessages(messages, SessionTableRules.MAX_MESSAGES_PER_APPEND);
          String repo = item.path("repo").textValue();
          String file = item.path("current_file").textValue();
          if (item.path("create").asBoolean(true)) {
            answer = table.appendFor(user, sessionId, messages, repo, file, false);
            if (answer == null) {
              throw SqlErrors.foreignSession(APPEND_BATCH);
            }
          } else {
            answer = table.appendExisting(user, sessionId, messages, repo, file);
            if (answer == null) {
              answer = JSON.objectNode().put("session_id", sessionId).put("missing", true);
            }
          }
        } catch (PostgrestError failure) {
          // Only the foreign session raises 42501 here: appendFor checks the owner before append.
          if (!Set.of("42501", "22023", "22001", "23514").contains(failure.code())) {
            throw failure;
          }
          answer = refusal(sessionId, failure.code(), String.valueOf(failure.getMessage()));
        }
        answers.add(answer);
      }
    }
    return answers;
  }

  private static ObjectNode refusal(String sessionId, String code, String message) {
    ObjectNode answer = JSON.objectNode();
    answer.put("session_id", sessionId);
    answer.putObject("refused").put("code", code).put("message", message);
    return answer;
  }

  /**
   * A {@code boolean} argument: {@code absent} when left out (its default), null for JSON null;
   * PostgreSQL's refusal when it is none.
   */
  private static @Nullable Boolean booleanArgument(
      ObjectNode arguments, String name, boolean absent) {
    if (!arguments.has(name)) {
      return absent;
    }
    String text = textArgument(arguments, name);
    return text == null ? null : Boolean.valueOf(ColumnType.BOOLEAN.canonical(text));
  }

  /** A {@code bigint} argument: null for JSON null; PostgreSQL's refusal when it is none. */
  private static @Nullable Long bigintArgument(ObjectNode arguments, String name) {
    String text = textArgument(arguments, name);
    return text == null ? null : Long.valueOf(ColumnType.BIGINT.canonical(text));
  }

  /**
   * A {@code uuid} argument (or column of a row read from JSON): null for JSON null; PostgreSQL's
   * refusal when it is none.
   */
  static @Nullable UUID uuidArgument(ObjectNode arguments, String name) {
    String text = textArgument(arguments, name);
    return text == null ? null : UUID.fromString(ColumnType.UUID.canonical(text));
  }

  private static String sessionIdArgument(ObjectNode arguments) {
    JsonNode value = arguments.get("p_session_id");
    if (value == null
        || !value.isValueNode()
        || value.isNull()
        || !SessionTableRules.SESSION_ID.matcher(value.asText()).matches()) {
      throw SqlErrors.invalidParameter(
          "p_session_id must match " + SessionTableRules.SESSION_ID.pattern());
    }
    return value.asText();
  }

  /**
   * What PostgreSQL reads an argument from: null for JSON null, a string's text, any other value's
   * JSON (an object, array, number or boolean bound to a text parameter is its JSON text).
   */
  private static @Nullable String textArgument(ObjectNode arguments, String name) {
    JsonNode value = arguments.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    return value.isTextual() ? value.textValue() : value.toString();
  }
}
