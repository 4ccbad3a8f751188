package dev.codebasechat.ops;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Prometheus's {@code promtool}, found on the PATH, run with a bound on its time. */
final class Promtool {
  /** What a run printed (standard output and error together) and its exit status. */
  record Result(int exit, String output) {}

  private Promtool() {}

  static Optional<Path> find() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "promtool");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The promtool on the PATH; where there is none the calling test is skipped (not passed) with a
   * message saying how to install it.
   */
  static Path require() {
    Optional<Path> promtool = find();
    assumeTrue(
        promtool.isPresent(),
        "promtool is not installed, so the alert rules were NOT checked: install it with"
            + " `apt-get install -y --no-install-recommends prometheus` (Debian) or from"
            + " prometheus.io, as .ci/run does");
    return promtool.get();
  }

  static Result run(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(require().toString());
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("promtool did not finish within 60 s: " + command);
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
