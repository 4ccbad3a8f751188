package dev.codebasechat.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end, within a bound, and keeps what it printed. */
final class Commands {
  /** What a command printed on standard output and on standard error, and its exit status. */
  record Result(int exit, String out, String err) {
    /** Standard output and error, for a failure's message. */
    String output() {
      return out + (err.isEmpty() ? "" : "\n" + err);
    }

    Result orFail(String what) {
      if (exit != 0) {
        throw new AssertionError(what + " failed with exit status " + exit + ":\n" + output());
      }
      return this;
    }
  }

  private Commands() {}

  /**
   * Runs {@code command} with {@code environment} added to this process's own, its input closed.
   *
   * @throws UncheckedIOException if the program cannot be started (not installed)
   * @throws AssertionError if it runs longer than {@code timeout} (it is killed)
   */
  static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      CompletableFuture<byte[]> err =
          CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command.get(0) + " did not finish within " + timeout);
      }
      return new Result(
          process.exitValue(),
          new String(out, StandardCharsets.UTF_8).strip(),
          new String(err.join(), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A line of bash, for what only the shell tells (hard limits, installed commands). */
  static Result bash(String line) {
    return run(List.of("bash", "-c", line), Map.of(), Duration.ofSeconds(10));
  }

  private static byte[] readAll(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
