package dev.codebasechat.ops;

import dev.codebasechat.ops.Commands.Result;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code podman} command line, and the options this machine's containers need, found at run
 * time rather than set in the machine's configuration.
 */
final class Podman {
  private Podman() {}

  static boolean installed() {
    try {
      return run("--version").exit() == 0;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /**
   * Runs {@code podman arguments...}; {@code environment} is added to podman's own (where {@code -e
   * NAME} without a value takes it from, which keeps keys off the command line).
   */
  static Result run(Map<String, String> environment, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(arguments));
    return Commands.run(command, environment, Duration.ofMinutes(2));
  }

  static Result run(String... arguments) {
    return run(Map.of(), arguments);
  }

  /**
   * What {@code podman run} needs here. runc where it is installed: crun, podman's usual runtime,
   * refuses hosts with cgroup v1 in hybrid mode. Open-file and process limits no higher than this
   * host's hard limits, which podman's defaults exceed (the container then fails to start).
   */
  static List<String> runOptions() {
    List<String> options = new ArrayList<>();
    if (Commands.bash("command -v runc").exit() == 0) {
      options.addAll(List.of("--runtime", "runc"));
    }
    String files = Commands.bash("ulimit -Hn").out();
    if (files.matches("\\d+")) {
      options.addAll(List.of("--ulimit", "nofile=" + files + ":" + files));
    }
    // The kernel's pid_max bounds it too: runc fails to set more (seen: hard limit 96 367,
    // pid_max 32 768).
    String processes =
        Commands.bash(
                "l=$(ulimit -Hu); m=$(cat /proc/sys/kernel/pid_max);"
                    + " [ \"$l\" = unlimited ] && l=$m; echo $((l < m ? l : m))")
            .out();
    if (processes.matches("\\d+")) {
      options.addAll(List.of("--ulimit", "nproc=" + processes + ":" + processes));
    }
    return options;
  }
}
