package dev.codebasechat.e2e;

import static org.awaitility.Awaitility.await;

import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.testing.SupabaseTestServer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A gateway as users run it: a child JVM running the command {@code scripts/serve} runs ({@code
 * dev.codebasechat.cli.Main serve}), configured only by environment variables, here in Supabase
 * mode against a {@link SupabaseTestServer}. Everything it prints is kept (and scanned for secrets
 * by {@link #close()}); it can be stopped with SIGTERM or killed with SIGKILL.
 *
 * <p>Not thread-safe; one test drives it.
 */
public final class GatewayProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final List<String> out = Collections.synchronizedList(new ArrayList<>());
  private final List<String> err = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> pumps = new ArrayList<>();

  private GatewayProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    pumps.add(pump(process.getInputStream(), out));
    pumps.add(pump(process.getErrorStream(), err));
  }

  /**
   * The environment of a gateway in Supabase mode on {@code supabase}, journaling in {@code
   * dataDir}: the defaults users run with (500 ms debounce), a breaker that stays open 1 s.
   */
  public static Map<String, String> supabaseMode(SupabaseTestServer supabase, Path dataDir) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SUPABASE_URL", supabase.baseUrl());
    env.put("SUPABASE_ANON_KEY", supabase.apiKey());
    env.put("DATA_DIR", dataDir.toString());
    env.put("PORT", Integer.toString(freePort()));
    env.put("GATEWAY_BREAKER_OPEN_SECONDS", "1");
    return env;
  }

  /**
   * Starts {@code serve} with exactly {@code env} (no inherited SUPABASE_/GATEWAY_ variables) and
   * waits until it listens.
   */
  public static GatewayProcess start(Map<String, String> env) {
    GatewayProcess gateway = launch(env);
    gateway.awaitListening();
    return gateway;
  }

  /** Starts {@code serve} with exactly {@code env} and returns at once (it may exit at start). */
  public static GatewayProcess launch(Map<String, String> env) {
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            // Two cores run the suite and these children: start light.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.codebasechat.cli.Main",
            "serve");
    builder
        .environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("SUPABASE_")
                    || k.startsWith("GATEWAY_")
                    || k.equals("PORT")
                    || k.equals("DATA_DIR"));
    builder.environment().putAll(env);
    try {
      return new GatewayProcess(builder.start(), portOf(env));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The PORT of {@code env}; -1 when it is not a number (a test of invalid settings). */
  private static int portOf(Map<String, String> env) {
    try {
      return Integer.parseInt(env.getOrDefault("PORT", "8080"));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Waits until the gateway says it listens; fails with its log when it exits or takes over 60 s.
   */
  public void awaitListening() {
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> output().contains("listening on") || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the gateway did not start within 60 s; its log:\n" + errors(), e);
    }
    if (!output().contains("listening on")) {
      throw new AssertionError(
          "the gateway exited at start with " + process.exitValue() + ":\n" + errors());
    }
  }

  public int port() {
    return port;
  }

  /** The child's process id (for {@code /proc} and {@code jcmd}). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The writes it acknowledged and the database has not confirmed yet ({@code /readyz}). */
  public int pendingWrites() {
    return client()
        .send("GET", "/readyz", java.util.Optional.empty(), java.util.Optional.empty())
        .json()
        .path("pendingWrites")
        .asInt(-1);
  }

  public GatewayClient client() {
    return new GatewayClient(port);
  }

  /** SIGTERM, then waits for the exit and for everything printed; the exit status. */
  public int sigterm() throws InterruptedException {
    // Through the handle: Process.destroy() would also close our ends of the pipes and lose the
    // report.
    process.toHandle().destroy();
    return awaitExit();
  }

  /** SIGKILL: the process dies where it stands. */
  public void kill9() throws InterruptedException {
    process.toHandle().destroyForcibly();
    awaitExit();
  }

  /**
   * Waits (up to 60 s) for the process to end on its own and for everything it printed; the exit
   * status.
   */
  public int awaitExit() throws InterruptedException {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("the gateway did not exit within 60 s; its log:\n" + errors());
    }
    for (Thread pump : pumps) {
      pump.join(10_000);
    }
    return process.exitValue();
  }

  public String output() {
    synchronized (out) {
      return String.join("\n", out);
    }
  }

  public String errors() {
    synchronized (err) {
      return String.join("\n", err);
    }
  }

  /** Waits for {@code condition}; on timeout fails with what the gateway logged, to say why. */
  public void awaitOrExplain(Duration atMost, Callable<Boolean> condition, String what) {
    try {
      await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(what + " within " + atMost + "; the gateway's log:\n" + errors(), e);
    }
  }

  /** Kills the process if it still runs, then checks that nothing it printed held a secret. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        awaitExit();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    TestSecrets.assertNoSecretIn(output() + "\n" + errors(), "gateway child process");
  }

  private static Thread pump(InputStream stream, List<String> lines) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "gateway-output");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
