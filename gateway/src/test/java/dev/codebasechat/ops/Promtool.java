package dev.codebasechat.ops;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codebasechat.ops.Commands.Result;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Prometheus's {@code promtool}, found on the PATH, run with a bound on its time. */
final class Promtool {
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
    return Commands.run(command, Map.of(), Duration.ofSeconds(60));
  }
}
