package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.DurationSettings;
import dev.codebasechat.SystemTime;
import dev.codebasechat.auth.LocalJwtSecret;
import dev.codebasechat.auth.SupabaseJwtVerifier;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.MicrometerPostgrestListener;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.session.Acknowledgement;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.session.SessionStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.RequestLimit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Options;

/**
 * The HTTP gateway: the session store behind a JSON API, with token verification, health, readiness
 * and Prometheus metrics. Built from {@link Settings} by {@link #builder(Settings)}; {@link
 * Builder#start()} binds the port and returns the running gateway.
 *
 * <p>Wiring: without {@code SUPABASE_URL} sessions live in {@code DATA_DIR/sessions.db} and tokens
 * are HS256 with {@code SUPABASE_JWT_SECRET} or the secret kept in {@code DATA_DIR/jwt-secret};
 * with it, the store talks to PostgREST with each caller's token (the anon key as {@code apikey}),
 * journals every acknowledged write in {@code DATA_DIR/journal.db}, and tokens are verified against
 * the project's JWKS (and the legacy secret when set). The service key is never used here.
 *
 * <p>Request handling: the path is matched and the body read without blocking on the I/O threads
 * (bounded by {@code maxBodyBytes}); then at most {@code requestThreads} requests run at once on
 * worker threads, where tokens are verified and the store is called; up to {@code queueSize} more
 * wait, beyond that the answer is 503 with {@code Retry-After}. The one exception is a read of a
 * whole session whose token the verifier remembers and which the store holds: nothing in it can
 * wait, so it is answered on the I/O thread, without the hand-off to a worker (the most frequent
 * request of a chat client, and the cheapest). Slow clients are cut off by the parse, read and idle
 * timeouts.
 *
 * <p>{@link #close()} is graceful: new requests are refused (503), requests in flight finish
 * (bounded), the listener stops, the store is flushed within the flush timeout and what could not
 * be flushed is reported (it stays in the journal for the next start). Thread-safe.
 *
 * <p><b>Why this file is long.</b> The request pipeline above and the graceful close share the
 * listener, the worker pool and the store, and the {@link Builder} (about 140 lines) checks every
 * setting before anything starts; the routes themselves are in {@code SessionRoutes}.
 */
public final class Gateway implements AutoCloseable {
  /** Workers beyond the request threads, for health, readiness, metrics and the document. */
  private static final int PROBE_WORKERS = 2;

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  public static final Duration DEFAULT_PARSE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
  private static final byte[] NO_BODY = new byte[0];

  /** Bound of the serialised session answers kept for repeated reads of an unchanged session. */
  static final long REMEMBERED_BODY_BYTES = 32L * 1024 * 1024;

  private final Settings settings;
  private final Clock clock;
  private final Undertow server;
  private final int port;
  private final SessionStore store;
  private final @Nullable SqliteJournal journal;
  private final @Nullable LocalSessionTable table;
  private final @Nullable PostgrestClient client;
  private final ScheduledExecutorService scheduler;
  private final PrometheusMeterRegistry registry;
  private final SessionRoutes routes;
  private final RequestLimit limit;
  private final Duration flushTimeout;
  private final Duration drainTimeout;
  private final AtomicInteger inFlight = new AtomicInteger();

  /** {@link #inFlight} less the probes, the scrapes and the document: gateway_requests_inflight. */
  private final AtomicInteger apiInFlight = new AtomicInteger();

  /** One timer per method, route and status, looked up instead of registered on every request. */
  private final RequestMetrics requestMetrics;

  private final Readiness readiness;
  private final OperationsMeters operationsMeters;

  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean shuttingDown;
  private @Nullable FlushReport closeReport;

