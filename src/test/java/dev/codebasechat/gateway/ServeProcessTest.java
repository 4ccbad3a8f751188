package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chat-gateway serve} as a real process: SIGTERM stops it gracefully with exit 0 and a
 * report of what stays in the journal, a later start delivers it, and invalid settings exit 2
 * listing every problem.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServeProcessTest {
  static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().jwtSecret(SupabaseGatewayTest.SECRET).build();

  @TempDir Path dataDir;

  private final List<Process> processes = new ArrayList<>();
  private final List<Child> children = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @AfterEach
  void nothingAChildPrinted_holdsASecret() {
    // The children log to their own stdout/stderr, out of the suite's log scan: scan them here.
    for (Child child : children) {
      TestSecrets.assertNoSecretIn(child.output() + "\n" + child.errors(), "serve child process");
    }
  }

  /** A running child and everything it printed so far. */
  record Child(Process process, List<String> out, List<String> err, List<Thread> pumps) {
    /** Waits for the process to end and for everything it printed to be read. */
    boolean awaitExit() throws InterruptedException {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        return false;
      }
      for (Thread pump : pumps) {
        pump.join(10_000);
      }
      return true;
    }

    String output() {
      synchronized (out) {
        return String.join("\n", out);
      }
    }

    String errors() {
      synchronized (err) {
        return String.join("\n", err);
      }
    }
  }

  private Child serve(Map<String, String> env) {
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.codebasechat.cli.Main",
            "serve");
    builder.environment().keySet().removeIf(k -> k.startsWith("SUPABASE_") || k.startsWith("GATEWAY_") || k.equals("PORT") || k.equals("DATA_DIR"));
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      processes.add(process);
      List<String> out = Collections.synchronizedList(new ArrayList<>());
      List<String> err = Collections.synchronizedList(new ArrayList<>());
      Child child = new Child(process, out, err, List.of(pump(process.getInputStream(), out), pump(process.getErrorStream(), err)));
      children.add(child);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Thread pump(InputStream stream, List<String> lines) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int stopWithSigterm(Child child) throws InterruptedException {
    // SIGTERM. Through the handle: Process.destroy() also closes our ends of the child's pipes,
    // and what the child prints while stopping (the flush report) would be lost.
    assertThat(child.process().toHandle().destroy()).isTrue();
    assertThat(child.awaitExit()).isTrue();
    return child.process().exitValue();
  }

  private static void awaitListening(Child child) {
    await().atMost(Duration.ofSeconds(30)).until(() -> child.output().contains("listening on") || !child.process().isAlive());
    assertThat(child.output()).as(child.errors()).contains("listening on");
  }

  @Test
  void embedded_sigterm_exitsZeroAfterReportingTheFlush() throws InterruptedException {
    int port = freePort();
    Child child = serve(Map.of("PORT", Integer.toString(port), "DATA_DIR", dataDir.toString()));
    awaitListening(child);
    assertThat(child.output()).contains("mode embedded").contains(dataDir.toString());
    GatewayClient client = new GatewayClient(port);
    String token = EmbeddedGatewayTest.token(dataDir, ALICE);
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    assertThat(client.post("/v1/sessions/" + id + "/messages", token, "{\"role\":\"user\",\"content\":\"hi\"}").status()).isEqualTo(200);

    assertThat(stopWithSigterm(child)).isZero();

    assertThat(child.output()).as(child.errors()).contains("chat-gateway stopped: every acknowledged write is confirmed");
    assertThat(child.output() + child.errors()).doesNotContain(token).doesNotContain("Exception");
  }

  @Test
  void supabase_databaseDownAtSigterm_reportsWhatStaysInTheJournal_andTheNextStartDeliversIt() throws InterruptedException {
    int port = freePort();
    Map<String, String> env = new HashMap<>();
    env.put("PORT", Integer.toString(port));
    env.put("DATA_DIR", dataDir.toString());
    env.put("SUPABASE_URL", fake.baseUrl());
    env.put("SUPABASE_ANON_KEY", fake.apiKey());
    env.put("SUPABASE_JWT_SECRET", SupabaseGatewayTest.SECRET);
    env.put("GATEWAY_DEBOUNCE_MS", "20");
    Child child = serve(env);
    awaitListening(child);
    GatewayClient client = new GatewayClient(port);
    String token = fake.tokenFor(ALICE);
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    awaitOrExplain(child, Duration.ofSeconds(30), () -> fake.session(id).isPresent(), "the created session reaches the database");
    client.get("/v1/sessions/" + id, token);
    fake.goDown(Outage.CONNECTION_REFUSED);
    Answer acknowledged = client.post("/v1/sessions/" + id + "/messages", token, "{\"id\":\"kept1\",\"role\":\"user\",\"content\":\"kept\"}");
    assertThat(acknowledged.status()).isEqualTo(200);

    assertThat(stopWithSigterm(child)).isZero();

    assertThat(child.output())
        .contains("could not be confirmed and stay in the journal")
        .contains("pending: session " + id + ", 1 writes");
    fake.goUp();
    Child restarted = serve(env);
    awaitListening(restarted);
    new GatewayClient(port).get("/v1/sessions/" + id, token); // the owner comes back with a token
    awaitOrExplain(
        restarted,
        Duration.ofSeconds(30),
        () -> fake.session(id).map(FakeSession::messageIds).orElse(List.of()).equals(List.of("kept1")),
        "the journaled write reaches the database after the restart");
    assertThat(stopWithSigterm(restarted)).isZero();
    assertThat(restarted.output()).contains("every acknowledged write is confirmed");
  }

  /** Waits for {@code condition}; on timeout fails with what the child logged, to say why. */
  private static void awaitOrExplain(Child child, Duration atMost, Callable<Boolean> condition, String what) {
    try {
      await().atMost(atMost).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(what + " within " + atMost + "; the child's log:\n" + child.errors(), e);
    }
  }

  @Test
  void portAlreadyTaken_exitsOneWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Child child = serve(Map.of("PORT", Integer.toString(taken.getLocalPort()), "DATA_DIR", dataDir.toString()));

      assertThat(child.awaitExit()).isTrue();
      assertThat(child.process().exitValue()).isEqualTo(1);
      assertThat(child.errors()).contains("chat-gateway: could not start").doesNotContain("\tat ");
    }
  }

  @Test
  void invalidSettings_exitTwo_listingEveryProblem_withoutAStackTrace() throws InterruptedException {
    Child child =
        serve(
            Map.of(
                "PORT", "eighty",
                "GATEWAY_DEBOUNCE_MS", "0",
                "SUPABASE_URL", "ftp://example.com",
                "SUPABASE_ANON_KEY", "a-key-that-must-not-be-echoed",
                "GATEWAY_TYPO", "1",
                "DATA_DIR", dataDir.toString()));

    assertThat(child.awaitExit()).isTrue();
    assertThat(child.process().exitValue()).isEqualTo(2);
    assertThat(child.errors())
        .contains("invalid settings")
        .contains("PORT")
        .contains("GATEWAY_DEBOUNCE_MS")
        .contains("SUPABASE_URL")
        .contains("GATEWAY_TYPO")
        .doesNotContain("a-key-that-must-not-be-echoed")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }
}
