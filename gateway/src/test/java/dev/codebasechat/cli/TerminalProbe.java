package dev.codebasechat.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Writes whether this process's standard error is a terminal to the file its argument names. */
final class TerminalProbe {
  private TerminalProbe() {}

  public static void main(String[] args) throws Exception {
    Files.writeString(Path.of(args[0]), Boolean.toString(StandardError.isTerminal()));
  }
}
