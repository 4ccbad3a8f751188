package dev.codebasechat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.PostgresMajor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as users deploy it in Supabase mode: child processes of {@code serve}, configured by
 * environment variables, in front of real PostgreSQL with the migrations and RLS, behind the
 * PostgREST-compatible test server; driven over HTTP as a chat client drives it. What each scenario
 * sent to the database is appended to {@code target/test-logs/e2e-traffic.tsv}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class SupabaseModeScenarios {
  static final Duration DELIVERY = Duration.ofSeconds(30);

  SupabaseTestServer supabase;
  @TempDir Path dataDir;
  private final List<GatewayProcess> gateways = new ArrayList<>();
  private String scenario = "";

  abstract PostgresMajor major();

  @BeforeAll
  void startDatabase() {
    supabase = SupabaseTestServer.builder().postgres(major()).build().start();
  }

  @AfterAll
  void stopDatabase() {
    supabase.close();
  }

  @BeforeEach
  void emptyDatabase(TestInfo test) {
    supabase.reset();
    scenario = getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void stopGatewaysAndRecordTraffic() {
    gateways.forEach(GatewayProcess::close);
    TrafficLog.record(scenario, supabase.requests());
  }

  GatewayProcess gateway(Map<String, String> env) {
    GatewayProcess gateway = GatewayProcess.start(env);
    gateways.add(gateway);
    return gateway;
  }

  Map<String, String> env() {
    return GatewayProcess.supabaseMode(supabase, dataDir);
  }

  int storedCount(String sessionId) {
    return supabase
        .queryOneAsOwner(
            "select message_count from public.codebase_chat_sessions where session_id = ?",
            sessionId)
        .map(Integer::parseInt)
        .orElse(-1);
  }

  List<String> storedIds(String sessionId) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history)"
            + " with ordinality as h(m, n) where s.session_id = ? order by h.n",
        sessionId);
  }

  /** Waits until the gateway says every write it acknowledged is confirmed ({@code /readyz}). */
  static void awaitNothingPending(GatewayProcess gateway) {
    gateway.awaitOrExplain(
        DELIVERY,
        () ->
            gateway
                    .client()
                    .send("GET", "/readyz", java.util.Optional.empty(), java.util.Optional.empty())
                    .json()
                    .path("pendingWrites")
                    .asInt(-1)
                == 0,
        "every acknowledged write is confirmed");
  }

  static String message(String id, String content) {
    return "{\"id\":\"" + id + "\",\"role\":\"user\",\"content\":\"" + content + "\"}";
  }

  static String createSession(GatewayClient client, String token) {
    Answer created = client.post("/v1/sessions", token, "{\"repo\":\"acme/web\"}");
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    return created.json().path("id").asText();
  }

  // ------------------------------------------------------------------ scenarios

  /**
   * A chat that only writes, on both route families: the REST session id and the compatible one.
   */
  private record WriteOnlyChat(String restId, String compatId, String token) {}

  private WriteOnlyChat writeOnlyChat(GatewayClient client) {
    String token = supabase.tokenFor(supabase.newUser());
    String restId = createSession(client, token);
    String compatId =
        "chat-1737201600000-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    for (int i = 0; i < 3; i++) {
      assertThat(
              client
                  .post(
                      "/v1/sessions/" + restId + "/messages", token, message("r" + i, "rest " + i))
                  .status())
          .isEqualTo(200);
      assertThat(
              client
                  .post(
                      "/api/codebase/chat",
                      token,
                      "{\"sessionId\":\"" + compatId + "\",\"message\":\"compat " + i + "\"}")
                  .status())
          .isEqualTo(200);
    }
    return new WriteOnlyChat(restId, compatId, token);
  }

  /**
   * During an outage the chat goes on as if nothing happened; afterwards the database has it all.
   */
  private void chatGoesOnThrough(GatewayProcess gateway, WriteOnlyChat chat, Outage outage) {
    GatewayClient client = gateway.client();
    supabase.goDown(outage);

    Answer restAppend =
        client.post(
            "/v1/sessions/" + chat.restId() + "/messages", chat.token(), message("r3", "during"));
    Answer restRead = client.get("/v1/sessions/" + chat.restId(), chat.token());
    Answer compatPost =
        client.post(
            "/api/codebase/chat",
            chat.token(),
            "{\"sessionId\":\"" + chat.compatId() + "\",\"message\":\"during\"}");
    Answer compatRead = client.get("/api/codebase/chat?sessionId=" + chat.compatId(), chat.token());

    assertThat(restAppend.status()).as(restAppend.text()).isEqualTo(200);
    assertThat(restRead.status()).as(restRead.text()).isEqualTo(200);
    assertThat(restRead.json().path("messageCount").asInt()).isEqualTo(4);
    assertThat(compatPost.status()).as(compatPost.text()).isEqualTo(200);
    assertThat(compatRead.status()).as(compatRead.text()).isEqualTo(200);
    assertThat(compatRead.json().path("count").asInt()).isEqualTo(4);
    supabase.goUp();
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedCount(chat.restId()) == 4 && storedCount(chat.compatId()) == 4,
        "the writes of the outage reach the database");
    assertThat(storedIds(chat.restId())).containsExactly("r0", "r1", "r2", "r3");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(
      value = Outage.class,
      names = {"DATABASE_UNAVAILABLE", "CONNECTION_REFUSED", "NO_ANSWER"})
  void writeOnlyChat_goesOnThroughAnOutage_onBothRouteFamilies(Outage outage) {
    Map<String, String> env = env();
    env.put("GATEWAY_DATABASE_TIMEOUT_MS", "1000");
    GatewayProcess gateway = gateway(env);
    WriteOnlyChat chat = writeOnlyChat(gateway.client());
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedCount(chat.restId()) == 3 && storedCount(chat.compatId()) == 3,
        "the chat reaches the database");

    chatGoesOnThrough(gateway, chat, outage);
  }

  @Test
  void writeOnlyChat_afterARestart_goesOnThroughAnOutage_fromTheJournalsCopy()
      throws InterruptedException {
    Map<String, String> env = env();
    GatewayProcess gateway = gateway(env);
    WriteOnlyChat chat = writeOnlyChat(gateway.client());
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedCount(chat.restId()) == 3 && storedCount(chat.compatId()) == 3,
        "the chat reaches the database");
    assertThat(gateway.sigterm()).isZero();

    GatewayProcess restarted = gateway(env);
    chatGoesOnThrough(restarted, chat, Outage.DATABASE_UNAVAILABLE);
  }

  @Test
  void fiveHundredMessageConversation_costsTheDatabaseItsNewMessagesOnly_inBothDirections() {
    GatewayProcess gateway = gateway(env());
    GatewayClient client = gateway.client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    supabase.clearRequests();
    long messageBytes = 0;
    for (int i = 0; i < 500; i++) {
      // Questions of a sentence, answers of a few paragraphs, as in a codebase chat.
      String content =
          (i % 2 == 0
              ? "How does the journal keep message " + i + "?"
              : "x".repeat(1200) + " answer " + i);
      String body =
          "{\"id\":\"c"
              + i
              + "\",\"role\":\""
              + (i % 2 == 0 ? "user" : "assistant")
              + "\",\"content\":\""
              + content
              + "\"}";
      messageBytes += body.length();
      assertThat(client.post("/v1/sessions/" + id + "/messages", token, body).status())
          .isEqualTo(200);
    }
    gateway.awaitOrExplain(
        DELIVERY, () -> storedCount(id) == 500, "the conversation reaches the database");

    List<dev.codebasechat.testing.RecordedRequest> traffic = supabase.requests();
    long toDatabase =
        traffic.stream().mapToLong(dev.codebasechat.testing.RecordedRequest::bytesReceived).sum();
    long fromDatabase =
        traffic.stream().mapToLong(dev.codebasechat.testing.RecordedRequest::bytesSent).sum();
    System.out.printf(
        "500-message conversation: %d requests to the database, %d bytes to it, %d bytes from it; messages %d bytes%n",
        traffic.size(), toDatabase, fromDatabase, messageBytes);
    assertThat(fromDatabase)
        .as("bytes received per appended message ≤ 2× its own")
        .isLessThanOrEqualTo(2 * messageBytes);
    assertThat(toDatabase)
        .as("bytes sent: the messages once, plus per-request overhead")
        .isLessThan(messageBytes * 2);
    assertThat(traffic)
        .noneMatch(r -> r.method().equals("GET") && r.query().contains("conversation_history"));
  }

  @Test
  void normalChat_throughBothRouteFamilies_reachesTheDatabase() {
    GatewayProcess gateway = gateway(env());
    GatewayClient client = gateway.client();
    UUID alice = supabase.newUser();
    String token = supabase.tokenFor(alice);

    String id = createSession(client, token);
    for (int i = 1; i <= 3; i++) {
      assertThat(
              client
                  .post("/v1/sessions/" + id + "/messages", token, message("m" + i, "hello " + i))
                  .status())
          .isEqualTo(200);
    }
    Answer compatible =
        client.post(
            "/api/codebase/chat",
            token,
            "{\"sessionId\":\"chat-1737201600000-compat01\",\"message\":\"How do I read a file?\"}");

    assertThat(compatible.status()).as(compatible.text()).isEqualTo(200);
    assertThat(compatible.json().path("count").asInt()).isEqualTo(1);
    JsonNode read = client.get("/v1/sessions/" + id, token).json();
    assertThat(read.path("messages"))
        .extracting(m -> m.path("id").asText())
        .containsExactly("m1", "m2", "m3");
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedIds(id).equals(List.of("m1", "m2", "m3")),
        "the messages reach the database");
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedCount("chat-1737201600000-compat01") == 1,
        "the compatible message reaches the database");
    assertThat(
            supabase.queryOneAsOwner(
                "select user_id::text from public.codebase_chat_sessions where session_id = ?", id))
        .contains(alice.toString());
    JsonNode history =
        client.get("/api/codebase/chat?sessionId=chat-1737201600000-compat01", token).json();
    assertThat(history.path("history").get(0).path("content").asText())
        .isEqualTo("How do I read a file?");
    JsonNode list = client.get("/v1/sessions", token).json();
    assertThat(list.path("total").asInt()).isEqualTo(2);

    assertThat(
            client
                .deleteWithBody(
                    "/api/codebase/chat", token, "{\"sessionId\":\"chat-1737201600000-compat01\"}")
                .status())
        .isEqualTo(200);
    assertThat(client.delete("/v1/sessions/" + id, token).status()).isEqualTo(200);
    gateway.awaitOrExplain(
        DELIVERY, () -> storedCount(id) == -1, "the deleted session leaves the database");
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedCount("chat-1737201600000-compat01") == 0,
        "the cleared history reaches the database");
  }

  @Test
  void anotherUser_findsNothingOnAnyRoute_andChangesNothing() {
    GatewayProcess gateway = gateway(env());
    GatewayClient client = gateway.client();
    String alice = supabase.tokenFor(supabase.newUser());
    String bob = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, alice);
    client.post("/v1/sessions/" + id + "/messages", alice, message("a1", "private"));
    gateway.awaitOrExplain(
        DELIVERY, () -> storedCount(id) == 1, "alice's message reaches the database");

    assertThat(client.get("/v1/sessions/" + id, bob).status()).isEqualTo(404);
    assertThat(
            client
                .post("/v1/sessions/" + id + "/messages", bob, message("b1", "mine now"))
                .status())
        .isEqualTo(404);
    assertThat(client.patch("/v1/sessions/" + id, bob, "{\"repo\":\"stolen\"}").status())
        .isEqualTo(404);
    assertThat(client.delete("/v1/sessions/" + id + "/messages", bob).status()).isEqualTo(404);
    assertThat(client.delete("/v1/sessions/" + id, bob).status()).isEqualTo(404);
    assertThat(client.get("/api/codebase/chat?sessionId=" + id, bob).status()).isEqualTo(404);
    assertThat(
            client
                .post(
                    "/api/codebase/chat", bob, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}")
                .status())
        .isEqualTo(404);
    assertThat(client.get("/v1/sessions", bob).json().path("total").asInt()).isZero();

    assertThat(storedIds(id)).containsExactly("a1");
    assertThat(
            supabase.queryOneAsOwner(
                "select repo from public.codebase_chat_sessions where session_id = ?", id))
        .contains("acme/web");
  }

  @Test
  void outageOfASessionTheGatewayHasRead_isServedFromItsCopy_andItsWritesArriveAfterwards() {
    GatewayProcess gateway = gateway(env());
    GatewayClient client = gateway.client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    client.post("/v1/sessions/" + id + "/messages", token, message("before", "before the outage"));
    awaitNothingPending(gateway);
    assertThat(client.get("/v1/sessions/" + id, token).status())
        .isEqualTo(200); // now the gateway holds it

    supabase.goDown(Outage.DATABASE_UNAVAILABLE);
    Answer during =
        client.post(
            "/v1/sessions/" + id + "/messages",
            token,
            message("during", "while the database is away"));
    Answer read = client.get("/v1/sessions/" + id, token);

    assertThat(during.status()).as(during.text()).isEqualTo(200);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("x-session-source"))
        .hasValueSatisfying(source -> assertThat(source).isIn("cache", "local"));
    assertThat(read.header("x-pending-writes")).contains("1");
    assertThat(read.json().path("messages"))
        .extracting(m -> m.path("id").asText())
        .containsExactly("before", "during");
    supabase.goUp();
    gateway.awaitOrExplain(
        DELIVERY,
        () -> storedIds(id).equals(List.of("before", "during")),
        "the write acknowledged during the outage reaches the database");
  }

  @Test
  void killDashNine_withTheDatabaseUp_losesNoAcknowledgedWrite_andStoresNoneTwice()
      throws InterruptedException {
    Map<String, String> env = env();
    env.put("GATEWAY_DEBOUNCE_MS", "2000"); // the kill comes before the window closes
    GatewayProcess gateway = gateway(env);
    GatewayClient client = gateway.client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Answer answer =
          client.post("/v1/sessions/" + id + "/messages", token, message("k" + i, "message " + i));
      assertThat(answer.status()).isEqualTo(200);
      acknowledged.add("k" + i);
    }

    gateway.kill9();

    GatewayProcess restarted = gateway(env);
    restarted.client().get("/v1/sessions/" + id, token); // the owner comes back with a token
    restarted.awaitOrExplain(
        DELIVERY,
        () -> storedIds(id).equals(acknowledged),
        "every acknowledged message reaches the database once");
  }

  @Test
  void sigterm_flushesEveryAcknowledgedWrite_andSaysSo() throws InterruptedException {
    Map<String, String> env = env();
    env.put("GATEWAY_DEBOUNCE_MS", "5000"); // only the shutdown's flush can deliver in time
    GatewayProcess gateway = gateway(env);
    GatewayClient client = gateway.client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    client.post("/v1/sessions/" + id + "/messages", token, message("last", "the last word"));

    assertThat(gateway.sigterm()).isZero();

    assertThat(gateway.output())
        .contains("chat-gateway stopped: every acknowledged write is confirmed (0 set aside)");
    assertThat(storedIds(id)).containsExactly("last");
  }

  @Test
  void sigterm_duringAnOutage_reportsWhatStaysInTheJournal_andTheNextStartDeliversIt()
      throws InterruptedException {
    Map<String, String> env = env();
    env.put("GATEWAY_SHUTDOWN_TIMEOUT_SECONDS", "2");
    GatewayProcess gateway = gateway(env);
    GatewayClient client = gateway.client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    gateway.awaitOrExplain(
        DELIVERY,
        () ->
            supabase
                .queryOneAsOwner(
                    "select repo from public.codebase_chat_sessions where session_id = ?", id)
                .isPresent(),
        "the created session reaches the database with its repo");
    client.get("/v1/sessions/" + id, token);
    supabase.goDown(Outage.CONNECTION_REFUSED);
    assertThat(
            client
                .post("/v1/sessions/" + id + "/messages", token, message("kept", "kept"))
                .status())
        .isEqualTo(200);

    assertThat(gateway.sigterm()).isZero();

    assertThat(gateway.output())
        .contains("could not be confirmed and stay in the journal")
        .contains("pending: session " + id + ", 1 writes");
    supabase.goUp();
    GatewayProcess restarted = gateway(env);
    restarted.client().get("/v1/sessions/" + id, token);
    restarted.awaitOrExplain(
        DELIVERY,
        () -> storedIds(id).equals(List.of("kept")),
        "the journaled write reaches the database after the restart");
    assertThat(restarted.sigterm()).isZero();
    assertThat(restarted.output()).contains("every acknowledged write is confirmed");
  }
}
