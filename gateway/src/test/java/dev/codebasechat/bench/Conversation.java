package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Deterministic chat text of realistic size: a user question of about {@value #USER_CHARS}
 * characters and an assistant answer of about {@value #ASSISTANT_CHARS}, made of words drawn with a
 * fixed seed so that every contender sends exactly the same messages.
 */
final class Conversation {
  static final int USER_CHARS = 240;
  static final int ASSISTANT_CHARS = 1_400;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS = {
    "session",
    "store",
    "append",
    "history",
    "cache",
    "token",
    "database",
    "request",
    "function",
    "class",
    "where",
    "is",
    "the",
    "handled",
    "how",
    "does",
    "this",
    "work",
    "when",
    "why",
    "returns",
    "value",
    "null",
    "optional",
    "thread",
    "lock",
    "retry",
    "breaker",
    "journal",
    "write",
    "read",
    "file",
    "line",
    "repository",
    "module",
    "test",
    "build",
    "error",
    "message",
    "user",
    "assistant",
    "code",
    "change",
  };

  private Conversation() {}

  /** Message {@code index} of a conversation: even indexes are user turns, odd ones answers. */
  static ChatMessage message(String prefix, int index, Instant at) {
    Role role = index % 2 == 0 ? Role.USER : Role.ASSISTANT;
    String text =
        text(prefix.hashCode() * 31L + index, role == Role.USER ? USER_CHARS : ASSISTANT_CHARS);
    return new ChatMessage(MessageId.of(prefix + "-" + index), role, text, at, Optional.empty());
  }

  /** Messages {@code from} (inclusive) to {@code to} (exclusive). */
  static List<ChatMessage> messages(String prefix, int from, int to, Instant at) {
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = from; i < to; i++) {
      messages.add(message(prefix, i, at));
    }
    return messages;
  }

  /**
   * The message as the database stores it (one element of {@code conversation_history}): the
   * physical floor of what persisting it must send.
   */
  static ObjectNode json(ChatMessage message) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", message.id().value());
    node.put("role", message.role().wireName());
    node.put("content", message.content());
    node.put("timestamp", message.timestamp().toString());
    return node;
  }

  static long jsonBytes(ChatMessage message) {
    return json(message).toString().getBytes(StandardCharsets.UTF_8).length;
  }

  private static String text(long seed, int chars) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder(chars + 16);
    while (text.length() < chars) {
      if (text.length() > 0) {
        text.append(random.nextInt(12) == 0 ? ". " : " ");
      }
      text.append(WORDS[random.nextInt(WORDS.length)]);
    }
    return text.toString();
  }
}