  private Gateway(Builder builder) {
    this.settings = builder.settings;
    this.clock = builder.clock;
    this.flushTimeout = builder.flushTimeout;
    this.drainTimeout = builder.drainTimeout;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.scheduler =
        Executors.newScheduledThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-store-scheduler");
              thread.setDaemon(true);
              return thread;
            });
    Path dataDir = settings.dataDir();
    @Nullable LocalSessionTable openedTable = null;
    @Nullable SqliteJournal openedJournal = null;
    @Nullable PostgrestClient builtClient = null;
    SupabaseJwtVerifier.Builder verifierBuilder = SupabaseJwtVerifier.builder().clock(clock);
    // A key of the wrong kind is refused even where it would not be used (the embedded default,
    // database acknowledgement): a mistake that would otherwise surface only when the mode changes.
    Optional<ServiceKey> serviceKey = settings.operatorServiceKey();
    try {
      // The session table and the journal hold users' conversations: a data directory made here
      // is its owner's alone (one that exists is left as it is).
      Files.createDirectories(
          dataDir,
          java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
              ? new java.nio.file.attribute.FileAttribute<?>[] {
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"))
              }
              : new java.nio.file.attribute.FileAttribute<?>[0]);
      SessionStore.Builder storeBuilder;
      if (settings.embedded()) {
        openedTable =
            LocalSessionTable.builder()
                .path(dataDir.resolve("sessions.db"))
                .clock(clock)
                .commitGrouping(settings.commitGrouping())
                .maxPageCount(builder.maxFilePages)
                .build();
        storeBuilder = SessionStore.embedded(openedTable);
        verifierBuilder.jwtSecret(
            settings
                .jwtSecret()
                .map(Settings.Secret::value)
                .orElseGet(() -> LocalJwtSecret.loadOrCreate(dataDir).value()));
        // The embedded default always pins `iss` (the token command's, or SUPABASE_JWT_ISSUER, e.g.
        // the local Supabase CLI's Auth). Supabase mode pins it only when SUPABASE_JWT_ISSUER says:
        // a custom domain changes it, and the signature already binds the token to the project's
        // keys.
        settings.requiredIssuer().ifPresent(verifierBuilder::issuer);
      } else {
        java.net.URI url = settings.supabaseUrl().orElseThrow();
        builtClient =
            PostgrestClient.builder()
                .projectUrl(url)
                .apiKey(settings.userApiKey().orElseThrow())
                .listener(new MicrometerPostgrestListener(registry))
                .build();
        storeBuilder =
            SessionStore.builder(builtClient)
                .acknowledgement(settings.acknowledgement())
                .resilience(
                    Resilience.builder()
                        .openDuration(settings.breakerOpen())
                        // A database slower than half the callers' bound opens the breaker before
                        // it costs them the bound.
                        .slowCallThreshold(settings.databaseTimeout().dividedBy(2))
                        .build())
                .databaseTimeout(settings.databaseTimeout())
                .cacheFreshness(settings.cacheFreshness());
        if (settings.acknowledgement() == Acknowledgement.JOURNAL) {
          openedJournal =
              SqliteJournal.builder()
                  .path(dataDir.resolve("journal.db"))
                  .clock(clock)
                  .commitGrouping(settings.commitGrouping())
                  .maxPageCount(builder.maxFilePages)
                  .build();
          storeBuilder.journal(openedJournal).debounce(settings.debounce());
        }
        if (serviceKey.isPresent() && settings.acknowledgement() == Acknowledgement.JOURNAL) {
          // Only for journaled writes whose owners have no token here; never for a user's request.
          storeBuilder.operatorDelivery(builtClient.operator(serviceKey.get()));
        }
        verifierBuilder.projectUrl(url);
        settings.jwtSecret().ifPresent(secret -> verifierBuilder.jwtSecret(secret.value()));
        settings.requiredIssuer().ifPresent(verifierBuilder::issuer);
      }
      this.store =
          storeBuilder
              .clock(clock)
              .scheduler(scheduler)
              .cacheMaximumWeightBytes(settings.cacheMaxBytes())
              // shutdown() flushes first with the full timeout; the store's own final flush is
              // short.
              .closeTimeout(Duration.ofMillis(200))
              .build();
    } catch (IOException | RuntimeException e) {
      // Nothing may stay open when start fails (a locked journal, an unwritable directory).
      closeAfterStore(scheduler, openedJournal, openedTable, builtClient, registry);
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot create the data directory " + dataDir, io);
      }
      throw (RuntimeException) e;
    }
    this.table = openedTable;
    this.journal = openedJournal;
    this.requestMetrics = new RequestMetrics(registry);
    this.readiness = new Readiness(store, settings.embedded(), openedJournal, clock);
    this.client = builtClient;
    store.bindTo(registry);
    this.operationsMeters =
        new OperationsMeters(
            registry, () -> !shuttingDown, openedJournal, settings.cacheMaxBytes());
    SupabaseJwtVerifier verifier =
        builder.verifier != null ? builder.verifier : verifierBuilder.build();
    this.routes =
        new SessionRoutes(
            store,
            settings.acknowledgement(),
            !settings.embedded() && settings.jwtSecret().isEmpty(),
            verifier,
            clock,
            REMEMBERED_BODY_BYTES);
    int queueSize =
        builder.queueSize > 0 ? builder.queueSize : Math.max(16, settings.requestThreads() * 4);
    this.limit = new RequestLimit(settings.requestThreads(), queueSize);
    limit.setFailureHandler(
        exchange ->
            Responses.error(
                exchange,
                ApiError.unavailable(
                    "overloaded",
                    "the gateway is at capacity; try again shortly",
                    Duration.ofSeconds(1))));
    Gauge.builder("gateway.requests.inflight", apiInFlight, AtomicInteger::get)
        .description(
            "API requests being served (health, readiness, metrics and the OpenAPI document left"
                + " out)")
        .register(registry);
    this.server =
        Undertow.builder()
            .addHttpListener(builder.port.orElse(settings.port()), builder.host)
            .setIoThreads(builder.ioThreads)
            // API requests take at most requestThreads workers (the limit above); the spare ones
            // serve the probes and the scrape, so that a database that does not answer, holding
            // every API request, does not make them time out too.
            .setWorkerThreads(settings.requestThreads() + PROBE_WORKERS)
            .setServerOption(UndertowOptions.MAX_HEADER_SIZE, builder.maxHeaderBytes)
            .setServerOption(UndertowOptions.MAX_HEADERS, 100)
            // The head's size bounds the parameters; a parameter no route takes is ignored, as
            // documented, however many there are.
            .setServerOption(UndertowOptions.MAX_PARAMETERS, builder.maxHeaderBytes)
            // RequestTarget decodes the path and query, and refuses what does not decode in words.
            .setServerOption(UndertowOptions.DECODE_URL, false)
            .setServerOption(
                UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) builder.parseTimeout.toMillis())
            .setServerOption(
                UndertowOptions.NO_REQUEST_TIMEOUT, (int) builder.idleTimeout.toMillis())
            .setServerOption(UndertowOptions.IDLE_TIMEOUT, (int) builder.idleTimeout.toMillis())
            .setServerOption(UndertowOptions.ENABLE_HTTP2, false)
            .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
            .setSocketOption(Options.READ_TIMEOUT, (int) builder.readTimeout.toMillis())
            .setSocketOption(Options.WRITE_TIMEOUT, (int) builder.readTimeout.toMillis())
            // "Expect: 100-continue" is answered when the body is first read, so a request refused
            // by its headers alone (an announced size, a type, a shutdown) gets its final answer
            // without the client sending the body. The token is checked once the body is read.
            .setHandler(
                new io.undertow.server.handlers.HttpContinueReadHandler(this::handleRequest))
            .build();
    try {
      server.start();
    } catch (RuntimeException e) {
      closeResources();
      int wanted = builder.port.orElse(settings.port());
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof java.net.BindException) {
          throw new IllegalStateException(
              "port " + wanted + " is already in use by another process (set PORT to a free port)",
              e);
        }
      }
      throw e;
    }
    this.port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  /** A builder for a gateway configured by {@code settings}; tests adjust the rest. */
  public static Builder builder(Settings settings) {
    return new Builder(settings);
  }

  /** The port the gateway listens on (the one chosen by the system when 0 was asked for). */
  public int port() {
    return port;
  }

  /** Whether sessions are stored locally (no Supabase configured). */
  public boolean embedded() {
    return settings.embedded();
  }

  /** The store behind the routes, for operators and tests (pending writes, set-aside writes). */
  public SessionStore store() {
    return store;
  }

  /** The meters behind {@code /metrics}. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Stops gracefully and reports what could not be flushed (it stays in the journal and is sent by
   * the next start). Idempotent: later calls return the first report.
   */
  public synchronized FlushReport shutdown() {
    if (closeReport != null) {
      return closeReport;
    }
    shuttingDown = true;
    if (inFlight.get() == 0) {
      drained.complete(null);
    }
    try {
      drained.get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn(
          "{} requests still in flight after {}; stopping anyway", inFlight.get(), drainTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop();
    FlushReport report;
    try {
      report = store.flush(flushTimeout);
    } catch (RuntimeException e) {
      log.error("flush at shutdown failed: {}", e.toString());
      report = new FlushReport(store.pendingSessions(), store.setAsideWrites().size());
    }
    closeResources();
    closeReport = report;
    return report;
  }

  /** {@link #shutdown()}, for try-with-resources. */
  @Override
  public void close() {
    shutdown();
  }

  private void closeResources() {
    operationsMeters.close();
    try {
      store.close();
    } finally {
      closeAfterStore(scheduler, journal, table, client, registry);
    }
  }

  /** What the store runs on, closed after it (or when it could not be built). */
  private static void closeAfterStore(
      ScheduledExecutorService scheduler,
      @Nullable SqliteJournal journal,
      @Nullable LocalSessionTable table,
      @Nullable PostgrestClient client,
      PrometheusMeterRegistry registry) {
    scheduler.shutdownNow();
    if (journal != null) {
      journal.close();
    }
    if (table != null) {
      table.close();
    }
    if (client != null) {
      client.close();
    }
    registry.close();
  }

  // ------------------------------------------------------------------ request pipeline

  /** On an I/O thread: match, check, read the body without blocking, then queue for a worker. */
  private void handleRequest(HttpServerExchange exchange) throws Exception {
    long started = registry.config().clock().monotonicTime();
    Optional<ApiError> undecodable = RequestTarget.decode(exchange);
    Optional<Routes.Match> match =
        undecodable.isEmpty() ? Routes.match(exchange.getRequestPath()) : Optional.empty();
    String label = match.map(m -> m.route().template()).orElse(Routes.UNMATCHED);
    String method = exchange.getRequestMethod().toString();
    boolean api = match.map(m -> !m.route().isPublic()).orElse(true);
    inFlight.incrementAndGet();
    if (api) {
      apiInFlight.incrementAndGet();
    }
    exchange.addExchangeCompleteListener(
        (done, next) -> {
          try {
            if (api) {
              apiInFlight.decrementAndGet();
            }
            finished(done, method, label, started);
          } finally {
            next.proceed();
          }
        });
    try {
      if (undecodable.isPresent()) {
        throw undecodable.get();
      }
      route(exchange, match.orElse(null), method);
    } catch (ApiError e) {
      Responses.error(exchange, e);
    }
  }

  private void route(HttpServerExchange exchange, Routes.@Nullable Match match, String method)
      throws Exception {
    RequestChecks.checkHeaders(exchange);
    if (match == null) {
      throw ApiError.of(
          404,
          "route_not_found",
          "no such route: GET /openapi.json lists the routes this gateway serves");
    }
    Routes route = match.route();
    // Health, readiness and metrics keep answering while in-flight requests finish: the probes and
    // the scrape see the shutdown (readiness 503, gateway_ready 0) instead of a refusal.
    if (shuttingDown && !route.isPublic()) {
      // Answered before its body is read, which is then read and dropped (as for a 413): closing
      // with it unread resets the connection under a client that writes it all before reading.
      RefusedBodies.refuseUnread(
          exchange,
          ApiError.unavailable(
              "shutting_down", "the gateway is shutting down", Duration.ofSeconds(1)));
      return;
    }
    String servedAs = Routes.servedAs(method);
    if (!route.allows(servedAs)) {
      throw ApiError.methodNotAllowed(route.allowHeader());
    }
    if (route == Routes.HEALTH) {
      // Liveness needs nothing but the process: answered here, it waits for no worker.
      servePublic(exchange, route);
      return;
    }
    if (route.isPublic()) {
      exchange.dispatch(() -> onWorker(exchange, () -> servePublic(exchange, route)));
      return;
    }
    OptionalLong announced = RequestChecks.announcedLength(exchange);
    if (announced.isPresent() && announced.getAsLong() > settings.maxBodyBytes()) {
      RefusedBodies.refuseUnread(exchange, RequestChecks.tooLarge(settings.maxBodyBytes()));
      return;
    }
    if (!RequestChecks.hasBody(exchange, announced)) {
      if (servedAs.equals("GET") && routes.answerHeldRead(exchange, match)) {
        return;
      }
      limit.handleRequest(exchange, worker(match, NO_BODY));
      return;
    }
    Optional<ApiError> bodyRefused = bodyRefusal(servedAs, route);
    if (announced.isPresent()) {
      if (bodyRefused.isPresent()) {
        RefusedBodies.refuseUnread(exchange, bodyRefused.get());
        return;
      }
      RequestChecks.checkContentType(exchange);
      BodyReader.read(
          exchange,
          settings.maxBodyBytes(),
          (received, body) -> limit.handleRequest(received, worker(match, body)),
          Gateway::internalError);
      return;
    }
    // A chunked body may turn out empty (some clients send every DELETE so): it is read first, and
    // only content is refused or needs a Content-Type.
    BodyReader.read(
        exchange,
        settings.maxBodyBytes(),
        (received, body) -> {
          if (body.length == 0) {
            limit.handleRequest(received, worker(match, NO_BODY));
            return;
          }
          if (bodyRefused.isPresent()) {
            throw bodyRefused.get();
          }
          RequestChecks.checkContentType(received);
          limit.handleRequest(received, worker(match, body));
        },
        Gateway::refusedOrFailed);
  }

  /** Why a request of {@code servedAs} to {@code route} may not carry content, if it may not. */
  private static Optional<ApiError> bodyRefusal(String servedAs, Routes route) {
    if (servedAs.equals("GET")) {
      // A GET carries no meaningful body: refuse rather than silently ignore it.
      return Optional.of(
          ApiError.badRequest("unexpected_body", "a GET request must not have a body"));
    }
    if (servedAs.equals("DELETE") && route != Routes.COMPAT_CHAT) {
      // The path names what goes; a body (the compatible route's {"sessionId": …}, say) that named
      // another session would be ignored while this one is deleted.
      return Optional.of(
          ApiError.badRequest(
              "unexpected_body",
              "a DELETE of a /v1 route must not have a body: the path names the session"));
    }
    return Optional.empty();
  }

  /**
   * The handler {@link RequestLimit} runs once a slot is free; it moves the work off the I/O
   * thread.
   */
  private HttpHandler worker(Routes.Match match, byte[] body) {
    return new HttpHandler() {
      @Override
      public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
          exchange.dispatch(this);
          return;
        }
        onWorker(exchange, () -> routes.handle(exchange, match, body));
      }
    };
  }

  private void onWorker(HttpServerExchange exchange, Runnable work) {
    try {
      work.run();
    } catch (ApiError e) {
      Responses.error(exchange, e);
    } catch (RuntimeException e) {
      RuntimeException translated =
          StoreFailures.answer(e, StoreFailures.Attempt.of(exchange.getRequestMethod().toString()));
      if (translated instanceof ApiError api) {
        Responses.error(exchange, api);
      } else {
        internalError(exchange, e);
      }
    }
  }

  /** Answers a request refused after its body was read, or failed on the way. */
  private static void refusedOrFailed(HttpServerExchange exchange, Exception e) {
    if (e instanceof ApiError refused) {
      Responses.error(exchange, refused);
    } else {
      internalError(exchange, e);
    }
  }

  private static void internalError(HttpServerExchange exchange, Exception e) {
    // The exception's class and message only: they never carry tokens, and bodies are not logged.
    log.error(
        "{} {} failed unexpectedly: {}",
        exchange.getRequestMethod(),
        Routes.match(exchange.getRequestPath())
            .map(m -> m.route().template())
            .orElse(Routes.UNMATCHED),
        e.toString(),
        e);
    Responses.error(exchange, ApiError.of(500, "internal_error", "internal error"));
  }

  private void finished(HttpServerExchange exchange, String method, String route, long started) {
    requestMetrics.record(method, route, exchange.getStatusCode(), started);
    if (inFlight.decrementAndGet() == 0 && shuttingDown) {
      drained.complete(null);
    }
  }

  // ------------------------------------------------------------------ health and metrics

  private void servePublic(HttpServerExchange exchange, Routes route) {
    switch (route) {
      case HEALTH -> {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "ok");
        Responses.json(exchange, 200, body);
      }
      case READY ->
          Responses.json(exchange, shuttingDown ? 503 : 200, readiness.report(shuttingDown));
      case OPENAPI -> Responses.json(exchange, 200, ApiDocument.bytes());
      default ->
          Responses.send(
              exchange,
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Builds and starts a {@link Gateway}. Not thread-safe; every setter rejects a bad value at once.
   */
  public static final class Builder {
    private final Settings settings;
    private Clock clock = SystemTime.clock();
    private String host = "0.0.0.0";
    private Optional<Integer> port = Optional.empty();
    private int ioThreads = 2;
    private int queueSize = 0;
    private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    private Duration parseTimeout = DEFAULT_PARSE_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private long maxFilePages;
    private @Nullable SupabaseJwtVerifier verifier;

    private Builder(Settings settings) {
      this.settings = settings;
      this.flushTimeout = settings.shutdownTimeout();
      this.drainTimeout = settings.shutdownTimeout();
    }

    /** Time for the store, the breaker and token checks; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Address to bind; default {@code 0.0.0.0} (all interfaces). */
    public Builder host(String host) {
      if (host.isBlank()) {
        throw new IllegalArgumentException("host must not be blank");
      }
      this.host = host;
      return this;
    }

    /** Overrides {@link Settings#port()}; 0 lets the system choose a free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535 but was " + port);
      }
      this.port = Optional.of(port);
      return this;
    }

    /** Threads accepting connections and reading requests; default 2. */
    public Builder ioThreads(int threads) {
      this.ioThreads = atLeastOne("ioThreads", threads);
      return this;
    }

    /**
     * Requests that may wait for a worker before the answer is 503; default 4 × requestThreads (16
     * at least).
     */
    public Builder queueSize(int requests) {
      this.queueSize = atLeastOne("queueSize", requests);
      return this;
    }

    /** Largest request head (request line plus headers); default 32 KiB. */
    public Builder maxHeaderBytes(int bytes) {
      this.maxHeaderBytes = atLeastOne("maxHeaderBytes", bytes);
      return this;
    }

    /** Longest a client may take to send the request line and headers; default 10 s. */
    public Builder parseTimeout(Duration timeout) {
      this.parseTimeout = DurationSettings.requirePositive("parseTimeout", timeout);
      return this;
    }

    /**
     * Longest a read (and a write) on a connection may stall, e.g. an announced body never sent;
     * default 30 s.
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = DurationSettings.requirePositive("readTimeout", timeout);
      return this;
    }

    /** An idle keep-alive connection is closed after this; default 60 s. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = DurationSettings.requirePositive("idleTimeout", timeout);
      return this;
    }

    /**
     * How long {@link Gateway#shutdown()} waits for pending writes to be confirmed; default 10 s.
     */
    public Builder flushTimeout(Duration timeout) {
      this.flushTimeout = DurationSettings.requirePositive("flushTimeout", timeout);
      return this;
    }

    /** How long {@link Gateway#shutdown()} waits for requests in flight; default 10 s. */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = DurationSettings.requirePositive("drainTimeout", timeout);
      return this;
    }

    /**
     * Caps each SQLite file in {@code DATA_DIR} (the embedded table, the journal) at this many
     * pages of SQLite's page size (4 KiB), as a full disk would: a write that needs more is
     * answered 503 {@code storage_unavailable} and recorded nowhere; writes succeed again once
     * pages are free. Default 0: no cap but the disk's.
     */
    public Builder maxFilePages(long pages) {
      if (pages < 0) {
        throw new IllegalArgumentException("maxFilePages must be at least 0 but was " + pages);
      }
      this.maxFilePages = pages;
      return this;
    }

    /** Replaces the token verifier the settings would build (tests: other keys, a manual clock). */
    public Builder verifier(SupabaseJwtVerifier verifier) {
      this.verifier = verifier;
      return this;
    }

    /**
     * Opens the storage, binds the port and starts serving.
     *
     * @throws UncheckedIOException if the data directory cannot be created
     * @throws RuntimeException if the journal or session file cannot be opened (for example locked
     *     by another process) or the port cannot be bound; nothing is left open then
     */
    public Gateway start() {
      return new Gateway(this);
    }

    private static int atLeastOne(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
      }
      return value;
    }
  }
}
