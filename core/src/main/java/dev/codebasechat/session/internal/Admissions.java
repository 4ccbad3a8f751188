package dev.codebasechat.session.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The store's writes between their admission and their answer, so that closing refuses new ones and
 * waits for those already admitted before it flushes: a write admitted just before the close and
 * recorded just after it would otherwise be acknowledged into an outbox nothing sends. The wait is
 * bounded in real time, as the close is. Thread-safe.
 */
public final class Admissions {
  private boolean closed; // guarded by this
  private int inProgress; // guarded by this

  /** Completed once closing began and no admitted write is left unanswered. */
  private final CompletableFuture<Void> allAnswered = new CompletableFuture<>();

  /**
   * {@code write} started, and its future, unless closing began: then a future failed with {@link
   * IllegalStateException}, and {@code write} is not started.
   */
  public <T> CompletableFuture<T> admit(Supplier<CompletableFuture<T>> write) {
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("this session store is closed: it takes no more writes"));
      }
      inProgress++;
    }
    CompletableFuture<T> answer;
    try {
      answer = write.get();
    } catch (RuntimeException e) {
      answered();
      throw e;
    }
    var unused = answer.whenComplete((value, failure) -> answered());
    return answer;
  }

  private void answered() {
    synchronized (this) {
      inProgress--;
      if (!closed || inProgress > 0) {
        return;
      }
    }
    allAnswered.complete(null);
  }

  /**
   * Refuses every write from now on, then waits at most {@code timeout} (real time) for the writes
   * admitted before to be answered.
   *
   * @return false if closing had begun already (nothing is done then)
   */
  public boolean close(Duration timeout) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      closed = true;
      if (inProgress == 0) {
        allAnswered.complete(null);
      }
    }
    try {
      allAnswered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // Waited long enough: the close goes on and reports what is still pending.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }
}
