package dev.codebasechat.session.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A function of a later migration (or an argument it added) that the database answered it does not
 * have (PGRST202): calls fall back to the older form, and the newer one is tried again once {@link
 * #RECHECK} has passed, so a migration pushed while this process runs (or PostgREST's schema cache
 * catching up with one) is used from then on, without a restart. Thread-safe.
 */
public final class MissingFunction {
  /** How long the older form is used before the newer one is tried again. */
  public static final Duration RECHECK = Duration.ofMinutes(1);

  private static final long NEVER = Long.MIN_VALUE;

  private final Clock clock;
  private final AtomicLong missingSince = new AtomicLong(NEVER);

  public MissingFunction(Clock clock) {
    this.clock = clock;
  }

  /** Whether to call the newer form: never found missing, or found missing a while ago. */
  public boolean worthTrying() {
    long since = missingSince.get();
    return since == NEVER || clock.millis() - since >= RECHECK.toMillis();
  }

  /**
   * {@code newer}, unless the database was found without it less than {@link #RECHECK} ago; when
   * the database answers that it has no such function (PGRST202), {@code older}, after {@code
   * firstWarning} the first time. Other failures are {@code newer}'s.
   */
  public <T> CompletableFuture<T> newerOrOlder(
      Supplier<CompletableFuture<T>> newer,
      Supplier<CompletableFuture<T>> older,
      Runnable firstWarning) {
    if (!worthTrying()) {
      return older.get();
    }
    return newer
        .get()
        .exceptionallyCompose(
            failure -> {
              if (!Failures.isMissingFunction(failure)) {
                return CompletableFuture.failedFuture(failure);
              }
              if (foundMissing()) {
                firstWarning.run();
              }
              return older.get();
            });
  }

  /**
   * Records the database's answer that the function is missing; true when that is news (the first
   * time), for the one warning to log.
   */
  public boolean foundMissing() {
    return missingSince.getAndSet(clock.millis()) == NEVER;
  }
}
