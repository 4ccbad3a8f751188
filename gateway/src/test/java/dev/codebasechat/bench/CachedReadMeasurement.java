package dev.codebasechat.bench;

import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Series;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Measurement 4: runs {@link CachedReadBenchmark} with JMH (one fork, its own JVM) and the GC
 * profiler, and reports time and allocation per read for the store and the bare lookup.
 */
public final class CachedReadMeasurement {

  private CachedReadMeasurement() {}

  record Score(String benchmark, double nanos, double error, double bytesPerOp) {}

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = BenchSupport.Options.parse(args);
    Options jmh =
        new OptionsBuilder()
            .include(CachedReadBenchmark.class.getName())
            .forks(1)
            .warmupIterations(options.quick() ? 2 : 3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(options.quick() ? 3 : 8)
            .measurementTime(TimeValue.seconds(1))
            .threads(1)
            .addProfiler(GCProfiler.class)
            .jvmArgsAppend(
                "-Dlogback.configurationFile="
                    + System.getProperty("logback.configurationFile", ""))
            .build();
    Collection<RunResult> results = new Runner(jmh).run();
    Map<String, Score> scores = new LinkedHashMap<>();
    for (RunResult run : results) {
      String name = run.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      Result<?> primary = run.getPrimaryResult();
      Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
      scores.put(
          name,
          new Score(
              name,
              primary.getScore(),
              primary.getScoreError(),
              alloc == null ? Double.NaN : alloc.getScore()));
    }
    Score ours = scores.get("storeCachedHistory");
    Score bare = scores.get("bareGuavaGetIfPresent");
    double ratio = ours.nanos() / bare.nanos();
    Map<String, Double> figures = new LinkedHashMap<>();
    List<List<String>> rows = new ArrayList<>();
    for (Score s : List.of(ours, bare)) {
      rows.add(
          List.of(
              s.benchmark().equals("storeCachedHistory")
                  ? "ours: SessionStore.history (cache hit)"
                  : "bare Guava getIfPresent (floor)",
              String.format(Locale.ROOT, "%.1f ± %.1f ns", s.nanos(), s.error()),
              String.format(Locale.ROOT, "%.0f B", s.bytesPerOp()),
              BenchSupport.ratio(s.nanos() / bare.nanos())));
      figures.put(s.benchmark() + ".ns", s.nanos());
      figures.put(s.benchmark() + ".errorNs", s.error());
      figures.put(s.benchmark() + ".bytesPerOp", s.bytesPerOp());
    }
    figures.put("ratio", ratio);
    BenchSupport.write(
        new MeasurementResult(
            "cached-read",
            "4. Cached history read against a bare Guava lookup (JMH)",
            "JMH 1.37, average time, 1 fork, "
                + (options.quick() ? "2 × 1 s warm-up, 3 × 1 s" : "3 × 1 s warm-up, 8 × 1 s")
                + " measurement, 1 thread, GC profiler; a 50-message session written through FakeSupabase and read back"
                + " once, so the cache holds the database's copy and nothing is pending. The bare cache is built like the"
                + " store's (weight bound, idle expiry, statistics) and returns the same ChatSession object.",
            List.of(
                new ResultTable(
                    "one read, one thread",
                    List.of("read", "time per read", "allocated per read", "÷ bare lookup"),
                    rows)),
            List.of(
                new GoalCheck(
                    "within 3× of the bare cache lookup",
                    BenchSupport.ratio(ratio)
                        + " ("
                        + String.format(
                            Locale.ROOT, "%.1f ns vs %.1f ns", ours.nanos(), bare.nanos())
                        + ")",
                    Verdict.of(ratio <= 3),
                    ratio <= 3
                        ? ""
                        : String.format(
                            Locale.ROOT,
                            "%.0f B allocated per read against %.0f B: see the notes.",
                            ours.bytesPerOp(),
                            bare.bytesPerOp()))),
            List.of(
                "What a hit costs beyond the lookup: the caller's token is remembered (a second cache lookup), the owner is"
                    + " checked, the breaker's state read (a degraded answer says so), pending writes looked up, and a SessionRead"
                    + " allocated. SessionStore.history answers a hit without a CompletableFuture and the caches' ticker reads"
                    + " Clock.millis(), which allocates nothing; before those two changes this benchmark measured 3.06× (182 ns,"
                    + " 96 B per read, on 2026-11-24)."),
            List.of(
                new Chart(
                    "cached-read.svg",
                    "Cached history read, ns per read",
                    "ns",
                    false,
                    List.of("time per read"),
                    List.of(
                        new Series("ours", List.of(ours.nanos())),
                        new Series("bare Guava", List.of(bare.nanos()))))),
            figures),
        options.out());
    BenchSupport.exit();
  }
}
