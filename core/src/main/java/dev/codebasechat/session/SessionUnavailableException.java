package dev.codebasechat.session;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The database is unreachable (or the circuit breaker is open) and this process holds no copy of
 * what was asked that it may give to this caller. Never replaced by an empty answer: retry later.
 */
public final class SessionUnavailableException extends SessionException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Duration retryAfter;

  public SessionUnavailableException(String what, @Nullable Duration retryAfter, Throwable cause) {
    super(what + " is temporarily unavailable: the database cannot be reached", cause);
    this.retryAfter = retryAfter;
  }

  /** A suggested wait before trying again. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
