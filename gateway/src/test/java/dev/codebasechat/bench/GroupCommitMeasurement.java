package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.sqlite.CommitGrouping;
import dev.codebasechat.sqlite.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * Group commit against one commit per write, side by side in one run, with {@code
 * synchronous=FULL}: {@link SqliteJournal#append} (Supabase mode's acknowledgement) and {@link
 * LocalSessionTable#append} (the embedded default's write path, what an embedded gateway's {@code
 * POST …/messages} waits for) at 1, 4 and 16 writers released together, each appending one message
 * per call to a session of its own. Throughput is appends over the wall time of the whole round;
 * latency is per call. Usage: {@code scripts/bench-group-commit [appends per writer]
 * [baseline-first|grouped-first]}.
 */
public final class GroupCommitMeasurement {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID OWNER = UUID.fromString("00000000-0000-0000-0000-0000000000be");

  private GroupCommitMeasurement() {}

  interface Append {
    void run(int writer, int n) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int perWriter = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    // The first of a pair pays for a fresh file and a colder machine: "grouped-first" or
    // "baseline-first" (the default) sets the order, so that two runs can cancel it out.
    List<CommitGrouping> order =
        args.length > 1 && args[1].equals("grouped-first")
            ? List.of(CommitGrouping.GROUPED, CommitGrouping.ONE_PER_WRITE)
            : List.of(CommitGrouping.ONE_PER_WRITE, CommitGrouping.GROUPED);
    Path dir = Files.createTempDirectory(Path.of("target"), "bench-group-commit-");
    // One unrecorded round first, so that neither contender pays the JIT's warm-up.
    matrix(dir.resolve("warm-up"), Math.max(20, perWriter / 4), false, order);
    System.out.println("| what | writers | commits | appends/s | median per call | p99 per call |");
    System.out.println("|---|---:|---|---:|---:|---:|");
    matrix(dir, perWriter, true, order);
  }

  /** A file opened for one row of the table: what appends to it, and the file to close. */
  record Opened(AutoCloseable file, Append append) {}

  interface Opener {
    Opened open(Path file, CommitGrouping grouping) throws Exception;
  }

  private static Opened journal(Path file, CommitGrouping grouping) {
    byte[] payload = message(0).toString().getBytes(StandardCharsets.UTF_8);
    Journal journal =
        SqliteJournal.builder()
            .path(file)
            .durability(Durability.FULL)
            .commitGrouping(grouping)
            .build();
    return new Opened(
        journal,
        (w, n) -> journal.append("chat-1705622400000-bench" + w, OWNER, "append", payload));
  }

  private static Opened table(Path file, CommitGrouping grouping) {
    LocalSessionTable table =
        LocalSessionTable.builder()
            .path(file)
            .durability(Durability.FULL)
            .commitGrouping(grouping)
            .build();
    return new Opened(
        table,
        (w, n) ->
            table.append(
                OWNER,
                "chat-1705622400000-bench" + w,
                JSON.createArrayNode().add(message(n)),
                Optional.empty(),
                Optional.empty()));
  }

  private static void matrix(Path dir, int perWriter, boolean report, List<CommitGrouping> order)
      throws Exception {
    Map<String, Opener> contenders = new LinkedHashMap<>();
    contenders.put("SqliteJournal.append", GroupCommitMeasurement::journal);
    contenders.put("LocalSessionTable.append", GroupCommitMeasurement::table);
    for (Map.Entry<String, Opener> contender : contenders.entrySet()) {
      for (int writers : new int[] {1, 4, 16}) {
        for (CommitGrouping grouping : order) {
          String what = contender.getKey();
          Opened opened =
              contender
                  .getValue()
                  .open(dir.resolve(what + "-" + writers + "-" + grouping + ".db"), grouping);
          try (AutoCloseable file = opened.file()) {
            run(what, writers, grouping, perWriter, report, opened.append());
          }
        }
      }
    }
  }

  private static void run(
      String what,
      int writers,
      CommitGrouping grouping,
      int perWriter,
      boolean report,
      Append append)
      throws Exception {
    for (int w = 0; w < writers; w++) { // warm-up: creates each writer's session
      append.run(w, -1 - w);
    }
    double[][] millis = new double[writers][perWriter];
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int n = 0; n < perWriter; n++) {
                    long began = System.nanoTime();
                    append.run(writer, writer * perWriter + n);
                    millis[writer][n] = (System.nanoTime() - began) / 1e6;
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      thread.start();
      threads.add(thread);
    }
    long began = System.nanoTime();
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a writer failed", failures.get(0));
    }
    if (!report) {
      return;
    }
    double[] all = Arrays.stream(millis).flatMapToDouble(Arrays::stream).sorted().toArray();
    System.out.println(
        String.format(
            Locale.ROOT,
            "| %s | %d | %s | %,.0f | %.2f ms | %.2f ms |",
            what,
            writers,
            grouping == CommitGrouping.GROUPED ? "grouped" : "one per write (baseline)",
            all.length / seconds,
            all[all.length / 2],
            all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)]));
  }

  private static ObjectNode message(int n) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", "m" + Math.abs(n) + (n < 0 ? "w" : ""));
    message.put("role", "user");
    message.put(
        "content", "How does the session gateway keep a conversation when it restarts? " + n);
    message.put("timestamp", "2026-12-04T01:00:00.000Z");
    return message;
  }
}
