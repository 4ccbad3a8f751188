package dev.codebasechat.testing;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The faults currently asked for. Thread-safe: each request consults it once through {@link
 * #outageForNextRequest()} under the plan's monitor, so counted faults are consumed by exactly as
 * many requests even when Jetty serves several at once.
 */
final class FaultPlan {

  private @Nullable Outage down;
  private int failNext;
  private Outage failNextKind = Outage.DATABASE_UNAVAILABLE;
  private @Nullable Outage flapping;
  private boolean flapFailsNext;
  private int loseNext;
  private Duration delay = Duration.ZERO;
  private @Nullable AnswerHold hold;

  /** The outage this request gets, or null to serve it. Consumes one counted fault. */
  synchronized @Nullable Outage outageForNextRequest() {
    return outageForNextRequest(outage -> true);
  }

  /**
   * The outage this request gets among those that {@code applies} to it, or null to serve it; a
   * counted fault that does not apply is left for a later request.
   */
  synchronized @Nullable Outage outageForNextRequest(java.util.function.Predicate<Outage> applies) {
    if (down != null) {
      return applies.test(down) ? down : null;
    }
    if (failNext > 0 && !applies.test(failNextKind)) {
      return null;
    }
    if (failNext > 0) {
      failNext--;
      return failNextKind;
    }
    if (flapping != null && applies.test(flapping)) {
      boolean fail = flapFailsNext;
      flapFailsNext = !fail;
      if (fail) {
        return flapping;
      }
    }
    return null;
  }

  /** Whether to drop the answer of this (already applied) request. Consumes one. */
  synchronized boolean loseThisResponse() {
    if (loseNext > 0) {
      loseNext--;
      return true;
    }
    return false;
  }

  synchronized Duration delay() {
    return delay;
  }

  /** A new hold on every answer from now on; the previous one, if any, is released. */
  synchronized AnswerHold hold() {
    if (hold != null) {
      hold.release();
    }
    hold = new AnswerHold();
    return hold;
  }

  /** Waits while an answer hold is on (called on the answering thread, outside this monitor). */
  void awaitHeld() {
    AnswerHold current;
    synchronized (this) {
      current = hold;
    }
    if (current != null) {
      current.awaitRelease();
    }
  }

  synchronized void down(@Nullable Outage outage) {
    down = outage;
  }

  synchronized boolean isDown() {
    return down != null;
  }

  synchronized void failNext(int count, Outage kind) {
    failNext = requireCount(count);
    failNextKind = kind;
  }

  synchronized void flapping(@Nullable Outage kind) {
    flapping = kind;
    flapFailsNext = true;
  }

  synchronized void loseNext(int count) {
    loseNext = requireCount(count);
  }

  synchronized void delay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative but was " + delay);
    }
    this.delay = delay;
  }

  private static int requireCount(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative but was " + count);
    }
    return count;
  }

  synchronized void clear() {
    down = null;
    failNext = 0;
    flapping = null;
    loseNext = 0;
    delay = Duration.ZERO;
    if (hold != null) {
      hold.release();
      hold = null;
    }
  }
}
