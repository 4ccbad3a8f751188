package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ManualScheduler} keeps the {@link java.util.concurrent.ScheduledExecutorService} contract
 * on manual time: deadlines, order, periodic tasks, cancellation and shutdown.
 */
class ManualSchedulerTest {

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final Instant start = clock.instant();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> ran = new ArrayList<>();

  @Test
  void aTaskRunsWhenTimeReachesItsDeadline_notAMillisecondBefore() {
    scheduler.schedule(() -> ran.add("due"), 5, TimeUnit.SECONDS);

    scheduler.advance(Duration.ofMillis(4_999));
    List<String> before = List.copyOf(ran);
    scheduler.advance(Duration.ofMillis(1));

    assertThat(before).isEmpty();
    assertThat(ran).containsExactly("due");
  }

  @Test
  void tasksRunEarliestDeadlineFirst_tiesInSubmissionOrder_withTheClockAtTheirDeadline() {
    scheduler.schedule(() -> ran.add("b at " + clock.instant()), 2, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("a at " + clock.instant()), 1, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("c at " + clock.instant()), 2, TimeUnit.SECONDS);

    scheduler.advance(Duration.ofSeconds(10));

    assertThat(ran)
        .containsExactly(
            "a at " + start.plusSeconds(1),
            "b at " + start.plusSeconds(2),
            "c at " + start.plusSeconds(2));
    assertThat(clock.instant()).isEqualTo(start.plusSeconds(10));
  }

  @Test
  void aFixedRateTask_runsOncePerPeriod_fromItsInitialDelay() {
    scheduler.scheduleAtFixedRate(
        () -> ran.add(clock.instant().toString()), 1, 3, TimeUnit.SECONDS);

    scheduler.advance(Duration.ofSeconds(7));

    assertThat(ran)
        .containsExactly(
            start.plusSeconds(1).toString(),
            start.plusSeconds(4).toString(),
            start.plusSeconds(7).toString());
    assertThat(scheduler.pendingTaskCount()).isEqualTo(1);
  }

  @Test
  void aFixedRateTask_keepsItsRate_whenTheClockWasMovedPastSeveralRuns() {
    scheduler.scheduleAtFixedRate(() -> ran.add("run"), 1, 1, TimeUnit.SECONDS);
    clock.advance(Duration.ofMillis(3_500)); // the clock alone, as a test may move it

    scheduler.runDueTasks();

    assertThat(ran).hasSize(3); // the runs due at 1 s, 2 s and 3 s
    assertThat(scheduler.nextDelay()).contains(Duration.ofMillis(500));
  }

