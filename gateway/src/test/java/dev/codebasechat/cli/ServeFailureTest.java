package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.SystemTime;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code serve} refuses to start on a data directory file it cannot use with one line naming the
 * file and what to do, exit code 1, and leaves the file as it was.
 */
// A start that does not fail would serve until stopped: the timeout ends such a test as failed.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeFailureTest {

  /** The file each mode opens at start: the session table, or the journal. */
  enum Mode {
    EMBEDDED("sessions.db", "session table"),
    SUPABASE("journal.db", "journal");

    final String file;
    final String kind;

    Mode(String file, String kind) {
      this.file = file;
      this.kind = kind;
    }

    AutoCloseable open(Path path) {
      return this == EMBEDDED
          ? LocalSessionTable.builder().path(path).build()
          : SqliteJournal.builder().path(path).build();
    }
  }

  @TempDir Path dataDir;

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFileThatIsNotADatabase_isRefusedInOneLine_andLeftAsItWas(Mode mode) throws IOException {
    Path file = dataDir.resolve(mode.file);
    String text = "not a database; ".repeat(300);
    Files.writeString(file, text);

    Cli.Result result = serve(mode);

    assertRefusedToStart(
        result,
        "the "
            + mode.kind
            + " "
            + file
            + " cannot be read: it is corrupt or not a "
            + mode.kind
            + " ([SQLITE_NOTADB] File opened that is not a database file (file is not a"
            + " database)); it was left as it was");
    assertThat(Files.readString(file)).isEqualTo(text);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFileAnotherProcessHasOpen_isRefusedNamingTheDataDirectory(Mode mode) throws Exception {
    Path file = dataDir.resolve(mode.file);
    try (AutoCloseable held = mode.open(file)) {
      Cli.Result result = serve(mode);

      assertRefusedToStart(
          result,
          "the "
              + mode.kind
              + " "
              + file
              + " is in use by another process, probably a gateway already running on DATA_DIR "
              + dataDir
              + ": give each gateway a data directory of its own");
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aDataDirectoryUnderAFile_isRefusedSayingWhy(Mode mode) throws IOException {
    Path file = Files.writeString(dataDir.resolve("a-file"), "x");
    Path under = file.resolve("data");

    Cli.Result result = serve(mode, under);

    assertRefusedToStart(result, "cannot create the data directory " + under + ": not a directory");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aDataDirectoryThatIsAFile_isRefusedSayingAFileIsInTheWay(Mode mode) throws IOException {
    Path file = Files.writeString(dataDir.resolve("a-file"), "x");

    Cli.Result result = serve(mode, file);

    assertRefusedToStart(
        result,
        "cannot create the data directory "
            + file
            + ": a file that is not a directory is in the way");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  @org.junit.jupiter.api.Test
  void aJwtSecretThatCannotBeRead_isRefusedSayingWhy() throws IOException {
    Path secret = Files.createDirectory(dataDir.resolve("jwt-secret"));

    Cli.Result result = serve(Mode.EMBEDDED);

    assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
    assertThat(result.err().strip())
        .startsWith(
            "chat-gateway: could not start: cannot read or create the JWT secret file "
                + secret
                + ": ")
        .doesNotContain("Exception");
  }

  @org.junit.jupiter.api.Test
  void aSecretKeyGivenAsTheAnonKey_isRefusedNamingTheSetting_neverTheValue() {
    String secret = dev.codebasechat.testing.TestSecrets.register("sb_secret_abcdefghijklmnop");
    Map<String, String> environment =
        Map.of(
            "DATA_DIR",
            dataDir.toString(),
            "SUPABASE_URL",
            "http://127.0.0.1:9",
            "SUPABASE_ANON_KEY",
            secret);

    Cli.Result result = Cli.run(environment, SystemTime.clock(), "serve");

    assertRefusedToStart(
        result,
        "SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) must be the project's anon or publishable"
            + " key, not a secret or service_role key");
    assertThat(result.err() + result.out()).doesNotContain(secret);
  }

  @Test
  void withoutTheJournal_aJournalStillHoldingWrites_isRefusedNamingIt_andLeftAsItWas() {
    Path file = dataDir.resolve("journal.db");
    try (SqliteJournal journal = SqliteJournal.builder().path(file).build()) {
      journal.append(
          "chat-1767225600000-pending01",
          java.util.UUID.randomUUID(),
          "append",
          "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Map<String, String> databaseAck = new HashMap<>(Map.of("DATA_DIR", dataDir.toString()));
    databaseAck.put("SUPABASE_URL", "http://127.0.0.1:9");
    databaseAck.put("SUPABASE_ANON_KEY", "anon");
    databaseAck.put("GATEWAY_ACK", "database");

    Cli.Result embedded = serve(Mode.EMBEDDED);
    Cli.Result acknowledgedByTheDatabase = Cli.run(databaseAck, SystemTime.clock(), "serve");

    String stranded =
        file
            + " holds 1 writes acknowledged with GATEWAY_ACK=journal and not delivered yet, which"
            + " this gateway would never deliver (";
    String asBefore =
        "): start it as before (SUPABASE_URL, GATEWAY_ACK=journal) until they are delivered, or"
            + " deliver them with `drain`";
    assertRefusedToStart(embedded, stranded + "SUPABASE_URL is not set" + asBefore);
    assertRefusedToStart(acknowledgedByTheDatabase, stranded + "GATEWAY_ACK=database" + asBefore);
    try (SqliteJournal journal = SqliteJournal.builder().path(file).build()) {
      assertThat(journal.pending()).hasSize(1);
    }
  }

  @Test
  void withoutTheJournal_anEmptyJournalLeftBehind_doesNotStopTheStart() throws Exception {
    try (SqliteJournal journal =
        SqliteJournal.builder().path(dataDir.resolve("journal.db")).build()) {
      assertThat(journal.pending()).isEmpty();
    }
    Map<String, String> embedded = Map.of("DATA_DIR", dataDir.toString());

    Optional<String> refusal =
        new OperatorContext(embedded, SystemTime.clock(), false)
            .strandedWrites(Settings.fromEnvironment(embedded));

    assertThat(refusal).isEmpty();
  }

  @Test
  void withoutTheJournal_aJournalLeftWithSetAsideRecordsOnly_doesNotStopTheStart()
      throws Exception {
    try (SqliteJournal journal =
        SqliteJournal.builder().path(dataDir.resolve("journal.db")).build()) {
      // Kept for an operator's review (the set-aside command), not for delivery.
      journal.append(
          "set-aside:chat-1767225600000-pending01",
          java.util.UUID.randomUUID(),
          "set-aside",
          "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Map<String, String> embedded = Map.of("DATA_DIR", dataDir.toString());

    Optional<String> refusal =
        new OperatorContext(embedded, SystemTime.clock(), false)
            .strandedWrites(Settings.fromEnvironment(embedded));

    assertThat(refusal).isEmpty();
  }

  @Test
  void withoutTheJournal_aJournalLeftWithSetAsideRecords_isNamedInAWarning_thatSaysHowToReviewThem()
      throws Exception {
    Path file = dataDir.resolve("journal.db");
    try (SqliteJournal journal = SqliteJournal.builder().path(file).build()) {
      journal.append(
          "set-aside:chat-1767225600000-pending01",
          java.util.UUID.randomUUID(),
          "set-aside",
          "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Map<String, String> embedded = Map.of("DATA_DIR", dataDir.toString());
    Map<String, String> databaseAck = new HashMap<>(embedded);
    databaseAck.put("SUPABASE_URL", "http://127.0.0.1:9");
    databaseAck.put("SUPABASE_ANON_KEY", "anon");
    databaseAck.put("GATEWAY_ACK", "database");
    Map<String, String> journalAck = new HashMap<>(databaseAck);
    journalAck.remove("GATEWAY_ACK");

    Optional<String> warning =
        new OperatorContext(databaseAck, SystemTime.clock(), false)
            .unreportedSetAside(Settings.fromEnvironment(databaseAck));
    Optional<String> embeddedWarning =
        new OperatorContext(embedded, SystemTime.clock(), false)
            .unreportedSetAside(Settings.fromEnvironment(embedded));
    Optional<String> withTheJournal =
        new OperatorContext(journalAck, SystemTime.clock(), false)
            .unreportedSetAside(Settings.fromEnvironment(journalAck));

    assertThat(warning)
        .contains(
            file
                + " holds 1 writes the database refused for good, kept for review, which this"
                + " gateway does not report (GATEWAY_ACK=database: setAsideWrites on /readyz and"
                + " sessions_setaside_writes read 0): review them with `set-aside` and remove them"
                + " with `set-aside --discard <sessionId> --yes`; the file is kept as it is");
    assertThat(embeddedWarning)
        .hasValueSatisfying(
            w ->
                assertThat(w)
                    .contains("SUPABASE_URL is not set")
                    .contains(
                        "`set-aside --discard <sessionId> --yes`, with SUPABASE_URL and"
                            + " SUPABASE_ANON_KEY set as the gateway that journaled them had them"));
    assertThat(withTheJournal).as("a gateway with the journal reports them itself").isEmpty();
  }

  /** {@code result} is a start refused with exit status 1 and the one line {@code problem}. */
  private static void assertRefusedToStart(Cli.Result result, String problem) {
    assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
    assertThat(result.err().strip()).isEqualTo("chat-gateway: could not start: " + problem);
  }

  private Cli.Result serve(Mode mode) {
    return serve(mode, dataDir);
  }

  private Cli.Result serve(Mode mode, Path dataDir) {
    Map<String, String> environment = new HashMap<>(Map.of("DATA_DIR", dataDir.toString()));
    if (mode == Mode.SUPABASE) {
      environment.put("SUPABASE_URL", "http://127.0.0.1:9");
      environment.put("SUPABASE_ANON_KEY", "anon");
    }
    return Cli.run(environment, SystemTime.clock(), "serve");
  }
}
