package dev.codebasechat.resilience.internal;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.postgrest.FailureKind;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.resilience.Backoff;
import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.resilience.DeadlineExceededException;
import dev.codebasechat.resilience.Resilience;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call to the database goes through here: {@code Retry(CircuitBreaker(call))}.
 *
 * <p>Order and rules:
 *
 * <ol>
 *   <li>The circuit breaker (named {@value Resilience#BREAKER_NAME}) records every attempt. Only
 *       {@linkplain FailureKind#TRANSIENT transient} failures count against it; auth, permission
 *       and other 4xx answers are ignored by it (neither success nor failure), so a user with a bad
 *       token can never open it for everyone. While it is open, calls fail at once with {@link
 *       CallNotPermittedException} (no stack trace is filled in, so this costs microseconds).
 *   <li>Retry is outside the breaker and retries only transient failures, with exponential backoff
 *       and jitter; a {@code Retry-After} answer waits at least that long. A {@code Retry-After}
 *       longer than {@linkplain Resilience#maxBackoff maxBackoff} ends the retries: the caller (the
 *       write-behind) then waits that long itself, without holding a thread. {@link
 *       CallNotPermittedException} is never retried, so an open breaker answers immediately.
 * </ol>
 *
 * <p>Retrying a write is safe because every write this project sends is idempotent (appends carry
 * message ids). Thread-safe; time comes from the injected clock and scheduler.
 *
 * <p><b>Why this class is long.</b> Retry, circuit breaker and deadline are one policy: which
 * failures are retried, how long to wait, what opens the breaker and what a deadline counts as are
 * decided together; their settings are {@link Resilience}.
 */
public final class RemoteGuard implements Backoff {

  private static final Logger log = LoggerFactory.getLogger(RemoteGuard.class);

  private final CircuitBreakerRegistry breakers;
  private final CircuitBreaker breaker;
  private final RetryRegistry retries;
  private final Retry retry;
  private final ScheduledExecutorService scheduler;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double jitter;
  private final DoubleSupplier random;
  private final Clock clock;
  private final long slowCallMillis;

  private RemoteGuard(Resilience settings, Clock clock, ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.slowCallMillis = settings.slowCallThreshold().toMillis();
    this.initialBackoff = settings.initialBackoff();
    this.maxBackoff = settings.maxBackoff();
    this.jitter = settings.jitter();
    this.random = settings.random();
    this.breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRateThreshold())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.slidingWindow())
                .minimumNumberOfCalls(settings.minimumCalls())
                .waitDurationInOpenState(settings.openDuration())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                // A database that answers slowly (or, until the deadline cuts it, not at all) opens
                // the breaker too, so later callers are answered at once instead of waiting.
                .slowCallDurationThreshold(settings.slowCallThreshold())
                .slowCallRateThreshold(settings.slowCallRateThreshold())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(RemoteGuard::isTransient)
                .ignoreException(failure -> !isTransient(failure))
                .writableStackTraceEnabled(false)
                .clock(clock)
                .currentTimestampFunction(Clock::millis, TimeUnit.MILLISECONDS)
                .build());
    this.breaker = breakers.circuitBreaker(Resilience.BREAKER_NAME);
    this.retries =
        RetryRegistry.of(
            RetryConfig.custom()
                .maxAttempts(settings.maxAttempts())
                .retryOnException(RemoteGuard::isTransient)
                .intervalBiFunction(this::intervalMillis)
                .build());
    this.retry = retries.retry(Resilience.BREAKER_NAME);
    breaker
        .getEventPublisher()
        .onStateTransition(
            event -> {
              BreakerState from = stateOf(event.getStateTransition().getFromState());
              BreakerState to = stateOf(event.getStateTransition().getToState());
              if (from == to) {
                return; // e.g. closed to disabled: nothing an operator sees changed
              }
              // Opening is news to act on; trying again and closing are the way back.
              if (to == BreakerState.OPEN) {
                log.warn(
                    "circuit breaker {} went from {} to {}: calls to the database are refused"
                        + " at once until it is tried again",
                    Resilience.BREAKER_NAME,
                    from.wireName(),
                    to.wireName());
              } else {
                log.info(
                    "circuit breaker {} went from {} to {}",
                    Resilience.BREAKER_NAME,
                    from.wireName(),
                    to.wireName());
              }
            });
  }

  /** The guard {@code settings} describe, timed by {@code clock} and {@code scheduler}. */
  public static RemoteGuard create(
      Resilience settings, Clock clock, ScheduledExecutorService scheduler) {
    return new RemoteGuard(settings, clock, scheduler);
  }

  /**
   * Runs {@code call} under retry and breaker. {@code call} must start a new request on every
   * invocation. The returned future fails with the last {@link PostgrestException}, or with {@link
   * CallNotPermittedException} while the breaker is open; it never fails with a wrapper.
   */
  public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
    Supplier<CompletionStage<T>> safe =
        () -> {
          try {
            return call.get();
          } catch (RuntimeException e) {
            // A supplier that throws would leave resilience4j's async retry hanging.
            return CompletableFuture.failedFuture(e);
          }
        };
    return unwrapped(
        Retry.decorateCompletionStage(
                retry, scheduler, CircuitBreaker.decorateCompletionStage(breaker, safe))
            .get());
  }

  /**
   * {@link #call(Supplier)} for a caller who waits: the returned future completes within {@code
   * deadline}, failing with {@link DeadlineExceededException} when the database has not answered by
   * then. Each attempt gets what is left of the deadline; an attempt cut off is cancelled (its HTTP
   * call with it) and counts as a failure for the breaker. Timed on the injected scheduler.
   */
  public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call, Duration deadline) {
    return callUntil(call, endsAt(deadline), deadline, true);
  }

  /** When a request of {@code deadline} starting now must be answered, for {@link #callUntil}. */
  public long endsAt(Duration deadline) {
    return clock.millis() + deadline.toMillis();
  }

  /**
   * {@link #call(Supplier, Duration)} for one of the calls of a request that must be answered by
   * {@code deadlineAt} (from {@link #endsAt}): this call gets what is left. When nothing is left it
   * sends nothing and fails with {@link DeadlineExceededException} of {@code deadline}, the
   * request's whole time. A cut counts for the breaker only when the call had at least the
   * slow-call threshold.
   */
  public <T> CompletableFuture<T> callUntil(
      Supplier<CompletableFuture<T>> call, long deadlineAt, Duration deadline) {
    // A call cut after it had at least the slow-call threshold is slow by the breaker's own
    // measure and counted; one that started with less (the calls before it in its request took the
    // rest) and is cut says nothing against the database.
    return callUntil(call, deadlineAt, deadline, deadlineAt - clock.millis() >= slowCallMillis);
  }

  private <T> CompletableFuture<T> callUntil(
      Supplier<CompletableFuture<T>> call, long deadlineAt, Duration deadline, boolean cutCounts) {
    Supplier<CompletionStage<T>> attempt =
        CircuitBreaker.decorateCompletionStage(
            breaker,
            () -> {
              try {
                return within(
                    call.get(),
                    Math.max(0, deadlineAt - clock.millis()),
                    cutCounts
                        ? () -> new DeadlineExceededException(deadline)
                        : DeadlinePassed::new);
              } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
              }
            });
    // Checked outside the breaker: a retry falling due after the deadline sends nothing, so it is
    // no failure of the database (counted, it would open the breaker at a fraction of its rate).
    Supplier<CompletionStage<T>> whileTimeLeft =
        () ->
            clock.millis() < deadlineAt
                ? attempt.get()
                : CompletableFuture.failedFuture(new DeadlinePassed());
    CompletableFuture<T> result =
        unwrapped(Retry.decorateCompletionStage(retry, scheduler, whileTimeLeft).get())
            .exceptionallyCompose(
                failure ->
                    CompletableFuture.failedFuture(
                        failure instanceof DeadlinePassed
                            ? new DeadlineExceededException(deadline)
                            : failure));
    return within(
        result,
        Math.max(0, deadlineAt - clock.millis()),
        () -> new DeadlineExceededException(deadline));
  }

  /**
   * {@code work}, or a {@link DeadlineExceededException} of {@code deadline} once {@code
   * deadlineAt} (from {@link #endsAt}) has passed, {@code work} then cancelled: bounds a request's
   * wait for work that is not one call (an append queued behind another of its session). Timed on
   * the injected scheduler.
   */
  public <T> CompletableFuture<T> waitUntil(
      CompletableFuture<T> work, long deadlineAt, Duration deadline) {
    return within(
        work,
        Math.max(0, deadlineAt - clock.millis()),
        () -> new DeadlineExceededException(deadline));
  }

  /** Whether {@code deadlineAt} (from {@link #endsAt}) has passed. */
  public boolean hasPassed(long deadlineAt) {
    return clock.millis() >= deadlineAt;
  }

  /**
   * The deadline passed before an attempt was due, or cut an attempt that started with what earlier
   * calls of its request left: neither retried nor counted by the breaker (it is not transient);
   * the caller sees {@link DeadlineExceededException}.
   */
  private static final class DeadlinePassed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DeadlinePassed() {
      super("the deadline passed", null, false, false);
    }
  }

  /**
   * One attempt of {@code call} under the breaker, without retry, completing within {@code
   * deadline} (else failing with {@link DeadlineExceededException}, the attempt cancelled and
   * counted as a failure): for a caller that has an answer of its own to give when the database
   * does not answer at once, such as a held copy to revalidate. Fails with {@link
   * CallNotPermittedException} while the breaker is open; never with a wrapper.
   */
  public <T> CompletableFuture<T> callOnce(Supplier<CompletableFuture<T>> call, Duration deadline) {
    Supplier<CompletionStage<T>> attempt =
        () -> {
          try {
            return within(
                call.get(), deadline.toMillis(), () -> new DeadlineExceededException(deadline));
          } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
          }
        };
    return unwrapped(CircuitBreaker.decorateCompletionStage(breaker, attempt).get());
  }

  /** {@code stage}'s outcome, a failure without the wrappers resilience4j and the JDK add. */
  private static <T> CompletableFuture<T> unwrapped(CompletionStage<T> stage) {
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            result.completeExceptionally(FutureResults.unwrap(failure));
          } else {
            result.complete(value);
          }
        });
    return result;
  }

  /**
   * {@code attempt}, or {@code cut}'s failure after {@code millis} (the attempt then cancelled).
   */
  private <T> CompletableFuture<T> within(
      CompletableFuture<T> attempt, long millis, Supplier<RuntimeException> cut) {
    if (attempt.isDone()) {
      // Answered already (a local table answers in the calling thread): its answer stands, even
      // when it took the whole deadline; a timer of 0 ms could otherwise fail it first.
      return attempt;
    }
    CompletableFuture<T> timed = new CompletableFuture<>();
    ScheduledFuture<?> timer =
        scheduler.schedule(
            () -> {
              if (timed.completeExceptionally(cut.get())) {
                attempt.cancel(true);
              }
            },
            millis,
            TimeUnit.MILLISECONDS);
    attempt.whenComplete(
        (value, failure) -> {
          timer.cancel(false);
          if (failure != null) {
            timed.completeExceptionally(failure);
          } else {
            timed.complete(value);
          }
        });
    return timed;
  }

  /**
   * Publishes the breaker's and the retry's meters ({@code resilience4j.circuitbreaker.*}, {@code
   * resilience4j.retry.*}, tagged {@code name=}{@value Resilience#BREAKER_NAME}) to {@code
   * registry}.
   */
  public void bindTo(MeterRegistry registry) {
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(registry);
  }

  /** The breaker, for metrics binding and event subscription; do not reconfigure it. */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /** The retry, for metrics binding and event subscription. */
  public Retry retry() {
    return retry;
  }

  /**
   * The breaker's state; a breaker disabled or only recording counts as closed, forced open as
   * open.
   */
  public BreakerState breakerState() {
    return stateOf(breaker.getState());
  }

  private static BreakerState stateOf(CircuitBreaker.State state) {
    return switch (state) {
      case OPEN, FORCED_OPEN -> BreakerState.OPEN;
      case HALF_OPEN -> BreakerState.HALF_OPEN;
      case CLOSED, DISABLED, METRICS_ONLY -> BreakerState.CLOSED;
    };
  }

  /**
   * The delay before attempt {@code attempt + 1} (attempt 1 is the first call): exponential from
   * the initial backoff, jittered by ±{@code jitter}, capped at the maximum backoff.
   */
  @Override
  public Duration after(int attempt) {
    double base = initialBackoff.toMillis() * Math.pow(2, Math.max(0, attempt - 1));
    double jittered = base * (1 + jitter * (2 * random.getAsDouble() - 1));
    return Duration.ofMillis(Math.min(maxBackoff.toMillis(), Math.max(1, Math.round(jittered))));
  }

  /**
   * How long a caller should wait before trying again after {@code failure}, for failures that
   * ended a {@link #call}: the server's {@code Retry-After} when it sent one, else {@link
   * #after(int)} for {@code attempt} (also while the breaker is open: the next attempt then fails
   * fast and costs nothing).
   */
  @Override
  public Duration after(Throwable failure, int attempt) {
    Throwable cause = FutureResults.unwrap(failure);
    Optional<Duration> retryAfter = retryAfterOf(cause);
    if (retryAfter.isPresent()) {
      return retryAfter.get();
    }
    return after(attempt);
  }

  /**
   * Whether {@code failure} means the database is unreachable right now (fall back, retry later).
   */
  public static boolean isUnavailable(Throwable failure) {
    Throwable cause = FutureResults.unwrap(failure);
    return cause instanceof CallNotPermittedException || isTransient(cause);
  }

  /**
   * Whether {@code failure} is a {@link PostgrestException} of kind {@link FailureKind#TRANSIENT}
   * or a {@link DeadlineExceededException}.
   */
  public static boolean isTransient(Throwable failure) {
    Throwable cause = FutureResults.unwrap(failure);
    return cause instanceof DeadlineExceededException
        || (cause instanceof PostgrestException remote && remote.kind() == FailureKind.TRANSIENT);
  }

  private Long intervalMillis(Integer attempt, Either<Throwable, Object> outcome) {
    Duration wait = after(attempt);
    if (outcome.isLeft()) {
      Optional<Duration> retryAfter = retryAfterOf(FutureResults.unwrap(outcome.getLeft()));
      if (retryAfter.isPresent()) {
        if (retryAfter.get().compareTo(maxBackoff) > 0) {
          return -1L; // give up now; the caller waits for Retry-After without holding anything
        }
        wait = retryAfter.get().compareTo(wait) > 0 ? retryAfter.get() : wait;
      }
    }
    return wait.toMillis();
  }

  private static Optional<Duration> retryAfterOf(@Nullable Throwable failure) {
    if (failure instanceof PostgrestHttpException http) {
      return http.retryAfter();
    }
    return Optional.empty();
  }
}
