package dev.codebasechat.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where another JVM spends its time, by category: either from Java Flight Recorder's execution
 * samples ({@link #recordFlight}, not biased to safepoints: the threads running Java code every 10
 * ms) or from thread dumps ({@link #sample}, which also see threads waiting for a lock). Each
 * sampled stack goes to the first category any of its frames matches; idle threads (waiting for
 * work or for the network) are left out. Used to say, measured, why a figure is what it is.
 */
final class StackSampler {

  /** A category: a name and the frame prefixes that put a thread in it. */
  record Category(String name, List<String> framePrefixes, boolean includeWaiting) {}

  private final long pid;
  private final List<Category> categories;
  private final Map<String, Integer> counts = new LinkedHashMap<>();
  private int samples;

  StackSampler(long pid, List<Category> categories) {
    this.pid = pid;
    this.categories = categories;
    categories.forEach(c -> counts.put(c.name(), 0));
    counts.put("other", 0);
  }

  /**
   * Records {@code seconds} of the target with JFR (profile settings) and counts its execution
   * samples, full stacks.
   */
  void recordFlight(int seconds, java.nio.file.Path file) throws IOException, InterruptedException {
    run(
        "jcmd",
        String.valueOf(pid),
        "JFR.start",
        "name=bench",
        "settings=profile",
        "duration=" + seconds + "s",
        "filename=" + file.toAbsolutePath());
    BenchSupport.sleepMillis(seconds * 1000L + 1500);
    String printed =
        run(
            "jfr",
            "print",
            "--stack-depth",
            "96",
            "--events",
            "jdk.ExecutionSample",
            file.toAbsolutePath().toString());
    for (String event : printed.split("jdk.ExecutionSample \\{")) {
      int stack = event.indexOf("stackTrace = [");
      if (stack < 0) {
        continue;
      }
      samples++;
      StringBuilder thread =
          new StringBuilder("\"sampled\"\n   java.lang.Thread.State: RUNNABLE\n");
      for (String line : event.substring(stack).split("\n")) {
        String frame = line.trim();
        if (!frame.isEmpty()
            && !frame.startsWith("stackTrace")
            && !frame.startsWith("]")
            && !frame.equals("...")) {
          thread.append("\tat ").append(frame).append('\n');
        }
      }
      classify(thread.toString());
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(
          String.join(" ", command) + " failed: " + out.lines().findFirst().orElse(""));
    }
    return out;
  }

  /** Takes one thread dump and counts its busy threads. */
  void sample() throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder("jcmd", String.valueOf(pid), "Thread.print")
            .redirectErrorStream(true)
            .start();
    String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor();
    samples++;
    for (String thread : dump.split("\n\n")) {
      classify(thread);
    }
  }

  void classify(String thread) {
    if (!thread.startsWith("\"")) {
      return;
    }
    boolean runnable = thread.contains("java.lang.Thread.State: RUNNABLE");
    List<String> frames = new ArrayList<>();
    for (String line : thread.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("at ")) {
        frames.add(trimmed.substring(3));
      }
    }
    if (frames.isEmpty()) {
      return;
    }
    for (Category category : categories) {
      if (!runnable && !category.includeWaiting()) {
        continue;
      }
      for (String frame : frames) {
        for (String prefix : category.framePrefixes()) {
          if (frame.startsWith(prefix)) {
            counts.merge(category.name(), 1, Integer::sum);
            return;
          }
        }
      }
    }
    String top = frames.get(0);
    boolean idle =
        !runnable
            || top.startsWith("sun.nio.ch.EPoll")
            || top.startsWith("sun.nio.ch.Net.accept")
            || top.startsWith("java.lang.ref.Reference")
            || top.contains("socketRead")
            || top.startsWith("sun.nio.ch.SelectorImpl");
    if (!idle) {
      counts.merge("other", 1, Integer::sum);
    }
  }

  /** Busy-thread samples per category, in the order given, then "other". */
  Map<String, Integer> counts() {
    return counts;
  }

  int samples() {
    return samples;
  }

  /** "name 45 %, name 30 %, …" over the busy samples. */
  String summary() {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    if (total == 0) {
      return "no busy threads sampled";
    }
    List<String> parts = new ArrayList<>();
    counts.forEach(
        (name, n) -> {
          if (n > 0) {
            parts.add(String.format(java.util.Locale.ROOT, "%s %.0f %%", name, 100.0 * n / total));
          }
        });
    return String.join(", ", parts) + " (" + total + " samples)";
  }
}
