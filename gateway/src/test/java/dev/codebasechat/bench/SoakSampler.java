package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.e2e.GatewayProcess;
import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.testing.SupabaseTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;

/**
 * What the soak records of the gateway processes and the data once a minute. Per instance: the heap
 * after a full collection (asked for with {@code jcmd <pid> GC.run}, then read from its {@code
 * /metrics}), resident memory and threads ({@code /proc/<pid>/status}), open file descriptors
 * ({@code /proc/<pid>/fd}), pending and set-aside writes ({@code /readyz}). Of the data: the
 * journals' files and the database's session tables (with indexes and TOAST). An instance that does
 * not answer (killed a moment ago) gives NaN.
 */
final class SoakSampler {
  /** One minute's figures; per-instance lists in instance order. */
  record Sample(
      int minute,
      List<Double> heapAfterGcMiB,
      List<Double> rssMiB,
      List<Double> threads,
      List<Double> openFiles,
      List<Double> pendingWrites,
      List<Double> setAsideWrites,
      double journalKiB,
      double tableMiB) {}

  private final AtomicReferenceArray<GatewayProcess> gateways;
  private final List<Path> dataDirs;
  private final SupabaseTestServer supabase;
  private final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");

  SoakSampler(
      AtomicReferenceArray<GatewayProcess> gateways,
      List<Path> dataDirs,
      SupabaseTestServer supabase) {
    this.gateways = gateways;
    this.dataDirs = List.copyOf(dataDirs);
    this.supabase = supabase;
  }

  Sample sample(int minute) {
    List<Double> heap = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> threads = new ArrayList<>();
    List<Double> files = new ArrayList<>();
    List<Double> pending = new ArrayList<>();
    List<Double> setAside = new ArrayList<>();
    for (int i = 0; i < gateways.length(); i++) {
      GatewayProcess gateway = gateways.get(i);
      heap.add(guard(() -> heapAfterGc(gateway)));
      rss.add(guard(() -> status(gateway.pid(), "VmRSS") / 1024.0));
      threads.add(guard(() -> status(gateway.pid(), "Threads")));
      files.add(guard(() -> openFiles(gateway.pid())));
      JsonNode readiness = readiness(gateway);
      pending.add(readiness.path("pendingWrites").asDouble(Double.NaN));
      setAside.add(readiness.path("setAsideWrites").asDouble(Double.NaN));
    }
    double tableBytes =
        supabase
            .queryOneAsOwner(
                "select pg_total_relation_size('public.codebase_chat_sessions')"
                    + " + pg_total_relation_size('public.codebase_chat_messages')")
            .map(Double::parseDouble)
            .orElse(Double.NaN);
    return new Sample(
        minute,
        heap,
        rss,
        threads,
        files,
        pending,
        setAside,
        journalBytes() / 1024.0,
        tableBytes / 1024 / 1024);
  }

  private double heapAfterGc(GatewayProcess gateway) throws IOException, InterruptedException {
    Process gc =
        new ProcessBuilder(jcmd.toString(), Long.toString(gateway.pid()), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!gc.waitFor(60, TimeUnit.SECONDS) || gc.exitValue() != 0) {
      gc.destroyForcibly();
      return Double.NaN;
    }
    String metrics =
        gateway.client().send("GET", "/metrics", Optional.empty(), Optional.empty()).text();
    return metrics
            .lines()
            .filter(line -> line.startsWith("jvm_memory_used_bytes{area=\"heap\""))
            .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
            .sum()
        / 1024
        / 1024;
  }

  private static double status(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Double.parseDouble(line.replaceAll("[^0-9]", ""));
      }
    }
    return Double.NaN;
  }

  private static double openFiles(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }

  private static JsonNode readiness(GatewayProcess gateway) {
    try {
      return new GatewayClient(gateway.port())
          .send("GET", "/readyz", Optional.empty(), Optional.empty())
          .json();
    } catch (RuntimeException | AssertionError e) {
      return BenchSupport.JSON.createObjectNode();
    }
  }

  private long journalBytes() {
    long bytes = 0;
    for (Path dir : dataDirs) {
      try (Stream<Path> files = Files.list(dir)) {
        bytes +=
            files
                .filter(f -> f.getFileName().toString().startsWith("journal.db"))
                .mapToLong(SoakSampler::size)
                .sum();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return bytes;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0; // removed in between (a checkpoint's files come and go)
    }
  }

  /** A figure that may not be readable (the process just died or restarts): NaN then. */
  private static double guard(Figure figure) {
    try {
      return figure.read();
    } catch (IOException | RuntimeException | AssertionError e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  private interface Figure {
    double read() throws IOException, InterruptedException;
  }
}
