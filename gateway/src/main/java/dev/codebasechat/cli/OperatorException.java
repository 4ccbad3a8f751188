package dev.codebasechat.cli;

/**
 * A command could not do its job; the message is the one line shown to the operator (it never holds
 * a secret) and {@link #exitCode()} the process's exit status.
 */
final class OperatorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The command failed. */
  static final int FAILURE = 1;

  /** The command was used wrongly (options, arguments, settings). */
  static final int USAGE = 2;

  private final int exitCode;

  OperatorException(String message) {
    this(FAILURE, message);
  }

  OperatorException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
