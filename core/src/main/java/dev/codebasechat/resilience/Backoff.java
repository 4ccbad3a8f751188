package dev.codebasechat.resilience;

import java.time.Duration;

/** How long to wait before trying again, after a number of failed attempts. */
public interface Backoff {

  /** The wait before attempt {@code attempt + 1} (attempt 1 is the first). */
  Duration after(int attempt);

  /**
   * The wait after {@code failure} ended attempt {@code attempt}: what the database asked for
   * ({@code Retry-After}) when it did, else {@link #after(int)}.
   */
  Duration after(Throwable failure, int attempt);
}
