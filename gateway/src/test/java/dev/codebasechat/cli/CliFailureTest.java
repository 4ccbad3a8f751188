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

  /** {@code command} in Supabase mode on {@link #dataDir}, with every key it may ask for. */
  private Cli.Result runInSupabaseMode(String command) {
    return Cli.run(
        Map.of(
            "DATA_DIR", dataDir.toString(),
            "SUPABASE_URL", "http://127.0.0.1:9",
            "SUPABASE_ANON_KEY", "anon",
            "SUPABASE_SERVICE_ROLE_KEY", "sb_secret_0123456789abcdefghijklmnop"),
        SystemTime.clock(),
        command);
  }

  @ParameterizedTest
  @ValueSource(strings = {"stats", "drain", "set-aside"})
  void aJournalFileThatIsNotADatabase_failsTheCommandInOneLine_andIsLeftAsItWas(String command)
      throws IOException {
    Path journal = dataDir.resolve("journal.db");
    String text = "not a journal; ".repeat(300);
    Files.writeString(journal, text);

    Cli.Result result = runInSupabaseMode(command);

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

  @ParameterizedTest
  @ValueSource(strings = {"stats", "drain", "set-aside", "serve"})
  void aJournalOfANewerVersion_saysSo_andThatThisVersionLeftItAsItWas(String command)
      throws Exception {
    Path journal = dataDir.resolve("journal.db");
    dev.codebasechat.journal.SqliteJournal.open(journal).close();
    int current;
    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + journal);
        var statement = connection.createStatement();
        var version = statement.executeQuery("PRAGMA user_version")) {
      version.next();
      current = version.getInt(1);
    }
    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + journal);
        var statement = connection.createStatement()) {
      statement.execute("PRAGMA user_version=" + (current + 1));
    }

    Cli.Result result = runInSupabaseMode(command);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(
            "the journal "
                + journal
                + " cannot be read: the file was written by a newer version (schema version "
                + (current + 1)
                + ", this one reads up to "
                + current
                + "): run that version or a later one; it was left as it was")
        .doesNotContain("corrupt");
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

  private Cli.Result run(String... args) {
    return Cli.run(Map.of("DATA_DIR", dataDir.toString()), SystemTime.clock(), args);
  }

  @Test
  void anUnknownCommand_isExitCode2_namingTheCommandsThereAre() {
    Cli.Result result = run("nosuch");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .startsWith(
            "unknown command 'nosuch'; the commands are serve, token, sessions, stats, set-aside,"
                + " recover, drain")
        .contains("Usage: chat-gateway");
  }

  @Test
  void aDurationPastAYear_isExitCode2_sayingSo_evenWhereTheCommandHasNoUseForIt() {
    Cli.Result result = run("drain", "--timeout", "PT100000000000000000S");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("'PT100000000000000000S' is longer than 366 days (366d)");
  }

  @Test
  void aMistypedCommand_suggestsTheNearOnes() {
    Cli.Result result = run("sesions");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("Did you mean: chat-gateway sessions");
  }

  @Test
  void anUnknownOption_isExitCode2_namingIt_withTheUsageOfItsCommand() {
    Cli.Result result = run("stats", "--frobnicate");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .startsWith("unknown option '--frobnicate'")
        .contains("Usage: chat-gateway stats");
  }

  @Test
  void anArgumentToACommandWithoutArguments_isExitCode2_sayingItTakesOnlyOptions() {
    Cli.Result result = run("stats", "extra");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .startsWith(
            "unexpected argument 'extra': chat-gateway stats takes no arguments, only options");
  }

  @ParameterizedTest
  @ValueSource(strings = {"notauuid", "1-2-3-4-5", "6f1c2a4e8d3b4c5a9e7f0a1b2c3d4e5f"})
  void aUserThatIsNotACanonicalUuid_isExitCode2_showingTheForm(String user) {
    Cli.Result result = run("token", "--user", user);

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .startsWith(
            "Invalid value for option '--user': '"
                + user
                + "' is not a user id: give the user's UUID, such as"
                + " 6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f");
  }

  @Test
  void aLimitThatIsNotANumber_isExitCode2_sayingSo() {
    Cli.Result result = run("sessions", "--limit", "ten");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .startsWith("Invalid value for option '--limit': 'ten' is not a whole number");
  }
}
