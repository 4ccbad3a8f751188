package dev.codebasechat.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.ManualScheduler;
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
