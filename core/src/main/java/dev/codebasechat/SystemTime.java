package dev.codebasechat;

import java.time.Clock;

/**
 * The one place main code may touch the real clock: the default for builders whose caller did not
 * inject one. Everything else takes a {@link Clock} so tests control time.
 */
public final class SystemTime {
  private SystemTime() {}

  /** The system UTC clock. */
  @SuppressForbidden
  public static Clock clock() {
    return Clock.systemUTC();
  }
}
