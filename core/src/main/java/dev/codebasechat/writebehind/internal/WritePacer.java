package dev.codebasechat.writebehind.internal;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import dev.codebasechat.DurationSettings;
import dev.codebasechat.writebehind.FlushConcurrency;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides <em>when</em> each key's pending writes are sent; the {@link Flusher} decides what is
 * sent.
 *
 * <p>Rules, per key:
 *
 * <ul>
 *   <li>Writes marked within the {@linkplain Builder#debounce debounce} window are sent together:
 *       the flush runs once the key has been quiet for the window, but never later than {@linkplain
 *       Builder#maxWait maxWait} after its first unsent write, so a continuous stream is still sent
 *       at least once per {@code maxWait}. With the default {@code maxWait == debounce} every write
 *       goes out at most one window after it was marked.
 *   <li>At most one flush of a key runs at a time; writes marked meanwhile are sent by the next
 *       flush, which follows the same timing rules and starts no sooner than one window after the
 *       previous flush's answer: so no two requests of a key ever leave closer than the window (the
 *       previous one left before its answer came), at the cost of one round trip. Flushes of
 *       different keys run in parallel, as many at once as the {@linkplain Builder#flushConcurrency
 *       flush concurrency} allows (by default a limit that adapts to the database's answers); the
 *       rest wait in arrival order. With {@linkplain Builder#grouping grouping}, keys of one group
 *       that are due together (waiting in that line) are flushed as one, which counts as one flush:
 *       a key is never sent before it is due, nor later because of its group.
 *   <li>After {@link FlushOutcome.RetryAfter} nothing is sent for that key before the delay has
 *       passed, whatever is marked meanwhile; after {@link FlushOutcome.Parked} nothing is sent
 *       until the key is marked again or {@linkplain #resume resumed}.
 * </ul>
 *
 * <p>Thread-safe. Time comes only from the injected clock and scheduler, so tests drive it without
 * sleeping. A flusher that throws, or whose future fails, is treated as a transient failure and
 * retried after {@linkplain Builder#failureBackoff failureBackoff}.
 *
 * <p><b>Why this class is long.</b> Debounce, the longest wait, one flush per key at a time, the
 * concurrency bound, parking and resuming are one state machine under one lock; its states are that
 * lock's invariants and are kept in one place.
 *
 * @param <K> the key writes are grouped by (a session)
 */
public final class WritePacer<K> implements AutoCloseable {

  /** Sends the pending writes of one key. Never called twice at once for the same key. */
  @FunctionalInterface
  public interface Flusher<K> {
    CompletableFuture<FlushOutcome> flush(K key);
  }

  /**
   * Sends the pending writes of several keys of one group in one go (for example one request for
   * several sessions of one owner). Called with two keys or more, none of which is being flushed.
   * The answer holds one outcome per key given; a key it leaves out is treated as a flush that
   * failed unexpectedly.
   */
  @FunctionalInterface
  public interface GroupFlusher<K> {
    CompletableFuture<Map<K, FlushOutcome>> flush(List<K> keys);
  }

  /** Default debounce window. */
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(500);

  /** Default pause after a flusher failed unexpectedly. */
  public static final Duration DEFAULT_FAILURE_BACKOFF = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(WritePacer.class);

  private final Flusher<K> flusher;
  private final @Nullable Grouping<K> grouping;
  private final Duration debounce;
  private final Duration maxWait;

  /** How many keys may flush at once: fixed, or adapted to the flushes' answers. */
  private final Limit flushLimit;

  private final Duration failureBackoff;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  // Guarded by "this".
  private final Map<K, KeyState> states = new HashMap<>();
  private final ArrayDeque<K> readyQueue = new ArrayDeque<>();
  private int running;
  private boolean closed;
  private CompletableFuture<Void> idle = CompletableFuture.completedFuture(null);
  private final List<CompletableFuture<Void>> settledWaiters = new ArrayList<>();

  private WritePacer(Builder<K> builder) {
    this.flusher = builder.flusher;
    this.grouping = builder.grouping;
    this.debounce = builder.debounce;
    this.maxWait = builder.maxWait == null ? builder.debounce : builder.maxWait;
    this.flushLimit =
        builder.flushConcurrency instanceof FlushConcurrency.Adaptive adaptive
            ? VegasLimit.newBuilder()
                .initialLimit(adaptive.initial())
                .maxConcurrency(adaptive.max())
                .build()
            : FixedLimit.of(builder.flushConcurrency.max());
    this.failureBackoff = builder.failureBackoff;
    this.clock = builder.clock;
    this.scheduler = builder.scheduler;
    if (maxWait.compareTo(debounce) < 0) {
      throw new IllegalArgumentException(
          "maxWait must be at least debounce (" + debounce + ") but was " + maxWait);
    }
  }

  public static <K> Builder<K> builder(
      Flusher<K> flusher, Clock clock, ScheduledExecutorService scheduler) {
    return new Builder<>(flusher, clock, scheduler);
  }

  /** Records that {@code key} has a new unsent write and schedules its flush. */
  public void markDirty(K key) {
    synchronized (this) {
      if (closed) {
        return;
      }
      Instant now = clock.instant();
      KeyState state = stateOf(key);
      state.parked = false;
      if (state.firstDirty == null) {
        state.firstDirty = now;
      }
      state.lastDirty = now;
      if (!state.inFlight) {
        scheduleLocked(key, state);
      }
    }
  }

  /**
   * Flushes {@code key} as soon as allowed, ignoring the debounce window (and a pending retry
   * delay), for example at shutdown or when replaying a journal.
   */
  public void flushSoon(K key) {
    synchronized (this) {
      if (closed) {
        return;
      }
      KeyState state = stateOf(key);
      state.parked = false;
      state.urgent = true;
      state.retryAt = null;
      if (state.firstDirty == null) {
        state.firstDirty = clock.instant();
        state.lastDirty = state.firstDirty;
      }
      if (!state.inFlight) {
        scheduleLocked(key, state);
      }
    }
  }

  /** Flushes every key that has unsent writes as soon as allowed; see {@link #flushSoon}. */
  public void flushAllSoon() {
    synchronized (this) {
      for (K key : Set.copyOf(states.keySet())) {
        flushSoon(key);
      }
    }
  }

  /**
   * Lets a {@linkplain FlushOutcome#parked parked} key be flushed again, after the debounce. A key
   * whose flush is running is not parked by that flush's outcome: what it waited for may have come
   * after the flush looked for it.
   */
  public void resume(K key) {
    synchronized (this) {
      KeyState state = states.get(key);
      if (state == null) {
        return;
      }
      if (state.inFlight) {
        state.resumedInFlight = true;
      } else if (state.parked) {
        markDirty(key);
      }
    }
  }

  /** Keys with writes not yet confirmed: waiting, running, retrying or parked. */
  public synchronized Set<K> pendingKeys() {
    return Set.copyOf(states.keySet());
  }

  /** Whether {@code key} is parked (waiting for {@link #markDirty} or {@link #resume}). */
  public synchronized boolean isParked(K key) {
    KeyState state = states.get(key);
    return state != null && state.parked;
  }

  /**
   * Completes when no key has unsent writes (parked keys count as not idle). The future is shared:
   * do not complete or cancel it.
   */
  public synchronized CompletableFuture<Void> whenIdle() {
    return idle;
  }

  /**
   * Completes once nothing is left to try: every key with unsent writes is parked (waiting for
   * {@link #markDirty} or {@link #resume}), none waiting, running or retrying; at once when that
   * holds now. For a flush that must not wait for what only a later event can send.
   */
  public synchronized CompletableFuture<Void> whenSettled() {
    if (settled()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    settledWaiters.add(waiter);
    return waiter;
  }

  private boolean settled() {
    return states.values().stream().allMatch(state -> state.parked && !state.inFlight);
  }

  private void completeSettledIfSettled() {
    if (!settledWaiters.isEmpty() && settled()) {
      List<CompletableFuture<Void>> waiters = List.copyOf(settledWaiters);
      settledWaiters.clear();
      // Not under this lock: what the waiters run next (a report, a close) takes it too.
      Runnable complete = () -> waiters.forEach(waiter -> waiter.complete(null));
      try {
        scheduler.execute(complete);
      } catch (RejectedExecutionException shutDown) {
        complete.run();
      }
    }
  }

  /** Stops scheduling; flushes already running finish, nothing new starts. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      for (KeyState state : states.values()) {
        cancelTimer(state);
      }
      readyQueue.clear();
    }
  }

  private KeyState stateOf(K key) {
    KeyState state = states.get(key);
    if (state == null) {
      state = new KeyState();
      states.put(key, state);
      if (idle.isDone()) {
        idle = new CompletableFuture<>();
      }
    }
    return state;
  }

  /** Arms the key's timer for its next deadline (or queues it at once when due). */
  private void scheduleLocked(K key, KeyState state) {
    Instant firstDirty = state.firstDirty;
    if (state.parked || state.queued || firstDirty == null) {
      return;
    }
    Instant deadline = deadlineOf(state, firstDirty);
    Instant now = clock.instant();
    if (!deadline.isAfter(now)) {
      cancelTimer(state);
      enqueueLocked(key, state);
      return;
    }
    if (state.timer != null
        && state.timerDeadline != null
        && !deadline.isBefore(state.timerDeadline)) {
      // The armed timer fires no later than needed; on firing it re-reads the deadline.
      return;
    }
    cancelTimer(state);
    state.timerDeadline = deadline;
    state.timer =
        scheduler.schedule(
            () -> onTimer(key), Duration.between(now, deadline).toNanos(), TimeUnit.NANOSECONDS);
  }

  private Instant deadlineOf(KeyState state, Instant firstDirty) {
    Instant lastDirty = state.lastDirty == null ? firstDirty : state.lastDirty; // set together
    Instant byQuiet = lastDirty.plus(debounce);
    Instant byMaxWait = firstDirty.plus(maxWait);
    Instant deadline = state.urgent ? clock.instant() : min(byQuiet, byMaxWait);
    if (state.retryAt != null && state.retryAt.isAfter(deadline)) {
      deadline = state.retryAt;
    }
    if (!state.urgent && state.notBefore != null && state.notBefore.isAfter(deadline)) {
      deadline = state.notBefore;
    }
    return deadline;
  }

  private void onTimer(K key) {
    synchronized (this) {
      KeyState state = states.get(key);
      if (closed || state == null) {
        return;
      }
      Instant armedFor = state.timerDeadline;
      state.timer = null;
      state.timerDeadline = null;
      if (state.inFlight) {
        return;
      }
      Instant firstDirty = state.firstDirty;
      if (armedFor != null
          && firstDirty != null
          && !state.parked
          && !state.queued
          && !deadlineOf(state, firstDirty).isAfter(armedFor)) {
        // The deadline the timer waited for has not moved: it is due, as the scheduler measured,
        // even if the wall clock was stepped back meanwhile (it would stretch the wait by the
        // step).
        enqueueLocked(key, state);
        return;
      }
      scheduleLocked(key, state);
    }
    // Not started here: a key that came due was queued, and the start that queueing schedules
    // runs after the other timers due now, so keys of one group due together go together.
  }

  private void enqueueLocked(K key, KeyState state) {
    state.queued = true;
    readyQueue.add(key);
    // Start outside the lock: the flusher may be slow to return its future.
    startReadyLater();
  }

  private void startReadyLater() {
    try {
      scheduler.execute(this::startReady);
    } catch (RejectedExecutionException e) {
      log.debug("scheduler shut down; pending flushes are left to the owner's close()");
    }
  }

  private void startReady() {
    while (true) {
      List<K> keys;
      int inFlight;
      synchronized (this) {
        if (closed || running >= flushLimit.getLimit() || readyQueue.isEmpty()) {
          return;
        }
        K key = readyQueue.poll();
        KeyState state = states.get(key);
        if (state == null || !state.queued) {
          continue;
        }
        keys = new ArrayList<>();
        keys.add(key);
        start(state);
        if (grouping != null) {
          takeGroupOf(key, grouping, keys);
        }
        inFlight = ++running;
      }
      runFlush(keys, inFlight);
    }
  }

  /** Marks a queued key as being flushed from now on. */
  private static void start(KeyState state) {
    state.queued = false;
    state.inFlight = true;
    state.urgent = false;
    state.retryAt = null;
    state.firstDirty = null;
    state.lastDirty = null;
    state.notBefore = null;
  }

  /** Moves the keys of {@code first}'s group that wait in line (due) into {@code keys}. */
  private void takeGroupOf(K first, Grouping<K> grouping, List<K> keys) {
    Optional<?> group = grouping.groupOf().apply(first);
    if (group.isEmpty()) {
      return;
    }
    Iterator<K> waiting = readyQueue.iterator();
    while (waiting.hasNext() && keys.size() < grouping.maxKeys()) {
      K key = waiting.next();
      KeyState state = states.get(key);
      if (state == null || !state.queued) {
        waiting.remove(); // left behind by a key that was started or removed
        continue;
      }
      if (!key.equals(first) && group.equals(grouping.groupOf().apply(key))) {
        waiting.remove();
        start(state);
        keys.add(key);
      }
    }
  }

  /** How many keys may flush at once now (the adaptive limit moves with the answers). */
  public int flushLimit() {
    return flushLimit.getLimit();
  }

  private void runFlush(List<K> keys, int inFlight) {
    Instant started = clock.instant();
    CompletableFuture<Map<K, FlushOutcome>> outcomes;
    try {
      if (keys.size() == 1) {
        K key = keys.get(0);
        outcomes = flusher.flush(key).thenApply(outcome -> Collections.singletonMap(key, outcome));
      } else {
        outcomes = java.util.Objects.requireNonNull(grouping).flusher().flush(List.copyOf(keys));
      }
    } catch (RuntimeException e) {
      outcomes = CompletableFuture.failedFuture(e);
    }
    outcomes.whenComplete(
        (results, failure) -> {
          Map<K, FlushOutcome> next = new LinkedHashMap<>();
          int unanswered = 0;
          for (K key : keys) {
            FlushOutcome outcome = failure == null && results != null ? results.get(key) : null;
            if (outcome == null) {
              unanswered++;
              outcome = FlushOutcome.retryAfter(failureBackoff);
            }
            next.put(key, outcome);
          }
          if (unanswered > 0) {
            log.warn(
                "flush of {} of {} keys failed unexpectedly; retrying in {}",
                unanswered,
                keys.size(),
                failureBackoff,
                failure);
          }
          boolean dropped =
              next.values().stream()
                  .anyMatch(outcome -> outcome instanceof FlushOutcome.RetryAfter);
          // A retry is a drop: the database failed or refused the flush. The clock may not move
          // at all during a flush (a test's manual clock); the limit needs a positive time.
          long nanos = Math.max(1, Duration.between(started, clock.instant()).toNanos());
          flushLimit.onSample(0, nanos, inFlight, dropped);
          synchronized (this) {
            running--;
            next.forEach(this::finish);
          }
          // Not inline: a flusher that completes synchronously would otherwise recurse.
          startReadyLater();
        });
  }

  private void finish(K key, FlushOutcome outcome) {
    synchronized (this) {
      KeyState state = states.get(key);
      if (state == null) {
        return;
      }
      state.inFlight = false;
      boolean resumed = state.resumedInFlight;
      state.resumedInFlight = false;
      Instant now = clock.instant();
      state.notBefore = now.plus(debounce);
      // Writes marked while the flush ran are still waiting (firstDirty was set again).
      if (outcome instanceof FlushOutcome.More) {
        state.urgent = true;
        keepDirty(state, now);
      } else if (outcome instanceof FlushOutcome.RetryAfter retry) {
        state.retryAt = now.plus(retry.delay());
        keepDirty(state, now);
      } else if (outcome instanceof FlushOutcome.Parked) {
        state.parked = !resumed;
        keepDirty(state, now);
      }
      if (state.firstDirty == null && !state.parked) {
        states.remove(key);
        completeIdleIfNothingPending();
      } else if (!closed) {
        scheduleLocked(key, state);
      }
      completeSettledIfSettled();
    }
  }

  private static void keepDirty(KeyState state, Instant now) {
    if (state.firstDirty == null) {
      state.firstDirty = now;
      state.lastDirty = now;
    }
  }

  private void completeIdleIfNothingPending() {
    if (states.isEmpty()) {
      idle.complete(null);
    }
  }

  private static void cancelTimer(KeyState state) {
    ScheduledFuture<?> timer = state.timer;
    if (timer != null) {
      timer.cancel(false);
    }
    state.timer = null;
    state.timerDeadline = null;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /** Per-key timing state; guarded by the pacer's monitor. */
  private static final class KeyState {
    @Nullable Instant firstDirty;
    @Nullable Instant lastDirty;
    @Nullable Instant retryAt;
    @Nullable ScheduledFuture<?> timer;
    @Nullable Instant timerDeadline;
    boolean inFlight;
    boolean queued;
    boolean parked;

    /** {@link #resume} came while a flush ran: its outcome does not park the key. */
    boolean resumedInFlight;

    boolean urgent;

    /**
     * No flush before this: one window after the answer of the previous flush, when writes were
     * marked while it ran (the previous request left before its answer came, so the two never leave
     * closer than the window).
     */
    @Nullable Instant notBefore;
  }

  /** Which keys may be flushed together, and how. */
  private record Grouping<K>(
      Function<? super K, Optional<?>> groupOf, int maxKeys, GroupFlusher<K> flusher) {}

  /** Builds a {@link WritePacer}; every setter rejects a bad value at once. */
  public static final class Builder<K> {
    private final Flusher<K> flusher;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private Duration debounce = DEFAULT_DEBOUNCE;
    private @Nullable Duration maxWait;
    private FlushConcurrency flushConcurrency = FlushConcurrency.DEFAULT;
    private Duration failureBackoff = DEFAULT_FAILURE_BACKOFF;
    private @Nullable Grouping<K> grouping;

    private Builder(Flusher<K> flusher, Clock clock, ScheduledExecutorService scheduler) {
      this.flusher = flusher;
      this.clock = clock;
      this.scheduler = scheduler;
    }

    /** Quiet time after the last write before a key is flushed; default 500 ms. */
    public Builder<K> debounce(Duration debounce) {
      this.debounce = DurationSettings.requirePositive("debounce", debounce);
      return this;
    }

    /** Longest a write waits for its flush to start; default equal to the debounce window. */
    public Builder<K> maxWait(Duration maxWait) {
      this.maxWait = DurationSettings.requirePositive("maxWait", maxWait);
      return this;
    }

    /** Exactly this many keys flush at once: {@code flushConcurrency(fixed(n))}. */
    public Builder<K> maxConcurrentFlushes(int maxConcurrentFlushes) {
      if (maxConcurrentFlushes < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentFlushes must be at least 1 but was " + maxConcurrentFlushes);
      }
      return flushConcurrency(FlushConcurrency.fixed(maxConcurrentFlushes));
    }

    /**
     * How many keys flush at once; default {@link FlushConcurrency#DEFAULT} (adaptive, 8 to 64).
     */
    public Builder<K> flushConcurrency(FlushConcurrency flushConcurrency) {
      this.flushConcurrency = flushConcurrency;
      return this;
    }

    /** Pause after a flusher threw or failed its future; default 1 s. */
    public Builder<K> failureBackoff(Duration failureBackoff) {
      this.failureBackoff = DurationSettings.requirePositive("failureBackoff", failureBackoff);
      return this;
    }

    /**
     * Flushes keys of one group that are due together as one, through {@code groupFlusher}, at most
     * {@code maxKeysPerFlush} at once; {@code groupOf} names a key's group (empty: the key is
     * always flushed alone) and is called under the pacer's lock, so it must be quick and must not
     * call the pacer. Without grouping every key is flushed alone.
     */
    public Builder<K> grouping(
        Function<? super K, Optional<?>> groupOf,
        int maxKeysPerFlush,
        GroupFlusher<K> groupFlusher) {
      if (maxKeysPerFlush < 2) {
        throw new IllegalArgumentException(
            "maxKeysPerFlush must be at least 2 but was " + maxKeysPerFlush);
      }
      this.grouping = new Grouping<>(groupOf, maxKeysPerFlush, groupFlusher);
      return this;
    }

    public WritePacer<K> build() {
      return new WritePacer<>(this);
    }
  }
}
