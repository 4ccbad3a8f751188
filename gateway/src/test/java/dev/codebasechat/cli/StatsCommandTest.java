package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class StatsCommandTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final String BOBS = "chat-1767225600000-bobsession";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dataDir;

  private Map<String, String> supabaseMode() {
    return Map.of(
        "SUPABASE_URL",
        supabase.baseUrl(),
        "SUPABASE_ANON_KEY",
        supabase.apiKey(),
        "DATA_DIR",
        dataDir.toString());
  }

  /** One set-aside write (Alice into Bob's session), then three pending writes of two sessions. */
  private void journalWithPendingAndSetAside() {
    supabase.seedSession(BOB, BOBS, "b1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, BOBS, "intruder");
      assertThat(gateway.flush().setAside()).isEqualTo(1);
      supabase.goDown();
      gateway.append(ALICE, "chat-1767225600000-alicesess1", "m1", "m2");
      gateway.append(ALICE, "chat-1767225600000-alicesess1", "m3");
      gateway.append(BOB, "chat-1767225600000-bobsecond1", "n1");
    }
  }

  @Test
  void stats_supabaseMode_countsPendingWritesSessionsSetAsideAndLocalCopies() {
    journalWithPendingAndSetAside();
    Instant later = Instant.now().plus(Duration.ofMinutes(5));

    Cli.Result result = Cli.run(supabaseMode(), new ManualClock(later), "stats");

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines.get(0))
        .matches(
            "journal +"
                + dataDir.resolve("journal.db").toString().replace("\\", "\\\\")
                + " \\(\\d+ bytes\\)");
    assertThat(lines.get(1))
        .matches("pending +3 writes in 2 sessions, oldest \\S+Z \\([45] min ago\\)");
    assertThat(lines.get(2)).matches("set aside +1 writes \\(see: chat-gateway set-aside\\)");
    assertThat(lines.get(3)).matches("local copies +\\d+ sessions, \\d+ bytes");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void stats_json_carriesTheSameFigures() throws Exception {
    journalWithPendingAndSetAside();

    Cli.Result result =
        Cli.run(supabaseMode(), ManualClock.startingAtEpoch2026(), "stats", "--json");

    JsonNode document = JSON.readTree(result.out());
    assertThat(document.path("journalExists").asBoolean()).isTrue();
    assertThat(document.path("pendingWrites").asLong()).isEqualTo(3);
    assertThat(document.path("pendingSessions").asLong()).isEqualTo(2);
    assertThat(document.path("setAsideWrites").asLong()).isEqualTo(1);
    assertThat(document.path("oldestPending").isTextual()).isTrue();
    assertThat(document.path("fileBytes").asLong()).isPositive();
  }

  @Test
  void stats_noJournalYet_reportsNothingPendingAndCreatesNoFile() {
    Cli.Result result = Cli.run(supabaseMode(), ManualClock.startingAtEpoch2026(), "stats");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("(none yet)").contains("0 writes in 0 sessions");
    assertThat(dataDir.resolve("journal.db")).doesNotExist();
  }

  @Test
  void stats_journalOpenByARunningGateway_exits1SayingStopTheGatewayFirst() {
    Path file = dataDir.resolve("journal.db");
    try (SqliteJournal running = SqliteJournal.open(file)) {
      Cli.Result result = Cli.run(supabaseMode(), ManualClock.startingAtEpoch2026(), "stats");

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.err())
          .isEqualTo(
              "chat-gateway stats: the journal "
                  + file.toAbsolutePath()
                  + " is in use by another process, probably a running gateway: stop the gateway first"
                  + " (operator commands need the file to themselves)"
                  + System.lineSeparator());
      assertThat(result.out()).isEmpty();
    }
  }

  @Test
  void stats_withoutSupabaseUrl_overAJournalHoldingWrites_exits1NamingItInsteadOfNothingWaits() {
    journalWithPendingAndSetAside();

    Cli.Result result =
        Cli.run(Map.of("DATA_DIR", dataDir.toString()), ManualClock.startingAtEpoch2026(), "stats");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(
            "SUPABASE_URL is not set (the embedded default), but "
                + dataDir.resolve("journal.db")
                + " holds 4 journal entries a gateway in Supabase mode acknowledged: set"
                + " SUPABASE_URL and SUPABASE_ANON_KEY as that gateway had them to work on them");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void stats_embedded_saysThereIsNoJournal() {
    Cli.Result result =
        Cli.run(Map.of("DATA_DIR", dataDir.toString()), ManualClock.startingAtEpoch2026(), "stats");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("embedded default: no journal;");
  }

  @Test
  void stats_embedded_json_isTheDocumentOfNothingWaiting() throws Exception {
    Cli.Result result =
        Cli.run(
            Map.of("DATA_DIR", dataDir.toString()),
            ManualClock.startingAtEpoch2026(),
            "stats",
            "--json");

    JsonNode document = JSON.readTree(result.out());
    assertThat(result.exitCode()).isZero();
    assertThat(document.path("mode").asText()).isEqualTo("embedded");
    assertThat(document.path("journalExists").asBoolean()).isFalse();
    assertThat(document.path("pendingWrites").asLong()).isZero();
    assertThat(document.path("setAsideWrites").asLong()).isZero();
  }
}
