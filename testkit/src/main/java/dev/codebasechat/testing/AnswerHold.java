package dev.codebasechat.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers held back by a test server ({@link SupabaseTestServer#holdAnswers()}, {@link
 * FakeSupabase#holdAnswers()}): each request is applied, then its answer waits until {@link
 * #release()}. For tests that need a request in flight for as long as they say, instead of a delay
 * that the machine may outrun or not. Thread-safe.
 */
public final class AnswerHold implements AutoCloseable {
  /** Longest an answer is held if a test forgets to release it. */
  private static final long SAFETY_MINUTES = 2;

  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger waiting = new AtomicInteger();

  AnswerHold() {}

  /** Called by the server on the thread that answers: waits while the hold is on. */
  void awaitRelease() {
    waiting.incrementAndGet();
    try {
      released.await(SAFETY_MINUTES, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waiting.decrementAndGet();
    }
  }

  /** How many answers are waiting now: requests the server has applied but not answered. */
  public int waiting() {
    return waiting.get();
  }

  /** Lets every held answer, and every later one, go. */
  public void release() {
    released.countDown();
  }

  @Override
  public void close() {
    release();
  }
}
