package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ManualScheduler#callWhileAdvancing}: a blocking call on manual time returns, or fails
 * clearly.
 */
class ManualSchedulerCallTest {

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final ManualScheduler scheduler = new ManualScheduler(clock);

  @Test
  void aCallWaitingForAScheduledTask_returnsOnceTimeReachesIt() {
    CompletableFuture<String> retried = new CompletableFuture<>();
    scheduler.schedule(() -> retried.complete("answered"), 5, TimeUnit.SECONDS);

    String answer = scheduler.callWhileAdvancing(retried::join);

    assertThat(answer).isEqualTo("answered");
    assertThat(clock.instant())
        .isEqualTo(ManualClock.startingAtEpoch2026().instant().plusSeconds(5));
  }

  @Test
  void tasksTheWaitingCallSchedules_runToo() {
    CompletableFuture<String> second = new CompletableFuture<>();
    scheduler.schedule(
        () -> scheduler.schedule(() -> second.complete("after two waits"), 3, TimeUnit.SECONDS),
        2,
        TimeUnit.SECONDS);

    assertThat(scheduler.callWhileAdvancing(second::join)).isEqualTo("after two waits");
  }

  @Test
  void aCallThatNeedsMoreFakeTimeThanAllowed_failsSayingSo() {
    CompletableFuture<String> late = new CompletableFuture<>();
    scheduler.schedule(() -> late.complete("too late"), 1, TimeUnit.HOURS);

    assertThatThrownBy(
            () -> scheduler.callWhileAdvancing(late::join, Duration.ofMinutes(1), () -> true))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("did not return within PT1M of fake time");
  }

  @Test
  void timeDoesNotMoveWhileTheCallIsNotSettled() {
    CompletableFuture<String> answer = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean inFlight =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    scheduler.schedule(() -> answer.complete("timed out"), 2, TimeUnit.SECONDS);
    new Thread(
            () -> {
              sleepQuietly(300); // an answer on its way, in real time
              answer.complete("answered");
              inFlight.set(false);
            })
        .start();

    String result =
        scheduler.callWhileAdvancing(answer::join, Duration.ofMinutes(1), () -> !inFlight.get());

    assertThat(result).isEqualTo("answered");
  }

  @SuppressWarnings("ThreadPriorityCheck")
  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void whatTheCallThrows_isRethrownUnwrapped() {
    assertThatThrownBy(
            () ->
                scheduler.callWhileAdvancing(
                    () -> {
                      throw new IllegalStateException("refused");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("refused");
  }
}
