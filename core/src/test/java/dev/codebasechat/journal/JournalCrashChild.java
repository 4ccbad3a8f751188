package dev.codebasechat.journal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.sqlite.Durability;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * The child process of {@link JournalCrashTest}. Arguments: {@code journal|table}, the file, the
 * {@link Durability}, a run label. Appends forever (to a {@link SqliteJournal}, or one message at a
 * time to a session of a {@link LocalSessionTable}), printing {@code ACK <id> <payload>} after each
 * append returned, until it is killed.
 */
public final class JournalCrashChild {

  static final UUID OWNER = UUID.fromString("00000000-0000-0000-0000-0000000000c1");
  static final String SESSION = "chat-1705622400000-crashtest";

  private JournalCrashChild() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, false, UTF_8);
    Path file = Path.of(args[1]);
    Durability durability = Durability.valueOf(args[2]);
    String run = args[3];
    if (args[0].equals("journal")) {
      try (SqliteJournal journal =
          SqliteJournal.builder().path(file).durability(durability).build()) {
        for (long i = 0; ; i++) {
          String payload = "{\"run\":\"" + run + "\",\"i\":" + i + "}";
          long sequence =
              journal.append("key-" + (i % 5), OWNER, "append", payload.getBytes(UTF_8));
          out.println("ACK " + sequence + " " + payload);
          out.flush();
        }
      }
    }
    ObjectMapper json = new ObjectMapper();
    try (LocalSessionTable table =
        LocalSessionTable.builder().path(file).durability(durability).build()) {
      for (long i = 0; ; i++) {
        String id = run + "-" + i;
        ArrayNode batch = json.createArrayNode();
        batch
            .addObject()
            .put("id", id)
            .put("role", "user")
            .put("content", "message " + i)
            .put("timestamp", "2025-01-18T12:00:00Z");
        table.append(OWNER, SESSION, batch, Optional.empty(), Optional.empty());
        out.println("ACK " + i + " " + id);
        out.flush();
      }
    }
  }
}
