package dev.codebasechat.postgrest;

import dev.codebasechat.DurationSettings;
import java.time.Duration;
import java.util.Objects;

/** Timeouts of the client: positive, and within what OkHttp takes (an int of milliseconds). */
final class Durations {
  private Durations() {}

  static Duration requirePositive(String setting, Duration d) {
    Objects.requireNonNull(d, () -> setting + " must not be null");
    DurationSettings.requirePositive(setting, d);
    if (d.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(setting + " must be at most 24 days but was " + d);
    }
    return d;
  }
}
