package dev.codebasechat.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codebasechat.embedded.LocalSessionTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal and the embedded session table hold users' conversations: the files they create,
 * SQLite's -wal and -shm beside them, and a directory they make are their owner's alone.
 */
class JournalFilePermissionsTest {

  @TempDir Path dir;

  @BeforeEach
  void onPosix() {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void aNewJournal_itsWalAndTheDirectoryItMakes_areTheOwnersAlone() throws IOException {
    Path made = dir.resolve("data");
    try (SqliteJournal journal = SqliteJournal.open(made.resolve("journal.db"))) {
      journal.append(
          "chat-1767225600000-perm0001",
          UUID.randomUUID(),
          "append",
          "{}".getBytes(StandardCharsets.UTF_8));

      assertThat(permissions(made)).isEqualTo("rwx------");
      assertThat(permissions(made.resolve("journal.db"))).isEqualTo("rw-------");
      assertThat(permissions(made.resolve("journal.db-wal"))).isEqualTo("rw-------");
      assertThat(permissions(made.resolve("journal.db-shm"))).isEqualTo("rw-------");
      assertThat(permissions(made.resolve("journal.db.lock"))).isEqualTo("rw-------");
    }
  }

  @Test
  void aNewSessionTable_isTheOwnersAlone() throws IOException {
    try (LocalSessionTable table =
        LocalSessionTable.builder().path(dir.resolve("sessions.db")).build()) {
      assertThat(permissions(dir.resolve("sessions.db"))).isEqualTo("rw-------");
    }
  }

  @Test
  void anExistingFile_keepsThePermissionsItHas() throws IOException {
    Path file = dir.resolve("journal.db");
    Files.createFile(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    try (SqliteJournal journal = SqliteJournal.open(file)) {
      assertThat(permissions(file)).isEqualTo("rw-r-----");
    }
  }
}
