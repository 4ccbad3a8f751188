package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.SystemTime;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.SqliteJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} refuses to start on a data directory it cannot use with one line naming the file
 * and what to do, exit code 1, and leaves the file as it was.
 */
// A start that does not fail would serve until stopped: the timeout ends such a test as failed.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeFailureTest {
  private static final String NOT_A_DATABASE =
      "([SQLITE_NOTADB] File opened that is not a database file (file is not a database))";

  @TempDir Path dataDir;

  @Test
  void aCorruptSessionTable_isRefusedInOneLine_andLeftAsItWas() throws IOException {
    Path sessions = dataDir.resolve("sessions.db");
    String text = "not a session table; ".repeat(300);
    Files.writeString(sessions, text);

    Cli.Result result = serve(Map.of("DATA_DIR", dataDir.toString()));

    assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
    assertThat(result.err().strip())
        .isEqualTo(
            "chat-gateway: could not start: the session table "
                + sessions
                + " cannot be read: it is corrupt or not a session table "
                + NOT_A_DATABASE
                + "; it was left as it was");
    assertThat(Files.readString(sessions)).isEqualTo(text);
  }

  @Test
  void aCorruptJournal_isRefusedInOneLine_andLeftAsItWas() throws IOException {
    Path journal = dataDir.resolve("journal.db");
    String text = "not a journal; ".repeat(300);
    Files.writeString(journal, text);

    Cli.Result result = serve(supabaseMode());

    assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
    assertThat(result.err().strip())
        .isEqualTo(
            "chat-gateway: could not start: the journal "
                + journal
                + " cannot be read: it is corrupt or not a journal "
                + NOT_A_DATABASE
                + "; it was left as it was");
    assertThat(Files.readString(journal)).isEqualTo(text);
  }

  @Test
  void aJournalAnotherProcessHasOpen_isRefusedNamingTheDataDirectory() {
    Path journal = dataDir.resolve("journal.db");
    try (SqliteJournal held = SqliteJournal.builder().path(journal).build()) {
      Cli.Result result = serve(supabaseMode());

      assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
      assertThat(result.err().strip())
          .isEqualTo(
              "chat-gateway: could not start: the journal "
                  + journal
                  + " is in use by another process, probably a gateway already running on DATA_DIR "
                  + dataDir
                  + ": give each gateway a data directory of its own");
    }
  }

  @Test
  void aSessionTableAnotherProcessHasOpen_isRefusedNamingTheDataDirectory() {
    Path sessions = dataDir.resolve("sessions.db");
    try (LocalSessionTable held = LocalSessionTable.builder().path(sessions).build()) {
      Cli.Result result = serve(Map.of("DATA_DIR", dataDir.toString()));

      assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
      assertThat(result.err().strip())
          .isEqualTo(
              "chat-gateway: could not start: the session table "
                  + sessions
                  + " is in use by another process, probably a gateway already running on DATA_DIR "
                  + dataDir
                  + ": give each gateway a data directory of its own");
    }
  }

  private Map<String, String> supabaseMode() {
    return Map.of(
        "DATA_DIR", dataDir.toString(),
        "SUPABASE_URL", "http://127.0.0.1:9",
        "SUPABASE_ANON_KEY", "anon");
  }

  private static Cli.Result serve(Map<String, String> environment) {
    return Cli.run(environment, SystemTime.clock(), "serve");
  }
}
