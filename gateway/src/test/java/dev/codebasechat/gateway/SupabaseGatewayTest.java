package dev.codebasechat.gateway;

import static dev.codebasechat.gateway.GatewayClient.json;
import static dev.codebasechat.gateway.GatewayClient.withoutTimes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API in Supabase mode against {@link FakeSupabase} (PostgREST with RLS), built from the
 * environment variables a deployment sets: the gateway verifies the fake's HS256 tokens with the
 * project's JWT secret and forwards them so the fake's RLS applies.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SupabaseGatewayTest {
  static final String SECRET = "a-test-jwt-secret-of-at-least-32-bytes-0123456789";
  static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().jwtSecret(SECRET).build();

  @TempDir Path dataDir;

  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static Settings settings(FakeSupabase fake, Path dataDir) {
    return Settings.fromEnvironment(environment(fake, dataDir));
  }

  /** The environment of a gateway in Supabase mode over {@code fake}. */
  static Map<String, String> environment(FakeSupabase fake, Path dataDir) {
    return Map.of(
        "SUPABASE_URL",
        fake.baseUrl(),
        "SUPABASE_ANON_KEY",
        fake.apiKey(),
        "SUPABASE_JWT_SECRET",
        SECRET,
        "DATA_DIR",
        dataDir.toString(),
        "GATEWAY_DEBOUNCE_MS",
        "20",
        "GATEWAY_BREAKER_OPEN_SECONDS",
        "1");
  }

  private Gateway start() {
    return start(settings(fake, dataDir));
  }

  private Gateway start(Settings settings) {
    return Gateway.builder(settings)
        .host("127.0.0.1")
        .port(0)
        .flushTimeout(Duration.ofSeconds(2))
        .start();
  }

  private static List<String> storedIds(String id) {
    return fake.session(id).map(FakeSession::messageIds).orElse(List.of());
  }

  @Test
  void aSessionHoldingAMessageTheGatewayCannotRead_is502DatabaseError_namingTheMessage() {
    gateway = start();
    String id = "chat-1737201600000-pastedfile";
    fake.seedSession(
        ALICE,
        id,
        GatewayClient.JSON
            .createArrayNode()
            .add(
                GatewayClient.JSON
                    .createObjectNode()
                    .put("id", "pasted-file")
                    .put("role", "user")
                    .put("content", "x".repeat(300_000))
                    .put("timestamp", "2026-01-01T00:00:00Z")));

    Answer read =
        new GatewayClient(gateway.port()).get("/v1/sessions/" + id, fake.legacyTokenFor(ALICE));

    assertThat(read.status()).isEqualTo(502);
    assertThat(read.json().path("code").asText()).isEqualTo("database_error");
    assertThat(read.json().path("error").asText())
        .isEqualTo(
            "the database holds this session in a form this gateway cannot read (written by"
                + " another client): message 0 (pasted-file): message content must be at most"
                + " 200000 characters but was 300000");
  }

  /** A read of any session answered with {@code answer} until the stub is removed. */
  private static com.github.tomakehurst.wiremock.stubbing.StubMapping readsAnswered(
      com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
    return fake.wireMock()
        .stubFor(
            WireMock.get(WireMock.urlPathEqualTo("/rest/v1/codebase_chat_sessions"))
                .atPriority(1)
                .willReturn(answer));
  }

  @Test
  void aSessionNestedDeeperThanTheGatewayReads_is502DatabaseError_sayingSo() {
    gateway = start();
    var stub = readsAnswered(WireMock.okJson("[".repeat(1_001) + "]".repeat(1_001)));
    try {
      Answer read =
          new GatewayClient(gateway.port())
              .get("/v1/sessions/chat-1737201600000-deepnest1", fake.legacyTokenFor(ALICE));

      assertThat(read.status()).isEqualTo(502);
      assertThat(read.json().path("code").asText()).isEqualTo("database_error");
      assertThat(read.json().path("error").asText())
          .isEqualTo(
              "the database holds this session in a form this gateway cannot read (written by"
                  + " another client): its JSON is nested deeper than 1000 levels");
    } finally {
      fake.wireMock().removeStub(stub);
    }
  }

  @Test
  void aReadWhileSupabaseRestrictsTheOrganisation_is503SessionUnavailable_withRetryAfter() {
    gateway = start();
    var stub =
        readsAnswered(
            WireMock.aResponse()
                .withStatus(402)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"exceed_egress_quota\"}"));
    try {
      Answer read =
          new GatewayClient(gateway.port())
              .get("/v1/sessions/chat-1737201600000-restrict1", fake.legacyTokenFor(ALICE));

      assertThat(read.status()).isEqualTo(503);
      assertThat(read.json().path("code").asText()).isEqualTo("session_unavailable");
      assertThat(read.header("Retry-After")).isPresent();
    } finally {
      fake.wireMock().removeStub(stub);
    }
  }

  private static final int FULL =
      dev.codebasechat.schema.SessionTableRules.MAX_MESSAGES_PER_SESSION;

  /** Seeds Alice's session {@code id} with as many messages as a session holds. */
  private void seedFullSession(String id) {
    String[] full = new String[FULL];
    java.util.Arrays.setAll(full, i -> "m" + i);
    fake.seedSession(ALICE, id, full);
  }

  @Test
  void anAppendToAFullSessionThisGatewayDoesNotHold_is409SessionFull_andNothingIsSetAside() {
    gateway = start();
    String id = "chat-1737201600000-fullsession";
    seedFullSession(id);

    Answer refused =
        new GatewayClient(gateway.port())
            .post(
                "/v1/sessions/" + id + "/messages",
                fake.legacyTokenFor(ALICE),
                "{\"messages\":[{\"id\":\"one-more\",\"role\":\"user\",\"content\":\"hi\"}]}");
    FlushReport report = gateway.shutdown();

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("code").asText()).isEqualTo("session_full");
    assertThat(report.isComplete()).isTrue();
    assertThat(report.setAside()).isZero();
    assertThat(storedIds(id)).hasSize(FULL).doesNotContain("one-more");
  }

  @Test
  void
      theCompatiblePost_toAFullSessionThisGatewayDoesNotHold_is409SessionFull_andNothingIsSetAside() {
    gateway = start();
    String id = "chat-1737201600000-fullcompat";
    seedFullSession(id);

    Answer refused =
        new GatewayClient(gateway.port())
            .post(
                "/api/codebase/chat",
                fake.legacyTokenFor(ALICE),
                "{\"sessionId\":\"" + id + "\",\"message\":\"one more\"}");
    FlushReport report = gateway.shutdown();

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("code").asText()).isEqualTo("session_full");
    assertThat(report.isComplete()).isTrue();
    assertThat(report.setAside()).isZero();
    assertThat(storedIds(id)).hasSize(FULL);
  }

  @Test
  void writesToASessionThisGatewayDoesNotHold_answerTheCountOfTheWholeSession() {
    gateway = start();
    String id = "chat-1737201600000-heldelsewhere";
    fake.seedSession(ALICE, id, "m1", "m2", "m3");
    GatewayClient client = new GatewayClient(gateway.port());

    Answer compatible =
        client.post(
            "/api/codebase/chat",
            fake.legacyTokenFor(ALICE),
            "{\"sessionId\":\"" + id + "\",\"message\":\"and another\"}");
    Answer rest =
        client.post(
            "/v1/sessions/" + id + "/messages",
            fake.legacyTokenFor(ALICE),
            "{\"id\":\"m5\",\"role\":\"assistant\",\"content\":\"noted\"}");

    assertThat(compatible.json().path("count").asInt()).isEqualTo(4);
    assertThat(rest.json().path("messageCount").asInt()).isEqualTo(5);
  }

  @Test
  void aTokenSignedWithTheProjectsKey_whileItsKeysCannotBeFetched_is503AuthUnavailable() {
    fake.wireMock()
        .stubFor(
            WireMock.get(WireMock.urlPathEqualTo("/auth/v1/.well-known/jwks.json"))
                .willReturn(WireMock.aResponse().withStatus(503)));
    gateway = start();

    Answer refused = new GatewayClient(gateway.port()).get("/v1/sessions", fake.tokenFor(ALICE));

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.header("Retry-After")).contains("5");
    assertThat(refused.json().path("code").asText()).isEqualTo("auth_unavailable");
    assertThat(refused.json().path("error").asText())
        .isEqualTo("the project's signing keys cannot be fetched right now; try again shortly");
  }

  @Test
  void restSession_createAppendReadRestartReadClearDelete() {
    // A debounce long enough that the append's answer is sent before its write is: on a loaded
    // machine the 20 ms of the other tests can pass before the answer is made.
    Map<String, String> env = new java.util.HashMap<>(environment(fake, dataDir));
    env.put("GATEWAY_DEBOUNCE_MS", "1000");
    gateway = start(Settings.fromEnvironment(env));
    String alice = fake.legacyTokenFor(ALICE);
    GatewayClient client = new GatewayClient(gateway.port());

    String id =
        client.post("/v1/sessions", alice, "{\"repo\":\"acme/app\"}").json().path("id").asText();
    Answer appended =
        client.post(
            "/v1/sessions/" + id + "/messages",
            alice,
            "{\"messages\":[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"hello\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]}");
    assertThat(appended.status()).isEqualTo(200);
    assertThat(appended.header("X-Session-Source")).contains("cache");
    assertThat(appended.header("X-Pending-Writes")).isNotEqualTo(java.util.Optional.of("0"));
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).equals(List.of("m1")));
    assertThat(fake.session(id).orElseThrow().userId()).isEqualTo(ALICE);
    assertThat(fake.session(id).orElseThrow().repo()).isEqualTo("acme/app");

    String expected =
        """
        {"id":"%s","repo":"acme/app","currentFile":null,"contextCache":{},"metadata":{},"messageCount":1,
         "messages":[{"id":"m1","role":"user","content":"hello","timestamp":"<time>"}],"lastActivity":"<time>"}"""
            .formatted(id);
    assertThat(withoutTimes(client.get("/v1/sessions/" + id, alice).json()))
        .isEqualTo(json(expected));

    FlushReport report = gateway.shutdown();
    assertThat(report.isComplete()).isTrue();
    gateway = start();
    client = new GatewayClient(gateway.port());

    Answer afterRestart = client.get("/v1/sessions/" + id, alice);
    assertThat(afterRestart.header("X-Session-Source")).contains("database");
    assertThat(afterRestart.header("X-Pending-Writes")).contains("0");
    assertThat(withoutTimes(afterRestart.json())).isEqualTo(json(expected));

    assertThat(
            client
                .delete("/v1/sessions/" + id + "/messages", alice)
                .json()
                .path("messageCount")
                .asInt())
        .isZero();
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).isEmpty());

    assertThat(client.delete("/v1/sessions/" + id, alice).status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() -> fake.session(id).isEmpty());
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(404);
  }

  @Test
  void compatRoutes_firstPostCreatesTheSessionInTheDatabase() {
    gateway = start();
    String alice = fake.legacyTokenFor(ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String id = "chat-1737201600000-compat01";

    Answer posted =
        client.post(
            "/api/codebase/chat",
            alice,
            "{\"sessionId\":\"%s\",\"message\":\"hello\"}".formatted(id));

    assertThat(posted.json())
        .isEqualTo(json("{\"success\":true,\"sessionId\":\"%s\",\"count\":1}".formatted(id)));
    assertThat(fake.session(id).orElseThrow().userId())
        .isEqualTo(ALICE); // created before the answer
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).size() == 1);
    JsonNodeAssertions.assertWithoutIds(
        client.get("/api/codebase/chat?sessionId=" + id, alice).json(),
        """
        {"success":true,"sessionId":"%s","count":1,"history":[{"role":"user","content":"hello","timestamp":"<time>"}]}"""
            .formatted(id));
    Answer cleared =
        client.deleteWithBody("/api/codebase/chat", alice, "{\"sessionId\":\"%s\"}".formatted(id));
    assertThat(cleared.json())
        .isEqualTo(json("{\"success\":true,\"message\":\"conversation history cleared\"}"));
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).isEmpty());
  }

  @Test
  void compatPost_idTakenByAnotherUser_is404AndChangesNothing() {
    String id = "chat-1737201600000-takenid1";
    fake.seedSession(ALICE, id, "a1");
    gateway = start();
    GatewayClient client = new GatewayClient(gateway.port());

    Answer answer =
        client.post(
            "/api/codebase/chat",
            fake.legacyTokenFor(BOB),
            "{\"sessionId\":\"%s\",\"message\":\"mine now\"}".formatted(id));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json())
        .isEqualTo(json("{\"error\":\"no such session\",\"code\":\"session_not_found\"}"));
    assertThat(gateway.store().pendingSessions()).isEmpty();
    assertThat(storedIds(id)).containsExactly("a1");
    assertThat(fake.session(id).orElseThrow().userId()).isEqualTo(ALICE);
  }

  @Test
  void compatPost_withDatabaseAcknowledgement_whileTheDatabaseFails_is503AfterTheCreation_only() {
    gateway = start(Settings.fromEnvironment(withDatabaseAcknowledgement()));
    GatewayClient client = new GatewayClient(gateway.port());
    String id = "chat-1737201600000-compat02";
    fake.goDown(Outage.CONNECTION_RESET);
    fake.clearRequests();

    Answer posted =
        client.post(
            "/api/codebase/chat",
            fake.legacyTokenFor(ALICE),
            "{\"sessionId\":\"%s\",\"message\":\"hello\"}".formatted(id));

    assertThat(posted.status()).isEqualTo(503);
    assertThat(posted.json().path("code").asText()).isEqualTo("session_unavailable");
    assertThat(fake.requests()).as("requests to the database").isNotEmpty();
    assertThat(
            fake.requests(
                request ->
                    request.isCallOf("append_chat_messages") && request.body().contains("hello")))
        .as("appends of the message tried after the session could not be created")
        .isEmpty();
  }

  private Map<String, String> withDatabaseAcknowledgement() {
    Map<String, String> environment = new java.util.HashMap<>(environment(fake, dataDir));
    environment.put("GATEWAY_ACK", "database");
    return environment;
  }

  @Test
  void legacySecretTokens_withoutSupabaseJwtSecret_are401_andTheOperatorIsToldOnce() {
    Map<String, String> withoutSecret = new java.util.HashMap<>(environment(fake, dataDir));
    withoutSecret.remove("SUPABASE_JWT_SECRET");
    gateway = start(Settings.fromEnvironment(withoutSecret));
    GatewayClient client = new GatewayClient(gateway.port());
    ch.qos.logback.classic.Logger routes =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(SessionRoutes.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    routes.addAppender(logs);
    try {
      Answer first = client.get("/v1/sessions", fake.legacyTokenFor(ALICE));
      Answer second = client.get("/v1/sessions", fake.legacyTokenFor(BOB));
      Answer signedWithTheProjectsKey = client.get("/v1/sessions", fake.tokenFor(ALICE));

      assertThat(List.of(first, second))
          .allSatisfy(answer -> assertThat(answer.status()).isEqualTo(401));
      assertThat(signedWithTheProjectsKey.status()).isEqualTo(200);
      assertThat(logs.list)
          .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .filteredOn(line -> line.contains("SUPABASE_JWT_SECRET"))
          .hasSize(1)
          .allSatisfy(line -> assertThat(line).contains("set SUPABASE_JWT_SECRET"));
    } finally {
      routes.detachAppender(logs);
    }
  }

  @Test
  void databaseDown_each503SaysWhatCouldNotBeDone_readingTheList_aSession_orChangingOne() {
    gateway = start();
    String alice = fake.legacyTokenFor(ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String unknown = "/v1/sessions/chat-1737201600000-unknown02";
    fake.goDown(Outage.CONNECTION_REFUSED);

    Answer list = client.get("/v1/sessions", alice);
    Answer read = client.get(unknown, alice);
    Answer append =
        client.post(
            unknown + "/messages", alice, "{\"id\":\"m1\",\"role\":\"user\",\"content\":\"x\"}");
    Answer patch = client.patch(unknown, alice, "{\"repo\":\"acme/app\"}");

    assertThat(List.of(list, read, append, patch))
        .allSatisfy(
            answer -> {
              assertThat(answer.status()).isEqualTo(503);
              assertThat(answer.json().path("code").asText()).isEqualTo("session_unavailable");
            });
    assertThat(list.json().path("error").asText())
        .isEqualTo(
            "the session list cannot be read right now: the database is unreachable; try again"
                + " later");
    assertThat(read.json().path("error").asText())
        .isEqualTo(
            "the session cannot be read right now: the database is unreachable and this gateway"
                + " holds no copy of it; try again later");
    assertThat(List.of(append, patch))
        .allSatisfy(
            answer ->
                assertThat(answer.json().path("error").asText())
                    .isEqualTo(
                        "the change cannot be made right now: the database is unreachable; try"
                            + " again later (a message sent again with the same id is never"
                            + " stored twice)"));
  }

  @Test
  void databaseDown_heldSessionsAnswerFromCache_unknownOnes503_appendsConfirmedAfterwards() {
    gateway = start();
    String alice = fake.legacyTokenFor(ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String id = client.post("/v1/sessions", alice, "").json().path("id").asText();
    client.post(
        "/v1/sessions/" + id + "/messages",
        alice,
        "{\"id\":\"m1\",\"role\":\"user\",\"content\":\"before\"}");
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).equals(List.of("m1")));
    // Read once the write is confirmed: from then on the gateway holds the database's copy (the
    // read itself comes from the cache or, when confirming dropped the cached copy, the database).
    assertThat(client.get("/v1/sessions/" + id, alice).header("X-Session-Source").orElseThrow())
        .isIn("database", "cache");

    fake.goDown(Outage.CONNECTION_REFUSED);

    Answer held = client.get("/v1/sessions/" + id, alice);
    assertThat(held.status()).isEqualTo(200);
    assertThat(held.header("X-Session-Source").orElseThrow()).isIn("cache", "local");
    assertThat(held.json().path("messageCount").asInt()).isEqualTo(1);

    Answer unknown = client.get("/v1/sessions/chat-1737201600000-unknown01", alice);
    assertThat(unknown.status()).isEqualTo(503);
    assertThat(unknown.header("Retry-After")).isPresent();
    assertThat(unknown.json().path("code").asText()).isEqualTo("session_unavailable");
    assertThat(unknown.json().path("retryAfterSeconds").asLong()).isPositive();

    Answer appended =
        client.post(
            "/v1/sessions/" + id + "/messages",
            alice,
            "{\"id\":\"m2\",\"role\":\"assistant\",\"content\":\"during\"}");
    assertThat(appended.status()).isEqualTo(200);
    assertThat(appended.json().path("messageCount").asInt()).isEqualTo(2);
    assertThat(Integer.parseInt(appended.header("X-Pending-Writes").orElseThrow())).isPositive();
    Answer compatNew =
        client.post(
            "/api/codebase/chat",
            alice,
            "{\"sessionId\":\"chat-1737201600000-offline01\",\"message\":\"offline\"}");
    assertThat(compatNew.status()).isEqualTo(200);

    Answer ready =
        client.send("GET", "/readyz", java.util.Optional.empty(), java.util.Optional.empty());
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().path("pendingWrites").asInt()).isPositive();
    assertThat(ready.json().path("journal").path("pendingEntries").asInt()).isPositive();

    fake.goUp();

    await().atMost(Duration.ofSeconds(30)).until(() -> storedIds(id).equals(List.of("m1", "m2")));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> storedIds("chat-1737201600000-offline01").size() == 1);
    assertThat(fake.session("chat-1737201600000-offline01").orElseThrow().userId())
        .isEqualTo(ALICE);
  }

  @Test
  void writesLeftInTheJournal_areDeliveredByTheNextStart_whenTheOwnerComesBack() {
    gateway = start();
    String alice = fake.legacyTokenFor(ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String id = client.post("/v1/sessions", alice, "").json().path("id").asText();
    await().atMost(Duration.ofSeconds(20)).until(() -> fake.session(id).isPresent());
    client.get("/v1/sessions/" + id, alice);
    fake.goDown(Outage.CONNECTION_REFUSED);
    client.post(
        "/v1/sessions/" + id + "/messages",
        alice,
        "{\"id\":\"kept1\",\"role\":\"user\",\"content\":\"kept\"}");

    FlushReport report = gateway.shutdown();

    assertThat(report.isComplete()).isFalse();
    assertThat(report.pending()).extracting(p -> p.sessionId().value()).containsExactly(id);
    fake.goUp();
    gateway = start();
    new GatewayClient(gateway.port())
        .get("/v1/sessions/" + id, alice); // the owner presents a token
    await().atMost(Duration.ofSeconds(30)).until(() -> storedIds(id).equals(List.of("kept1")));
  }

  @Test
  void refusalsFromTheDatabase_areMappedToTheirStatus_neverPassedOnRaw() {
    gateway = start();
    GatewayClient client = new GatewayClient(gateway.port());
    String alice = fake.legacyTokenFor(ALICE);
    record Refusal(int status, String body, int expectedStatus, String expectedCode) {}
    List<Refusal> refusals =
        List.of(
            new Refusal(
                409,
                "{\"code\":\"23505\",\"details\":null,\"hint\":null,\"message\":\"duplicate key value violates unique constraint\"}",
                409,
                "conflict"),
            new Refusal(
                409,
                "{\"code\":\"23503\",\"details\":null,\"hint\":null,\"message\":\"insert or update on table \\\"codebase_chat_messages\\\" violates foreign key constraint \\\"codebase_chat_messages_session_row_id_fkey\\\"\"}",
                409,
                "conflict"),
            new Refusal(
                409,
                "{\"code\":\"23503\",\"details\":null,\"hint\":null,\"message\":\"insert or update on table \\\"codebase_chat_sessions\\\" violates foreign key constraint \\\"codebase_chat_sessions_user_id_fkey\\\"\"}",
                401,
                "invalid_token"),
            new Refusal(
                403,
                "{\"code\":\"42501\",\"details\":null,\"hint\":null,\"message\":\"permission denied for table codebase_chat_sessions\"}",
                403,
                "forbidden"),
            new Refusal(
                400,
                "{\"code\":\"22P02\",\"details\":null,\"hint\":null,\"message\":\"invalid input syntax\"}",
                400,
                "rejected"),
            new Refusal(
                401,
                "{\"code\":\"PGRST301\",\"details\":null,\"hint\":null,\"message\":\"JWSError JWSInvalidSignature\"}",
                401,
                "invalid_token"),
            new Refusal(
                500,
                "{\"code\":\"XX000\",\"details\":null,\"hint\":null,\"message\":\"internal error\"}",
                502,
                "database_error"));
    int n = 0;
    for (Refusal refusal : refusals) {
      var stub =
          fake.wireMock()
              .stubFor(
                  com.github.tomakehurst.wiremock.client.WireMock.get(
                          com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                              "/rest/v1/codebase_chat_sessions"))
                      .atPriority(1)
                      .willReturn(
                          com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                              .withStatus(refusal.status())
                              .withHeader("Content-Type", "application/json; charset=utf-8")
                              .withBody(refusal.body())));

      Answer answer = client.get("/v1/sessions/chat-1737201600000-refused0" + n++, alice);

      assertThat(answer.status()).as(refusal.body()).isEqualTo(refusal.expectedStatus());
      assertThat(answer.json().path("code").asText()).isEqualTo(refusal.expectedCode());
      assertThat(answer.text())
          .doesNotContain(refusal.body())
          .doesNotContain("PGRST")
          .doesNotContain(alice);
      fake.wireMock().removeStub(stub);
    }
  }

  @Test
  void metrics_showRequestsByRouteTemplateAndTheStoreGauges() {
    gateway = start();
    GatewayClient client = new GatewayClient(gateway.port());
    client.get("/v1/sessions/chat-1737201600000-metrics01", fake.legacyTokenFor(ALICE));

    // A request is counted when Undertow completes its exchange, just after the client has read
    // the last byte: a scrape sent at once may not see it yet.
    Answer metrics =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    client.send(
                        "GET", "/metrics", java.util.Optional.empty(), java.util.Optional.empty()),
                m -> m.text().contains("route=\"/v1/sessions/{id}\",status=\"404\""));

    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.header("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(metrics.text())
        .contains(
            "http_server_requests_seconds_count{method=\"GET\",route=\"/v1/sessions/{id}\",status=\"404\"}")
        .contains("sessions_pending_writes")
        .contains("sessions_pending_oldest_age_seconds")
        .containsPattern("sessions_flush_limit [0-9.]+")
        .contains("resilience4j_circuitbreaker_state")
        .contains("postgrest_requests")
        .doesNotContain("chat-1737201600000-metrics01");
  }
}
