package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SessionCacheTest {
  private static final long BOUND = 100_000;
  private static final String KILOBYTE_OF_TEXT = "x".repeat(1_000); // 2 160 bytes a message

  private final ManualClock clock =
      new ManualClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
  private final SessionCache cache =
      new SessionCache(BOUND, Duration.ofHours(1), null, clock, JournalBridge.none());
  private final SessionId id = SessionId.of("chat-1767225600000-weighed");

  @Test
  void appendsWeighedByWhatTheyAdd_stillCountTowardsTheBound() {
    ChatSession session = ChatSession.empty(id, UUID.randomUUID());
    cache.put(session);

    for (int i = 0; i < 5; i++) {
      session = appendedTo(session);
    }
    assertThat(cache.peek(id)).as("about 11 KB: held").isSameAs(session);

    // Guava bounds each of its segments by a share of the bound: the copy goes before 100 KB.
    for (int i = 0; i < 50 && cache.peek(id) != null; i++) {
      session = appendedTo(session);
    }
    assertThat(cache.peek(id)).as("over 100 KB at most: dropped").isNull();
  }

  @Test
  void aReplaceOfACopyNoLongerCached_keepsNothing() {
    ChatSession session = ChatSession.empty(id, UUID.randomUUID());
    cache.put(session);
    cache.invalidate(id);

    ChatMessage message = message();
    boolean replaced =
        cache.replaceAdding(session, session.withAdded(List.of(message)), List.of(message), true);

    assertThat(replaced).isFalse();
    assertThat(cache.peek(id)).isNull();
  }

  private ChatSession appendedTo(ChatSession session) {
    ChatMessage message = message();
    ChatSession next = session.withAdded(List.of(message));
    cache.replaceAdding(session, next, List.of(message), true);
    return next;
  }

  private ChatMessage message() {
    return ChatMessage.user(KILOBYTE_OF_TEXT).withTimestamp(clock.instant());
  }
}
