package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SessionsCommandTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final String OLD = "chat-1767225600000-aliceold1";
  private static final String RECENT = "chat-1767308400000-bobrecent";
  private static final String SECOND = "chat-1767308400001-alicenew2";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ManualClock clock = ManualClock.startingAtEpoch2026();

  @RegisterExtension
  static final FakeSupabase supabase = FakeSupabase.builder().clock(clock).build();

  @TempDir Path dataDir;

  private Map<String, String> supabaseMode() {
    return Cli.supabaseMode(supabase, dataDir);
  }

  /** Alice's session last active 25 h ago, Bob's 2 h ago (3 messages), Alice's second 1 h ago. */
  @BeforeEach
  void threeSessions() {
    supabase.seedSession(ALICE, OLD, "a1", "a2");
    clock.advance(Duration.ofHours(23));
    supabase.seedSession(BOB, RECENT, "b1", "b2", "b3");
    clock.advance(Duration.ofHours(1));
    supabase.seedSession(ALICE, SECOND, "c1");
    clock.advance(Duration.ofHours(1));
  }

  @Test
  void sessions_supabaseMode_listsEveryUsersSessionsNewestFirstWithTotals() {
    Cli.Result result = Cli.run(supabaseMode(), clock, "sessions");

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines.get(0))
        .startsWith("SESSION")
        .contains("OWNER", "MESSAGES", "BYTES", "UPDATED AT", "REPO");
    assertThat(lines.get(1)).startsWith(SECOND).contains(ALICE.toString());
    assertThat(lines.get(2)).startsWith(RECENT).contains(BOB.toString()).containsPattern("\\s3\\s");
    assertThat(lines.get(3)).startsWith(OLD).contains(ALICE.toString());
    assertThat(lines.get(4)).isEqualTo("3 sessions, 2 active in the last 24 h, 6 messages");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void sessions_totals_countEverySession_whenTheDataApiAnswersFewerRowsThanAsked()
      throws Exception {
    try (FakeSupabase twoRowsAtATime =
        FakeSupabase.builder().clock(clock).maxRows(2).build().start()) {
      twoRowsAtATime.seedSession(ALICE, OLD, "a1", "a2");
      twoRowsAtATime.seedSession(BOB, RECENT, "b1", "b2", "b3");
      twoRowsAtATime.seedSession(ALICE, SECOND, "c1");

      Cli.Result result =
          Cli.run(Cli.supabaseMode(twoRowsAtATime, dataDir), clock, "sessions", "--json");

      assertThat(result.exitCode()).isZero();
      JsonNode totals = JSON.readTree(result.out()).path("totals");
      assertThat(totals.path("sessions").asInt()).isEqualTo(3);
      assertThat(totals.path("messages").asInt()).isEqualTo(6);
    }
  }

  @Test
  void sessions_supabaseMode_readsWithTheServiceKeyOnly() {
    Cli.Result result = Cli.run(supabaseMode(), clock, "sessions");

    assertThat(result.exitCode()).isZero();
    List<LoggedRequest> requests = supabase.wireMock().findAll(RequestPatternBuilder.allRequests());
    assertThat(requests).isNotEmpty();
    assertThat(requests)
        .allSatisfy(
            request -> {
              assertThat(request.getHeader("Authorization"))
                  .isEqualTo("Bearer " + supabase.serviceKey());
              assertThat(request.getHeader("apikey")).isEqualTo(supabase.serviceKey());
            });
    assertThat(result.all())
        .doesNotContain(supabase.serviceKey())
        .doesNotContain(supabase.apiKey());
  }

  @Test
  void sessions_json_carriesEachSessionAndTheTotals() throws Exception {
    Cli.Result result = Cli.run(supabaseMode(), clock, "sessions", "--json");

    JsonNode document = JSON.readTree(result.out());
    JsonNode first = document.path("sessions").get(0);
    assertThat(first.path("sessionId").asText()).isEqualTo(SECOND);
    assertThat(first.path("owner").asText()).isEqualTo(ALICE.toString());
    assertThat(first.path("messageCount").asInt()).isEqualTo(1);
    // The database's history_bytes, not a size computed from a downloaded history.
    assertThat(first.path("historyBytes").asLong())
        .isEqualTo(supabase.session(SECOND).orElseThrow().historyBytes());
    assertThat(Instant.parse(first.path("updatedAt").asText()))
        .isEqualTo(clock.instant().minus(Duration.ofHours(1)));
    assertThat(first.path("repo").isNull()).isTrue();
    assertThat(document.path("totals").path("sessions").asLong()).isEqualTo(3);
    assertThat(document.path("totals").path("activeLast24h").asLong()).isEqualTo(2);
    assertThat(document.path("totals").path("messages").asLong()).isEqualTo(6);
  }

  /**
   * A page holding, first, a row of the original schema the hardening migration kept: no owner, an
   * id of the old format (its CHECK is NOT VALID).
   */
  private com.github.tomakehurst.wiremock.stubbing.StubMapping aPageWithALegacyRow() {
    return supabase
        .wireMock()
        .stubFor(
            com.github.tomakehurst.wiremock.client.WireMock.get(
                    com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                        "/rest/v1/codebase_chat_sessions"))
                .withQueryParam(
                    "select", com.github.tomakehurst.wiremock.client.WireMock.containing("user_id"))
                .atPriority(1)
                .willReturn(
                    com.github.tomakehurst.wiremock.client.WireMock.okJson(
                        "[{\"session_id\":\"session_1699999999_abc\",\"user_id\":null,"
                            + "\"repo\":null,\"message_count\":2,"
                            + "\"last_activity\":\"2026-01-01T12:00:00+00:00\","
                            + "\"history_bytes\":120},"
                            + "{\"session_id\":\""
                            + SECOND
                            + "\",\"user_id\":\""
                            + ALICE
                            + "\",\"repo\":null,\"message_count\":1,"
                            + "\"last_activity\":\"2026-01-01T11:00:00+00:00\","
                            + "\"history_bytes\":60}]")));
  }

  @Test
  void sessions_aRowWithoutOwnerOrWithAnOldId_isListedAsStored_withTheOthers() {
    var page = aPageWithALegacyRow();
    try {
      Cli.Result result = Cli.run(supabaseMode(), clock, "sessions");

      assertThat(result.exitCode()).as(result.err()).isZero();
      List<String> lines = result.out().lines().toList();
      assertThat(lines.get(1)).startsWith("session_1699999999_abc").containsPattern("\\s-\\s");
      assertThat(lines.get(2)).startsWith(SECOND).contains(ALICE.toString());
    } finally {
      supabase.wireMock().removeStub(page);
    }
  }

  @Test
  void sessions_json_aRowWithoutOwner_hasANullOwner() throws Exception {
    var page = aPageWithALegacyRow();
    try {
      Cli.Result result = Cli.run(supabaseMode(), clock, "sessions", "--json");

      assertThat(result.exitCode()).as(result.err()).isZero();
      JsonNode legacy = JSON.readTree(result.out()).path("sessions").get(0);
      assertThat(legacy.path("sessionId").asText()).isEqualTo("session_1699999999_abc");
      assertThat(legacy.path("owner").isNull()).isTrue();
      assertThat(legacy.path("messageCount").asInt()).isEqualTo(2);
    } finally {
      supabase.wireMock().removeStub(page);
    }
  }

  @Test
  void sessions_userAndLimit_showOnlyThatUsersNewestWhileTotalsCountAllOfTheirs() {
    Cli.Result result =
        Cli.run(supabaseMode(), clock, "sessions", "--user", ALICE.toString(), "--limit", "1");

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).startsWith(SECOND);
    assertThat(lines.get(2))
        .isEqualTo("2 sessions (1 shown), 1 active in the last 24 h, 3 messages");
  }

  @Test
  void sessions_withoutServiceKey_exits1SayingWhichKeyIsNeededAndSendsNothing() {
    Map<String, String> environment = supabaseMode();
    environment.remove("SUPABASE_SERVICE_ROLE_KEY");

    Cli.Result result = Cli.run(environment, clock, "sessions");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "chat-gateway sessions: sessions reads every user's data and needs the project's service key:"
                + " set SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY)"
                + System.lineSeparator());
    assertThat(supabase.requests()).isEmpty();
  }

  @Test
  void sessions_anonKeyGivenAsServiceKey_exits1WithoutShowingIt() {
    Map<String, String> environment = supabaseMode();
    environment.put("SUPABASE_SERVICE_ROLE_KEY", supabase.apiKey());

    Cli.Result result = Cli.run(environment, clock, "sessions");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("must be an sb_secret_ key or a service_role JWT")
        .doesNotContain(supabase.apiKey());
  }

  @Test
  void sessions_databaseDown_exits1WithOneLineAndNoStackTrace() {
    supabase.goDown();

    Cli.Result result = Cli.run(supabaseMode(), clock, "sessions");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("chat-gateway sessions: the database did not answer the listing:");
    assertThat(result.err().lines()).hasSize(1);
    assertThat(result.all()).doesNotContain(supabase.serviceKey());
  }

  @Test
  void sessions_embedded_listsEveryUsersSessionsFromTheLocalTable() throws Exception {
    Path file = dataDir.resolve("sessions.db");
    try (LocalSessionTable table = LocalSessionTable.builder().path(file).clock(clock).build()) {
      table.append(ALICE, OLD, messages("a1", "a2"), Optional.of("acme/api"), Optional.empty());
      clock.advance(Duration.ofHours(30));
      table.append(BOB, RECENT, messages("b1"), Optional.empty(), Optional.empty());
    }

    Cli.Result result =
        Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "sessions", "--json");

    assertThat(result.exitCode()).isZero();
    JsonNode document = JSON.readTree(result.out());
    JsonNode sessions = document.path("sessions");
    assertThat(sessions).hasSize(2);
    assertThat(sessions.get(0).path("sessionId").asText()).isEqualTo(RECENT);
    assertThat(sessions.get(0).path("owner").asText()).isEqualTo(BOB.toString());
    assertThat(sessions.get(1).path("sessionId").asText()).isEqualTo(OLD);
    assertThat(sessions.get(1).path("repo").asText()).isEqualTo("acme/api");
    assertThat(sessions.get(1).path("messageCount").asInt()).isEqualTo(2);
    assertThat(sessions.get(1).path("historyBytes").asLong())
        .isEqualTo(messages("a1", "a2").toString().length());
    assertThat(document.path("totals").path("sessions").asLong()).isEqualTo(2);
    assertThat(document.path("totals").path("activeLast24h").asLong()).isEqualTo(1);
    assertThat(document.path("totals").path("messages").asLong()).isEqualTo(3);
  }

  @Test
  void sessions_embeddedWithoutAnyFile_reportsNoSessions() {
    Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "sessions");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out().lines().toList())
        .last()
        .isEqualTo("0 sessions, 0 active in the last 24 h, 0 messages");
    assertThat(dataDir.resolve("sessions.db")).doesNotExist();
  }

  @Test
  void sessions_embeddedTableOpenByARunningGateway_exits1SayingStopTheGatewayFirst() {
    Path file = dataDir.resolve("sessions.db");
    try (LocalSessionTable running = LocalSessionTable.builder().path(file).clock(clock).build()) {
      Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "sessions");

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.err())
          .isEqualTo(
              "chat-gateway sessions: the session table "
                  + file.toAbsolutePath()
                  + " is in use by another process, probably a running gateway: stop the gateway first"
                  + " (operator commands need the file to themselves)"
                  + System.lineSeparator());
    }
  }

  @Test
  void sessions_badLimit_exits2() {
    Cli.Result result = Cli.run(supabaseMode(), clock, "sessions", "--limit", "0");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--limit must be from 1 to 10000 but was 0");
  }

  private static ArrayNode messages(String... ids) {
    ArrayNode array = JSON.createArrayNode();
    for (String id : ids) {
      array
          .addObject()
          .put("id", id)
          .put("role", "user")
          .put("content", "message " + id)
          .put("timestamp", "2026-01-01T00:00:00Z");
    }
    return array;
  }
}
