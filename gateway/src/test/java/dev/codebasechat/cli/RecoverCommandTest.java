package dev.codebasechat.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.codebasechat.journal.Snapshot;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RecoverCommandTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final String SESSION = "chat-1767225600000-alicesess1";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dataDir;
  private final ManualClock clock = ManualClock.startingAtEpoch2026();

  private Map<String, String> supabaseMode() {
    return Cli.supabaseMode(supabase, dataDir);
  }

  private Path journalFile() {
    return dataDir.resolve("journal.db");
  }

  /** A local copy that is behind the database: one message, version 1. */
  private void staleLocalCopy() {
    String row =
        "{\"session_id\":\""
            + SESSION
            + "\",\"user_id\":\""
            + ALICE
            + "\",\"repo\":null,\"current_file\":null,"
            + "\"conversation_history\":[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"old\",\"timestamp\":\"2026-01-01T00:00:00Z\"}],"
            + "\"context_cache\":{},\"metadata\":{},\"message_count\":1,\"version\":1}";
    try (SqliteJournal journal = SqliteJournal.open(journalFile())) {
      journal.putSnapshot(SESSION, ALICE, 1, row.getBytes(UTF_8));
    }
  }

  private Optional<Snapshot> localCopy() {
    try (SqliteJournal journal = SqliteJournal.open(journalFile())) {
      return journal.snapshot(SESSION);
    }
  }

  @Test
  void recover_replacesTheLocalCopyWithTheDatabasesSessionAndPrintsASummary() throws Exception {
    staleLocalCopy();
    supabase.seedSession(ALICE, SESSION, "m1", "m2", "m3");

    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION);

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines)
        .contains(
            "session       " + SESSION,
            "owner         " + ALICE,
            "messages      3",
            "version       " + supabase.session(SESSION).orElseThrow().version(),
            "local copy replaced in " + journalFile() + "; 0 journaled writes of it still pending");
    Snapshot copy = localCopy().orElseThrow();
    assertThat(copy.owner()).isEqualTo(ALICE);
    assertThat(copy.version()).isEqualTo(supabase.session(SESSION).orElseThrow().version());
    JsonNode history = JSON.readTree(copy.json()).path("conversation_history");
    assertThat(history).hasSize(3);
    assertThat(history.get(2).path("id").asText()).isEqualTo("m3");
    assertThat(result.all()).doesNotContain(supabase.serviceKey());
  }

  @Test
  void recover_readsWithTheServiceKey() {
    supabase.seedSession(ALICE, SESSION, "m1");

    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION);

    assertThat(result.exitCode()).isZero();
    // WireMock's own journal: the kit's record redacts the key this test looks for.
    assertThat(supabase.wireMock().findAll(RequestPatternBuilder.allRequests()))
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.getHeader("Authorization"))
                  .isEqualTo("Bearer " + supabase.serviceKey());
              assertThat(request.getUrl()).contains("session_id=eq." + SESSION);
            });
  }

  @Test
  void recover_json_printsTheWholeSession() throws Exception {
    supabase.seedSession(ALICE, SESSION, "m1", "m2");

    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION, "--json");

    JsonNode document = JSON.readTree(result.out());
    assertThat(document.path("session").path("session_id").asText()).isEqualTo(SESSION);
    assertThat(document.path("session").path("user_id").asText()).isEqualTo(ALICE.toString());
    assertThat(
            document.path("session").path("conversation_history").get(1).path("content").asText())
        .isEqualTo("message m2");
    assertThat(document.path("pendingWrites").asLong()).isZero();
  }

  @Test
  void recover_sessionPendingWritesAreKeptAndCounted() {
    supabase.seedSession(ALICE, SESSION, "m1");
    supabase.goDown();
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, SESSION, "m2");
    }
    supabase.goUp();

    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION);

    assertThat(result.out()).contains("1 journaled writes of it still pending");
    assertThat(Cli.run(supabaseMode(), clock, "stats").out()).contains("1 writes in 1 sessions");
  }

  @Test
  void recover_sessionMissingFromTheDatabase_exits1AndRemovesTheLocalCopy() {
    staleLocalCopy();

    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "chat-gateway recover: session "
                + SESSION
                + " does not exist in the database; its local copy (if any) was removed"
                + System.lineSeparator());
    assertThat(localCopy()).isEmpty();
  }

  @Test
  void recover_databaseDown_exits1AndKeepsTheLocalCopy() {
    staleLocalCopy();
    supabase.goDown();

    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .startsWith(
            "chat-gateway recover: the database did not answer (the local copy is unchanged):");
    assertThat(localCopy().orElseThrow().version()).isEqualTo(1);
  }

  @Test
  void recover_intoADataDirThatDoesNotExist_exits1AndCreatesNothing() {
    supabase.seedSession(ALICE, SESSION, "m1");
    Path mistyped = dataDir.resolve("mistyped");

    Cli.Result result = Cli.run(Cli.supabaseMode(supabase, mistyped), clock, "recover", SESSION);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("DATA_DIR " + mistyped + " does not exist");
    assertThat(mistyped).doesNotExist();
  }

  @Test
  void recover_withoutServiceKey_exits1() {
    Map<String, String> environment = supabaseMode();
    environment.remove("SUPABASE_SERVICE_ROLE_KEY");

    Cli.Result result = Cli.run(environment, clock, "recover", SESSION);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(
            "needs the project's service key: set SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY)");
    assertThat(supabase.requests()).isEmpty();
  }

  @Test
  void recover_journalOpenByARunningGateway_exits1SayingStopTheGatewayFirst() {
    supabase.seedSession(ALICE, SESSION, "m1");
    try (SqliteJournal running = SqliteJournal.open(journalFile())) {
      Cli.Result result = Cli.run(supabaseMode(), clock, "recover", SESSION);

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.err())
          .contains(
              "is in use by another process, probably a running gateway: stop the gateway first");
    }
  }

  @Test
  void recover_invalidSessionId_exits2() {
    Cli.Result result = Cli.run(supabaseMode(), clock, "recover", "chat-1-x'or'1=1");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("<sessionId>");
    assertThat(supabase.requests()).isEmpty();
  }

  @Test
  void recover_embedded_exits1ThereIsNoDatabase() {
    Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "recover", SESSION);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("embedded default: there is no database to recover from");
  }
}
