package dev.codebasechat.postgrest;

import java.time.Duration;
import java.util.Objects;

final class Durations {
  private Durations() {}

  static Duration requirePositive(Duration d, String setting) {
    Objects.requireNonNull(d, () -> setting + " must not be null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive but was " + d);
    }
    if (d.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(setting + " must be at most 24 days but was " + d);
    }
    return d;
  }
}
