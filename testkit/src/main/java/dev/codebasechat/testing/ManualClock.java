package dev.codebasechat.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that moves only when told to, or, made {@link #ticking}, also by a fixed step
 * after every reading (for tests of what is stamped from one reading or several). Thread-safe: any
 * thread may read it while the test thread advances it.
 */
public final class ManualClock extends Clock {

  private final AtomicReference<Instant> now;
  private final ZoneId zone;
  private final Duration tick;

  public ManualClock(Instant start) {
    this(new AtomicReference<>(start), ZoneOffset.UTC, Duration.ZERO);
  }

  private ManualClock(AtomicReference<Instant> now, ZoneId zone, Duration tick) {
    this.now = now;
    this.zone = zone;
    this.tick = tick;
  }

  /** A clock starting at 2026-01-01T00:00:00Z. */
  public static ManualClock startingAtEpoch2026() {
    return new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /**
   * A clock at {@code start} that moves forward by {@code tick} after every reading: two readings
   * never give the same instant.
   *
   * @throws IllegalArgumentException unless {@code tick} is positive
   */
  public static ManualClock ticking(Instant start, Duration tick) {
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("tick must be positive but was " + tick);
    }
    return new ManualClock(new AtomicReference<>(start), ZoneOffset.UTC, tick);
  }

  /** Moves the clock forward; a negative duration is refused. */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
    now.updateAndGet(instant -> instant.plus(duration));
  }

  /** Sets the clock to {@code instant}, which must not be earlier than now. */
  public void setTo(Instant instant) {
    now.updateAndGet(
        current -> {
          if (instant.isBefore(current)) {
            throw new IllegalArgumentException(
                "time cannot go back from " + current + " to " + instant);
          }
          return instant;
        });
  }

  /** Now, without the tick of a reading: how {@link ManualScheduler} reads the time. */
  Instant current() {
    return Objects.requireNonNull(now.get());
  }

  /** Moves the clock to {@code instant} if that is later than now; never back. */
  void moveForwardTo(Instant instant) {
    now.updateAndGet(current -> instant.isAfter(current) ? instant : current);
  }

  @Override
  public Instant instant() {
    return Objects.requireNonNull(now.getAndUpdate(instant -> instant.plus(tick)));
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new ManualClock(now, zone, tick);
  }
}
