package dev.codebasechat.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's standard error is a terminal, which decides how {@code drain} shows its
 * progress. Java 17's {@link System#console()} answers for standard input and output, not for
 * standard error: {@code drain 2> drain.log} would write a bar redrawn with carriage returns into
 * the log, and {@code drain | tee report} would show plain lines on a terminal. Stateless.
 */
final class StandardError {

  /** Where Linux names the file behind descriptor 2. */
  private static final Path DESCRIPTOR = Path.of("/proc/self/fd/2");

  private StandardError() {}

  /**
   * Whether standard error is a terminal device. Where {@code /proc} does not name it (not Linux),
   * whether the JVM has a console.
   */
  static boolean isTerminal() {
    try {
      return isTerminalDevice(Files.readSymbolicLink(DESCRIPTOR).toString());
    } catch (IOException | UnsupportedOperationException | SecurityException notNamed) {
      return System.console() != null;
    }
  }

  /** Whether {@code file}, as {@code /proc} names an open file, is a terminal device. */
  static boolean isTerminalDevice(String file) {
    return file.startsWith("/dev/pts/")
        || file.startsWith("/dev/tty")
        || file.equals("/dev/console");
  }
}