  @Test
  void aFixedDelayTask_waitsItsDelayAfterEachRun() {
    scheduler.scheduleWithFixedDelay(() -> ran.add("run"), 1, 1, TimeUnit.SECONDS);
    clock.advance(Duration.ofMillis(3_500));

    scheduler.runDueTasks();

    assertThat(ran).hasSize(1); // due at 1 s, run at 3.5 s; the next is one delay later
    assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(1));
  }

  @Test
  void aPeriodicTaskThatThrows_isNotRunAgain_andItsFutureHoldsTheFailure() {
    ScheduledFuture<?> failing =
        scheduler.scheduleAtFixedRate(
            () -> {
              ran.add("run");
              throw new IllegalStateException("broken");
            },
            1,
            1,
            TimeUnit.SECONDS);

    scheduler.advance(Duration.ofSeconds(5));

    assertThat(ran).containsExactly("run");
    assertThat(failing.isDone()).isTrue();
    assertThatThrownBy(failing::get).hasRootCauseMessage("broken");
    assertThat(scheduler.pendingTaskCount()).isZero();
  }

  @Test
  void aPeriodOrDelayNotAboveZero_isRefused() {
    assertThatThrownBy(() -> scheduler.scheduleAtFixedRate(() -> {}, 0, 0, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("period must be positive but was 0 SECONDS");
    assertThatThrownBy(() -> scheduler.scheduleWithFixedDelay(() -> {}, 0, -1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be positive but was -1 SECONDS");
    assertThat(scheduler.pendingTaskCount()).isZero();
  }

  @Test
  void aCancelledTask_neverRuns_andIsNotCounted() {
    ScheduledFuture<?> cancelled =
        scheduler.schedule(() -> ran.add("cancelled"), 1, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("kept"), 2, TimeUnit.SECONDS);

    assertThat(cancelled.cancel(false)).isTrue();
    int waiting = scheduler.pendingTaskCount();
    scheduler.advance(Duration.ofSeconds(5));

    assertThat(waiting).isEqualTo(1);
    assertThat(ran).containsExactly("kept");
  }

  @Test
  void afterShutdown_waitingTasksStillRun_periodicOnesStop_andNewOnesAreRejected() {
    scheduler.schedule(() -> ran.add("one-shot"), 1, TimeUnit.SECONDS);
    scheduler.scheduleAtFixedRate(() -> ran.add("periodic"), 1, 1, TimeUnit.SECONDS);

    scheduler.shutdown();
    boolean terminatedAtShutdown = scheduler.isTerminated();
    scheduler.advance(Duration.ofSeconds(5));

    assertThat(terminatedAtShutdown).isFalse();
    assertThat(ran).containsExactly("one-shot", "periodic");
    assertThat(scheduler.isShutdown()).isTrue();
    assertThat(scheduler.isTerminated()).isTrue();
    assertThatThrownBy(() -> scheduler.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessage("scheduler is shut down");
  }

  @Test
  void shutdownNow_returnsTheWaitingTasks_andRunsNone() {
    scheduler.schedule(() -> ran.add("first"), 1, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("second"), 2, TimeUnit.SECONDS);

    List<Runnable> dropped = scheduler.shutdownNow();
    scheduler.advance(Duration.ofSeconds(5));

    assertThat(dropped).hasSize(2);
    assertThat(ran).isEmpty();
    assertThat(scheduler.isTerminated()).isTrue();
  }

  @Test
  void aSubmittedTaskCancelled_neverRuns_andIsNotCounted() {
    Future<?> cancelled = scheduler.submit(() -> ran.add("cancelled"));

    assertThat(cancelled.cancel(false)).isTrue();
    int waiting = scheduler.pendingTaskCount();
    scheduler.runDueTasks();

    assertThat(waiting).isZero();
    assertThat(ran).isEmpty();
  }

  @Test
  void aSubmittedCallable_runsWhenTimeMoves_andItsFutureHoldsTheResult() throws Exception {
    Future<String> answer = scheduler.submit(() -> "done");

    scheduler.runDueTasks();

    assertThat(answer.get()).isEqualTo("done");
  }

  @Test
  void afterShutdown_aPeriodicTasksFuture_endsCancelled() {
    ScheduledFuture<?> periodic =
        scheduler.scheduleAtFixedRate(() -> ran.add("periodic"), 1, 1, TimeUnit.SECONDS);

    scheduler.shutdown();
    scheduler.advance(Duration.ofSeconds(5));

    assertThat(periodic.isDone()).isTrue();
    assertThat(periodic.isCancelled()).isTrue();
  }

  @Test
  void advancingByANegativeDuration_isRefused() {
    assertThatThrownBy(() -> scheduler.advance(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must not be negative but was PT-0.001S");
  }

  @Test
  void onATickingClock_dueTasksRun_andTimeMoves_withoutTheSchedulersReadingsTicking() {
    ManualClock ticking = ManualClock.ticking(start, Duration.ofMillis(1));
    ManualScheduler onTicks = new ManualScheduler(ticking);
    onTicks.execute(() -> ran.add("now"));
    onTicks.schedule(() -> ran.add("in 5 ms"), 5, TimeUnit.MILLISECONDS);

    onTicks.runDueTasks();
    onTicks.advance(Duration.ofMillis(5));

    assertThat(ran).containsExactly("now", "in 5 ms");
    assertThat(onTicks.pendingTaskCount()).isZero();
    assertThat(ticking.instant()).isEqualTo(start.plusMillis(5));
  }

  @Test
  void theSchedulerAnswersWithItsClock() {
    assertThat(scheduler.clock()).isSameAs(clock);
  }
}
