package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store's blocking methods on the test kit's manual time: a read whose retry waits on the
 * scheduler returns once {@link dev.codebasechat.testing.ManualScheduler#callWhileAdvancing} moves
 * time for it (a plain call would wait for a clock nobody moves).
 */
class BlockingCallsOnManualTimeTest {

  @RegisterExtension static final FakeSupabase supabase = FakeSupabase.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final StoreFixture f = new StoreFixture(supabase, clock, builder -> builder);

  @AfterEach
  void close() {
    f.store.close();
    f.close();
  }

  @Test
  void aBlockingReadRetriedAfterAFailure_returnsWhenTimeIsMovedForIt() {
    UUID user = UUID.randomUUID();
    SessionId id = StoreFixture.sessionId("manual01");
    supabase.seedSession(user, id.value(), "m1", "m2");
    supabase.failNext(1, Outage.DATABASE_UNAVAILABLE); // 503 with Retry-After: retried after a wait

    SessionRead read = f.blocking(() -> f.store.lastMessages(f.caller(user), id, 1));

    assertThat(read.session().messages())
        .extracting(message -> message.id().value())
        .containsExactly("m2");
    assertThat(clock.instant()).isAfter(ManualClock.startingAtEpoch2026().instant());
  }
}
