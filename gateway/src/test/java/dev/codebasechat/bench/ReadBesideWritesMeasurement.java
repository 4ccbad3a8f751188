package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.sqlite.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The embedded default's reads while other users write: {@link LocalSessionTable#fetch} of one
 * user's 200-message session, one read after another, with 0 and then 4 other users appending one
 * message per call without pause to sessions of their own ({@code synchronous=FULL}). What an
 * embedded gateway's {@code GET /v1/sessions/{id}} of a session it does not cache waits for. Usage:
 * {@code scripts/lib/bench-java dev.codebasechat.bench.ReadBesideWritesMeasurement [reads]}.
 */
public final class ReadBesideWritesMeasurement {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID READER = UUID.fromString("00000000-0000-0000-0000-0000000000aa");
  private static final UUID WRITER = UUID.fromString("00000000-0000-0000-0000-0000000000bb");
  private static final String READ_SESSION = "chat-1705622400000-readbeside";

  private ReadBesideWritesMeasurement() {}

  public static void main(String[] args) throws Exception {
    int reads = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    Path dir = Files.createTempDirectory(Path.of("target"), "bench-read-beside-writes-");
    try (LocalSessionTable table =
        LocalSessionTable.builder()
            .path(dir.resolve("sessions.db"))
            .durability(Durability.FULL)
            .build()) {
      ArrayNode history = JSON.createArrayNode();
      for (int n = 0; n < 200; n++) {
        history.add(message("r" + n));
      }
      table.append(READER, READ_SESSION, history, Optional.empty(), Optional.empty());
      measure(table, 4, reads / 4, false); // warm-up, unrecorded
      System.out.println("| other users appending | reads | median per read | p99 per read |");
      System.out.println("|---:|---:|---:|---:|");
      for (int writers : new int[] {0, 4}) {
        measure(table, writers, reads, true);
      }
    }
  }

  private static void measure(LocalSessionTable table, int writers, int reads, boolean report)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      String session = "chat-1705622400000-writer" + w;
      Thread thread =
          new Thread(
              () -> {
                for (int n = 0; !stop.get(); n++) {
                  table.append(
                      WRITER,
                      session,
                      JSON.createArrayNode().add(message(session + "-" + n + "-" + reads)),
                      Optional.empty(),
                      Optional.empty());
                }
              });
      thread.start();
      threads.add(thread);
    }
    double[] millis = new double[reads];
    try {
      for (int i = 0; i < reads; i++) {
        long began = System.nanoTime();
        if (table.fetch(READER, READ_SESSION).isEmpty()) {
          throw new IllegalStateException("the session to read is missing");
        }
        millis[i] = (System.nanoTime() - began) / 1e6;
      }
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
    }
    if (report) {
      Arrays.sort(millis);
      System.out.println(
          String.format(
              Locale.ROOT,
              "| %d | %d | %.2f ms | %.2f ms |",
              writers,
              reads,
              millis[reads / 2],
              millis[(int) Math.min(reads - 1, Math.ceil(reads * 0.99) - 1)]));
    }
  }

  private static ObjectNode message(String id) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", id.replace("chat-1705622400000-", ""));
    message.put("role", "assistant");
    message.put(
        "content",
        "The session gateway keeps a conversation across restarts by journaling each write. "
            .repeat(4));
    message.put("timestamp", "2026-12-04T01:00:00.000Z");
    return message;
  }
}
