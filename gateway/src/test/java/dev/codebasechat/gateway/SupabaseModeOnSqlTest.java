package dev.codebasechat.gateway;

import static dev.codebasechat.gateway.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway in Supabase mode over real SQL (the migrations behind the PostgREST-compatible test
 * server), on the paths real clients take: a chat that only writes is held, so an outage right
 * after writes costs its owner nothing; writes never download a history; a hanging database costs a
 * caller at most the database timeout; and the smaller answers users saw wrong.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SupabaseModeOnSqlTest {
  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @TempDir Path dataDir;
  private Gateway gateway;

  @AfterEach
  void stop() {
    supabase.clearFaults();
    if (gateway != null) {
      gateway.close();
    }
  }

  private GatewayClient start() {
    return start(Clock.systemUTC());
  }

  private GatewayClient start(Clock clock) {
    return start(clock, Map.of());
  }

  private GatewayClient start(Clock clock, Map<String, String> more) {
    Map<String, String> env =
        new java.util.HashMap<>(
            Map.of(
                "SUPABASE_URL",
                supabase.baseUrl(),
                "SUPABASE_ANON_KEY",
                supabase.apiKey(),
                "DATA_DIR",
                dataDir.toString(),
                "GATEWAY_DEBOUNCE_MS",
                "20",
                "GATEWAY_BREAKER_OPEN_SECONDS",
                "1"));
    env.putAll(more);
    gateway =
        Gateway.builder(Settings.fromEnvironment(env))
            .clock(clock)
            .host("127.0.0.1")
            .port(0)
            .flushTimeout(Duration.ofSeconds(5))
            .start();
    return new GatewayClient(gateway.port());
  }

  /**
   * The system's time, one microsecond later than its last answer when the system's has not moved.
   */
  private static final class AlwaysLater extends Clock {
    private final AtomicReference<Instant> last = new AtomicReference<>(Instant.EPOCH);

    @Override
    public Instant instant() {
      Instant now = Instant.now();
      return last.updateAndGet(previous -> now.isAfter(previous) ? now : previous.plusNanos(1_000));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }
  }

  private static int stored(String id) {
    return supabase
        .queryOneAsOwner(
            "select message_count from public.codebase_chat_sessions where session_id = ?", id)
        .map(Integer::parseInt)
        .orElse(-1);
  }

  private static String message(String id) {
    return "{\"id\":\"" + id + "\",\"role\":\"user\",\"content\":\"text of " + id + "\"}";
  }

  private static List<RecordedRequest> historyDownloads() {
    return supabase.requests(
        r ->
            r.method().equals("GET")
                && r.isOnTable("codebase_chat_sessions")
                && r.query().contains("conversation_history"));
  }

  // ------------------------------------------------------------------ outage right after writes

  @ParameterizedTest(name = "{0} appends")
  @ValueSource(ints = {3, 40})
  void restChat_thatOnlyWrote_isServedThroughAnOutage_andItsWritesArriveAfterwards(int appends) {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    for (int i = 0; i < appends; i++) {
      assertThat(client.post("/v1/sessions/" + id + "/messages", token, message("m" + i)).status())
          .isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == appends);
    supabase.goDown(Outage.DATABASE_UNAVAILABLE);

    Answer during = client.post("/v1/sessions/" + id + "/messages", token, message("during"));
    Answer read = client.get("/v1/sessions/" + id, token);

    assertThat(during.status()).as(during.text()).isEqualTo(200);
    assertThat(read.status()).as(read.text()).isEqualTo(200);
    assertThat(read.header("X-Session-Source").orElseThrow()).isIn("cache", "local");
    assertThat(read.json().path("messageCount").asInt()).isEqualTo(appends + 1);
    supabase.goUp();
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == appends + 1);
    assertThat(historyDownloads()).isEmpty();
  }

  @Test
  void compatibleChat_thatOnlyWrote_isServedThroughAnOutage() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = "chat-1737201600000-onlywrite";
    for (int i = 0; i < 3; i++) {
      assertThat(
              client
                  .post(
                      "/api/codebase/chat",
                      token,
                      "{\"sessionId\":\"" + id + "\",\"message\":\"q" + i + "\"}")
                  .status())
          .isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == 3);
    supabase.goDown(Outage.CONNECTION_REFUSED);

    Answer during =
        client.post(
            "/api/codebase/chat", token, "{\"sessionId\":\"" + id + "\",\"message\":\"q3\"}");
    Answer history = client.get("/api/codebase/chat?sessionId=" + id, token);

    assertThat(during.status()).isEqualTo(200);
    assertThat(history.status()).isEqualTo(200);
    assertThat(history.json().path("count").asInt()).isEqualTo(4);
    assertThat(historyDownloads()).isEmpty();
  }

  @Test
  void aTokenWhoseUserWasDeleted_is401SayingSo_notAConflictOfTheSession() throws Exception {
    GatewayClient client = start();
    java.util.UUID user = supabase.newUser();
    String token = supabase.tokenFor(user);
    supabase.database().executeAsOwner("delete from auth.users where id = ?", user);
    String id = "chat-1737201600000-usergone";

    Answer refused =
        client.post(
            "/api/codebase/chat", token, "{\"sessionId\":\"" + id + "\",\"message\":\"q\"}");

    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json())
        .isEqualTo(
            json(
                "{\"error\":\"the user of this access token no longer exists in the project"
                    + " (deleted after the token was issued); nothing was saved\","
                    + "\"code\":\"invalid_token\"}"));
    assertThat(refused.header("WWW-Authenticate"))
        .hasValueSatisfying(
            challenge ->
                assertThat(challenge)
                    .contains("error=\"invalid_token\"")
                    .contains("no longer exists"));
    assertThat(stored(id)).isEqualTo(-1);
  }

  // ------------------------------------------------------------------ bytes

  @Test
  void writesToASessionAnotherGatewayWrote_downloadNoHistory_onEitherRouteFamily() {
    String token = supabase.tokenFor(supabase.newUser());
    String id = "chat-1737201600000-longchat1";
    GatewayClient first = start();
    StringBuilder batch = new StringBuilder("{\"messages\":[");
    for (int i = 0; i < 300; i++) {
      batch.append(i == 0 ? "" : ",").append(message("old" + i));
    }
    first.post("/api/codebase/chat", token, "{\"sessionId\":\"" + id + "\",\"message\":\"start\"}");
    first.post("/v1/sessions/" + id + "/messages", token, batch.append("]}").toString());
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == 301);
    gateway.close();
    supabase.clearRequests();
    GatewayClient second = start(); // a restart: the same journal, nothing held

    assertThat(second.post("/v1/sessions/" + id + "/messages", token, message("rest1")).status())
        .isEqualTo(200);
    assertThat(
            second
                .post(
                    "/api/codebase/chat",
                    token,
                    "{\"sessionId\":\"" + id + "\",\"message\":\"compat1\"}")
                .status())
        .isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == 303);

    assertThat(historyDownloads()).isEmpty();
    long received = supabase.requests().stream().mapToLong(RecordedRequest::bytesSent).sum();
    assertThat(received).as("bytes the gateway received from the database").isLessThan(3_000);
  }

  // ------------------------------------------------------------------ a hanging database

  @Test
  void hangingDatabase_readOfASessionNotHeld_is503WithRetryAfter_andAHeldSessionIsStillAnswered() {
    // A short database timeout, for this test alone: a PostgreSQL slowed by a loaded machine would
    // turn the other tests' answers into 503s.
    GatewayClient client = start(Clock.systemUTC(), Map.of("GATEWAY_DATABASE_TIMEOUT_MS", "500"));
    String token = supabase.tokenFor(supabase.newUser());
    String held = client.post("/v1/sessions", token, "").json().path("id").asText();
    client.post("/v1/sessions/" + held + "/messages", token, message("m1"));
    supabase.goDown(Outage.NO_ANSWER);

    Answer unknown = client.get("/v1/sessions/chat-1737201600000-nothere01", token);
    Answer append = client.post("/v1/sessions/" + held + "/messages", token, message("m2"));
    Answer read = client.get("/v1/sessions/" + held, token);

    assertThat(unknown.status()).isEqualTo(503);
    assertThat(unknown.json().path("code").asText()).isEqualTo("session_unavailable");
    assertThat(unknown.header("Retry-After")).isPresent();
    assertThat(append.status()).isEqualTo(200);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().path("messageCount").asInt()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ a full session

  @Test
  void fullSessionNotHeld_itsFirstAppendIsSetAside_theNextIs409SessionFull_andAClearMakesRoom() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    for (int batch = 0; batch < 40; batch++) { // 500 messages a request, 20 000 in all
      StringBuilder messages = new StringBuilder("{\"messages\":[");
      for (int i = 0; i < 500; i++) {
        messages.append(i == 0 ? "" : ",").append(message("b" + batch + "m" + i));
      }
      client.post("/v1/sessions/" + id + "/messages", token, messages.append("]}").toString());
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> stored(id) == 20_000);
    gateway.close();
    client = start(); // a restart: nothing of the session is held

    Answer acknowledged = client.post("/v1/sessions/" + id + "/messages", token, message("over1"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> gateway.store().setAsideWrites().size() == 1);
    Answer refused = client.post("/v1/sessions/" + id + "/messages", token, message("over2"));
    Answer cleared = client.delete("/v1/sessions/" + id + "/messages", token);
    Answer afterClear = client.post("/v1/sessions/" + id + "/messages", token, message("fresh"));
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == 1);

    assertThat(acknowledged.status()).isEqualTo(200);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("code").asText()).isEqualTo("session_full");
    assertThat(refused.json().path("error").asText()).startsWith("the session is full");
    assertThat(cleared.status()).isEqualTo(200);
    assertThat(afterClear.status()).isEqualTo(200);
    assertThat(gateway.store().setAsideWrites()).hasSize(1);
  }

  @Test
  void sessionHoldingAMessageLongerThanTheGatewayTakes_is502DatabaseError_notTheCallersMistake()
      throws Exception {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = "chat-1737201600000-pastedfile";
    String message =
        "{\"id\":\"pasted\",\"role\":\"user\",\"content\":\""
            + "x".repeat(300_000)
            + "\",\"timestamp\":\"2026-01-01T00:00:00Z\"}";
    // Another client of the project writes through the table's own function, which takes it.
    java.net.http.HttpResponse<String> written =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(supabase.restUrl() + "/rpc/append_chat_messages"))
                    .header("apikey", supabase.apiKey())
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(
                        java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"p_session_id\":\"" + id + "\",\"p_messages\":[" + message + "]}"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

    Answer read = client.get("/v1/sessions/" + id, token);

    assertThat(written.statusCode()).isEqualTo(200);
    assertThat(read.status()).isEqualTo(502);
    assertThat(read.json().path("code").asText()).isEqualTo("database_error");
  }

  // ------------------------------------------------------------------ smaller defects

  @Test
  void lastActivity_ofAHeldSession_movesWithItsAppendsAndPatches() throws Exception {
    GatewayClient client = start(new AlwaysLater()); // every stamp later than the one before
    String token = supabase.tokenFor(supabase.newUser());
    JsonNode created = client.post("/v1/sessions", token, "").json();
    String id = created.path("id").asText();
    String before = created.path("lastActivity").asText();
    for (int i = 0; i < 4; i++) {
      client.post("/v1/sessions/" + id + "/messages", token, message("m" + i));
    }
    String afterAppends =
        client.get("/v1/sessions/" + id, token).json().path("lastActivity").asText();
    client.patch("/v1/sessions/" + id, token, "{\"repo\":\"acme/web\"}");
    Answer afterPatch = client.get("/v1/sessions/" + id, token);

    assertThat(afterAppends).isGreaterThan(before);
    assertThat(afterPatch.json().path("lastActivity").asText()).isGreaterThan(afterAppends);
    String listed =
        client
            .get("/v1/sessions", token)
            .json()
            .path("sessions")
            .get(0)
            .path("lastActivity")
            .asText();
    // The listing reads the database, which stamps the patch when the write-behind delivers it:
    // within the debounce window (and a request) of the held copy's stamp, not a second apart.
    Instant heldStamp =
        OffsetDateTime.parse(afterPatch.json().path("lastActivity").asText()).toInstant();
    Instant listedStamp = OffsetDateTime.parse(listed).toInstant();
    assertThat(Duration.between(heldStamp, listedStamp).abs()).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void patchWithNull_clearsTheField_andTheDatabaseAgrees() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id =
        client
            .post("/v1/sessions", token, "{\"repo\":\"acme/web\",\"currentFile\":\"a.ts\"}")
            .json()
            .path("id")
            .asText();

    Answer patched = client.patch("/v1/sessions/" + id, token, "{\"repo\":null}");

    assertThat(patched.status()).as(patched.text()).isEqualTo(200);
    assertThat(patched.json().path("repo").isNull()).isTrue();
    assertThat(patched.json().path("currentFile").asText()).isEqualTo("a.ts");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                supabase
                    .queryAsOwner(
                        "select coalesce(repo, '<null>') || '|' || current_file from public.codebase_chat_sessions where session_id = ?",
                        id)
                    .equals(List.of("<null>|a.ts")));
    Answer nullCache = client.patch("/v1/sessions/" + id, token, "{\"contextCache\":null}");
    assertThat(nullCache.status()).isEqualTo(400);
    assertThat(nullCache.json().path("error").asText()).contains("send {} to empty it");
  }

  @Test
  void truncatedJson_saysWhatIsWrongAndWhere_inWords() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());

    Answer answer = client.post("/v1/sessions", token, "{\"repo\": \"acme/web\"");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("error").asText())
        .isEqualTo(
            "the request body is not valid JSON: it ends before every object and array is closed (line 1, column 20)");
  }

  @Test
  void compatiblePost_withAnEmptyMessage_saysItIsEmpty_notMissing() {
    GatewayClient client = start();

    Answer answer =
        client.post(
            "/api/codebase/chat",
            supabase.tokenFor(supabase.newUser()),
            "{\"sessionId\":\"chat-1737201600000-emptymsg1\",\"message\":\"\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json())
        .isEqualTo(
            json(
                "{\"error\":\"message must not be empty: send the text of the user's message\",\"code\":\"invalid_field\"}"));
  }

  @Test
  void everyTime_isWrittenWithMicroseconds() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    client.post("/v1/sessions/" + id + "/messages", token, message("m1"));
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == 1);

    JsonNode session = client.get("/v1/sessions/" + id, token).json();
    JsonNode listed = client.get("/v1/sessions", token).json().path("sessions").get(0);

    String micros = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z";
    assertThat(session.path("messages").get(0).path("timestamp").asText()).matches(micros);
    assertThat(session.path("lastActivity").asText()).matches(micros);
    assertThat(listed.path("lastActivity").asText()).matches(micros);
    assertThat(listed.path("createdAt").asText()).matches(micros);
  }

  /** The writes set aside, as {@code /readyz} reports them. */
  private static int setAsideWrites(GatewayClient client) {
    return client
        .send("GET", "/readyz", java.util.Optional.empty(), java.util.Optional.empty())
        .json()
        .path("setAsideWrites")
        .asInt();
  }

  /** {@code n} small numbers as a JSON array: 2 bytes each as text, 12 as PostgreSQL's jsonb. */
  private static String numbers(int n) {
    return "[" + String.join(",", java.util.Collections.nCopies(n, "1")) + "]";
  }

  @Test
  void messageLargerAsStoredThanAsSent_isRefusedBeforeItIsSaved_andNothingIsSetAside() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();

    Answer refused =
        client.post(
            "/v1/sessions/" + id + "/messages",
            token,
            "{\"role\":\"assistant\",\"content\":\"x\",\"code\":" + numbers(90_000) + "}");
    client.post("/v1/sessions/" + id + "/messages", token, message("m1"));
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(id) == 1);

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_field");
    assertThat(refused.json().path("error").asText())
        .startsWith(
            "messages[0] must be at most 1048576 bytes of JSON as PostgreSQL stores it (jsonb)");
    assertThat(setAsideWrites(client)).isZero();
  }

  @Test
  void contextCacheLargerAsStoredThanAsSent_isRefusedBeforeItIsSaved_andTheOldOneStays() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    client.patch("/v1/sessions/" + id, token, "{\"contextCache\":{\"open\":\"pom.xml\"}}");

    Answer refused =
        client.patch(
            "/v1/sessions/" + id, token, "{\"contextCache\":{\"lines\":" + numbers(100_000) + "}}");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json())
        .isEqualTo(
            json(
                "{\"error\":\"contextCache must be at most 1048576 bytes of JSON as PostgreSQL"
                    + " stores it (jsonb) but takes 1200028\",\"code\":\"invalid_field\"}"));
    assertThat(client.get("/v1/sessions/" + id, token).json().path("contextCache"))
        .isEqualTo(json("{\"open\":\"pom.xml\"}"));
    assertThat(setAsideWrites(client)).isZero();
  }

  @Test
  void contextCacheWithANumberBeyondADouble_isRefused_notStoredAsTheTextInfinity() {
    GatewayClient client = start();
    String token = supabase.tokenFor(supabase.newUser());
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();

    Answer refused = client.patch("/v1/sessions/" + id, token, "{\"contextCache\":{\"n\":1e400}}");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .startsWith("contextCache holds Infinity, which PostgreSQL's jsonb cannot store");
    assertThat(client.get("/v1/sessions/" + id, token).json().path("contextCache"))
        .isEqualTo(json("{}"));
  }
}
