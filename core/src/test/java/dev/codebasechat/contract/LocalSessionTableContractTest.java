package dev.codebasechat.contract;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The contract against {@link LocalSessionTable}, the embedded default's SQLite table. */
class LocalSessionTableContractTest extends SessionTableContract {
  @TempDir Path dir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private LocalSessionTable sqlite;
  private LocalChatTable table;

  @Override
  ChatTable table() {
    if (table == null) {
      sqlite = LocalSessionTable.builder().path(dir.resolve("sessions.db")).clock(clock).build();
      table = new LocalChatTable(sqlite, clock);
    }
    return table;
  }

  @AfterEach
  void close() {
    if (sqlite != null) {
      sqlite.close();
    }
  }
}
