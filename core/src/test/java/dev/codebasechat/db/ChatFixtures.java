package dev.codebasechat.db;

import java.security.SecureRandom;
import java.util.Locale;

/** Valid session ids and messages for tests, in the formats the migrations accept. */
public final class ChatFixtures {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private ChatFixtures() {}

  /** A new session id as the gateway makes them: {@code chat-<13 digits>-<26 base32 chars>}. */
  public static String newSessionId() {
    StringBuilder id = new StringBuilder("chat-1705622400000-");
    for (int i = 0; i < 26; i++) {
      id.append(BASE32[RANDOM.nextInt(BASE32.length)]);
    }
    return id.toString();
  }

  /** One valid message as JSON: role user, a fixed timestamp. */
  public static String message(String id, String content) {
    return message(id, content, "2025-01-18T12:00:00.000Z");
  }

  /** One valid message as JSON with role user and the given timestamp (not checked here). */
  public static String message(String id, String content, String timestamp) {
    return String.format(
        Locale.ROOT,
        "{\"id\":\"%s\",\"role\":\"user\",\"content\":\"%s\",\"timestamp\":\"%s\"}",
        id,
        content,
        timestamp);
  }

  /** A JSON array of {@link #message}s with the given ids, each with its id as content. */
  public static String messages(String... ids) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < ids.length; i++) {
      json.append(i == 0 ? "" : ",").append(message(ids[i], "text of " + ids[i]));
    }
    return json.append(']').toString();
  }
}
