package dev.codebasechat.sqlite;

import dev.codebasechat.journal.SqliteJournal;
import java.nio.file.Path;

/**
 * Child process for {@link FileInUseTest}: tries to open the journal named by its argument and says
 * on standard output whether it could ("opened") or which reason refused it.
 */
public final class LockProbeChild {
  private LockProbeChild() {}

  public static void main(String[] args) {
    try (SqliteJournal journal = SqliteJournal.open(Path.of(args[0]))) {
      System.out.println("opened");
    } catch (JournalException e) {
      System.out.println(e.reason());
    }
  }
}
