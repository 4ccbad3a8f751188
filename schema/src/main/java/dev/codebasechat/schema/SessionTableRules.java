package dev.codebasechat.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The rules of the session table, as {@code supabase/migrations} defines them (the CHECK
 * constraints of {@code codebase_chat_sessions} and the argument checks of {@code
 * append_chat_messages}), for the implementations of the table outside PostgreSQL: the embedded
 * table ({@code dev.codebasechat.embedded.LocalSessionTable}, in the core library) and the test
 * kit's fake. Refusals carry the database's words: malformed arguments an {@link
 * IllegalArgumentException} with the function's message (SQLSTATE 22023 there), broken limits a
 * {@link TableConstraintException} naming the constraint (23514 there).
 *
 * <p>Sizes are counted as the database counts them: a message, the context cache and metadata in
 * bytes of their binary {@code jsonb} ({@link PgJsonb#storedSize}), the history in bytes of its
 * messages' JSON text.
 */
public final class SessionTableRules {
  /** The {@code codebase_chat_sessions_session_id_format} constraint. */
  public static final Pattern SESSION_ID = Pattern.compile("^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$");

  public static final Pattern MESSAGE_ID = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");

  /** ISO-8601 date-time with seconds and zone, as the function requires of {@code timestamp}. */
  public static final Pattern TIMESTAMP =
      Pattern.compile(
          "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$");

  public static final Set<String> ROLES = Set.of("user", "assistant", "system", "tool");
  public static final Set<String> MESSAGE_FIELDS =
      Set.of("id", "role", "content", "timestamp", "code", "metadata");

  public static final int MAX_MESSAGES_PER_APPEND = 1000;

  /**
   * Most appends one {@code append_chat_messages_batch} call takes; their messages count together
   * against {@link #MAX_MESSAGES_PER_APPEND}.
   */
  public static final int MAX_APPENDS_PER_BATCH = 100;

  /** Largest message, in bytes of jsonb ({@link PgJsonb#storedSize}). */
  public static final int MAX_MESSAGE_BYTES = 1_048_576;

  public static final int MAX_MESSAGES_PER_SESSION = 20_000;

  /** The CHECK constraint a history of more than {@link #MAX_MESSAGES_PER_SESSION} breaks. */
  public static final String HISTORY_MAX_MESSAGES = "codebase_chat_sessions_history_max_messages";

  /** The CHECK constraint a history of more than {@link #MAX_HISTORY_BYTES} breaks. */
  public static final String HISTORY_MAX_BYTES = "codebase_chat_sessions_history_max_bytes";

  /**
   * The foreign key from a session's {@code user_id} to {@code auth.users}: a user deleted after
   * their token was issued can own no session, and a write creating one breaks it (23503).
   */
  public static final String OWNER_FOREIGN_KEY = "codebase_chat_sessions_user_id_fkey";

  /** The constraints a full session breaks: no more messages until its history is cleared. */
  public static final Set<String> HISTORY_LIMITS = Set.of(HISTORY_MAX_MESSAGES, HISTORY_MAX_BYTES);

  /**
   * Largest history: the database's {@code history_bytes}, {@link #historyBytesOf} its messages
   * summed (the embedded table counts the same).
   */
  public static final long MAX_HISTORY_BYTES = 16_777_216;

  /** Largest context cache, in bytes of jsonb ({@link PgJsonb#storedSize}). */
  public static final int MAX_CONTEXT_CACHE_BYTES = 1_048_576;

  /** Largest metadata object, in bytes of jsonb ({@link PgJsonb#storedSize}). */
  public static final int MAX_METADATA_BYTES = 65_536;

  public static final int MAX_REPO_LENGTH = 512;
  public static final int MAX_CURRENT_FILE_LENGTH = 4_096;

  /** The context columns a user may write (the column grants of {@code authenticated}). */
  public static final Set<String> CONTEXT_COLUMNS =
      Set.of("repo", "current_file", "context_cache", "metadata");

  private SessionTableRules() {}

  /**
   * @throws IllegalArgumentException unless {@code sessionId} has the table's format
   */
  public static void checkSessionId(String sessionId) {
    if (!SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException("p_session_id must match " + SESSION_ID.pattern());
    }
  }

  /** How many digits a conversation namespace has: a session id with as many is one. */
  public static final int NAMESPACE_DIGITS = 16;

  /**
   * The message with which a session is refused under another user's conversation namespace
   * (SQLSTATE 42501 in the database, as for any session id the caller does not own).
   */
  public static final String NAMESPACE_TAKEN =
      "this session id is in the conversation namespace of another user";

  /**
   * The {@value #NAMESPACE_DIGITS} digits of {@code user}'s conversation namespace: the first 8
   * bytes of SHA-256 of the user id's lower-case text, as an unsigned number, modulo
   * 10<sup>16</sup>, zero-padded. Chat-memory adapters name a user's conversations {@code
   * chat-<these digits>-<name>}, which anyone who knows the user id can work out: so the table
   * takes a session under 16 digits only from the user whose namespace they are ({@link
   * #mayCreate}), and nobody can take another user's {@code "default"} conversation first.
   */
  public static String conversationNamespace(UUID user) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(user.toString().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      BigInteger number = new BigInteger(1, Arrays.copyOf(digest, 8));
      String digits = number.mod(BigInteger.TEN.pow(NAMESPACE_DIGITS)).toString();
      return "0".repeat(NAMESPACE_DIGITS - digits.length()) + digits;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Whether {@code owner} may create a session under {@code sessionId} (a well-formed one): any id
   * whose digits are not {@value #NAMESPACE_DIGITS} long, and one whose digits are only when they
   * are the owner's {@link #conversationNamespace}. Sessions already stored are not affected.
   */
  public static boolean mayCreate(String sessionId, UUID owner) {
    return !inANamespace(sessionId)
        || sessionId
            .substring(sessionId.indexOf('-') + 1, sessionId.lastIndexOf('-'))
            .equals(conversationNamespace(owner));
  }

  /** Whether {@code sessionId}'s digits are {@value #NAMESPACE_DIGITS} long: a namespace's. */
  public static boolean inANamespace(String sessionId) {
    return sessionId.lastIndexOf('-') - sessionId.indexOf('-') - 1 == NAMESPACE_DIGITS;
  }

  /** A message of a batch that passed the checks, and its id. */
  public record Checked(String id, JsonNode message) {}

  /**
   * Checks a batch as {@code append_chat_messages} does and drops ids repeated within it (the first
   * is kept), in order.
   *
   * @throws IllegalArgumentException naming the position and field, as the function's 22023 does
   */
  public static List<Checked> batch(JsonNode messages) {
    if (messages == null || !messages.isArray()) {
      throw new IllegalArgumentException("p_messages must be a JSON array of messages");
    }
    if (messages.size() > MAX_MESSAGES_PER_APPEND) {
      throw new IllegalArgumentException(
          "p_messages must hold at most " + MAX_MESSAGES_PER_APPEND + " messages");
    }
    List<Checked> batch = new ArrayList<>(messages.size());
    Set<String> seen = new HashSet<>();
    for (int pos = 0; pos < messages.size(); pos++) {
      JsonNode message = messages.get(pos);
      String at = "p_messages[" + pos + "]";
      if (!message.isObject()) {
        throw new IllegalArgumentException(at + " must be a JSON object");
      }
      if (PgJsonb.storedSize(message) > MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException(at + " must be at most 1 MiB");
      }
      // The first in jsonb's order (jsonb_object_keys), cut to 40 characters as left() cuts.
      Optional<String> unknown =
          message
              .propertyStream()
              .map(Map.Entry::getKey)
              .filter(field -> !MESSAGE_FIELDS.contains(field))
              .min(PgJsonb.KEY_ORDER);
      if (unknown.isPresent()) {
        String field = unknown.get();
        throw new IllegalArgumentException(
            at
                + " has a field not allowed here: "
                + field
                    .codePoints()
                    .limit(40)
                    .collect(
                        StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                + " (allowed: id, role, content, timestamp, code, metadata)");
      }
      JsonNode id = message.path("id");
      if (!id.isTextual() || !MESSAGE_ID.matcher(id.asText()).matches()) {
        throw new IllegalArgumentException(
            at + ".id must be a string matching " + MESSAGE_ID.pattern());
      }
      JsonNode role = message.path("role");
      if (!role.isTextual() || !ROLES.contains(role.asText())) {
        throw new IllegalArgumentException(
            at + ".role must be one of user, assistant, system, tool");
      }
      if (!message.path("content").isTextual()) {
        throw new IllegalArgumentException(at + ".content must be a string");
      }
      JsonNode timestamp = message.path("timestamp");
      if (!timestamp.isTextual() || !TIMESTAMP.matcher(timestamp.asText()).matches()) {
        throw new IllegalArgumentException(
            at
                + ".timestamp must be an ISO-8601 date-time with zone, e.g. 2025-01-18T12:00:00.000Z");
      }
      if (message.has("metadata") && !message.get("metadata").isObject()) {
        throw new IllegalArgumentException(at + ".metadata must be a JSON object");
      }
      if (seen.add(id.asText())) {
        batch.add(new Checked(id.asText(), message));
      }
    }
    return batch;
  }

  /**
   * @throws TableConstraintException when {@code repo} is longer than {@value #MAX_REPO_LENGTH}
   *     characters
   */
  public static void checkRepo(Optional<String> repo) {
    if (repo.isPresent() && repo.get().codePointCount(0, repo.get().length()) > MAX_REPO_LENGTH) {
      throw new TableConstraintException(
          "codebase_chat_sessions_repo_length",
          "repo must be at most " + MAX_REPO_LENGTH + " characters");
    }
  }

  /**
   * @throws TableConstraintException when {@code file} is longer than {@value
   *     #MAX_CURRENT_FILE_LENGTH} characters
   */
  public static void checkCurrentFile(Optional<String> file) {
    if (file.isPresent()
        && file.get().codePointCount(0, file.get().length()) > MAX_CURRENT_FILE_LENGTH) {
      throw new TableConstraintException(
          "codebase_chat_sessions_current_file_length",
          "current_file must be at most " + MAX_CURRENT_FILE_LENGTH + " characters");
    }
  }

  /**
   * @throws TableConstraintException unless {@code value} is a JSON object of at most 1 MiB
   */
  public static void checkContextCache(JsonNode value) {
    checkObject(
        value,
        MAX_CONTEXT_CACHE_BYTES,
        "codebase_chat_sessions_context_cache_is_object",
        "context_cache");
  }

  /**
   * @throws TableConstraintException unless {@code value} is a JSON object of at most 64 KiB
   */
  public static void checkMetadata(JsonNode value) {
    checkObject(value, MAX_METADATA_BYTES, "codebase_chat_sessions_metadata_is_object", "metadata");
  }

  private static void checkObject(JsonNode value, int maxBytes, String constraint, String column) {
    if (!value.isObject() || PgJsonb.storedSize(value) > maxBytes) {
      throw new TableConstraintException(
          constraint, column + " must be a JSON object of at most " + maxBytes + " bytes");
    }
  }

  /**
   * @throws TableConstraintException when a history of {@code messages} and {@code bytes} breaks a
   *     limit
   */
  public static void checkHistory(long messages, long bytes) {
    if (messages > MAX_MESSAGES_PER_SESSION) {
      throw new TableConstraintException(
          HISTORY_MAX_MESSAGES,
          "the history would exceed " + MAX_MESSAGES_PER_SESSION + " messages");
    }
    if (bytes > MAX_HISTORY_BYTES) {
      throw new TableConstraintException(HISTORY_MAX_BYTES, "the history would exceed 16 MiB");
    }
  }

  /**
   * What one stored message adds to its session's {@code history_bytes}, as the migrations count
   * it: its jsonb text ({@code body_bytes}, {@link PgJsonb#textBytes}) and 2 for a separator. A
   * session's history is full once these add up to more than {@link #MAX_HISTORY_BYTES}.
   */
  public static long historyBytesOf(JsonNode message) {
    return PgJsonb.textBytes(message) + 2;
  }

  /**
   * Checks a change of a session's context as a PostgREST {@code PATCH} of the table: only the
   * {@link #CONTEXT_COLUMNS}, {@code repo} and {@code current_file} strings or null within their
   * limits, {@code context_cache} and {@code metadata} JSON objects within theirs.
   *
   * @throws IllegalArgumentException naming the field when the patch has another field or a value
   *     of the wrong type
   * @throws TableConstraintException when a value breaks one of the table's CHECK constraints
   */
  public static void checkContextPatch(JsonNode patch) {
    if (!patch.isObject()) {
      throw new IllegalArgumentException("patch must be a JSON object");
    }
    for (Iterator<String> names = patch.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      JsonNode value = patch.get(name);
      if (!CONTEXT_COLUMNS.contains(name)) {
        throw new IllegalArgumentException(
            "patch has a field not allowed here: " + name + " (allowed: " + CONTEXT_COLUMNS + ")");
      }
      switch (name) {
        case "context_cache" -> SessionTableRules.checkContextCache(value);
        case "metadata" -> SessionTableRules.checkMetadata(value);
        default -> {
          if (!(value.isTextual() || value.isNull())) {
            throw new IllegalArgumentException("patch." + name + " must be a string or null");
          }
          Optional<String> text = value.isNull() ? Optional.empty() : Optional.of(value.asText());
          if (name.equals("repo")) {
            SessionTableRules.checkRepo(text);
          } else {
            SessionTableRules.checkCurrentFile(text);
          }
        }
      }
    }
  }
}
