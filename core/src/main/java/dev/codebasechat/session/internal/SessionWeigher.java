package dev.codebasechat.session.internal;

import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import java.util.List;

/**
 * Approximate heap bytes of a cached session, for the cache's weight bound. Counts what grows:
 * message text (two bytes a char, as a worst case for non-Latin text), per-message object overhead,
 * and the JSON context; fixed parts are a constant. The messages' part is a sum, so a history's
 * weight plus its additions' is the weight of the history with them, wherever they are placed.
 */
public final class SessionWeigher {
  public static final int SESSION_OVERHEAD = 512;
  public static final int MESSAGE_OVERHEAD = 160;

  private SessionWeigher() {}

  public static int weigh(ChatSession session) {
    return weigh(session, historyBytes(session.messages()));
  }

  /** The weight of {@code session} whose messages weigh {@code historyBytes}. */
  static int weigh(ChatSession session, long historyBytes) {
    long bytes = SESSION_OVERHEAD + historyBytes;
    bytes += 2L * session.contextCache().toString().length();
    bytes += 2L * session.metadata().toString().length();
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  /** The messages' part of a session's weight. */
  static long historyBytes(List<ChatMessage> messages) {
    long bytes = 0;
    for (ChatMessage message : messages) {
      bytes += MESSAGE_OVERHEAD + 2L * message.content().length();
      bytes += message.code().map(code -> 2L * code.toString().length()).orElse(0L);
    }
    return bytes;
  }
}
