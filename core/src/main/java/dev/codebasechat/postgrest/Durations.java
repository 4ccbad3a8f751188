package dev.codebasechat.postgrest;

import dev.codebasechat.DurationSettings;
import java.time.Duration;
import java.util.Objects;

/** Timeouts of the client: positive, and within what OkHttp takes (an int of milliseconds). */
final class Durations {
  private Durations() {}

  static Duration requirePositive(Duration d, String setting) {
    Objects.requireNonNull(d, () -> setting + " must not be null");
    DurationSettings.requirePositive(setting, d);
    if (d.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(setting + " must be at most 24 days but was " + d);
    }
    return d;
  }
}
