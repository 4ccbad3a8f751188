package dev.codebasechat.sqlite;

import dev.codebasechat.journal.SqliteJournal;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Child process for {@link FileInUseTest}: opens the journal named by its argument, says "open" on
 * standard output, and keeps it open until its standard input ends.
 */
public final class LockHoldingChild {
  private LockHoldingChild() {}

  public static void main(String[] args) throws IOException {
    try (SqliteJournal journal = SqliteJournal.open(Path.of(args[0]))) {
      journal.append("k", java.util.UUID.randomUUID(), "kind", new byte[] {1});
      System.out.println("open");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    }
  }
}
