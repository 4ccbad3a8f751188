package dev.codebasechat.resilience;

import java.time.Duration;

/**
 * A call to the database did not end within the time its caller may wait ({@link
 * RemoteGuard#call(java.util.function.Supplier, Duration)}): the database is too slow or does not
 * answer. Counts as unavailability: transient for the retry and a failure for the circuit breaker.
 * Carries no stack trace (it is expected and frequent while the database hangs).
 */
public final class DeadlineExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(Duration deadline) {
    super("the database did not answer within " + deadline.toMillis() + " ms", null, false, false);
  }
}
