package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.resilience.BreakerState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded table is this process's own file: reads it answers slowly (a large session read by
 * many callers at once) never make the store refuse other users' reads as if a database were
 * unreachable. The store's clock moves 1.2 s each time it is read, so every read takes longer than
 * the slow-call threshold on that clock.
 */
class EmbeddedSlowReadsTest {

  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");

  @TempDir Path dir;

  /** A clock that moves {@code step} each time it is read. */
  private static final class SlowClock extends Clock {
    private final AtomicLong millis =
        new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    private final long step;

    SlowClock(Duration step) {
      this.step = step.toMillis();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.getAndAdd(step));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void slowReadsOfOneUsersSessions_leaveOtherUsersReadsAnswered() {
    Clock slow = new SlowClock(Duration.ofMillis(1_200));
    try (LocalSessionTable table =
            LocalSessionTable.builder().path(dir.resolve("sessions.db")).clock(slow).build();
        SessionStore store = SessionStore.embedded(table).clock(slow).build()) {
      Caller alice = EmbeddedSessionStoreTest.caller(ALICE);
      Caller bob = EmbeddedSessionStoreTest.caller(BOB);
      SessionId bobs = store.create(bob);

      for (int i = 0; i < 20; i++) {
        store.list(alice, SessionQuery.limit(20));
      }

      assertThat(store.list(bob, SessionQuery.limit(20)).sessions())
          .extracting(summary -> summary.id())
          .containsExactly(bobs);
      assertThat(store.breakerState()).isEqualTo(BreakerState.CLOSED);
    }
  }
}
