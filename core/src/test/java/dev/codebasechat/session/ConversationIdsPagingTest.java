package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.memory.ConversationMemory;
import dev.codebasechat.memory.MessageCodec;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ConversationMemory#conversationIds} lists every conversation of the caller, over as many
 * pages of the session list as it takes, whatever the caller's pending writes take out of a page.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConversationIdsPagingTest {
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  /** Text messages, stored as their text alone. */
  private static final MessageCodec<String> TEXT =
      new MessageCodec<>() {
        @Override
        public Encoded encode(String message) {
          return new Encoded(Role.USER, message, NullNode.getInstance());
        }

        @Override
        public String decode(Role role, String text, Optional<JsonNode> payload) {
          return text;
        }
      };

  private final StoreFixture f =
      new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(100)));
  private final Caller alice = f.caller(ALICE);
  private final ConversationMemory<String> memory = ConversationMemory.of(f.store, TEXT, CLOCK);

  @AfterEach
  void close() {
    f.store.close();
    f.close();
  }

  @Test
  void aPendingDeleteOnTheFirstPage_doesNotEndTheListThere() {
    try (CallerContext.Binding bound = CallerContext.bind(alice)) {
      for (int i = 0; i < 450; i++) {
        memory.saveWindow(String.format("c-%03d", i), List.of("hello " + i));
      }
      f.drainAll();
      List<String> before = memory.conversationIds();

      memory.delete(before.get(0));
      List<String> after = memory.conversationIds();

      assertThat(before).hasSize(450).doesNotHaveDuplicates();
      assertThat(after).hasSize(449).doesNotContain(before.get(0));
    }
  }
}
