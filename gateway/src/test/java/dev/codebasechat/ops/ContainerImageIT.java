package dev.codebasechat.ops;

import static dev.codebasechat.ops.ChatCalls.awaitNothingPending;
import static dev.codebasechat.ops.ChatCalls.createSession;
import static dev.codebasechat.ops.ChatCalls.expect;
import static dev.codebasechat.ops.ChatCalls.get;
import static dev.codebasechat.ops.ChatCalls.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.e2e.GatewayProcess;
import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.TestSecrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's container image (built by {@code scripts/image} in the {@code image} profile) run
 * with podman as users run it: in the embedded default with its port published, and in Supabase
 * mode against the PostgREST-compatible test server on the host's loopback ({@code --network
 * host}). In each, chat traffic over HTTP, then the container is stopped (SIGTERM) and a new one
 * started on the same volume, which must answer the same history; in Supabase mode a write
 * acknowledged during a database outage crosses the restart in the journal and reaches the database
 * once. Skipped, with the reason, where podman or the image is missing.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class ContainerImageIT {
  static final String IMAGE =
      System.getProperty("image.name", "localhost/chat-session-gateway:latest");

  private final String name = "chat-gateway-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<String> containers = new ArrayList<>();
  private final StringBuilder logs = new StringBuilder();

  @BeforeAll
  static void imageIsThere() {
    assumeTrue(
        Podman.installed(),
        "podman is not installed, so the container image was NOT built or tested (Debian: apt-get"
            + " install -y --no-install-recommends podman runc mmdebstrap; see scripts/image)");
    assumeTrue(
        Podman.run("image", "exists", IMAGE).exit() == 0,
        "there is no image "
            + IMAGE
            + ", so it was NOT tested: scripts/image did not build it (its message says why)");
  }

  @AfterEach
  void removeContainersAndVolume() {
    for (String container : containers) {
      logs.append(Podman.run("logs", container).output()).append('\n');
      Podman.run("rm", "--force", "--time", "0", container);
    }
    Podman.run("volume", "rm", "--force", name);
    TestSecrets.assertNoSecretIn(logs.toString(), "gateway container");
  }

  @Test
  void image_runsAsNonRoot_withTheDataVolume_thePort_andAHealthCheckOnHealthz() {
    JsonNode image =
        GatewayClient.JSON
            .valueToTree(parse(Podman.run("image", "inspect", IMAGE).orFail("inspect").out()))
            .path(0);
    JsonNode config = image.path("Config");

    assertThat(config.path("User").asText()).isEqualTo("10001:10001");
    assertThat(config.path("Volumes").has("/data")).isTrue();
    assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(image.path("Healthcheck").path("Test").toString())
        .contains("/opt/chat-gateway/bin/healthcheck");
    assertThat(config.path("Env").toString()).contains("DATA_DIR=/data", "PORT=8080");
  }

  @Test
  void javaOpts_overrideTheImagesOwnJvmOptions() {
    List<String> command = new ArrayList<>(List.of("run", "--rm"));
    command.addAll(Podman.runOptions());
    command.addAll(List.of("--env", "JAVA_OPTS", IMAGE, "--help"));

    String flags =
        Podman.run(
                Map.of("JAVA_OPTS", "-XX:MaxRAMPercentage=50 -XX:+PrintFlagsFinal"),
                command.toArray(String[]::new))
            .orFail("chat-gateway --help")
            .out();

    assertThat(flags).containsPattern("MaxRAMPercentage\\s+= 50\\.0");
  }

  @Test
  void embeddedMode_servesChat_andAnswersTheSameHistoryFromANewContainerOnTheSameVolume() {
    int port = GatewayProcess.freePort();
    String first = start(Map.of(), "--publish", "127.0.0.1:" + port + ":8080");
    GatewayClient client = new GatewayClient(port);
    // The image's own command line mints a token with the secret it generated in the volume.
    String token =
        Podman.run("exec", first, "chat-gateway", "token", "--user", UUID.randomUUID().toString())
            .orFail("chat-gateway token")
            .out();
    String id = "chat-1737201600000-container01";
    for (String text : List.of("How do I read a file?", "And write one?")) {
      expect(200, client.post("/api/codebase/chat", token, chat(id, text)));
    }
    assertThat(Podman.run("healthcheck", "run", first).exit()).as("HEALTHCHECK").isZero();

    stop(first);
    start(Map.of(), "--publish", "127.0.0.1:" + port + ":8080");

    assertThat(contents(expect(200, client.get("/api/codebase/chat?sessionId=" + id, token))))
        .containsExactly("How do I read a file?", "And write one?");
  }

  @Test
  void supabaseMode_aWriteAcknowledgedInAnOutage_crossesARestartInTheJournal_andIsStoredOnce() {
    try (SupabaseTestServer supabase = SupabaseTestServer.create().start()) {
      int port = GatewayProcess.freePort();
      Map<String, String> env =
          Map.of(
              "SUPABASE_URL", supabase.baseUrl(),
              "SUPABASE_ANON_KEY", supabase.apiKey(),
              "PORT", Integer.toString(port),
              "GATEWAY_BREAKER_OPEN_SECONDS", "1");
      String first = start(env, "--network", "host");
      GatewayClient client = new GatewayClient(port);
      String token = supabase.tokenFor(supabase.newUser());
      String id = createSession(client, token);
      expect(200, client.post("/v1/sessions/" + id + "/messages", token, message("before")));
      awaitNothingPending(client);
      supabase.goDown(Outage.DATABASE_UNAVAILABLE);
      expect(200, client.post("/v1/sessions/" + id + "/messages", token, message("during")));

      stop(first);
      supabase.goUp();
      start(env, "--network", "host");

      JsonNode session = expect(200, client.get("/v1/sessions/" + id, token)).json();
      assertThat(session.path("messages").findValuesAsText("id"))
          .containsExactly("before", "during");
      awaitNothingPending(client);
      assertThat(
              supabase.queryAsOwner(
                  "select m ->> 'id' from public.codebase_chat_sessions s,"
                      + " jsonb_array_elements(s.conversation_history) with ordinality as h(m, n)"
                      + " where s.session_id = ? order by h.n",
                  id))
          .containsExactly("before", "during");
    }
  }

  /**
   * Starts a container of the image on this test's volume, {@code env} passed by name only (values
   * stay off the command line), and waits until it answers {@code /healthz}.
   */
  private String start(Map<String, String> env, String... network) {
    String container = name + "-" + containers.size();
    List<String> command = new ArrayList<>(List.of("run", "--detach", "--name", container));
    command.addAll(Podman.runOptions());
    // No health-check timer (it needs systemd); the check is run by hand instead.
    command.addAll(List.of("--health-interval", "disable", "--volume", name + ":/data"));
    command.addAll(List.of(network));
    env.keySet().forEach(key -> command.addAll(List.of("--env", key)));
    command.add(IMAGE);
    Podman.run(env, command.toArray(String[]::new)).orFail("podman run");
    containers.add(container);
    int port =
        Integer.parseInt(
            env.getOrDefault(
                "PORT",
                Podman.run("port", container, "8080/tcp")
                    .orFail("podman port")
                    .out()
                    .replaceAll(".*:", "")));
    GatewayClient client = new GatewayClient(port);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> get(client, "/healthz").status() == 200 || !running(container));
    assertThat(running(container)).as(Podman.run("logs", container).output()).isTrue();
    return container;
  }

  /** SIGTERM, as a container runtime stops it: the gateway flushes and exits 0. */
  private void stop(String container) {
    Podman.run("stop", "--time", "30", container).orFail("podman stop");
    String exit = Podman.run("inspect", "--format", "{{.State.ExitCode}}", container).out();
    assertThat(exit).as(Podman.run("logs", container).output()).isEqualTo("0");
    assertThat(Podman.run("logs", container).output()).contains("chat-gateway stopped");
  }

  private static boolean running(String container) {
    return Podman.run("inspect", "--format", "{{.State.Running}}", container).out().equals("true");
  }

  private static List<String> contents(Answer history) {
    return history.json().path("history").findValuesAsText("content");
  }

  private static String chat(String sessionId, String text) {
    return "{\"sessionId\":\"" + sessionId + "\",\"message\":\"" + text + "\"}";
  }

  private static Object parse(String json) {
    try {
      return GatewayClient.JSON.readValue(json, Object.class);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
