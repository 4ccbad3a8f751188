package dev.codebasechat.session.internal;

import dev.codebasechat.session.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a message goes in a session's history, as the database places it: after the last message
 * whose timestamp is not later than its own (so after those with the same timestamp). One
 * definition, for {@link dev.codebasechat.session.ChatSession#withAdded} and for appends the
 * database stored whole. Stateless.
 */
public final class HistoryOrder {
  private HistoryOrder() {}

  /**
   * {@code history} followed by {@code additions}, each placed in the history's order; no id is
   * checked. Costs one copy of the history, and O(additions) when they are the newest, as they
   * almost always are.
   */
  public static List<ChatMessage> placed(List<ChatMessage> history, List<ChatMessage> additions) {
    List<ChatMessage> merged = new ArrayList<>(history.size() + additions.size());
    merged.addAll(history);
    additions.forEach(message -> place(merged, message));
    return merged;
  }

  /** Inserts {@code message} into {@code merged} (in the history's order) where it belongs. */
  public static void place(List<ChatMessage> merged, ChatMessage message) {
    int at = merged.size();
    while (at > 0 && merged.get(at - 1).timestamp().isAfter(message.timestamp())) {
      at--;
    }
    merged.add(at, message);
  }
}
