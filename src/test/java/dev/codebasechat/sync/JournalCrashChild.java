package dev.codebasechat.sync;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The child process of {@link JournalCrashTest}: appends entries to the journal at {@code
 * args[0]} with durability {@code args[1]} forever, printing {@code ACK <sequence> <payload>} for
 * each append after it returned, until it is killed.
 */
public final class JournalCrashChild {

  static final UUID OWNER = UUID.fromString("00000000-0000-0000-0000-0000000000c1");

  private JournalCrashChild() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, false, UTF_8);
    try (SqliteJournal journal =
        SqliteJournal.builder()
            .path(Path.of(args[0]))
            .durability(Durability.valueOf(args[1]))
            .build()) {
      out.println("READY");
      out.flush();
      for (long i = 0; ; i++) {
        String payload = "{\"run\":\"" + args[2] + "\",\"i\":" + i + "}";
        long sequence = journal.append("key-" + (i % 5), OWNER, "append", payload.getBytes(UTF_8));
        out.println("ACK " + sequence + " " + payload);
        out.flush();
      }
    }
  }
}
