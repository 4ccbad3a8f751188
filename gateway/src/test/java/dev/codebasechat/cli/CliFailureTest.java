package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.SystemTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An operator command over a journal file that is not a journal fails with one line naming the file
 * and what is wrong, exit code 1, and leaves the file as it was.
 */
class CliFailureTest {
  @TempDir Path dataDir;

  @ParameterizedTest
  @ValueSource(strings = {"stats", "drain", "set-aside"})
  void aJournalFileThatIsNotADatabase_failsTheCommandInOneLine_andIsLeftAsItWas(String command)
      throws IOException {
    Path journal = dataDir.resolve("journal.db");
    String text = "not a journal; ".repeat(300);
    Files.writeString(journal, text);

    Cli.Result result =
        Cli.run(
            Map.of(
                "DATA_DIR", dataDir.toString(),
                "SUPABASE_URL", "http://127.0.0.1:9",
                "SUPABASE_ANON_KEY", "anon",
                "SUPABASE_SERVICE_ROLE_KEY", "sb_secret_0123456789abcdefghijklmnop"),
            SystemTime.clock(),
            command);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err().strip())
        .isEqualTo(
            "chat-gateway "
                + command
                + ": the journal "
                + journal
                + " cannot be read: it is corrupt or not a journal ([SQLITE_NOTADB] File opened"
                + " that is not a database file (file is not a database)); it was left as it was");
    assertThat(Files.readString(journal)).isEqualTo(text);
  }

  @Test
  void aMissingArgument_isExitCode2_withTheUsage() {
    Cli.Result result =
        Cli.run(Map.of("DATA_DIR", dataDir.toString()), SystemTime.clock(), "recover");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .startsWith("Missing required parameter: '<sessionId>'")
        .contains("Usage: chat-gateway recover");
  }
}
