package dev.codebasechat.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The session table as the store uses it, in the shapes PostgREST answers with: the rows of {@code
 * codebase_chat_sessions} and its functions {@code append_chat_messages}, {@code
 * clear_chat_history}, {@code delete_chat_session}. Implemented over the real SQL (through the
 * PostgREST-compatible test server), over {@code LocalSessionTable} and over {@code FakeSupabase},
 * so that one contract binds the three.
 *
 * <p>Every operation acts for {@code owner}, as that user's request would.
 */
interface ChatTable {

  /** What an append stored, and whether it created the session. */
  record Appended(int appended, int messageCount, long version, boolean created) {}

  /** The row's version and history length after a context update or a clear. */
  record Versioned(long version, int messageCount) {}

  /** One page of the owner's sessions, newest activity first, and how many there are in all. */
  record Listing(List<JsonNode> rows, long total) {}

  /** How a refusal is classified, whatever its message. */
  enum Refusal {
    /** An argument is malformed (SQLSTATE 22023 / IllegalArgumentException). */
    INVALID_ARGUMENT,
    /** A CHECK constraint of the table would be broken (23514): a limit, a JSON type. */
    CONSTRAINT,
    /** The caller may not write that (a column or function not granted, 42501). */
    FORBIDDEN,
    /** The session id belongs to a session the owner does not have (42501). */
    ID_TAKEN
  }

  /** A refused operation: its kind and the implementation's message. */
  final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Refusal kind;

    Refused(Refusal kind, String message) {
      super(kind + ": " + message);
      this.kind = kind;
    }
  }

  /** A user the table may hold sessions of (created in {@code auth.users} where there is one). */
  UUID newUser();

  /** Moves the time the table stamps rows with (or waits until the database's has moved). */
  void tick();

  /** {@code append_chat_messages(p_session_id, p_messages, p_repo, p_current_file)}. */
  Appended append(
      UUID owner,
      String sessionId,
      JsonNode messages,
      Optional<String> repo,
      Optional<String> currentFile);

  /**
   * {@code append_chat_messages(p_session_id, p_messages, p_repo, p_create => false)}: empty,
   * storing nothing, when the owner has no such session.
   */
  Optional<Appended> appendExisting(
      UUID owner, String sessionId, JsonNode messages, Optional<String> repo);

  /** One append of {@link #appendBatch}. */
  record BatchAppend(
      String sessionId, JsonNode messages, Optional<String> repo, boolean createsMissing) {
    /** An append that creates a missing session. */
    BatchAppend(String sessionId, JsonNode messages, Optional<String> repo) {
      this(sessionId, messages, repo, true);
    }
  }

  /**
   * One answer of {@link #appendBatch}: what was stored, or why that append was refused; neither
   * when an append that does not create found its session missing.
   */
  record BatchAnswer(Optional<Appended> stored, Optional<Refusal> refused) {
    static final BatchAnswer MISSING = new BatchAnswer(Optional.empty(), Optional.empty());
  }

  /**
   * {@code append_chat_messages_batch(p_appends)}: each append atomic on its own, one answer per
   * session id.
   */
  Map<String, BatchAnswer> appendBatch(UUID owner, List<BatchAppend> appends);

  /**
   * The owner's row with {@code session_id, user_id, repo, current_file, conversation_history,
   * context_cache, metadata, message_count, version, last_activity}, or empty.
   */
  Optional<JsonNode> fetch(UUID owner, String sessionId);

  /** A PATCH of {@code repo, current_file, context_cache, metadata} on the owner's row. */
  Optional<Versioned> updateContext(UUID owner, String sessionId, JsonNode patch);

  /** {@code clear_chat_history(p_session_id)}. */
  Optional<Versioned> clear(UUID owner, String sessionId);

  /** {@code delete_chat_session(p_session_id)}. */
  boolean delete(UUID owner, String sessionId);

  /**
   * The owner's sessions ({@code session_id, repo, current_file, message_count, last_activity,
   * created_at}).
   */
  Listing list(UUID owner, int limit, int offset, Optional<String> repo);
}
