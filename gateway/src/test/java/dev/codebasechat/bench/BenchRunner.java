package dev.codebasechat.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole issue-7 benchmark set, run by {@code scripts/bench [--quick] [--only id,id]}: each
 * measurement in a child JVM of its own (isolation: JIT state, heap, threads; the memory
 * measurement needs a clean heap, JMH forks once more), one after the other, each writing its
 * {@link MeasurementResult} as JSON. Then the report: the tables between the markers of {@code
 * BENCHMARKS.md}, SVG charts and the raw {@code results.json} in {@code docs/bench/}. A {@code
 * --quick} run is a smoke test: shorter loads, written to {@code target/bench/} only, like a
 * partial ({@code --only}) run. Exits non-zero when a measurement failed (the others are still
 * reported).
 */
public final class BenchRunner {

  /** A measurement: its id (result file name), main class and extra JVM options. */
  record Step(String id, Class<?> main, List<String> jvmOptions) {}

  static final List<Step> STEPS =
      List.of(
          new Step("bytes", WireBytesMeasurement.class, List.of("-Xmx2g")),
          new Step("writes", WriteLoadMeasurement.class, List.of("-Xmx1g")),
          new Step("outage", OutageLatencyMeasurement.class, List.of("-Xmx1g")),
          new Step("cached-read", CachedReadMeasurement.class, List.of("-Xmx512m")),
          new Step("gateway", GatewayThroughputMeasurement.class, List.of("-Xmx512m")),
          new Step("memory", CacheMemoryMeasurement.class, List.of("-Xmx2g", "-XX:+UseSerialGC")),
          new Step("chat500", ChatWithoutReadsMeasurement.class, List.of("-Xmx1g")),
          new Step("instances", InstancesMeasurement.class, List.of("-Xmx1g")));

  private BenchRunner() {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Set<String> only = Set.of();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> only = Set.of(args[++i].split(","));
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "; usage: scripts/bench [--quick] [--only id,id]");
      }
    }
    Machine machine = Machine.current();
    long start = System.nanoTime();
    Path work = Path.of("target", "bench");
    Files.createDirectories(work);
    Map<String, Double> seconds = new LinkedHashMap<>();
    List<MeasurementResult> results = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (Step step : STEPS) {
      if (!only.isEmpty() && !only.contains(step.id())) {
        continue;
      }
      Path out = work.resolve(step.id() + ".json");
      Files.deleteIfExists(out);
      System.out.println("== " + step.id() + " (" + step.main().getSimpleName() + ")");
      long t0 = System.nanoTime();
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.addAll(step.jvmOptions());
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
              "-Dpostgres.binaries.dir="
                  + System.getProperty("postgres.binaries.dir", "target/postgres-binaries")));
      command.add(step.main().getName());
      if (quick) {
        command.add("--quick");
      }
      command.addAll(List.of("--out", out.toString()));
      int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
      seconds.put(step.id(), (System.nanoTime() - t0) / 1e9);
      System.out.printf("== %s: exit %d after %.0f s%n", step.id(), exit, seconds.get(step.id()));
      if (exit != 0 || !Files.exists(out)) {
        failed.add(step.id());
        continue;
      }
      results.add(BenchSupport.read(out));
    }
    double wall = (System.nanoTime() - start) / 1e9;
    // A quick or partial run must not replace the committed charts and raw figures of a full run.
    boolean partial = quick || !only.isEmpty();
    Path chartDir = partial ? work : Path.of("docs", "bench");
    Files.createDirectories(chartDir);
    for (MeasurementResult r : results) {
      for (MeasurementResult.Chart c : r.charts()) {
        Files.writeString(chartDir.resolve(c.file()), SvgChart.render(c), StandardCharsets.UTF_8);
      }
    }
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("machine", machine);
    raw.put("wallSeconds", wall);
    raw.put("secondsPerMeasurement", seconds);
    raw.put("failed", failed);
    raw.put("results", results);
    Files.writeString(
        chartDir.resolve("results.json"),
        BenchSupport.JSON.writeValueAsString(raw),
        StandardCharsets.UTF_8);
    String command =
        "scripts/bench"
            + (quick ? " --quick" : "")
            + (only.isEmpty() ? "" : " --only " + String.join(",", only));
    BenchmarkReport report =
        new BenchmarkReport(
            machine, command, wall, results, partial ? work.toString() : "docs/bench");
    String generated = report.markdown();
    if (!failed.isEmpty()) {
      generated +=
          "Not reported: " + String.join(", ", failed) + " (the run failed; see its output).\n\n";
    }
    if (partial) {
      Path md = work.resolve("BENCHMARKS.generated.md");
      Files.writeString(md, generated, StandardCharsets.UTF_8);
      System.out.println("quick or partial run: report in " + md + " (BENCHMARKS.md left alone)");
    } else {
      Path md = Path.of("BENCHMARKS.md");
      write(
          md,
          BenchmarkReport.replaceGenerated(
              Files.readString(md, StandardCharsets.UTF_8), generated));
      System.out.println("BENCHMARKS.md and " + chartDir + " rewritten");
    }
    System.out.printf("whole run: %.1f min%n", wall / 60);
    if (!failed.isEmpty()) {
      System.err.println("failed: " + failed);
      System.exit(1);
    }
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
