package dev.codebasechat.testing.internal;

import dev.codebasechat.testing.Outage;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The faults currently asked for. Thread-safe: each request consults it once through {@link
 * #outageForNextRequest} under the plan's monitor, so counted faults are consumed by exactly as
 * many requests even when Jetty serves several at once. Requests left without an answer ({@link
 * Outage#NO_ANSWER}) wait on a hold of their own, released when the outage ends.
 */
public final class FaultPlan {

  private @Nullable Outage down;
  private int failNext;
  private Outage failNextKind = Outage.DATABASE_UNAVAILABLE;
  private @Nullable Outage flapping;
  private boolean flapFailsNext;
  private int loseNext;
  private Duration delay = Duration.ZERO;
  private @Nullable Hold hold;
  private Hold hanging = new Hold();

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
  public synchronized dev.codebasechat.testing.AnswerHold hold() {
    if (hold != null) {
      hold.release();
    }
    hold = new Hold();
    return hold;
  }

  /** Waits until the current {@link Outage#NO_ANSWER} ends (called on the answering thread). */
  void awaitAnswerAllowed() {
    Hold current;
    synchronized (this) {
      current = hanging;
    }
    current.await();
  }

  /** Waits while an answer hold is on (called on the answering thread, outside this monitor). */
  void awaitHeld() {
    Hold current;
    synchronized (this) {
      current = hold;
    }
    if (current != null) {
      current.await();
    }
  }

  public synchronized void down(@Nullable Outage outage) {
    if (down == Outage.NO_ANSWER && outage != Outage.NO_ANSWER) {
      releaseHanging();
    }
    down = outage;
  }

  private void releaseHanging() {
    hanging.release();
    hanging = new Hold();
  }

  public synchronized boolean isDown() {
    return down != null;
  }

  public synchronized void failNext(int count, Outage kind) {
    failNext = requireCount(count);
    failNextKind = kind;
  }

  public synchronized void flapping(@Nullable Outage kind) {
    flapping = kind;
    flapFailsNext = true;
  }

  public synchronized void loseNext(int count) {
    loseNext = requireCount(count);
  }

  public synchronized void delay(Duration delay) {
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

  public synchronized void clear() {
    releaseHanging();
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
