package dev.codebasechat.resilience;

import java.util.Locale;

/**
 * The state of the circuit breaker in front of the database, in this project's words (the breaker's
 * library is an implementation detail).
 */
public enum BreakerState {
  /** Calls go to the database. */
  CLOSED,
  /** A few trial calls go to the database, to learn whether it is back. */
  HALF_OPEN,
  /** Calls are refused at once, without the network: the database recently kept failing. */
  OPEN;

  /**
   * The lower-case name operators see, e.g. in {@code /readyz}: {@code closed}, {@code half_open},
   * {@code open}.
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
