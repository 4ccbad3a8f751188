package dev.codebasechat.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A {@link ScheduledExecutorService} driven by a {@link ManualClock}: nothing runs until the test
 * calls {@link #advance(Duration)} or {@link #runDueTasks()}, and then tasks run on the calling
 * thread, earliest deadline first (ties in submission order), with the clock set to each task's
 * deadline while it runs.
 *
 * <p>Thread-safe for submission: production code may schedule from any thread (for example from an
 * HTTP callback) while the test thread advances time. Advancing by 1 ms before a deadline runs
 * nothing; advancing to the deadline runs the task exactly once. After {@link #shutdown()} the
 * tasks waiting still run when time reaches them, but periodic ones do not run again (their futures
 * end cancelled) and nothing new is accepted. {@code invokeAll} and {@code invokeAny} wait for
 * tasks that only {@link #advance} runs: call them from another thread than the one that advances
 * time.
 */
public final class ManualScheduler extends AbstractExecutorService
    implements ScheduledExecutorService {

  private final ManualClock clock;
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private final AtomicLong sequence = new AtomicLong();
  private boolean shutdown;

  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  public ManualClock clock() {
    return clock;
  }

  /**
   * Moves time forward by {@code duration}, running every task that falls due on the way. On a
   * {@linkplain ManualClock#ticking ticking} clock the scheduler's own readings do not tick it.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
    Instant target = clock.current().plus(duration);
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.deadline.isAfter(target)) {
          break;
        }
        queue.poll();
      }
      clock.moveForwardTo(next.deadline);
      next.runOnce();
    }
    clock.moveForwardTo(target);
  }

  /**
   * Runs {@code blockingCall} (for example a blocking method of a store wired to this scheduler) on
   * a thread of its own and moves time for it until it returns: tasks already due run at once; when
   * nothing is due, the call has not returned and {@code settled} says nothing else is under way
   * (no HTTP request in flight, say), time moves to the next waiting task. A blocking call on a
   * manual clock nobody moves would wait forever; this is how to make one. Moving time while an
   * answer is on its way would fire the call's own timeout first: give a {@code settled} that
   * knows, e.g. {@code () -> okHttpClient.dispatcher().runningCallsCount() == 0}.
   *
   * @return what the call returned
   * @throws AssertionError when the call has not returned after {@code maxFakeTime} of fake time,
   *     or after 30 s of real time with no task waiting or without {@code settled} (it waits on
   *     something else than time)
   * @throws RuntimeException what the call threw (a checked exception wrapped in {@link
   *     java.util.concurrent.CompletionException})
   */
  public <T> T callWhileAdvancing(
      Callable<T> blockingCall, Duration maxFakeTime, BooleanSupplier settled) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                result.complete(blockingCall.call());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "manual-time-call");
    caller.setDaemon(true);
    caller.start();
    Instant limit = clock.current().plus(maxFakeTime);
    long waitingSince = System.nanoTime();
    while (!result.isDone()) {
      runDueTasks();
      if (waitFor(result, Duration.ofMillis(1))) {
        break;
      }
      java.util.Optional<Duration> next = nextDelay();
      if (next.isEmpty() || !settled.getAsBoolean()) {
        if (System.nanoTime() - waitingSince > TimeUnit.SECONDS.toNanos(30)) {
          throw new AssertionError(
              next.isEmpty()
                  ? "the call waits on something else than time: no task is scheduled"
                  : "the call waits on something else than time: not settled for 30 s");
        }
        continue;
      }
      if (staysQuiet(result)) {
        waitingSince = System.nanoTime();
        if (clock.current().plus(next.get()).isAfter(limit)) {
          throw new AssertionError(
              "the call did not return within " + maxFakeTime + " of fake time");
        }
        advance(next.get().isNegative() ? Duration.ZERO : next.get());
      }
    }
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /**
   * {@link #callWhileAdvancing(Callable, Duration, BooleanSupplier)} allowing 10 min of fake time,
   * counting as settled a call that gave no sign for 100 ms of real time: enough for loopback
   * answers on an idle machine, not a guarantee; prefer a {@code settled} that knows.
   */
  public <T> T callWhileAdvancing(Callable<T> blockingCall) {
    return callWhileAdvancing(blockingCall, Duration.ofMinutes(10), () -> true);
  }

  /** Whether, during 100 ms of real time, the call stays unanswered and schedules nothing new. */
  private boolean staysQuiet(CompletableFuture<?> result) {
    int before = pendingTaskCount();
    if (waitFor(result, Duration.ofMillis(100))) {
      return false;
    }
    return pendingTaskCount() == before;
  }

  private static boolean waitFor(CompletableFuture<?> result, Duration wait) {
    try {
      result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while the call waited", e);
    }
  }

  /** Runs every task already due (deadline ≤ now), including ones they schedule for now. */
  public void runDueTasks() {
    advance(Duration.ZERO);
  }

  /** Number of tasks waiting (cancelled ones excluded). */
  public synchronized int pendingTaskCount() {
    return (int) queue.stream().filter(task -> !task.isCancelled()).count();
  }

  /** Time until the earliest waiting task, if any. */
  public synchronized java.util.Optional<Duration> nextDelay() {
    return queue.stream()
        .filter(task -> !task.isCancelled())
        .map(task -> Duration.between(clock.current(), task.deadline))
        .min(Duration::compareTo);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(Executors.callable(command, null), delay, unit, 0);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(callable, delay, unit, 0);
  }

  /**
   * Runs {@code command} at {@code initialDelay}, then at every period after it; runs it several
   * times at once when time moved past several periods, as a late executor catches up.
   *
   * @throws IllegalArgumentException if {@code period} is not above zero
   */
  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return enqueue(
        Executors.callable(command, null), initialDelay, unit, positive(period, unit, "period"));
  }

  /**
   * Runs {@code command} at {@code initialDelay}, then {@code delay} after each run ends.
   *
   * @throws IllegalArgumentException if {@code delay} is not above zero
   */
  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    // Negative: the delay counts from the end of a run (ScheduledThreadPoolExecutor's convention).
    return enqueue(
        Executors.callable(command, null), initialDelay, unit, -positive(delay, unit, "delay"));
  }

  private static long positive(long amount, TimeUnit unit, String what) {
    if (amount <= 0) {
      throw new IllegalArgumentException(what + " must be positive but was " + amount + " " + unit);
    }
    return unit.toNanos(amount);
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  // The future of a submitted task is the queued task itself, so that cancelling it takes it off
  // the queue.
  @Override
  public Future<?> submit(Runnable task) {
    return schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    return enqueue(Executors.callable(task, result), 0, TimeUnit.NANOSECONDS, 0);
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> dropped = new ArrayList<>(queue);
    queue.clear();
    return dropped;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  /**
   * Does not wait: time moves only by {@link #advance}, so whether it is terminated is known now.
   */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  private synchronized <V> Task<V> enqueue(
      Callable<V> callable, long delay, TimeUnit unit, long periodNanos) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("scheduler is shut down");
    }
    Instant deadline = clock.current().plusNanos(Math.max(0, unit.toNanos(delay)));
    Task<V> task = new Task<>(callable, deadline, periodNanos, sequence.incrementAndGet());
    queue.add(task);
    return task;
  }

  /**
   * A task and its deadline; {@code periodNanos}: 0 runs once, above 0 at a fixed rate, below 0
   * with a fixed delay.
   */
  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private Instant deadline;
    private final long periodNanos;
    private long order;

    Task(Callable<V> callable, Instant deadline, long periodNanos, long order) {
      super(callable);
      this.deadline = deadline;
      this.periodNanos = periodNanos;
      this.order = order;
    }

    void runOnce() {
      if (periodNanos == 0) {
        run();
        return;
      }
      if (runAndReset()) {
        synchronized (ManualScheduler.this) {
          if (shutdown) {
            // Periodic tasks end with the scheduler, as ScheduledThreadPoolExecutor's do:
            // cancelled,
            // so that their futures are done.
            super.cancel(false);
            return;
          }
          deadline =
              periodNanos > 0
                  ? deadline.plusNanos(periodNanos)
                  : clock.current().plusNanos(-periodNanos);
          order = sequence.incrementAndGet();
          queue.add(this);
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.current(), deadline));
    }

    @Override
    public int compareTo(Delayed other) {
      if (other instanceof Task<?> task) {
        int byTime = deadline.compareTo(task.deadline);
        return byTime != 0 ? byTime : Long.compare(order, task.order);
      }
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        synchronized (ManualScheduler.this) {
          queue.remove(this);
        }
      }
      return cancelled;
    }
  }
}
