package dev.codebasechat.resilience;

import dev.codebasechat.DurationSettings;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How calls to the database are retried and when the circuit breaker in front of it opens: the
 * settings only, without a clock or a scheduler (the store that uses them gives its own, so time is
 * given once). Immutable and thread-safe; {@link #defaults()} or {@link #builder()}.
 *
 * <p>The rules these settings tune: the breaker (named {@value #BREAKER_NAME}) records every
 * attempt; only transient failures (connect errors, timeouts, 429, and the 5xx of an unreachable or
 * overloaded database: {@code FailureKind.TRANSIENT}) count against it, so a user with a bad token
 * can never open it for everyone; while open, calls fail at once. Retry is outside the breaker and
 * retries only transient failures, with exponential backoff and jitter; a {@code Retry-After}
 * answer waits at least that long, and one longer than {@link Builder#maxBackoff} ends the retries
 * (the write-behind then waits that long itself). An open breaker is never retried.
 */
public final class Resilience {

  /** Name of the breaker, in metrics and logs. */
  public static final String BREAKER_NAME = "supabase-postgrest";

  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(200);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
  public static final double DEFAULT_JITTER = 0.5;
  public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50f;
  public static final int DEFAULT_SLIDING_WINDOW = 20;
  public static final int DEFAULT_MINIMUM_CALLS = 5;
  public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(5);
  public static final int DEFAULT_HALF_OPEN_CALLS = 2;

  /** Calls slower than this count as slow; when half of the recent calls are, the breaker opens. */
  public static final Duration DEFAULT_SLOW_CALL_THRESHOLD = Duration.ofSeconds(1);

  public static final float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 50f;

  private static final Resilience DEFAULTS = builder().build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double jitter;
  private final DoubleSupplier random;
  private final float failureRateThreshold;
  private final int slidingWindow;
  private final int minimumCalls;
  private final Duration openDuration;
  private final int halfOpenCalls;
  private final Duration slowCallThreshold;
  private final float slowCallRateThreshold;

  private Resilience(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.jitter = builder.jitter;
    this.random = builder.random;
    this.failureRateThreshold = builder.failureRateThreshold;
    this.slidingWindow = builder.slidingWindow;
    this.minimumCalls = builder.minimumCalls;
    this.openDuration = builder.openDuration;
    this.halfOpenCalls = builder.halfOpenCalls;
    this.slowCallThreshold = builder.slowCallThreshold;
    this.slowCallRateThreshold = builder.slowCallRateThreshold;
  }

  /** Every setting at its default. */
  public static Resilience defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  public double jitter() {
    return jitter;
  }

  /** Uniform numbers in [0, 1) for the jitter. */
  public DoubleSupplier random() {
    return random;
  }

  public float failureRateThreshold() {
    return failureRateThreshold;
  }

  public int slidingWindow() {
    return slidingWindow;
  }

  public int minimumCalls() {
    return minimumCalls;
  }

  public Duration openDuration() {
    return openDuration;
  }

  public int halfOpenCalls() {
    return halfOpenCalls;
  }

  public Duration slowCallThreshold() {
    return slowCallThreshold;
  }

  public float slowCallRateThreshold() {
    return slowCallRateThreshold;
  }

  /** Builds a {@link Resilience}; every setter rejects a bad value at once. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double jitter = DEFAULT_JITTER;
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    private float failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
    private int slidingWindow = DEFAULT_SLIDING_WINDOW;
    private int minimumCalls = DEFAULT_MINIMUM_CALLS;
    private Duration openDuration = DEFAULT_OPEN_DURATION;
    private int halfOpenCalls = DEFAULT_HALF_OPEN_CALLS;
    private Duration slowCallThreshold = DEFAULT_SLOW_CALL_THRESHOLD;
    private float slowCallRateThreshold = DEFAULT_SLOW_CALL_RATE_THRESHOLD;

    private Builder() {}

    /** Attempts per call, the first included; default 3. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = atLeast("maxAttempts", maxAttempts, 1);
      return this;
    }

    /** Wait before the second attempt; doubles each time; default 200 ms. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = DurationSettings.requirePositive("initialBackoff", initialBackoff);
      return this;
    }

    /**
     * Cap of every wait, and the longest {@code Retry-After} waited within one call; default 5 s.
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = DurationSettings.requirePositive("maxBackoff", maxBackoff);
      return this;
    }

    /** Relative jitter of each wait, 0 (none) to 1 (0..2× the wait); default 0.5. */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new IllegalArgumentException("jitter must be between 0 and 1 but was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /** Source of uniform numbers in [0, 1) for the jitter (tests pass a fixed one). */
    public Builder random(DoubleSupplier random) {
      this.random = java.util.Objects.requireNonNull(random, "random");
      return this;
    }

    /** Failure percentage that opens the breaker; default 50. */
    public Builder failureRateThreshold(float percent) {
      if (!(percent > 0 && percent <= 100)) {
        throw new IllegalArgumentException(
            "failureRateThreshold must be in (0, 100] but was " + percent);
      }
      this.failureRateThreshold = percent;
      return this;
    }

    /** Number of recent calls the failure rate is computed over; default 20. */
    public Builder slidingWindow(int calls) {
      this.slidingWindow = atLeast("slidingWindow", calls, 1);
      return this;
    }

    /** Calls needed before the failure rate counts; default 5. */
    public Builder minimumCalls(int calls) {
      this.minimumCalls = atLeast("minimumCalls", calls, 1);
      return this;
    }

    /** How long the breaker stays open before letting trial calls through; default 5 s. */
    public Builder openDuration(Duration openDuration) {
      this.openDuration = DurationSettings.requirePositive("openDuration", openDuration);
      return this;
    }

    /** Trial calls while half-open; default 2. */
    public Builder halfOpenCalls(int calls) {
      this.halfOpenCalls = atLeast("halfOpenCalls", calls, 1);
      return this;
    }

    /** Calls slower than this count as slow (on the injected clock); default 1 s. */
    public Builder slowCallThreshold(Duration threshold) {
      this.slowCallThreshold = DurationSettings.requirePositive("slowCallThreshold", threshold);
      return this;
    }

    /** Percentage of slow calls among recent ones that opens the breaker; default 50. */
    public Builder slowCallRateThreshold(float percent) {
      if (!(percent > 0 && percent <= 100)) {
        throw new IllegalArgumentException(
            "slowCallRateThreshold must be in (0, 100] but was " + percent);
      }
      this.slowCallRateThreshold = percent;
      return this;
    }

    public Resilience build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException(
            "initialBackoff must not exceed maxBackoff ("
                + maxBackoff
                + ") but was "
                + initialBackoff);
      }
      return new Resilience(this);
    }

    private static int atLeast(String name, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be at least " + min + " but was " + value);
      }
      return value;
    }
  }
}
