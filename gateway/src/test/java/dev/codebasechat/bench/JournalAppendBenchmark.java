package dev.codebasechat.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.sqlite.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongUnaryOperator;

/**
 * Latency of acknowledging one chat message, per durability level, in one run: {@link
 * SqliteJournal#append} with {@link Durability#FULL} and {@link Durability#PROCESS_CRASH_SAFE},
 * {@link LocalSessionTable#append} (the embedded default's write path) with both levels, and an
 * in-memory baseline (a synchronised list append of the same bytes, roughly what the store's
 * in-memory outbox costs today). Single thread, one message per call, a ~350-byte JSON payload. Not
 * a test: run with {@code scripts/bench-journal [samples]}; prints a Markdown table.
 */
public final class JournalAppendBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID OWNER = UUID.fromString("00000000-0000-0000-0000-0000000000be");
  private static final int WARMUP = 300;

  private JournalAppendBenchmark() {}

  public static void main(String[] args) throws IOException {
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    Path dir = Files.createTempDirectory(Path.of("target"), "bench-journal-");
    byte[] payload = message(0).toString().getBytes(UTF_8);
    System.out.printf(
        Locale.ROOT,
        "payload %d bytes, %d samples after %d warm-up calls, files in %s%n%n",
        payload.length,
        samples,
        WARMUP,
        dir.toAbsolutePath());
    System.out.println("| what | durability | median | p99 | mean |");
    System.out.println("|---|---|---:|---:|---:|");

    List<byte[]> memory = new ArrayList<>();
    print(
        "in-memory list append (baseline)",
        "none (lost on crash)",
        measure(
            samples,
            i -> {
              synchronized (memory) {
                memory.add(payload.clone());
                return memory.size();
              }
            }));
    for (Durability durability :
        new Durability[] {Durability.PROCESS_CRASH_SAFE, Durability.FULL}) {
      try (Journal journal =
          SqliteJournal.builder()
              .path(dir.resolve("journal-" + durability + ".db"))
              .durability(durability)
              .build()) {
        print(
            "SqliteJournal.append",
            label(durability),
            measure(
                samples,
                i ->
                    journal.append(
                        "chat-1705622400000-bench" + (i % 8), OWNER, "append", payload)));
      }
    }
    System.out.println();
    System.out.println(
        "| 8 threads appending at once | durability | appends/s | median per call | p99 per call |");
    System.out.println("|---|---|---:|---:|---:|");
    for (Durability durability :
        new Durability[] {Durability.PROCESS_CRASH_SAFE, Durability.FULL}) {
      try (Journal journal =
          SqliteJournal.builder()
              .path(dir.resolve("journal-threads-" + durability + ".db"))
              .durability(durability)
              .build()) {
        concurrent(journal, payload, samples, label(durability));
      }
    }
    System.out.println();
    System.out.println("| what | durability | median | p99 | mean |");
    System.out.println("|---|---|---:|---:|---:|");
    for (Durability durability :
        new Durability[] {Durability.PROCESS_CRASH_SAFE, Durability.FULL}) {
      try (LocalSessionTable table =
          LocalSessionTable.builder()
              .path(dir.resolve("sessions-" + durability + ".db"))
              .durability(durability)
              .build()) {
        print(
            "LocalSessionTable.append (1 message)",
            label(durability),
            measure(
                samples,
                i -> {
                  ArrayNode batch = JSON.createArrayNode().add(message(i));
                  return table
                      .append(
                          OWNER,
                          "chat-1705622400000-bench" + (i % 8),
                          batch,
                          Optional.empty(),
                          Optional.empty())
                      .version();
                }));
      }
    }
  }

  /** 8 threads released together, each making {@code samples / 8} appends to its own key. */
  private static void concurrent(Journal journal, byte[] payload, int samples, String label) {
    int threads = 8;
    int perThread = Math.max(1, samples / threads);
    double[][] times = new double[threads][];
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                times[index] =
                    measure(
                        perThread, i -> journal.append("key-" + index, OWNER, "append", payload));
              });
      workers.add(worker);
      worker.start();
    }
    long begin = System.nanoTime();
    start.countDown();
    for (Thread worker : workers) {
      try {
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    double seconds = (System.nanoTime() - begin) / 1e9;
    double[] all = Arrays.stream(times).flatMapToDouble(Arrays::stream).sorted().toArray();
    // Each thread also made WARMUP untimed calls inside the measured wall time.
    double rate = threads * (perThread + WARMUP) / seconds;
    System.out.printf(
        Locale.ROOT,
        "| SqliteJournal.append | %s | %.0f | %s | %s |%n",
        label,
        rate,
        human(percentile(all, 0.50)),
        human(percentile(all, 0.99)));
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode message(long i) {
    return JSON.createObjectNode()
        .put("id", "msg-" + i)
        .put("role", "user")
        .put("content", "How does the write-behind coalesce appends? ".repeat(6))
        .put("timestamp", "2026-11-24T06:00:00.000Z");
  }

  private static String label(Durability durability) {
    return durability + " (synchronous=" + durability.synchronousPragma() + ")";
  }

  /** Runs {@code call} for warm-up then {@code samples} times; returns sorted latencies in µs. */
  private static double[] measure(int samples, LongUnaryOperator call) {
    long sink = 0;
    for (int i = 0; i < WARMUP; i++) {
      sink += call.applyAsLong(i);
    }
    double[] micros = new double[samples];
    for (int i = 0; i < samples; i++) {
      long start = System.nanoTime();
      sink += call.applyAsLong(WARMUP + i);
      micros[i] = (System.nanoTime() - start) / 1_000.0;
    }
    if (sink == 42) {
      System.out.print("");
    }
    Arrays.sort(micros);
    return micros;
  }

  private static void print(String what, String durability, double[] sorted) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s |%n",
        what,
        durability,
        human(percentile(sorted, 0.50)),
        human(percentile(sorted, 0.99)),
        human(Arrays.stream(sorted).average().orElse(0)));
  }

  private static String human(double micros) {
    return micros >= 1000
        ? String.format(Locale.ROOT, "%.2f ms", micros / 1000)
        : String.format(Locale.ROOT, "%.1f µs", micros);
  }

  private static double percentile(double[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
