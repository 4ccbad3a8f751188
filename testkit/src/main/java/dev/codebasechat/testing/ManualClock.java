package dev.codebasechat.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that moves only when told to. Thread-safe: any thread may read it while the test
 * thread advances it.
 */
public final class ManualClock extends Clock {

  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  public ManualClock(Instant start) {
    this(new AtomicReference<>(start), ZoneOffset.UTC);
  }

  private ManualClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /** A clock starting at 2026-01-01T00:00:00Z. */
  public static ManualClock startingAtEpoch2026() {
    return new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
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

  @Override
  public Instant instant() {
    return Objects.requireNonNull(now.get());
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new ManualClock(now, zone);
  }
}
