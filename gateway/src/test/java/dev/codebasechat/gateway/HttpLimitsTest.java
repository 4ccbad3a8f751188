package dev.codebasechat.gateway;

import static dev.codebasechat.gateway.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import dev.codebasechat.auth.SupabaseJwtVerifier;
import dev.codebasechat.auth.TestTokens;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.session.FlushReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's bounds: body size, request threads and queue, slow clients, methods, media types,
 * unknown routes, and a shutdown that lets requests in flight finish.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLimitsTest {
  private static final String SECRET = "limits-test-jwt-secret-at-least-32-bytes-long";
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final ECKey SLOW_KEY = TestTokens.ecKey("slow-kid");

  private final HeldJwks jwks = HeldJwks.serving(new JWKSet(SLOW_KEY.toPublicJWK()).toString());

  @TempDir Path dataDir;

  private Gateway gateway;
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    jwks.close();
    if (gateway != null) {
      gateway.close();
    }
  }

  private Gateway start(int threads, Optional<Integer> queueSize) {
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "DATA_DIR",
                dataDir.toString(),
                "SUPABASE_JWT_SECRET",
                SECRET,
                "GATEWAY_REQUEST_THREADS",
                Integer.toString(threads),
                "GATEWAY_MAX_BODY_KB",
                "4"));
    SupabaseJwtVerifier verifier =
        SupabaseJwtVerifier.builder()
            .projectUrl(URI.create(jwks.baseUrl() + "/"))
            .jwtSecret(SECRET)
            .jwksTimeout(Duration.ofSeconds(10))
            .build();
    Gateway.Builder builder =
        Gateway.builder(settings)
            .host("127.0.0.1")
            .port(0)
            .verifier(verifier)
            .parseTimeout(Duration.ofSeconds(1))
            .readTimeout(Duration.ofSeconds(1))
            .idleTimeout(Duration.ofSeconds(2));
    queueSize.ifPresent(builder::queueSize);
    return builder.start();
  }

  private static String token() {
    return TestTokens.hs256(
        TestTokens.userClaims(Clock.systemUTC().instant()).subject(ALICE.toString()).build(),
        SECRET);
  }

  /**
   * A token whose key must be fetched from the JWKS endpoint, which answers only at {@link
   * HeldJwks#release()}: its request holds a worker for exactly as long as the test needs.
   */
  private static String slowToken() {
    return TestTokens.es256(
        TestTokens.userClaims(Clock.systemUTC().instant()).subject(ALICE.toString()).build(),
        SLOW_KEY);
  }

  @Test
  void bodyOverTheLimit_is413Json_announcedOrNot() {
    gateway = start(4, Optional.empty());
    GatewayClient client = new GatewayClient(gateway.port());
    String big = "{\"role\":\"user\",\"content\":\"" + "x".repeat(5_000) + "\"}";

    Answer announced =
        client.post("/v1/sessions/chat-1737201600000-abcdef12/messages", token(), big);

    assertThat(announced.status()).isEqualTo(413);
    assertThat(announced.json())
        .isEqualTo(
            json(
                "{\"error\":\"the request body is larger than the limit of 4096 bytes\",\"code\":\"body_too_large\"}"));
    assertThat(
            client
                .post(
                    "/api/codebase/chat",
                    token(),
                    "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\""
                        + "y".repeat(5_000)
                        + "\"}")
                .status())
        .isEqualTo(413);
  }

  /**
   * A client that writes its whole body before reading the answer, as Python's urllib does: the 413
   * must reach it, which it cannot if the server closes with the body unread (the kernel then
   * resets the connection, and the client sees a broken pipe).
   */
  @Test
  void bodyOf12MiB_sentWholeBeforeReading_getsThe413() throws Exception {
    gateway = start(4, Optional.empty());
    int size = 12 * 1024 * 1024;

    Answer answer = appendOfSizeSentWholeThenRead(size);

    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.header("Connection")).contains("close");
    assertThat(answer.json().path("code").asText()).isEqualTo("body_too_large");
  }

  @Test
  void chunkedBodyOf12MiB_sentWholeBeforeReading_getsThe413() throws Exception {
    gateway = start(4, Optional.empty());
    String head =
        "POST /v1/sessions/chat-1737201600000-abcdef12/messages HTTP/1.1\r\nHost: x\r\n"
            + "Authorization: Bearer "
            + token()
            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

    Answer answer =
        sendWholeThenRead(head.getBytes(StandardCharsets.UTF_8), 12 * 1024 * 1024, true);

    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.json().path("code").asText()).isEqualTo("body_too_large");
  }

  /**
   * Writes {@code head} and {@code bodyBytes} of body (chunked or not) in full, failing if the
   * server breaks the connection first, then reads the answer.
   */
  /** An append whose announced body of {@code size} bytes is written whole before reading. */
  private Answer appendOfSizeSentWholeThenRead(int size) throws Exception {
    String head =
        "POST /v1/sessions/chat-1737201600000-abcdef12/messages HTTP/1.1\r\nHost: x\r\n"
            + "Authorization: Bearer "
            + token()
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + size
            + "\r\n\r\n";
    return sendWholeThenRead(head.getBytes(StandardCharsets.UTF_8), size, false);
  }

  private Answer sendWholeThenRead(byte[] head, int bodyBytes, boolean chunked) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
      socket.setSoTimeout(20_000);
      CompletableFuture<Void> written =
          CompletableFuture.runAsync(
              () -> {
                try {
                  OutputStream out = socket.getOutputStream();
                  out.write(head);
                  byte[] piece = new byte[64 * 1024];
                  java.util.Arrays.fill(piece, (byte) 'x');
                  for (int sent = 0; sent < bodyBytes; sent += piece.length) {
                    if (chunked) {
                      out.write(
                          (Integer.toHexString(piece.length) + "\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
                      out.write(piece);
                      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    } else {
                      out.write(piece, 0, Math.min(piece.length, bodyBytes - sent));
                    }
                  }
                  if (chunked) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                  }
                  out.flush();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try {
        written.get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new AssertionError("the body could not be sent whole: " + e.getCause(), e);
      }
      return GatewayClient.readAnswer(socket.getInputStream())
          .orElseThrow(() -> new AssertionError("closed without an answer"));
    }
  }

  @Test
  void wrongMethod_is405WithAllow_wrongMediaType415_unknownRoute404() {
    gateway = start(4, Optional.empty());
    GatewayClient client = new GatewayClient(gateway.port());

    Answer put =
        client.send(
            "PUT",
            "/v1/sessions/chat-1737201600000-abcdef12",
            Optional.of(token()),
            Optional.of("{}"));
    Answer text =
        client
            .raw(
                ("POST /v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                        + token()
                        + "\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}")
                    .getBytes(StandardCharsets.UTF_8))
            .orElseThrow();
    Answer unknown = client.get("/v1/nothing-here", token());

    assertThat(put.status()).isEqualTo(405);
    assertThat(put.header("Allow")).contains("DELETE, GET, PATCH");
    assertThat(put.json().path("code").asText()).isEqualTo("method_not_allowed");
    assertThat(text.status()).isEqualTo(415);
    assertThat(text.json().path("code").asText()).isEqualTo("unsupported_media_type");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().path("code").asText()).isEqualTo("route_not_found");
    assertThat(unknown.json().path("error").asText()).contains("GET /openapi.json");
  }

  @Test
  void slowClients_moreThanRequestThreads_doNotStopANormalRequest_andAreCutOff()
      throws IOException {
    gateway = start(2, Optional.empty());
    GatewayClient client = new GatewayClient(gateway.port());
    String head =
        "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token() + "\r\n";
    for (int i = 0; i < 6; i++) {
      sockets.add(open(head.substring(0, 20 + i))); // request head never finished
      sockets.add(
          open(
              head + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"re")); // body
      // never
      // sent
    }

    assertThat(client.get("/v1/sessions", token()).status()).isEqualTo(200);
    assertThat(client.send("GET", "/healthz", Optional.empty(), Optional.empty()).status())
        .isEqualTo(200);

    for (Socket socket : sockets) {
      assertThat(cutOff(socket)).isTrue();
    }
    assertThat(client.get("/v1/sessions", token()).status()).isEqualTo(200);
  }

  @Test
  void inFlight_countsTheApiRequestsBeingServed_notTheScrapeThatReadsIt() {
    gateway = start(2, Optional.empty());
    GatewayClient client = new GatewayClient(gateway.port());
    CompletableFuture<Answer> held =
        CompletableFuture.supplyAsync(() -> client.get("/v1/sessions", slowToken()));
    await().atMost(Duration.ofSeconds(10)).until(() -> jwks.requests() == 1);

    String whileHeld = client.send("GET", "/metrics", Optional.empty(), Optional.empty()).text();
    jwks.release();
    assertThat(held.join().status()).isEqualTo(200);

    assertThat(whileHeld).contains("\ngateway_requests_inflight 1.0\n");
    // A request leaves the count when Undertow completes its exchange, just after the client has
    // read the last byte: a scrape sent at once may still see it.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        client.send("GET", "/metrics", Optional.empty(), Optional.empty()).text())
                    .contains("\ngateway_requests_inflight 0.0\n"));
  }

  @Test
  void probesAndTheScrape_areAnswered_whileEveryRequestThreadWaits() {
    gateway = start(1, Optional.empty());
    GatewayClient client = new GatewayClient(gateway.port());
    CompletableFuture<Answer> held =
        CompletableFuture.supplyAsync(() -> client.get("/v1/sessions", slowToken()));
    await().atMost(Duration.ofSeconds(10)).until(() -> jwks.requests() == 1);

    for (String probe : List.of("/healthz", "/readyz", "/metrics")) {
      CompletableFuture<Answer> answer =
          CompletableFuture.supplyAsync(
              () -> client.send("GET", probe, Optional.empty(), Optional.empty()));
      assertThat(answer)
          .as(probe)
          .succeedsWithin(Duration.ofSeconds(5))
          .extracting(Answer::status)
          .isEqualTo(200);
    }
    jwks.release();
    assertThat(held.join().status()).isEqualTo(200);
  }

  @Test
  void queueFull_is503WithRetryAfter() {
    gateway = start(1, Optional.of(1));
    GatewayClient client = new GatewayClient(gateway.port());
    String slow = slowToken();

    CompletableFuture<Answer> held =
        CompletableFuture.supplyAsync(() -> client.get("/v1/sessions", slow));
    await().atMost(Duration.ofSeconds(10)).until(() -> jwks.requests() == 1);
    CompletableFuture<Answer> queued =
        CompletableFuture.supplyAsync(() -> client.get("/v1/sessions", token()));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> gateway.registry().get("gateway.requests.inflight").gauge().value() >= 2);

    Answer refused = client.get("/v1/sessions", token());

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.header("Retry-After")).contains("1");
    assertThat(refused.json().path("code").asText()).isEqualTo("overloaded");
    jwks.release();
    assertThat(held.join().status()).isEqualTo(200);
    assertThat(queued.join().status()).isEqualTo(200);
  }

  @Test
  void shutdown_refusesNewRequests_reportsItInReadinessAndMetrics_letsTheOneInFlightFinish() {
    Stopping shutdown = shuttingDownWithOneRequestInFlight();
    GatewayClient client = shutdown.client();
    CompletableFuture<Answer> inFlight = shutdown.inFlight();
    CompletableFuture<FlushReport> stopping = shutdown.report();

    Answer refused = client.get("/v1/sessions", token());
    Answer readiness = client.send("GET", "/readyz", Optional.empty(), Optional.empty());
    Answer metrics = client.send("GET", "/metrics", Optional.empty(), Optional.empty());

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.json().path("code").asText()).isEqualTo("shutting_down");
    assertThat(readiness.json().path("status").asText()).isEqualTo("shutting_down");
    // The scrape goes on through the shutdown and shows it.
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.text()).contains("\ngateway_ready 0.0\n");
    assertThat(inFlight.isDone()).isFalse();
    jwks.release();
    assertThat(inFlight.join().status()).isEqualTo(200);
    assertThat(stopping.join().isComplete()).isTrue();
  }

  @Test
  void shutdown_aBodySentWholeBeforeReading_getsThe503_notAResetConnection() throws Exception {
    Stopping shutdown = shuttingDownWithOneRequestInFlight();
    GatewayClient client = shutdown.client();
    CompletableFuture<Answer> inFlight = shutdown.inFlight();
    CompletableFuture<FlushReport> stopping = shutdown.report();

    int size = 2 * 1024 * 1024;

    Answer answer = appendOfSizeSentWholeThenRead(size);

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.json().path("code").asText()).isEqualTo("shutting_down");
    jwks.release();
    assertThat(inFlight.join().status()).isEqualTo(200);
    stopping.join();
  }

  @Test
  void expectContinue_isAnswered100_beforeTheBodyIsSent_thenTheRequestIsServed() throws Exception {
    gateway = start(2, Optional.empty());
    String body = "{}";
    try (Socket socket =
        open(
            "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length()
                + "\r\nExpect: 100-continue\r\n\r\n")) {
      socket.setSoTimeout(5_000);
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));

      String interim = in.readLine();
      in.readLine(); // the blank line that ends the interim answer
      socket.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      String status = in.readLine();

      assertThat(interim).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(status).startsWith("HTTP/1.1 201");
    }
  }

  @Test
  void expectContinue_ofARequestRefusedBeforeItsBody_getsTheRefusal_withoutA100() throws Exception {
    gateway = start(2, Optional.empty());
    try (Socket socket =
        open(
            "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Type: application/json\r\nContent-Length: 999999999"
                + "\r\nExpect: 100-continue\r\n\r\n")) {
      socket.setSoTimeout(5_000);
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));

      String status = in.readLine();

      assertThat(status).startsWith("HTTP/1.1 413");
    }
  }

  /** A gateway shutting down, and the request it lets finish (waiting for its token's keys). */
  private record Stopping(
      GatewayClient client,
      CompletableFuture<Answer> inFlight,
      CompletableFuture<FlushReport> report) {}

  private Stopping shuttingDownWithOneRequestInFlight() {
    gateway = start(2, Optional.empty());
    GatewayClient client = new GatewayClient(gateway.port());
    String slow = slowToken();
    CompletableFuture<Answer> inFlight =
        CompletableFuture.supplyAsync(() -> client.get("/v1/sessions", slow));
    await().atMost(Duration.ofSeconds(10)).until(() -> jwks.requests() == 1);
    CompletableFuture<FlushReport> report = CompletableFuture.supplyAsync(gateway::shutdown);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client.send("GET", "/readyz", Optional.empty(), Optional.empty()).status() == 503);
    return new Stopping(client, inFlight, report);
  }

  private Socket open(String partial) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
    socket.getOutputStream().write(partial.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
    return socket;
  }

  /** The server closed the connection (with or without a last answer) rather than waiting on. */
  private static boolean cutOff(Socket socket) throws IOException {
    socket.setSoTimeout(20_000);
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // an answer (e.g. 408) may come first; the end of the stream is what counts
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  /** A JWKS endpoint that holds every request until the test releases it. */
  private static final class HeldJwks implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();

    private HeldJwks(String body) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          SupabaseJwtVerifier.JWKS_PATH,
          exchange -> {
            requests.incrementAndGet();
            try {
              released.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(bytes);
            }
          });
      server.setExecutor(threads);
      server.start();
    }

    static HeldJwks serving(String body) {
      try {
        return new HeldJwks(body);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int requests() {
      return requests.get();
    }

    void release() {
      released.countDown();
    }

    @Override
    public void close() {
      release();
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
