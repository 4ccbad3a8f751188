package dev.codebasechat.writebehind.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.ManualScheduler;
import dev.codebasechat.writebehind.FlushConcurrency;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class WritePacerTest {

  private static final Duration WINDOW = Duration.ofMillis(500);

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final RecordingFlusher flusher = new RecordingFlusher();

  private WritePacer<String> pacer(Duration debounce, Duration maxWait, int parallel) {
    return WritePacer.builder(flusher, clock, scheduler)
        .debounce(debounce)
        .maxWait(maxWait)
        .maxConcurrentFlushes(parallel)
        .build();
  }

  private WritePacer<String> pacer() {
    return pacer(WINDOW, WINDOW, 8);
  }

  private void advanceMillis(long millis) {
    scheduler.advance(Duration.ofMillis(millis));
  }

  @Test
  void aWallClockSteppedBack_doesNotStretchTheWait_whichTheSchedulerMeasures() {
    // The wall clock as a machine may step it (NTP, a resumed VM): the scheduler's delays go on.
    java.util.concurrent.atomic.AtomicReference<Duration> step =
        new java.util.concurrent.atomic.AtomicReference<>(Duration.ZERO);
    java.time.Clock wall =
        new java.time.Clock() {
          @Override
          public java.time.Instant instant() {
            return clock.instant().plus(step.get());
          }

          @Override
          public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
          }

          @Override
          public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    WritePacer<String> pacer =
        WritePacer.builder(flusher, wall, scheduler).debounce(WINDOW).maxWait(WINDOW).build();
    pacer.markDirty("s1");
    advanceMillis(100);

    step.set(Duration.ofSeconds(-20));
    advanceMillis(400);

    assertThat(flusher.calls).containsExactly("s1");
  }

  @Test
  void markDirty_beforeWindowEnds_sendsNothing() {
    WritePacer<String> pacer = pacer();
    pacer.markDirty("s1");

    advanceMillis(499);

    assertThat(flusher.calls).isEmpty();
  }

  @Test
  void markDirty_atWindowEnd_flushesExactlyOnce() {
    WritePacer<String> pacer = pacer();
    pacer.markDirty("s1");

    advanceMillis(500);
    advanceMillis(5_000);

    assertThat(flusher.calls).containsExactly("s1");
  }

  @Test
  void burstWithinWindow_isOneFlush() {
    WritePacer<String> pacer = pacer();

    for (int i = 0; i < 50; i++) {
      pacer.markDirty("s1");
      advanceMillis(9);
    }
    advanceMillis(1_000);

    assertThat(flusher.calls).containsExactly("s1");
  }

  @Test
  void continuousStream_fasterThanWindow_flushesOncePerWindow() {
    WritePacer<String> pacer = pacer();

    for (int i = 0; i < 30; i++) { // a write every 100 ms for 3 s
      pacer.markDirty("s1");
      advanceMillis(100);
    }

    assertThat(flusher.calls).hasSize(6);
    assertThat(flusher.times).containsExactly(500L, 1_000L, 1_500L, 2_000L, 2_500L, 3_000L);
  }

  @Test
  void trailingDebounce_waitsForQuiet_butNoLongerThanMaxWait() {
    WritePacer<String> pacer = pacer(Duration.ofMillis(200), Duration.ofMillis(1_000), 8);

    pacer.markDirty("s1"); // t=0
    advanceMillis(150);
    pacer.markDirty("s1"); // quiet deadline moves to 350
    advanceMillis(199);
    assertThat(flusher.calls).isEmpty();
    advanceMillis(1);

    assertThat(flusher.times).containsExactly(350L);
  }

  @Test
  void maxWait_capsTrailingDebounce() {
    WritePacer<String> pacer = pacer(Duration.ofMillis(200), Duration.ofMillis(1_000), 8);

    for (int i = 0; i < 20; i++) { // every 100 ms: never quiet for 200 ms
      pacer.markDirty("s1");
      advanceMillis(100);
    }

    assertThat(flusher.times).startsWith(1_000L);
  }

  @Test
  void oneKey_neverFlushesTwiceAtOnce() {
    WritePacer<String> pacer = pacer();
    flusher.holdOpen = true;
    pacer.markDirty("s1");
    advanceMillis(500);

    pacer.markDirty("s1");
    advanceMillis(5_000);
    assertThat(flusher.calls).containsExactly("s1");

    flusher.completeAll(FlushOutcome.done());
    advanceMillis(500);
    assertThat(flusher.calls).containsExactly("s1", "s1");
  }

  @Test
  void writesDuringFlush_areSentAWindowAfterThePreviousAnswer_soNoTwoRequestsLeaveCloser() {
    WritePacer<String> pacer = pacer();
    flusher.holdOpen = true;
    pacer.markDirty("s1");
    advanceMillis(500); // flush #1 starts at 500
    advanceMillis(100);
    pacer.markDirty("s1"); // marked at 600
    advanceMillis(100);
    flusher.completeAll(FlushOutcome.done()); // #1 answered at 700

    advanceMillis(400);
    assertThat(flusher.times).containsExactly(500L); // 1 100 would be a window after the mark only
    advanceMillis(100);

    assertThat(flusher.times).containsExactly(500L, 1_200L);
  }

  @Test
  void aWriteMarkedAfterTheAnswer_isSentAWindowAfterItsMark() {
    WritePacer<String> pacer = pacer();
    flusher.holdOpen = true;
    pacer.markDirty("s1");
    advanceMillis(500); // flush #1 starts at 500
    advanceMillis(10);
    flusher.completeAll(FlushOutcome.done()); // answered at 510, nothing else waiting
    advanceMillis(90);
    pacer.markDirty("s1"); // marked at 600

    advanceMillis(500);

    assertThat(flusher.times).containsExactly(500L, 1_100L);
  }

  @Test
  void manyKeys_flushInParallel_upToTheBound() {
    WritePacer<String> pacer = pacer(WINDOW, WINDOW, 2);
    flusher.holdOpen = true;
    for (String key : List.of("a", "b", "c", "d", "e")) {
      pacer.markDirty(key);
    }

    advanceMillis(500);
    assertThat(flusher.calls).containsExactly("a", "b");

    flusher.completeFirst(FlushOutcome.done());
    scheduler.runDueTasks();
    assertThat(flusher.calls).containsExactly("a", "b", "c");
  }

  private WritePacer<String> adaptivePacer() {
    return WritePacer.builder(flusher, clock, scheduler)
        .debounce(WINDOW)
        .flushConcurrency(FlushConcurrency.adaptive(8, 64))
        .build();
  }

  private List<String> keys(int n) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add("s" + i);
    }
    return keys;
  }

  @Test
  void anAdaptiveLimit_startsAtItsInitialValue() {
    WritePacer<String> pacer = adaptivePacer();
    flusher.holdOpen = true;
    keys(30).forEach(pacer::markDirty);

    advanceMillis(500);

    assertThat(pacer.flushLimit()).isEqualTo(8);
    assertThat(flusher.calls).hasSize(8);
  }

  @Test
  void flushesThatEndInARetry_shrinkTheAdaptiveLimit_soTheBacklogDoesNotLeaveAtOnce() {
    WritePacer<String> pacer = adaptivePacer();
    flusher.holdOpen = true;
    keys(30).forEach(pacer::markDirty);
    advanceMillis(500);

    for (int round = 0; round < 4; round++) { // an outage: every flush is answered "retry"
      flusher.completeAll(FlushOutcome.retryAfter(Duration.ofSeconds(1)));
      flusher.holdOpen = true; // the flushes started into the freed places stay open
      scheduler.runDueTasks();
    }
    int afterOutage = pacer.flushLimit();
    flusher.open.forEach(f -> f.complete(FlushOutcome.retryAfter(Duration.ofSeconds(1))));
    flusher.open.clear();
    flusher.calls.clear();
    scheduler.runDueTasks();
    advanceMillis(1_000); // the database is back: the keys come due again

    assertThat(afterOutage).isLessThan(8);
    assertThat(flusher.calls).hasSizeLessThanOrEqualTo(pacer.flushLimit());
    assertThat(pacer.flushLimit()).isLessThan(8);
  }

  @Test
  void quickAnswers_letTheAdaptiveLimitGrowPastItsStart_upToItsMaximum() {
    WritePacer<String> pacer =
        WritePacer.builder(flusher, clock, scheduler)
            .debounce(WINDOW)
            .flushConcurrency(FlushConcurrency.adaptive(8, 12))
            .build();
    for (int round = 0; round < 20; round++) {
      flusher.holdOpen = true;
      keys(40).forEach(pacer::markDirty);
      advanceMillis(500);
      flusher.completeAll(FlushOutcome.done()); // answered with no time passing: no queueing
      scheduler.runDueTasks();
      advanceMillis(500);
    }

    assertThat(pacer.flushLimit()).isGreaterThan(8).isLessThanOrEqualTo(12);
  }

  @Test
  void aFixedLimit_staysWhatItIs_whateverTheAnswers() {
    WritePacer<String> pacer = pacer(WINDOW, WINDOW, 3);
    flusher.holdOpen = true;
    keys(10).forEach(pacer::markDirty);
    advanceMillis(500);
    flusher.completeAll(FlushOutcome.retryAfter(Duration.ofSeconds(1)));

    assertThat(pacer.flushLimit()).isEqualTo(3);
  }

  @Test
  void anAdaptiveLimit_refusesAStartAboveItsMaximum() {
    assertThatThrownBy(() -> FlushConcurrency.adaptive(9, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 <= initial <= max");
  }

  @Test
  void retryAfter_holdsTheKeyBackEvenWhenNewWritesArrive() {
    WritePacer<String> pacer = pacer();
    flusher.nextOutcome = FlushOutcome.retryAfter(Duration.ofSeconds(3));
    pacer.markDirty("s1");
    advanceMillis(500); // fails at 500, next try not before 3500
    flusher.nextOutcome = FlushOutcome.done();

    pacer.markDirty("s1");
    advanceMillis(2_999);
    assertThat(flusher.calls).hasSize(1);
    advanceMillis(1);

    assertThat(flusher.times).containsExactly(500L, 3_500L);
  }

  @Test
  void parked_waitsUntilMarkedAgain() {
    WritePacer<String> pacer = pacer();
    flusher.nextOutcome = FlushOutcome.parked();
    pacer.markDirty("s1");
    advanceMillis(500);
    flusher.nextOutcome = FlushOutcome.done();

    advanceMillis(60_000);
    assertThat(flusher.calls).hasSize(1);
    assertThat(pacer.isParked("s1")).isTrue();

    pacer.markDirty("s1");
    advanceMillis(500);
    assertThat(flusher.calls).hasSize(2);
    assertThat(pacer.pendingKeys()).isEmpty();
  }

  @Test
  void resume_unparksAfterTheWindow() {
    WritePacer<String> pacer = pacer();
    flusher.nextOutcome = FlushOutcome.parked();
    pacer.markDirty("s1");
    advanceMillis(500);
    flusher.nextOutcome = FlushOutcome.done();

    pacer.resume("s1");
    advanceMillis(500);

    assertThat(flusher.calls).hasSize(2);
  }

  @Test
  void resume_whileTheFlushThatParksIsRunning_isNotLost() {
    WritePacer<String> pacer = pacer();
    flusher.holdOpen = true;
    pacer.markDirty("s1");
    advanceMillis(500);

    pacer.resume("s1"); // the owner's token arrives before the running flush reports it parked
    flusher.completeAll(FlushOutcome.parked());
    advanceMillis(500);

    assertThat(pacer.isParked("s1")).isFalse();
    assertThat(flusher.calls).hasSize(2);
  }

  @Test
  void flusherThatThrows_isRetriedAfterFailureBackoff() {
    WritePacer<String> pacer =
        WritePacer.builder(flusher, clock, scheduler).failureBackoff(Duration.ofSeconds(2)).build();
    flusher.throwNext = true;
    pacer.markDirty("s1");
    advanceMillis(500);

    advanceMillis(2_000);

    assertThat(flusher.times).containsExactly(500L, 2_500L);
    assertThat(pacer.pendingKeys()).isEmpty();
  }

  @Test
  void more_flushesAgainAtOnce() {
    WritePacer<String> pacer = pacer();
    flusher.holdOpen = true;
    pacer.markDirty("s1");
    advanceMillis(500);

    flusher.completeAll(FlushOutcome.more());
    scheduler.runDueTasks();

    assertThat(flusher.times).containsExactly(500L, 500L);
  }

  @Test
  void flushSoon_ignoresTheDebounceWindow() {
    WritePacer<String> pacer = pacer();
    pacer.markDirty("s1");

    pacer.flushAllSoon();
    scheduler.runDueTasks();

    assertThat(flusher.times).containsExactly(0L);
  }

  @Test
  void whenIdle_completesOnceEverythingIsConfirmed() {
    WritePacer<String> pacer = pacer();
    pacer.markDirty("s1");
    CompletableFuture<Void> idle = pacer.whenIdle();
    assertThat(idle).isNotDone();

    advanceMillis(500);

    assertThat(idle).isDone();
  }

  @Test
  void whenSettled_completesOnceEveryKeyLeftIsParked_whileWhenIdleStillWaits() {
    WritePacer<String> pacer = pacer();
    flusher.nextOutcome = FlushOutcome.parked();
    pacer.markDirty("s1");
    CompletableFuture<Void> settled = pacer.whenSettled();
    assertThat(settled).isNotDone();

    advanceMillis(500);

    assertThat(settled).isDone();
    assertThat(pacer.whenIdle()).isNotDone();
    assertThat(pacer.whenSettled()).isDone();
  }

  @Test
  void close_stopsFurtherFlushes() {
    WritePacer<String> pacer = pacer();
    pacer.markDirty("s1");

    pacer.close();
    advanceMillis(1_000);

    assertThat(flusher.calls).isEmpty();
  }

  @Test
  void builder_rejectsMaxWaitShorterThanDebounce() {
    assertThatThrownBy(() -> pacer(Duration.ofSeconds(1), Duration.ofMillis(10), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait must be at least debounce");
  }

  @Test
  void builder_rejectsNonPositiveValues() {
    var builder = WritePacer.builder(flusher, clock, scheduler);
    assertThatThrownBy(() -> builder.debounce(Duration.ZERO))
        .hasMessageContaining("debounce must be positive");
    assertThatThrownBy(() -> builder.maxConcurrentFlushes(0))
        .hasMessageContaining("at least 1 but was 0");
  }

  // ---------------------------------------------------------------- grouping

  private final GroupRecorder groups = new GroupRecorder();

  /** Keys "owner/session" grouped by owner; keys without a slash are never grouped. */
  private WritePacer<String> groupingPacer(int parallel, int maxKeys) {
    return WritePacer.builder(flusher, clock, scheduler)
        .debounce(WINDOW)
        .maxConcurrentFlushes(parallel)
        .grouping(
            key ->
                key.contains("/")
                    ? java.util.Optional.of(key.substring(0, key.indexOf('/')))
                    : java.util.Optional.empty(),
            maxKeys,
            groups)
        .build();
  }

  @Test
  void keysOfOneGroupDueTogether_areFlushedAsOne_andCountAsOneFlush() {
    WritePacer<String> pacer = groupingPacer(2, 10);
    groups.holdOpen = true;
    flusher.holdOpen = true;
    for (String key : List.of("alice/1", "bob/1", "alice/2", "alice/3", "bob/2", "carol/1")) {
      pacer.markDirty(key);
    }

    advanceMillis(500);

    assertThat(groups.calls)
        .containsExactly(List.of("alice/1", "alice/2", "alice/3"), List.of("bob/1", "bob/2"));
    assertThat(flusher.calls).as("carol waits: two flushes run").isEmpty();
    groups.completeAll(FlushOutcome.done());
    scheduler.runDueTasks();
    assertThat(flusher.calls).containsExactly("carol/1");
  }

  @Test
  void aKeyNotYetDue_isNotTakenWithItsGroup() {
    WritePacer<String> pacer = groupingPacer(8, 10);
    pacer.markDirty("alice/1");
    advanceMillis(300);
    pacer.markDirty("alice/2");

    advanceMillis(200);
    assertThat(flusher.calls).containsExactly("alice/1");
    advanceMillis(300);

    assertThat(flusher.times).containsExactly(500L, 800L);
    assertThat(groups.calls).isEmpty();
  }

  @Test
  void aGroupFlush_takesAtMostMaxKeys_theRestGoInTheNextOne() {
    WritePacer<String> pacer = groupingPacer(8, 2);
    for (String key : List.of("alice/1", "alice/2", "alice/3", "alice/4", "alice/5")) {
      pacer.markDirty(key);
    }

    advanceMillis(500);

    assertThat(groups.calls)
        .containsExactly(List.of("alice/1", "alice/2"), List.of("alice/3", "alice/4"));
    assertThat(flusher.calls).containsExactly("alice/5");
  }

  @Test
  void keysWithoutAGroup_areFlushedAlone() {
    WritePacer<String> pacer = groupingPacer(8, 10);
    pacer.markDirty("s1");
    pacer.markDirty("s2");

    advanceMillis(500);

    assertThat(flusher.calls).containsExactly("s1", "s2");
    assertThat(groups.calls).isEmpty();
  }

  @Test
  void eachKeyOfAGroupFlush_followsItsOwnOutcome() {
    WritePacer<String> pacer = groupingPacer(8, 10);
    groups.answer =
        keys ->
            java.util.Map.of(
                "alice/1", FlushOutcome.done(),
                "alice/2", FlushOutcome.retryAfter(Duration.ofSeconds(1)));
    pacer.markDirty("alice/1");
    pacer.markDirty("alice/2");
    advanceMillis(500);
    assertThat(groups.calls).containsExactly(List.of("alice/1", "alice/2"));

    advanceMillis(999);
    assertThat(flusher.calls).isEmpty();
    advanceMillis(1);

    assertThat(flusher.calls).containsExactly("alice/2");
    assertThat(flusher.times).containsExactly(1_500L);
    assertThat(pacer.pendingKeys()).isEmpty();
  }

  @Test
  void aKeyTheGroupAnswerLeavesOut_isRetriedAfterFailureBackoff() {
    WritePacer<String> pacer = groupingPacer(8, 10);
    groups.answer = keys -> java.util.Map.of("alice/1", FlushOutcome.done());
    pacer.markDirty("alice/1");
    pacer.markDirty("alice/2");
    advanceMillis(500);

    advanceMillis(1_000);

    assertThat(flusher.calls).containsExactly("alice/2");
    assertThat(flusher.times).containsExactly(1_500L);
  }

  @Test
  void aGroupFlushThatFails_retriesEveryKeyOfIt() {
    WritePacer<String> pacer = groupingPacer(8, 10);
    groups.failNext = true;
    pacer.markDirty("alice/1");
    pacer.markDirty("alice/2");
    advanceMillis(500);

    advanceMillis(1_000);

    assertThat(groups.calls)
        .containsExactly(List.of("alice/1", "alice/2"), List.of("alice/1", "alice/2"));
    assertThat(pacer.pendingKeys()).isEmpty();
  }

  @Test
  void builder_rejectsAGroupOfFewerThanTwoKeys() {
    var builder = WritePacer.builder(flusher, clock, scheduler);
    assertThatThrownBy(() -> builder.grouping(key -> java.util.Optional.empty(), 1, groups))
        .hasMessageContaining("maxKeysPerFlush must be at least 2 but was 1");
  }

  /** Records each group flush (its keys); answers every key done unless told otherwise. */
  private static final class GroupRecorder implements WritePacer.GroupFlusher<String> {
    final List<List<String>> calls = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<java.util.Map<String, FlushOutcome>>> open = new ArrayList<>();
    final List<List<String>> openKeys = new ArrayList<>();
    volatile boolean holdOpen;
    volatile boolean failNext;
    volatile java.util.function.Function<List<String>, java.util.Map<String, FlushOutcome>> answer =
        GroupRecorder::allDone;

    static java.util.Map<String, FlushOutcome> allDone(List<String> keys) {
      java.util.Map<String, FlushOutcome> outcomes = new java.util.HashMap<>();
      keys.forEach(key -> outcomes.put(key, FlushOutcome.done()));
      return outcomes;
    }

    @Override
    public CompletableFuture<java.util.Map<String, FlushOutcome>> flush(List<String> keys) {
      calls.add(keys);
      if (failNext) {
        failNext = false;
        return CompletableFuture.failedFuture(new IllegalStateException("boom"));
      }
      if (holdOpen) {
        CompletableFuture<java.util.Map<String, FlushOutcome>> future = new CompletableFuture<>();
        open.add(future);
        openKeys.add(keys);
        return future;
      }
      return CompletableFuture.completedFuture(answer.apply(keys));
    }

    void completeAll(FlushOutcome outcome) {
      holdOpen = false;
      for (int i = 0; i < open.size(); i++) {
        java.util.Map<String, FlushOutcome> outcomes = new java.util.HashMap<>();
        openKeys.get(i).forEach(key -> outcomes.put(key, outcome));
        open.get(i).complete(outcomes);
      }
      open.clear();
      openKeys.clear();
    }
  }

  /** Records each flush (key and time since start); completes at once unless told to hold. */
  private final class RecordingFlusher implements WritePacer.Flusher<String> {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Long> times = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<FlushOutcome>> open = new ArrayList<>();
    final long start = clock.millis();
    volatile boolean holdOpen;
    volatile boolean throwNext;
    volatile FlushOutcome nextOutcome = FlushOutcome.done();

    @Override
    public CompletableFuture<FlushOutcome> flush(String key) {
      calls.add(key);
      times.add(clock.millis() - start);
      if (throwNext) {
        throwNext = false;
        throw new IllegalStateException("boom");
      }
      if (holdOpen) {
        CompletableFuture<FlushOutcome> future = new CompletableFuture<>();
        open.add(future);
        return future;
      }
      return CompletableFuture.completedFuture(nextOutcome);
    }

    void completeAll(FlushOutcome outcome) {
      holdOpen = false;
      List.copyOf(open).forEach(f -> f.complete(outcome));
      open.clear();
    }

    void completeFirst(FlushOutcome outcome) {
      open.remove(0).complete(outcome);
    }
  }
}
