package dev.codebasechat.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.SessionRejectedException;
import dev.codebasechat.session.SessionUnavailableException;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(90)
class DrainCommandTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final String ALICES = "chat-1767225600000-alicesess1";
  private static final String BOBS = "chat-1767225600000-bobsession";
  private static final String NEW_ONE = "chat-1767225600000-neverstord";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dataDir;
  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final Logger ours = (Logger) LoggerFactory.getLogger("dev.codebasechat");
  private Level previousLevel;

  @BeforeEach
  void captureLogs() {
    previousLevel = ours.getLevel();
    ours.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    root.detachAppender(logs);
    ours.setLevel(previousLevel);
  }

  private Map<String, String> supabaseMode() {
    return Cli.supabaseMode(supabase, dataDir);
  }

  private Cli.Result drain(String... options) {
    String[] args = new String[options.length + 1];
    args[0] = "drain";
    System.arraycopy(options, 0, args, 1, options.length);
    return Cli.run(supabaseMode(), clock, args);
  }

  private long pendingInJournal() {
    try (SqliteJournal journal = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      return journal.pending().stream().filter(entry -> !entry.kind().equals("set-aside")).count();
    }
  }

  /** An entry written into the journal as no store of this version writes it. */
  private void journaled(String key, UUID owner, String kind, String payload) {
    try (SqliteJournal journal = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      journal.append(key, owner, kind, payload.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /**
   * Writes acknowledged by a real store while the database is down: Alice's session already holds
   * m1 (its answer was lost), m1..m3 are journaled; Bob's new session n1, n2.
   */
  private void acknowledgedWhileDown() {
    supabase.seedSession(ALICE, ALICES, "m1");
    supabase.goDown();
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, ALICES, "m1", "m2");
      gateway.append(ALICE, ALICES, "m3");
      gateway.append(BOB, NEW_ONE, "n1");
      gateway.append(BOB, NEW_ONE, "n2");
    }
    supabase.goUp();
    supabase.wireMock().resetRequests();
    assertThat(pendingInJournal()).isEqualTo(4);
    assertThat(supabase.session(ALICES).orElseThrow().messageIds()).containsExactly("m1");
    assertThat(supabase.session(NEW_ONE)).isEmpty();
  }

  @Test
  void drain_deliversEveryAcknowledgedMessageExactlyOnceInOrderToItsOwnersRow() {
    acknowledgedWhileDown();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    FakeSession alices = supabase.session(ALICES).orElseThrow();
    assertThat(alices.userId()).isEqualTo(ALICE);
    assertThat(alices.messageIds()).containsExactly("m1", "m2", "m3");
    FakeSession created = supabase.session(NEW_ONE).orElseThrow();
    assertThat(created.userId()).isEqualTo(BOB);
    assertThat(created.messageIds()).containsExactly("n1", "n2");
    assertThat(created.conversationHistory().get(0).path("content").asText())
        .isEqualTo("text of n1");
    assertThat(pendingInJournal()).isZero();
    assertThat(result.out())
        .startsWith("delivered      2 sessions, 4 new messages" + System.lineSeparator());
    assertThat(result.out()).contains("set aside      0 sessions", "still pending  0 sessions");
  }

  @Test
  void drain_reportsProgressOnStandardErrorOneLinePerSessionWhenNotATerminal() {
    acknowledgedWhileDown();

    Cli.Result result = drain();

    List<String> progress = result.err().lines().toList();
    assertThat(progress.get(0)).isEqualTo("drain: 2 sessions, 5 messages journaled");
    assertThat(progress.get(1))
        .matches("drain: 1/2 sessions, 3/5 messages, \\d+ msg/s: " + ALICES + " delivered");
    assertThat(progress.get(2))
        .matches("drain: 2/2 sessions, 5/5 messages, \\d+ msg/s: " + NEW_ONE + " delivered");
  }

  @Test
  void drain_appendsAlone_areAppendedForTheJournaledOwnerWithTheServiceKeyWithoutAnyRead()
      throws Exception {
    acknowledgedWhileDown();

    drain();

    // WireMock's own journal: the kit's record redacts the key this test looks for.
    assertThat(supabase.wireMock().findAll(RequestPatternBuilder.allRequests()))
        .allSatisfy(
            request ->
                assertThat(request.getHeader("Authorization"))
                    .isEqualTo("Bearer " + supabase.serviceKey()));
    assertThat(supabase.countRequests("/rest/v1/codebase_chat_sessions"))
        .as("no row read")
        .isZero();
    assertThat(storeCalls()).isEmpty();
    List<JsonNode> appends = calls("append_chat_messages_for");
    assertThat(appends).hasSize(2);
    assertThat(appends.get(0).path("p_owner").asText()).isEqualTo(ALICE.toString());
    assertThat(appends.get(0).path("p_session_id").asText()).isEqualTo(ALICES);
    assertThat(appends.get(0).path("p_messages").findValuesAsText("id"))
        .containsExactly("m1", "m2", "m3");
    assertThat(appends.get(1).path("p_owner").asText()).isEqualTo(BOB.toString());
    assertThat(appends.get(1).path("p_session_id").asText()).isEqualTo(NEW_ONE);
    assertThat(appends.get(1).path("p_messages").findValuesAsText("id"))
        .containsExactly("n1", "n2");
  }

  /** The bodies of the drain's store_chat_session_for calls, oldest first. */
  private List<JsonNode> storeCalls() throws Exception {
    return calls("store_chat_session_for");
  }

  /** The bodies of the calls of {@code function}, oldest first. */
  private List<JsonNode> calls(String function) throws Exception {
    List<JsonNode> bodies = new java.util.ArrayList<>();
    for (var request : supabase.requests()) {
      if (request.isCallOf(function)) {
        bodies.add(JSON.readTree(request.body()));
      }
    }
    return bodies;
  }

  /** Alice's session holds m1; m2 and a metadata change are journaled. */
  private void contextChangeAcknowledgedWhileDown() {
    supabase.seedSession(ALICE, ALICES, "m1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, ALICES, "m2");
      gateway.updateContext(
          ALICE, ALICES, ContextUpdate.none().withMetadata(JSON.createObjectNode().put("k", 1)));
      supabase.goDown(); // before the gateway's time moves: nothing of it is sent
    }
    supabase.goUp();
    supabase.wireMock().resetRequests();
  }

  @Test
  void drain_writesWithAContextChange_goThroughStoreChatSessionForWithTheVersionItRead()
      throws Exception {
    contextChangeAcknowledgedWhileDown();
    long alicesVersion = supabase.session(ALICES).orElseThrow().version();

    drain();

    assertThat(supabase.requests())
        .filteredOn(request -> request.url().startsWith("/rest/v1/codebase_chat_sessions"))
        .allSatisfy(request -> assertThat(request.method()).isEqualTo("GET"));
    List<JsonNode> stores = storeCalls();
    assertThat(stores).hasSize(1);
    assertThat(stores.get(0).path("p_owner").asText()).isEqualTo(ALICE.toString());
    assertThat(stores.get(0).path("p_session_id").asText()).isEqualTo(ALICES);
    assertThat(stores.get(0).path("p_expected_version").asLong()).isEqualTo(alicesVersion);
    assertThat(stores.get(0).at("/p_session/conversation_history").findValuesAsText("id"))
        .containsExactly("m1", "m2");
    assertThat(supabase.session(ALICES).orElseThrow().metadata().toString()).isEqualTo("{\"k\":1}");
  }

  @Test
  void drain_sessionOwnedByAnotherUser_isSetAsideAndTheOtherUsersRowIsUntouched() {
    supabase.goDown();
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, BOBS, "intruder");
    }
    supabase.goUp();
    // Bob created the session under that id in the meantime.
    supabase.seedSession(BOB, BOBS, "b1", "b2");
    FakeSession before = supabase.session(BOBS).orElseThrow();
    supabase.wireMock().resetRequests();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(supabase.session(BOBS).orElseThrow()).isEqualTo(before);
    assertThat(supabase.requests())
        .as("only the owner's append, which the database answers with null")
        .allSatisfy(
            request ->
                assertThat(request.url()).isEqualTo("/rest/v1/rpc/append_chat_messages_for"));
    assertThat(result.out())
        .contains("set aside      1 sessions")
        .contains(BOBS + "  owner " + ALICE + "  1 writes, 1 messages: owned by another user");
    assertThat(pendingInJournal()).isZero();
    Cli.Result setAside = Cli.run(supabaseMode(), clock, "set-aside", "--json");
    assertThat(setAside.out())
        .contains("\"reason\" : \"owned by another user\"")
        .contains("\"intruder\"");
  }

  @Test
  void drain_sessionIdInAnotherUsersConversationNamespace_isSetAsideSayingSo_notLeftPending() {
    String alicesNamespace =
        "chat-"
            + dev.codebasechat.schema.SessionTableRules.conversationNamespace(ALICE)
            + "-squat01";
    supabase.goDown();
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(BOB, alicesNamespace, "b1");
    }
    supabase.goUp();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out())
        .contains("set aside      1 sessions", "still pending  0 sessions")
        .contains(alicesNamespace + "  owner " + BOB + "  1 writes, 1 messages: ")
        .contains(dev.codebasechat.schema.SessionTableRules.NAMESPACE_TAKEN);
    assertThat(supabase.session(alicesNamespace)).isEmpty();
    assertThat(pendingInJournal()).isZero();
  }

  @Test
  void drain_appendsWhileTheOwnerWritesElsewhere_landByTimestampWithoutARetry() throws Exception {
    acknowledgedWhileDown();
    supabase.beforeNextTableWrite(() -> supabase.appendAs(ALICE, ALICES, "other-writer"));

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    // m2 and m3 were acknowledged before the other writer's message: their timestamps put them
    // first.
    assertThat(supabase.session(ALICES).orElseThrow().messageIds())
        .containsExactly("m1", "m2", "m3", "other-writer");
    assertThat(
            calls("append_chat_messages_for").stream()
                .filter(body -> body.path("p_session_id").asText().equals(ALICES)))
        .hasSize(1);
  }

  @Test
  void drain_concurrentVersionChange_isReadAgainAndMergedNotOverwritten() throws Exception {
    contextChangeAcknowledgedWhileDown();
    supabase.beforeNextTableWrite(() -> supabase.appendAs(ALICE, ALICES, "other-writer"));

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    // m2 was acknowledged before the other writer's message: its timestamp puts it first.
    assertThat(supabase.session(ALICES).orElseThrow().messageIds())
        .containsExactly("m1", "m2", "other-writer");
    assertThat(supabase.session(ALICES).orElseThrow().metadata().toString()).isEqualTo("{\"k\":1}");
    List<JsonNode> alicesStores = storeCalls();
    assertThat(alicesStores).hasSize(2);
    assertThat(alicesStores.get(1).path("p_expected_version").asLong())
        .isEqualTo(alicesStores.get(0).path("p_expected_version").asLong() + 1);
  }

  @Test
  void drain_sessionCreatedByItsOwnerMeanwhile_isMergedIntoIt() throws Exception {
    acknowledgedWhileDown();
    // Alice's messages are all stored already; Bob's own first append elsewhere creates his new
    // session before the drain's append for him lands.
    supabase.seedSession(ALICE, ALICES, "m1", "m2", "m3");
    supabase.beforeNextTableWrite(() -> supabase.appendAs(BOB, NEW_ONE, "n0"));

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    // n0 was stamped after n1 and n2 were acknowledged, so it goes after them.
    assertThat(supabase.session(NEW_ONE).orElseThrow().messageIds())
        .containsExactly("n1", "n2", "n0");
    assertThat(supabase.session(NEW_ONE).orElseThrow().userId()).isEqualTo(BOB);
    assertThat(calls("append_chat_messages_for")).hasSize(2);
  }

  @Test
  void drain_contextClearAndDelete_areAppliedInOrder() {
    supabase.seedSession(ALICE, ALICES, "m1", "m2");
    supabase.seedSession(BOB, BOBS, "b1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.clear(ALICE, ALICES);
      gateway.append(ALICE, ALICES, "m3");
      gateway.updateContext(
          ALICE,
          ALICES,
          ContextUpdate.none()
              .withRepo("acme/api")
              .withMetadata(JSON.createObjectNode().put("k", 1)));
      gateway.delete(BOB, BOBS);
      supabase.goDown();
    }
    supabase.goUp();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    FakeSession alices = supabase.session(ALICES).orElseThrow();
    assertThat(alices.messageIds()).containsExactly("m3");
    assertThat(alices.repo()).isEqualTo("acme/api");
    assertThat(alices.metadata().toString()).isEqualTo("{\"k\":1}");
    assertThat(supabase.session(BOBS)).isEmpty();
    assertThat(pendingInJournal()).isZero();
  }

  @Test
  void drain_aClearApplied_thenTheWriteAfterItRefused_setsAsideAndDropsTheOutdatedLocalCopy() {
    supabase.seedSession(ALICE, ALICES, "m1", "m2");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.history(ALICE, ALICES); // a local copy holding m1 and m2
      supabase.goDown();
      gateway.clear(ALICE, ALICES);
      gateway.updateContext(
          ALICE, ALICES, ContextUpdate.none().withMetadata(JSON.createObjectNode().put("k", 1)));
    }
    supabase.goUp();
    try (SqliteJournal journal = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      assertThat(journal.snapshot(ALICES)).as("the copy before the drain").isPresent();
    }
    supabase
        .wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/rpc/store_chat_session_for"))
                .atPriority(1)
                .willReturn(
                    aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        .withBody(
                            "{\"code\":\"23514\",\"message\":\"refused for this test\","
                                + "\"details\":null,\"hint\":null}")));

    Cli.Result result = drain();

    assertThat(result.out()).contains("set aside     ");
    assertThat(supabase.session(ALICES).orElseThrow().messageIds())
        .as("the clear applied")
        .isEmpty();
    try (SqliteJournal journal = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      assertThat(journal.snapshot(ALICES)).as("the copy from before the clear").isEmpty();
    }
  }

  @Test
  void drain_appendToASessionDeletedSinceItWasAccepted_storesNothing_andReportsItGone(
      @TempDir Path otherGateway) throws Exception {
    supabase.seedSession(ALICE, ALICES, "m1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.history(ALICE, ALICES);
      gateway.appendExisting(ALICE, ALICES, "m2");
      supabase.goDown();
    }
    supabase.goUp();
    try (GatewayRun other = new GatewayRun(supabase, otherGateway)) {
      other.delete(ALICE, ALICES);
      other.flush();
    }
    supabase.wireMock().resetRequests();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    assertThat(supabase.session(ALICES)).as("the delete stands").isEmpty();
    assertThat(calls("append_chat_messages_for"))
        .singleElement()
        .satisfies(call -> assertThat(call.path("p_create").asBoolean(true)).isFalse());
    assertThat(pendingInJournal()).isZero();
    assertThat(result.out())
        .contains(
            "delivered      0 sessions, 0 new messages" + System.lineSeparator(),
            "gone           1 sessions deleted after their writes were accepted: nothing stored");
  }

  @Test
  void drain_databaseDown_leavesEverythingPendingAndExits1() {
    acknowledgedWhileDown();
    supabase.goDown();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).contains("delivered      0 sessions", "still pending  2 sessions");
    assertThat(pendingInJournal()).isEqualTo(4);
    supabase.goUp();
    assertThat(drain().exitCode()).isZero();
    assertThat(supabase.session(ALICES).orElseThrow().messageIds())
        .containsExactly("m1", "m2", "m3");
  }

  @Test
  void drain_historyOverTheTablesLimit_isSetAsideWithTheReason() {
    supabase.seedSession(ALICE, ALICES, "m1");
    String[] many = new String[20_000];
    for (int i = 0; i < many.length; i++) {
      many[i] = "x" + i;
    }
    supabase.goDown();
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      for (int from = 0; from < many.length; from += 500) {
        gateway.append(ALICE, ALICES, java.util.Arrays.copyOfRange(many, from, from + 500));
      }
    }
    supabase.goUp();

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out())
        .contains("the history would hold 20001 messages; the table allows at most 20000");
    assertThat(supabase.session(ALICES).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void drain_leavesNoLocalCopyLackingWhatItDelivered_forAStoreStartedAfterInAnOutage() {
    supabase.seedSession(ALICE, ALICES, "m1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.history(ALICE, ALICES); // a local copy with m1
      supabase.goDown();
      gateway.append(ALICE, ALICES, "m2");
    }
    supabase.goUp();
    Cli.Result drained = drain();
    supabase.goDown();
    Throwable read;
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      read = catchThrowable(() -> gateway.history(ALICE, ALICES));
    }

    assertThat(drained.exitCode()).isZero();
    assertThat(supabase.session(ALICES).orElseThrow().messageIds()).containsExactly("m1", "m2");
    assertThat(read)
        .as("the copy with m1 alone is not an answer")
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void drain_appendToAFullSession_isSetAside_andAStoreStartedAfterRefusesTheNextAppendAsFull() {
    String[] full = new String[20_000];
    for (int i = 0; i < full.length; i++) {
      full[i] = "x" + i;
    }
    supabase.seedSession(ALICE, ALICES, full);
    supabase.goDown();
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, ALICES, "one");
    }
    supabase.goUp();
    assertThat(drain().out())
        .contains("set aside      1 sessions", "codebase_chat_sessions_history_max_messages");

    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      assertThatThrownBy(() -> gateway.append(ALICE, ALICES, "two"))
          .isInstanceOfSatisfying(
              SessionRejectedException.class,
              refused ->
                  assertThat(refused.reason())
                      .isEqualTo(SessionRejectedException.Reason.SESSION_FULL));
    }
    assertThat(supabase.session(ALICES).orElseThrow().messageIds()).hasSize(20_000);
  }

  @Test
  void drain_writeRefusedByACheck_isSetAsideWithTheDatabasesReason() {
    acknowledgedWhileDown();
    supabase
        .wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/rpc/append_chat_messages_for"))
                .withRequestBody(matchingJsonPath("$.p_session_id", equalTo(ALICES)))
                .atPriority(1)
                .willReturn(
                    aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        .withBody(
                            "{\"code\":\"23514\",\"details\":null,\"hint\":null,\"message\":\"new row for relation"
                                + " \\\"codebase_chat_sessions\\\" violates check constraint"
                                + " \\\"codebase_chat_sessions_history_max_bytes\\\"\"}")));

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out())
        .contains("set aside      1 sessions")
        .contains("codebase_chat_sessions_history_max_bytes");
    assertThat(supabase.session(ALICES).orElseThrow().messageIds()).containsExactly("m1");
    assertThat(supabase.session(NEW_ONE).orElseThrow().messageIds()).containsExactly("n1", "n2");
    assertThat(pendingInJournal()).isZero();
  }

  @Test
  void drain_serviceKeyRequestForbidden_leavesTheWritesPendingNotSetAside() {
    acknowledgedWhileDown();
    supabase
        .wireMock()
        .stubFor(
            any(urlPathMatching("/rest/v1/(codebase_chat_sessions|rpc/.*)"))
                .atPriority(1)
                .willReturn(
                    aResponse()
                        .withStatus(403)
                        .withHeader("Content-Type", "application/json")
                        .withBody(
                            "{\"code\":\"42501\",\"details\":null,\"hint\":null,\"message\":\"permission denied for function append_chat_messages_for\"}")));

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out())
        .contains("set aside      0 sessions", "still pending  2 sessions", "permission denied");
    assertThat(pendingInJournal()).isEqualTo(4);
  }

  @Test
  void drain_entriesItCannotRead_areLeftInPlaceAndReported() {
    acknowledgedWhileDown();
    try (SqliteJournal journal = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      journal.append(
          "not-a-session", ALICE, "append", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      journal.append(
          BOBS, BOB, "append", "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Cli.Result result = drain();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out())
        .contains("left in place  1 journal entries whose key names no session")
        .contains("delivered      2 sessions")
        .contains(
            BOBS + "  owner " + BOB + "  1 writes, 0 messages: a journal entry cannot be read");
    assertThat(pendingInJournal()).isEqualTo(2);
    assertThat(supabase.session(BOBS)).isEmpty();
  }

  @Test
  void entriesLeftInPlace_listedBySetAside_andOnceDiscarded_theDrainDeliversTheirSessions() {
    acknowledgedWhileDown();
    journaled("not-a-session", ALICE, "append", "{}");
    journaled(ALICES, ALICE, "summarize", "{}");

    Cli.Result listed = Cli.run(supabaseMode(), clock, "set-aside");
    Cli.Result discarded =
        Cli.run(supabaseMode(), clock, "set-aside", "--discard-left-in-place", "--yes");
    Cli.Result drained = drain();

    assertThat(listed.exitCode()).isZero();
    assertThat(listed.out())
        .contains("not-a-session", "its key names no session")
        .contains("summarize", "this version cannot read it")
        .contains("2 journal entries left in place");
    assertThat(discarded.exitCode()).isZero();
    assertThat(discarded.out()).contains("discarded 2 journal entries left in place");
    assertThat(drained.exitCode()).isZero();
    assertThat(pendingInJournal()).isZero();
    assertThat(supabase.session(ALICES).orElseThrow().messageIds())
        .containsExactly("m1", "m2", "m3");
  }

  @Test
  void discardLeftInPlace_leavesAnEntryNamingAnotherOwner() {
    acknowledgedWhileDown();
    try (SqliteJournal journal = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      JournalEntry alices = journal.pending(ALICES).get(0);
      journal.append(ALICES, BOB, alices.kind(), alices.payload());
    }

    Cli.Result result =
        Cli.run(supabaseMode(), clock, "set-aside", "--discard-left-in-place", "--yes");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("the journal holds no entries left in place");
    assertThat(pendingInJournal()).isEqualTo(5);
  }

  @Test
  void discardLeftInPlace_withoutYes_exits2_andRemovesNothing() {
    acknowledgedWhileDown();
    journaled("not-a-session", ALICE, "append", "{}");

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside", "--discard-left-in-place");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("review them first");
    assertThat(pendingInJournal()).isEqualTo(5);
  }

  @Test
  void drain_timeUp_leavesTheRestPending() {
    acknowledgedWhileDown();
    Clock ticking =
        ManualClock.ticking(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofMinutes(1));

    Cli.Result result = Cli.run(supabaseMode(), ticking, "drain", "--timeout", "90s");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).contains("time is up (--timeout)");
    assertThat(pendingInJournal()).isPositive();
  }

  @Test
  void drain_json_reportsEachSessionsOutcome() throws Exception {
    acknowledgedWhileDown();

    JsonNode report = JSON.readTree(drain("--json").out());

    assertThat(report.path("sessions")).hasSize(2);
    assertThat(report.path("sessions").get(0).path("outcome").asText()).isEqualTo("delivered");
    assertThat(report.path("sessions").get(0).path("newMessages").asInt()).isEqualTo(2);
    assertThat(report.path("totals").path("delivered").asInt()).isEqualTo(2);
  }

  @Test
  void drain_nothingJournaled_exits0() {
    try (SqliteJournal empty = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      // created, nothing in it
    }

    Cli.Result result = drain();

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .isEqualTo("nothing to drain: no journaled write is pending" + System.lineSeparator());
  }

  @Test
  void drain_withoutServiceKey_ofAJournalWithNothingPending_exits0SayingSo() {
    try (SqliteJournal empty = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      // created (it holds the local copies), nothing pending
    }
    Map<String, String> environment = supabaseMode();
    environment.remove("SUPABASE_SERVICE_ROLE_KEY");

    Cli.Result result = Cli.run(environment, clock, "drain");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .isEqualTo("nothing to drain: no journaled write is pending" + System.lineSeparator());
  }

  @Test
  void drain_withoutServiceKey_exits1AndSendsNothing() {
    acknowledgedWhileDown();
    Map<String, String> environment = supabaseMode();
    environment.remove("SUPABASE_SERVICE_ROLE_KEY");

    Cli.Result result = Cli.run(environment, clock, "drain");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("drain reads every user's data and needs the project's service key");
    assertThat(supabase.requests()).isEmpty();
    assertThat(pendingInJournal()).isEqualTo(4);
  }

  @Test
  void drain_journalOpenByARunningGateway_exits1SayingStopTheGatewayFirst() {
    try (SqliteJournal running = SqliteJournal.open(dataDir.resolve("journal.db"))) {
      Cli.Result result = drain();

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.err())
          .contains(
              "in use by another process, probably a running gateway: stop the gateway first");
    }
  }

  @Test
  void drain_embedded_saysThereIsNothingToDrain() {
    Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "drain");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("embedded default: nothing to drain;");
  }

  @Test
  void drain_embedded_json_isAnEmptyReport() throws Exception {
    Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "drain", "--json");

    assertThat(result.exitCode()).isZero();
    JsonNode report = JSON.readTree(result.out());
    assertThat(report.path("sessions")).isEmpty();
    assertThat(report.path("totals").path("delivered").asInt()).isZero();
  }

  @Test
  void drain_withoutSupabaseUrl_overAJournalHoldingWrites_exits1AndLeavesThemPending() {
    acknowledgedWhileDown();

    Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "drain", "--json");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("SUPABASE_URL is not set (the embedded default), but ")
        .contains(" holds 4 journal entries a gateway in Supabase mode acknowledged");
    assertThat(result.out()).isEmpty();
    assertThat(pendingInJournal()).isEqualTo(4);
  }

  @Test
  void drain_withADataDirThatDoesNotExist_exits1SayingSo_ratherThanAnEmptyReport() {
    Path missing = dataDir.resolve("mistyped");

    Cli.Result result = Cli.run(Cli.supabaseMode(supabase, missing), clock, "drain", "--json");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains(
            "DATA_DIR "
                + missing
                + " does not exist: give the data directory of the gateway whose journal to read");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void drain_withoutAJournal_json_isAnEmptyReport() throws Exception {
    Cli.Result result = Cli.run(supabaseMode(), clock, "drain", "--json");

    assertThat(result.exitCode()).isZero();
    assertThat(JSON.readTree(result.out()).path("sessions")).isEmpty();
  }

  @Test
  void drain_noKeyOrTokenAppearsInOutputOrLogs() {
    acknowledgedWhileDown();
    supabase.seedSession(BOB, BOBS, "b1");
    supabase.failNext(1, dev.codebasechat.testing.Outage.DATABASE_UNAVAILABLE);

    Cli.Result result = drain("--json");

    String everything =
        result.all()
            + String.join(
                "\n", logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
    assertThat(everything)
        .doesNotContain(supabase.serviceKey())
        .doesNotContain(supabase.apiKey())
        .doesNotContain(
            supabase.serviceKey().substring(supabase.serviceKey().lastIndexOf('.') + 1));
  }
}
