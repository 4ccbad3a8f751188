package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Series;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.sqlite.Durability;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Measurement 6: heap held by the store's cache for 10 000 sessions of 50 messages, against its
 * configured weight bound; then the same sessions through a store whose bound is smaller than the
 * data, to show the cache stays within it.
 *
 * <p>Runs in its own JVM (serial GC, so that a full collection leaves only what is reachable).
 * Sessions live in the embedded table (SQLite, off the Java heap); each is read once through the
 * store, which caches it. Retained heap is the heap used after full collections once every session
 * was read, minus the same before the first read. Messages are chat-sized: ~{@value #CHARS}
 * characters of ASCII text each.
 */
public final class CacheMemoryMeasurement {
  static final int CHARS = 120;
  private static final int MESSAGES = 50;

  private CacheMemoryMeasurement() {}

  record Fill(
      String store, long boundBytes, int sessionsRead, long cachedSessions, long retainedBytes) {}

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = BenchSupport.Options.parse(args);
    int sessions = options.quick() ? 2_000 : 10_000;
    Path dir = Files.createTempDirectory("cache-memory");
    UUID[] owners = new UUID[100];
    for (int i = 0; i < owners.length; i++) {
      owners[i] = UUID.nameUUIDFromBytes(("memory-user-" + i).getBytes(StandardCharsets.UTF_8));
    }
    long textBytes = 0;
    try (LocalSessionTable table =
        LocalSessionTable.builder()
            .path(dir.resolve("sessions.db"))
            .durability(Durability.PROCESS_CRASH_SAFE)
            .build()) {
      for (int s = 0; s < sessions; s++) {
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        for (int m = 0; m < MESSAGES; m++) {
          var message = messages.addObject();
          message.put("id", MessageId.of("m" + m).value());
          message.put("role", (m % 2 == 0 ? Role.USER : Role.ASSISTANT).wireName());
          String text =
              Conversation.message("mem" + s, m, Instant.EPOCH).content().substring(0, CHARS);
          message.put("content", text);
          message.put("timestamp", "2026-11-24T07:00:00.000Z");
          textBytes += text.length();
        }
        table.append(
            owners[s % owners.length], id(s), messages, Optional.empty(), Optional.empty());
      }
      Fill full =
          fill(
              table,
              owners,
              sessions,
              SessionStore.DEFAULT_CACHE_MAXIMUM_WEIGHT_BYTES,
              "default bound");
      long small = 16L * 1024 * 1024;
      Fill bounded = fill(table, owners, sessions, small, "bound smaller than the data");
      Map<String, Double> figures = new LinkedHashMap<>();
      List<List<String>> rows = new ArrayList<>();
      for (Fill f : List.of(full, bounded)) {
        rows.add(
            List.of(
                f.store(),
                BenchSupport.bytes(f.boundBytes()),
                BenchSupport.number(f.sessionsRead()),
                BenchSupport.number(f.cachedSessions()),
                BenchSupport.bytes(f.retainedBytes()),
                f.cachedSessions() == 0
                    ? "—"
                    : BenchSupport.bytes((double) f.retainedBytes() / f.cachedSessions()),
                String.format(Locale.ROOT, "%.0f %%", 100.0 * f.retainedBytes() / f.boundBytes())));
        String key = f.store().startsWith("default") ? "default" : "small";
        figures.put(key + ".boundBytes", (double) f.boundBytes());
        figures.put(key + ".cachedSessions", (double) f.cachedSessions());
        figures.put(key + ".retainedBytes", (double) f.retainedBytes());
      }
      figures.put("messageTextBytes", (double) textBytes);
      boolean within =
          full.retainedBytes() <= full.boundBytes()
              && bounded.retainedBytes() <= bounded.boundBytes();
      BenchSupport.write(
          new MeasurementResult(
              "memory",
              "6. Heap held by the cache, against its configured bound",
              sessions
                  + " sessions × "
                  + MESSAGES
                  + " messages of "
                  + CHARS
                  + " ASCII characters ("
                  + BenchSupport.bytes(textBytes)
                  + " of text) in the embedded table; each session read once through SessionStore.embedded, which caches it."
                  + " Own JVM, -Xmx2g, serial GC; retained heap = heap used after full GCs, after minus before the reads.",
              List.of(
                  new ResultTable(
                      "retained heap after reading every session once",
                      List.of(
                          "store",
                          "cacheMaximumWeightBytes",
                          "sessions read",
                          "sessions cached",
                          "retained heap",
                          "per cached session",
                          "of the bound"),
                      rows)),
              List.of(
                  new GoalCheck(
                      "the cache stays within its bound",
                      "default bound: "
                          + BenchSupport.bytes(full.retainedBytes())
                          + " of "
                          + BenchSupport.bytes(full.boundBytes())
                          + " ("
                          + full.cachedSessions()
                          + " sessions); small bound: "
                          + BenchSupport.bytes(bounded.retainedBytes())
                          + " of "
                          + BenchSupport.bytes(bounded.boundBytes())
                          + " ("
                          + bounded.cachedSessions()
                          + " sessions kept)",
                      Verdict.of(within),
                      "")),
              List.of(
                  "The weigher counts two bytes per character (the worst case, for non-Latin text) plus a fixed overhead per"
                      + " message and per session; Java stores ASCII text in one byte per character, so for English text the heap"
                      + " actually held stays well under the bound, and the bound errs on the safe side for other scripts."),
              List.of(
                  new Chart(
                      "memory.svg",
                      "Heap held by the cache vs its bound (MiB)",
                      "MiB",
                      false,
                      List.of("default bound", "small bound"),
                      List.of(
                          new Series(
                              "configured bound",
                              List.of(mib(full.boundBytes()), mib(bounded.boundBytes()))),
                          new Series(
                              "retained heap",
                              List.of(mib(full.retainedBytes()), mib(bounded.retainedBytes())))))),
              figures),
          options.out());
    }
    BenchSupport.exit();
  }

  private static double mib(long bytes) {
    return bytes / 1024.0 / 1024.0;
  }

  private static Fill fill(
      LocalSessionTable table, UUID[] owners, int sessions, long bound, String label) {
    long before = retainedHeap();
    SessionStore store = SessionStore.embedded(table).cacheMaximumWeightBytes(bound).build();
    for (int s = 0; s < sessions; s++) {
      UUID owner = owners[s % owners.length];
      // Embedded mode never sends the token anywhere; the store only remembers it per owner.
      store.history(
          new Caller(owner, AccessToken.of("embedded-" + (s % owners.length))),
          SessionId.of(id(s)));
    }
    long after = retainedHeap();
    Fill fill = new Fill(label, bound, sessions, store.cachedSessions(), after - before);
    store.close();
    return fill;
  }

  private static long retainedHeap() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String id(int s) {
    return String.format(Locale.ROOT, "chat-1767225600000-memory%06d", s);
  }
}
