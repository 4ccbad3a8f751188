package dev.codebasechat.testing.internal;

import dev.codebasechat.testing.AnswerHold;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A gate that answering threads wait at until it is released (at most two minutes). */
final class Hold implements AnswerHold {
  /** Longest an answer is held if a test forgets to release it. */
  private static final long SAFETY_MINUTES = 2;

  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger waiting = new AtomicInteger();

  /** Waits while the hold is on; called on the thread that answers. */
  void await() {
    await(Duration.ofMinutes(SAFETY_MINUTES));
  }

  /** Waits while the hold is on, {@code atMost} (and two minutes at most). */
  void await(Duration atMost) {
    waiting.incrementAndGet();
    try {
      released.await(
          Math.min(atMost.toNanos(), TimeUnit.MINUTES.toNanos(SAFETY_MINUTES)),
          TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waiting.decrementAndGet();
    }
  }

  @Override
  public int waiting() {
    return waiting.get();
  }

  @Override
  public void release() {
    released.countDown();
  }
}
