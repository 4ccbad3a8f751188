package dev.codebasechat.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Users, session ids and request bodies shared by the fake's tests. */
final class FakeFixtures {

  static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");
  static final String SESSION = "chat-1737201600000-abcdef12";
  static final String OTHER_SESSION = "chat-1737201600001-zyxwvu98";
  static final String TABLE = "codebase_chat_sessions";

  private FakeFixtures() {}

  /** The timestamp of {@link #message(String)}. */
  static final String TIMESTAMP = "2026-01-01T00:00:00.000Z";

  static Map<String, Object> message(String id) {
    return message(id, TIMESTAMP);
  }

  static Map<String, Object> message(String id, String timestamp) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("id", id);
    message.put("role", "user");
    message.put("content", "text of " + id);
    message.put("timestamp", timestamp);
    return message;
  }

  /**
   * PostgreSQL's text of {@link #message(String)} as jsonb ({@code body::text}): keys by length,
   * {@code ", "} and {@code ": "} between items. What {@code history_bytes} counts.
   */
  static String jsonbTextOf(String id) {
    return "{\"id\": \""
        + id
        + "\", \"role\": \"user\", \"content\": \"text of "
        + id
        + "\", \"timestamp\": \""
        + TIMESTAMP
        + "\"}";
  }

  /** The body of {@code append_chat_messages} for messages with these ids. */
  static String appendBody(String sessionId, String... ids) {
    List<Map<String, Object>> messages = new ArrayList<>();
    for (String id : ids) {
      messages.add(message(id));
    }
    return appendBody(sessionId, messages);
  }

  static String appendBody(String sessionId, List<Map<String, Object>> messages) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("p_session_id", sessionId);
    body.put("p_messages", messages);
    body.put("p_repo", null);
    body.put("p_current_file", null);
    return RestCalls.json(body);
  }

  static String sessionArgument(String sessionId) {
    return RestCalls.json(Map.of("p_session_id", sessionId));
  }

  /** The body of {@code chat_session_changes}. */
  static String changesBody(String sessionId, long sinceVersion) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("p_session_id", sessionId);
    body.put("p_since_version", sinceVersion);
    return RestCalls.json(body);
  }

  /**
   * A {@code p_session} of {@code store_chat_session_for} holding these messages and no context.
   */
  static Map<String, Object> sessionOf(List<Map<String, Object>> messages) {
    Map<String, Object> session = new LinkedHashMap<>();
    session.put("repo", null);
    session.put("current_file", null);
    session.put("context_cache", Map.of());
    session.put("metadata", Map.of());
    session.put("conversation_history", messages);
    return session;
  }

  /** The body of {@code store_chat_session_for}; null version and session stay JSON nulls. */
  static String storeBody(
      UUID owner, String sessionId, Long expectedVersion, Map<String, Object> session) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("p_owner", owner.toString());
    body.put("p_session_id", sessionId);
    body.put("p_expected_version", expectedVersion);
    body.put("p_session", session);
    return RestCalls.json(body);
  }
}
