package dev.codebasechat.session.internal;

import dev.codebasechat.resilience.Backoff;
import dev.codebasechat.resilience.internal.RemoteGuard;
import java.time.Duration;

/**
 * What the write-behind does with a write whose sending failed: a pure function of the failure and
 * how many attempts failed, so every rule is in one place and tested without a database.
 *
 * <ul>
 *   <li>The database is unavailable (connect error, timeout, a transient 5xx, 429, breaker open):
 *       the write stays pending and is retried after the backoff (or the database's {@code
 *       Retry-After}).
 *   <li>The database refused the owner's token (401): the write waits for the owner's next token
 *       (see {@link OwnerTokens} for when the service key may deliver it instead).
 *   <li>The database refused the write itself (another 4xx, a 5xx PostgreSQL gives for the request
 *       such as {@code XX000}, or the session is not the owner's): it is set aside with the reason,
 *       never retried.
 *   <li>Anything else (no answer of the database at all: a stopped scheduler, a bug): nothing says
 *       the write is wrong, so it stays pending and is tried again after the backoff.
 * </ul>
 *
 * Writes delivered with the service key (no owner's token) follow the same rules, except that a
 * refusal of the key itself leaves the write waiting for its owner. Immutable and thread-safe.
 */
public final class FailurePolicy {

  /** The decision. */
  public sealed interface Decision {
    /** Stays pending; sent again after {@code delay}. {@code expected}: the database is away. */
    record Retry(Duration delay, boolean expected) implements Decision {}

    /** Waits for the owner's next token (or, delivered with the service key, for the owner). */
    record WaitForToken(String reason) implements Decision {}

    /** Set aside for good with {@code reason}. */
    record SetAside(String reason) implements Decision {}
  }

  private final Backoff backoff;

  public FailurePolicy(Backoff backoff) {
    this.backoff = backoff;
  }

  /**
   * After attempt {@code attempt} to send a write with its owner's token failed with {@code
   * failure}.
   */
  public Decision ofOwnersWrite(Throwable failure, int attempt) {
    if (RemoteGuard.isUnavailable(failure)) {
      return new Decision.Retry(backoff.after(failure, attempt), true);
    }
    if (Failures.isTokenRefused(failure)) {
      return new Decision.WaitForToken(Failures.describe(failure));
    }
    if (!Failures.isAnswer(failure)) {
      return new Decision.Retry(backoff.after(attempt), false);
    }
    return new Decision.SetAside(Failures.describe(failure));
  }

  /**
   * After attempt {@code attempt} to deliver a write with the service key failed with {@code
   * failure}.
   */
  public Decision ofDeliveryWithoutOwner(Throwable failure, int attempt) {
    if (RemoteGuard.isUnavailable(failure)) {
      return new Decision.Retry(backoff.after(failure, attempt), true);
    }
    if (Failures.isRefusedContent(failure)) {
      return new Decision.SetAside(Failures.describe(failure));
    }
    // The database refused the service key's request as such (a wrong key, missing grants): as
    // the drain does, the write stays pending, for its owner's next token.
    return new Decision.WaitForToken(
        "waiting for the owner: the service key was refused (" + Failures.describe(failure) + ")");
  }

  /** When a write the database left out of its answer is sent again. */
  public Duration afterNoAnswer(int attempt) {
    return backoff.after(attempt);
  }
}
