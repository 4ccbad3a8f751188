package dev.codebasechat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Clock;

/**
 * The one place main code may touch the real clock: the default for builders whose caller did
 * not inject one. Everything else takes a {@link Clock} so tests control time.
 */
public final class SystemTime {
  private SystemTime() {}

  /** The system UTC clock. */
  @SuppressForbidden
  public static Clock clock() {
    return Clock.systemUTC();
  }

  /** Lets forbidden-apis accept the annotated member's use of a banned clock or sleep call. */
  @Retention(RetentionPolicy.CLASS)
  @Target({ElementType.METHOD, ElementType.TYPE, ElementType.CONSTRUCTOR})
  public @interface SuppressForbidden {}
}
