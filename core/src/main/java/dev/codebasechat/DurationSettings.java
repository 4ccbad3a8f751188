package dev.codebasechat;

import java.time.Duration;

/**
 * The one rule every builder of the project applies to a duration setting (timeouts, windows,
 * intervals): it must be positive. Stateless and thread-safe.
 */
public final class DurationSettings {
  private DurationSettings() {}

  /**
   * Returns {@code value}.
   *
   * @throws IllegalArgumentException naming {@code setting} when {@code value} is zero or negative
   */
  public static Duration requirePositive(String setting, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive but was " + value);
    }
    return value;
  }
}
