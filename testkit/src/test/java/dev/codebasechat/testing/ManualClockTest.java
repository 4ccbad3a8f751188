package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The clock tests move by hand, and its ticking form. */
class ManualClockTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void manualClock_givesTheSameInstantUntilAdvanced() {
    ManualClock clock = new ManualClock(START);

    Instant first = clock.instant();
    Instant second = clock.instant();
    clock.advance(Duration.ofSeconds(1));

    assertThat(second).isEqualTo(first).isEqualTo(START);
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(1));
  }

  @Test
  void tickingClock_movesByItsTickAfterEveryReading() {
    ManualClock clock = ManualClock.ticking(START, Duration.ofNanos(1_000));

    Instant first = clock.instant();
    Instant second = clock.instant();

    assertThat(first).isEqualTo(START);
    assertThat(second).isEqualTo(START.plusNanos(1_000));
  }

  @Test
  void tickingClock_stillAdvancesByHand() {
    ManualClock clock = ManualClock.ticking(START, Duration.ofSeconds(1));

    clock.advance(Duration.ofMinutes(1));

    assertThat(clock.instant()).isEqualTo(START.plusSeconds(60));
  }

  @Test
  void tickingClock_withATickThatIsNotPositive_isRefused() {
    assertThatThrownBy(() -> ManualClock.ticking(START, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tick must be positive but was PT0S");
  }
}
