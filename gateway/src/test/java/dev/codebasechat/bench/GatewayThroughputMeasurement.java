package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.auth.DevTokenMinter;
import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Series;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Measurement 5: the gateway's HTTP throughput and latency for cached reads and for appends,
 * against a minimal HTTP server returning the same bytes as a fixed body (the ceiling), with the
 * load generator in a separate process: {@code wrk} when installed, otherwise {@link LoadGenerator}
 * in its own JVM. The gateway runs as a user starts it ({@code cli.Main serve}, embedded mode, its
 * own JVM); the fixed-body server ({@link FixedBodyServer}) too.
 */
public final class GatewayThroughputMeasurement {
  private static final int CONNECTIONS = 16;
  private static final int SESSION_MESSAGES = 50;
  private static final int PROFILE_SECONDS = 6;

  private GatewayThroughputMeasurement() {}

  /** One load run. */
  record LoadResult(
      String target,
      String load,
      long requests,
      double seconds,
      long non2xx,
      long errors,
      double p50Ms,
      double p99Ms,
      double serverCpuMsPerRequest) {
    double perSecond() {
      return requests / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = BenchSupport.Options.parse(args);
    int seconds = options.quick() ? 4 : 12;
    String generator =
        wrkInstalled() ? "wrk " + wrkVersion() : "LoadGenerator (Java, own JVM; wrk not installed)";
    boolean gatewayBuilt = gatewayOnClassPath();
    Path dir = Files.createTempDirectory("gateway-bench");
    List<LoadResult> results = new ArrayList<>();
    String cachedBody;
    Process gateway = null;
    String token = null;
    String secret = "";
    String sessionPath = null;
    int gatewayPort = 0;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String readProfile = "";
    String appendProfile = "";
    String appendCpuProfile = "";
    List<String> appendPathsForProfile = new ArrayList<>();
    try {
      if (gatewayBuilt) {
        secret = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        gatewayPort = freePort();
        gateway = startGateway(dir, gatewayPort, secret);
        awaitHealthy(http, gatewayPort);
        token =
            DevTokenMinter.create(
                    secret,
                    dev.codebasechat.gateway.Settings.EMBEDDED_TOKEN_ISSUER,
                    Clock.systemUTC())
                .mint(UUID.randomUUID(), Duration.ofHours(1));
        sessionPath = createSession(http, gatewayPort, token);
        for (int i = 0; i < SESSION_MESSAGES; i++) {
          var message = Conversation.message("gw", i, Clock.systemUTC().instant());
          String body =
              BenchSupport.JSON
                  .createObjectNode()
                  .put("role", message.role().wireName())
                  .put("content", message.content())
                  .toString();
          HttpResponse<String> appended =
              http.send(
                  authorized(
                          HttpRequest.newBuilder(uri(gatewayPort, sessionPath + "/messages")),
                          token)
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (appended.statusCode() / 100 != 2) {
            throw new IllegalStateException(
                "append answered " + appended.statusCode() + ": " + appended.body());
          }
        }
        HttpResponse<String> read =
            http.send(
                authorized(HttpRequest.newBuilder(uri(gatewayPort, sessionPath)), token)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        cachedBody = read.body();
        JsonNode json = BenchSupport.JSON.readTree(cachedBody);
        if (read.statusCode() != 200 || json.path("messages").size() != SESSION_MESSAGES) {
          throw new IllegalStateException(
              "reading the session answered "
                  + read.statusCode()
                  + " with "
                  + json.path("messages").size()
                  + " messages");
        }
      } else {
        // Same shape and size class as the gateway's answer would be: 50 messages as JSON.
        var body = BenchSupport.JSON.createObjectNode();
        var messages = body.putArray("messages");
        for (int i = 0; i < SESSION_MESSAGES; i++) {
          messages.add(
              Conversation.json(Conversation.message("gw", i, Clock.systemUTC().instant())));
        }
        cachedBody = body.toString();
      }
      Path bodyFile = dir.resolve("body.json");
      Files.writeString(bodyFile, cachedBody, StandardCharsets.UTF_8);
      Process fixed =
          startJava(FixedBodyServer.class.getName(), List.of(bodyFile.toString()), Map.of());
      try {
        int fixedPort = awaitListening(fixed);
        results.add(
            load(
                fixed,
                "fixed-body server (ceiling)",
                "GET, " + BenchSupport.bytes(cachedBody.length()) + " body",
                List.of("http://127.0.0.1:" + fixedPort + "/"),
                "GET",
                "-",
                seconds,
                List.of()));
      } finally {
        fixed.getOutputStream().close();
        fixed.destroy();
        fixed.waitFor(10, TimeUnit.SECONDS);
      }
      if (gatewayBuilt) {
        List<String> auth = List.of("Authorization: Bearer " + token);
        results.add(
            load(
                gateway,
                "gateway",
                "GET /v1/sessions/{id} (cached, " + SESSION_MESSAGES + " messages)",
                List.of("http://127.0.0.1:" + gatewayPort + sessionPath),
                "GET",
                "-",
                seconds,
                auth));
        // Appends rotate over one fresh session per connection: a chat session gets one message at
        // a time, so concurrent appends to a single session would measure an unrealistic conflict.
        List<String> appendPaths = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
          appendPaths.add(createSession(http, gatewayPort, token) + "/messages");
        }
        appendPathsForProfile.addAll(appendPaths);
        List<String> post =
            List.of("Authorization: Bearer " + token, "Content-Type: application/json");
        String appendBody =
            "{\"id\":\"%ID%\",\"role\":\"user\",\"content\":\""
                + Conversation.message("gw", 0, Clock.systemUTC().instant()).content()
                + "\"}";
        results.add(
            load(
                gateway,
                "gateway",
                "POST /v1/sessions/{id}/messages (one message of "
                    + Conversation.USER_CHARS
                    + " characters, "
                    + CONNECTIONS
                    + " sessions in turn; embedded: durable in SQLite before the answer)",
                prefixed("http://127.0.0.1:" + gatewayPort, appendPaths),
                "POST",
                appendBody,
                seconds,
                post));
        // The same load on a second gateway whose SQLite commits one write at a time: the
        // baseline of group commit (GATEWAY_COMMIT_GROUPING=one-per-write), side by side.
        int baselinePort = freePort();
        Process baseline =
            startGateway(
                dir.resolve("one-per-write"),
                baselinePort,
                secret,
                Map.of("GATEWAY_COMMIT_GROUPING", "one-per-write"));
        try {
          awaitHealthy(http, baselinePort);
          List<String> baselinePaths = new ArrayList<>();
          for (int c = 0; c < CONNECTIONS; c++) {
            baselinePaths.add(createSession(http, baselinePort, token) + "/messages");
          }
          results.add(
              load(
                  baseline,
                  "gateway, one commit per append (baseline)",
                  "POST /v1/sessions/{id}/messages (the same, GATEWAY_COMMIT_GROUPING=one-per-write)",
                  prefixed("http://127.0.0.1:" + baselinePort, baselinePaths),
                  "POST",
                  appendBody,
                  seconds,
                  post));
        } finally {
          baseline.destroy();
          baseline.waitFor(20, TimeUnit.SECONDS);
        }
      }
      if (gatewayBuilt) {
        // Reads run Java code all the time: JFR's execution samples. Appends mostly wait for the
        // SQLite connection, which only thread dumps show.
        readProfile =
            profile(
                gateway,
                true,
                List.of("http://127.0.0.1:" + gatewayPort + sessionPath),
                "GET",
                "-",
                List.of("Authorization: Bearer " + token));
        appendProfile =
            profile(
                gateway,
                false,
                prefixed("http://127.0.0.1:" + gatewayPort, appendPathsForProfile),
                "POST",
                "{\"id\":\"p%ID%\",\"role\":\"user\",\"content\":\"profiling\"}",
                List.of("Authorization: Bearer " + token, "Content-Type: application/json"));
        // The same appends seen by JFR: where the CPU of an append goes, beside what it waits for.
        appendCpuProfile =
            profile(
                gateway,
                true,
                prefixed("http://127.0.0.1:" + gatewayPort, appendPathsForProfile),
                "POST",
                "{\"id\":\"q%ID%\",\"role\":\"user\",\"content\":\"profiling\"}",
                List.of("Authorization: Bearer " + token, "Content-Type: application/json"));
      }
    } finally {
      if (gateway != null) {
        gateway.destroy(); // SIGTERM: the gateway closes gracefully
        if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
          gateway.destroyForcibly();
        }
      }
    }
    write(
        options,
        generator,
        gatewayBuilt,
        seconds,
        results,
        readProfile,
        appendProfile,
        appendCpuProfile);
    BenchSupport.exit();
  }

  private static void write(
      BenchSupport.Options options,
      String generator,
      boolean gatewayBuilt,
      int seconds,
      List<LoadResult> results,
      String readProfile,
      String appendProfile,
      String appendCpuProfile)
      throws IOException {
    Map<String, Double> figures = new LinkedHashMap<>();
    LoadResult ceiling = results.get(0);
    List<List<String>> rows = new ArrayList<>();
    for (LoadResult r : results) {
      rows.add(
          List.of(
              r.target(),
              r.load(),
              String.format(Locale.ROOT, "%,.0f", r.perSecond()),
              BenchSupport.ms(r.p50Ms()),
              BenchSupport.ms(r.p99Ms()),
              r.non2xx() + " / " + r.errors(),
              String.format(Locale.ROOT, "%.0f %%", 100 * r.perSecond() / ceiling.perSecond()),
              BenchSupport.ms(r.serverCpuMsPerRequest())));
      String key =
          r.target().startsWith("fixed")
              ? "fixed"
              : r.target().contains("baseline")
                  ? "gatewayAppendBaseline"
                  : (r.load().startsWith("GET") ? "gatewayRead" : "gatewayAppend");
      figures.put(key + ".perSecond", r.perSecond());
      figures.put(key + ".p50Ms", r.p50Ms());
      figures.put(key + ".p99Ms", r.p99Ms());
      figures.put(key + ".serverCpuMsPerRequest", r.serverCpuMsPerRequest());
    }
    if (!gatewayBuilt) {
      for (String load :
          List.of("GET /v1/sessions/{id} (cached)", "POST /v1/sessions/{id}/messages")) {
        rows.add(
            List.of(
                "gateway", load, "not measured (gateway not built yet)", "—", "—", "—", "—", "—"));
      }
    }
    GoalCheck goal;
    List<String> categories = new ArrayList<>(List.of("fixed body"));
    List<Double> rps = new ArrayList<>(List.of(ceiling.perSecond()));
    if (gatewayBuilt) {
      LoadResult read = results.get(1);
      double share = read.perSecond() / ceiling.perSecond();
      goal =
          new GoalCheck(
              "cached reads ≥ 50 % of the fixed-body server's throughput",
              String.format(
                  Locale.ROOT,
                  "%.0f %% (%,.0f vs %,.0f requests/s)",
                  100 * share,
                  read.perSecond(),
                  ceiling.perSecond()),
              Verdict.of(share >= 0.5),
              "");
      figures.put("readShareOfCeiling", share);
      categories.add("gateway: cached read");
      categories.add("gateway: append");
      rps.add(read.perSecond());
      rps.add(results.get(2).perSecond());
    } else {
      goal =
          new GoalCheck(
              "cached reads ≥ 50 % of the fixed-body server's throughput",
              "not measured (gateway not built yet)", MeasurementResult.Verdict.NOT_MEASURED, "");
    }
    BenchSupport.write(
        new MeasurementResult(
            "gateway",
            "5. Gateway HTTP throughput and latency against a fixed-body server",
            "Load generator: "
                + generator
                + ", "
                + CONNECTIONS
                + " connections, 1 thread, "
                + seconds
                + " s per row after "
                + warmUpSeconds(seconds)
                + " s of unrecorded warm-up at the same load, as a separate process. Gateway: `cli.Main serve` in its own JVM, embedded mode (SQLite in a temporary DATA_DIR, HS256 dev"
                + " token), one session of "
                + SESSION_MESSAGES
                + " messages. Ceiling: Undertow in its own JVM answering every"
                + " request with the gateway's own answer for that session as a fixed body. Everything on the same 2 cores.",
            List.of(
                new ResultTable(
                    "closed loop, " + CONNECTIONS + " connections",
                    List.of(
                        "target",
                        "load",
                        "requests/s",
                        "p50",
                        "p99",
                        "non-2xx / errors",
                        "of the ceiling",
                        "server CPU per request"),
                    rows)),
            List.of(goal),
            gatewayBuilt
                ? List.of(
                    "Where the gateway's time goes, during a further "
                        + PROFILE_SECONDS
                        + " s of the same load (each sampled"
                        + " stack attributed to the first category a frame of it matches): cached reads, JFR execution"
                        + " samples of the gateway's running threads — "
                        + readProfile
                        + ". Appends, thread dumps every"
                        + " 200 ms (which also show threads waiting for a lock) — "
                        + appendProfile
                        + ". The same appends, JFR execution samples (where their CPU goes) — "
                        + appendCpuProfile
                        + ".",
                    "The ceiling writes a prepared buffer from Undertow's I/O thread. A cached read of the gateway is"
                        + " answered on the I/O thread too, when nothing in it can wait: the token is one the verifier has"
                        + " verified before (remembered by its exact string, re-checked for expiry on every request), the"
                        + " store holds the session, and its JSON was already written for this unchanged session instance."
                        + " Everything else (a first request with a token, a session not held, any write) goes to a worker"
                        + " thread, as the appends do here.",
                    "What the gateway does beyond the ceiling per cached read: it parses the Authorization header"
                        + " (the ceiling is sent no token; Undertow's header parser then shows up under HTTP I/O), checks"
                        + " the route, the headers and the token, looks up the session and the remembered body, sets the"
                        + " X-Session-Source and X-Pending-Writes headers and records the request's timer."
                        + " Before these changes (token verified, JSON tree built and serialised and a worker hand-off"
                        + " for every request) the same run measured 17 % of the ceiling (7,553 vs 43,631 requests/s on"
                        + " 2026-11-24).",
                    "Server CPU per request: the server process's CPU time (user and system, as the OS counts it)"
                        + " over the recorded seconds, divided by its requests. The load generator's CPU comes out of"
                        + " the same 2 cores, so a row whose server and generator together use both cores is bound by"
                        + " CPU, not by the server's waiting.")
                : List.of(),
            List.of(
                new Chart(
                    "gateway-throughput.svg",
                    "Requests per second, " + CONNECTIONS + " connections",
                    "requests/s",
                    false,
                    categories,
                    List.of(new Series("requests/s", rps)))),
            figures),
        options.out());
  }

  private static LoadResult load(
      Process server,
      String target,
      String load,
      List<String> urls,
      String method,
      String body,
      int seconds,
      List<String> headers)
      throws Exception {
    // Warm-up at the same load first (JIT, connection pools, caches), not recorded.
    run(urls, method, body, warmUpSeconds(seconds), headers);
    double cpuBefore = cpuMillis(server);
    JsonNode r = run(urls, method, body, seconds, headers);
    double cpuMs = cpuMillis(server) - cpuBefore;
    return new LoadResult(
        target,
        load,
        r.get("requests").asLong(),
        r.get("durationUs").asLong() / 1e6,
        r.get("non2xx").asLong(),
        r.get("errors").asLong(),
        r.get("p50Us").asDouble() / 1000,
        r.get("p99Us").asDouble() / 1000,
        cpuMs / Math.max(1, r.get("requests").asLong()));
  }

  /**
   * The process's CPU time so far (user and system, as the OS counts it), in ms; NaN if unknown.
   */
  private static double cpuMillis(Process server) {
    return server.info().totalCpuDuration().map(d -> d.toNanos() / 1e6).orElse(Double.NaN);
  }

  private static int warmUpSeconds(int seconds) {
    return Math.max(2, seconds / 2);
  }

  private static JsonNode run(
      List<String> urls, String method, String body, int seconds, List<String> headers)
      throws Exception {
    List<String> command = new ArrayList<>();
    if (wrkInstalled()) {
      command.addAll(
          List.of(
              "wrk",
              "-t1",
              "-c" + CONNECTIONS,
              "-d" + seconds + "s",
              "--timeout",
              "5s",
              "-s",
              "scripts/bench-load.lua"));
      for (String h : headers) {
        command.add("-H");
        command.add(h);
      }
      // wrk takes one URL; the others go to the script as paths, used in turn.
      String paths =
          urls.size() == 1
              ? ""
              : String.join(",", urls.stream().map(u -> URI.create(u).getRawPath()).toList());
      command.addAll(List.of(urls.get(0), "--", method, body, paths));
    } else {
      command.addAll(javaCommand(LoadGenerator.class.getName()));
      command.addAll(
          List.of(
              String.join(",", urls),
              method,
              body,
              String.valueOf(CONNECTIONS),
              String.valueOf(seconds)));
      command.addAll(headers);
    }
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String json = null;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("{\"requests\"")) {
          json = line;
        }
      }
    }
    if (process.waitFor() != 0 || json == null) {
      throw new IllegalStateException("the load generator failed: " + command.get(0));
    }
    return BenchSupport.JSON.readTree(json);
  }

  private static List<String> prefixed(String base, List<String> paths) {
    return paths.stream().map(p -> base + p).toList();
  }

  /** Samples the gateway's threads while the load runs again for 4 s. */
  private static String profile(
      Process gateway,
      boolean flightRecorder,
      List<String> urls,
      String method,
      String body,
      List<String> headers)
      throws Exception {
    StackSampler sampler =
        new StackSampler(
            gateway.pid(),
            List.of(
                new StackSampler.Category(
                    "token verification", List.of("com.nimbusds", "dev.codebasechat.auth"), false),
                new StackSampler.Category(
                    "waiting for the SQLite connection",
                    List.of("dev.codebasechat.sqlite.internal.SqliteDatabase"),
                    true),
                new StackSampler.Category(
                    "SQLite",
                    List.of(
                        "org.sqlite",
                        "dev.codebasechat.sqlite",
                        "dev.codebasechat.journal",
                        "dev.codebasechat.embedded"),
                    false),
                new StackSampler.Category(
                    "JSON answer",
                    List.of(
                        "com.fasterxml.jackson",
                        "dev.codebasechat.gateway.SessionJson",
                        "dev.codebasechat.gateway.Json"),
                    false),
                new StackSampler.Category(
                    "session store", List.of("dev.codebasechat.session"), false),
                new StackSampler.Category("logging", List.of("ch.qos.logback", "org.slf4j"), false),
                new StackSampler.Category(
                    "HTTP I/O and hand-off to workers",
                    List.of("io.undertow", "org.xnio", "org.jboss.threads", "sun.nio.ch"),
                    false)));
    Thread loadThread =
        new Thread(
            () -> {
              try {
                run(urls, method, body, PROFILE_SECONDS, headers);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    loadThread.start();
    BenchSupport.sleepMillis(500);
    if (flightRecorder) {
      sampler.recordFlight(PROFILE_SECONDS - 1, Files.createTempFile("gateway", ".jfr"));
    } else {
      while (loadThread.isAlive()) {
        sampler.sample();
        BenchSupport.sleepMillis(200);
      }
    }
    loadThread.join();
    return sampler.summary();
  }

  /** Creates a session through the gateway; its path, from the Location header. */
  private static String createSession(HttpClient http, int port, String token) throws Exception {
    HttpResponse<String> created =
        http.send(
            authorized(HttpRequest.newBuilder(uri(port, "/v1/sessions")), token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 201) {
      throw new IllegalStateException(
          "creating a session answered " + created.statusCode() + ": " + created.body());
    }
    return created.headers().firstValue("Location").orElseThrow();
  }

  private static Process startGateway(Path dir, int port, String secret) throws IOException {
    return startGateway(dir, port, secret, Map.of());
  }

  private static Process startGateway(
      Path dir, int port, String secret, Map<String, String> settings) throws IOException {
    Files.createDirectories(dir);
    Path data = Files.createDirectories(dir.resolve("data"));
    Map<String, String> env = new LinkedHashMap<>(settings);
    env.put("PORT", String.valueOf(port));
    env.put("DATA_DIR", data.toString());
    env.put("SUPABASE_JWT_SECRET", secret);
    ProcessBuilder builder = new ProcessBuilder(javaCommand("dev.codebasechat.cli.Main"));
    builder.command().add("serve");
    builder.environment().remove("SUPABASE_URL");
    builder.environment().putAll(env);
    builder
        .redirectOutput(dir.resolve("gateway.out").toFile())
        .redirectError(dir.resolve("gateway.err").toFile());
    return builder.start();
  }

  private static Process startJava(String mainClass, List<String> args, Map<String, String> env)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(javaCommand(mainClass));
    builder.command().addAll(args);
    builder.environment().putAll(env);
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    return builder.start();
  }

  static List<String> javaCommand(String mainClass) {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ArrayList<>(
        List.of(
            java,
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
            mainClass));
  }

  private static int awaitListening(Process process) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("LISTENING ")) {
        return Integer.parseInt(line.substring("LISTENING ".length()).trim());
      }
    }
    throw new IllegalStateException("the fixed-body server exited before listening");
  }

  private static void awaitHealthy(HttpClient http, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(uri(port, "/healthz")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      BenchSupport.sleepMillis(100);
    }
    throw new IllegalStateException(
        "the gateway did not become healthy within 60 s on port " + port);
  }

  private static HttpRequest.Builder authorized(HttpRequest.Builder request, String token) {
    return request.header("Authorization", "Bearer " + token);
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static boolean gatewayOnClassPath() {
    try {
      Class.forName("dev.codebasechat.cli.ServeCommand");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static boolean wrkInstalled() {
    return !wrkVersion().isEmpty();
  }

  private static String wrkVersion() {
    try {
      Process p = new ProcessBuilder("wrk", "-v").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out.lines()
          .findFirst()
          .map(line -> line.replaceAll("^wrk ([^ ]+).*", "$1"))
          .orElse("");
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
