package dev.codebasechat.resilience;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link Resilience.Builder} refuses a value out of its range at once, naming it. */
class ResilienceBuilderTest {

  @Test
  void aFailureRateThresholdOutside0To100_isRefused() {
    assertThatThrownBy(() -> Resilience.builder().failureRateThreshold(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failureRateThreshold must be in (0, 100] but was 0.0");
    assertThatThrownBy(() -> Resilience.builder().failureRateThreshold(100.5f))
        .hasMessage("failureRateThreshold must be in (0, 100] but was 100.5");
  }

  @Test
  void aSlowCallRateThresholdOutside0To100_isRefused() {
    assertThatThrownBy(() -> Resilience.builder().slowCallRateThreshold(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowCallRateThreshold must be in (0, 100] but was -1.0");
  }

  @Test
  void countsBelowOne_areRefused() {
    assertThatThrownBy(() -> Resilience.builder().slidingWindow(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slidingWindow must be at least 1 but was 0");
    assertThatThrownBy(() -> Resilience.builder().minimumCalls(0))
        .hasMessage("minimumCalls must be at least 1 but was 0");
    assertThatThrownBy(() -> Resilience.builder().halfOpenCalls(0))
        .hasMessage("halfOpenCalls must be at least 1 but was 0");
  }

  @Test
  void anInitialBackoffLongerThanTheMaximum_isRefusedAtBuild() {
    Resilience.Builder builder =
        Resilience.builder()
            .initialBackoff(Duration.ofSeconds(3))
            .maxBackoff(Duration.ofSeconds(2));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialBackoff must not exceed maxBackoff (PT2S) but was PT3S");
  }
}
