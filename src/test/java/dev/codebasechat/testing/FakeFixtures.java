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

  static Map<String, Object> message(String id) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("id", id);
    message.put("role", "user");
    message.put("content", "text of " + id);
    message.put("timestamp", "2026-01-01T00:00:00.000Z");
    return message;
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
}
