package dev.codebasechat.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.codebasechat.testing.internal.Backend;
import dev.codebasechat.testing.internal.FrontTransformer;
import dev.codebasechat.testing.internal.PostgrestFront;
import dev.codebasechat.testing.internal.ProjectKeys;
import dev.codebasechat.testing.internal.Recordings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Supabase project for tests: its Data API ({@code /rest/v1}, answered as PostgREST 12, 13 or 14
 * answers) and Auth's signing keys ({@code /auth/v1/.well-known/jwks.json}), served by WireMock on
 * loopback. One PostgREST front, written once, over a backend: {@link FakeSupabase} keeps the table
 * in memory with the migrations' rules; {@code SupabaseTestServer} (artifact {@code
 * chat-session-testkit-postgres}) runs real PostgreSQL with the migrations applied. Everything here
 * works the same on both: keys and tokens, faults, the record of requests, WireMock stubs.
 *
 * <h2>Keys and tokens</h2>
 *
 * A legacy anon key ({@link #apiKey()}) and service key (HS256 JWTs), a publishable and a secret
 * key ({@code sb_publishable_…}, {@code sb_secret_…}), a legacy JWT secret and an ES256 signing key
 * published as the project's JWKS. {@link #tokenFor(UUID)} signs a user's access token as Supabase
 * Auth does (ES256, Auth's claims); {@link #legacyTokenFor(UUID)} with the legacy secret. Every key
 * and token is registered with {@link TestSecrets}, and none appears in {@link #requests()}.
 *
 * <h2>Faults</h2>
 *
 * In the {@link Outage} vocabulary: {@link #goDown(Outage)} until {@link #goUp()} (refused
 * connections stop the listener and keep its port; {@link Outage#NO_ANSWER} holds each request
 * until the outage ends, then resets it), {@link #failNext}, {@link #flapping}, {@link
 * #loseResponseOfNext} (applied, then the connection is reset), {@link #delayResponses}, {@link
 * #holdAnswers}. PostgREST's own outages leave Auth's JWKS answering.
 *
 * <h2>Use</h2>
 *
 * As a JUnit 5 extension on a {@code static} field ({@code @RegisterExtension}): started once per
 * class, {@link #reset()} before each test, stopped after the class; on an instance field, started
 * before each test and stopped after it. Or as a plain object: {@link #start()}, then {@link
 * #close()}. Stubs added through {@link #wireMock()} take precedence over the front until the next
 * reset.
 *
 * <p>Thread-safe. Mind OkHttp's default {@code retryOnConnectionFailure(true)}: after a reset or an
 * empty response it silently sends the request again, so a test counting attempts turns it off.
 */
public abstract class SupabaseUnderTest
    implements AutoCloseable,
        BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback {

  /** The {@code Retry-After} of 503 outages unless {@link #retryAfter(Duration)} says otherwise. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /** How long tokens from {@link #tokenFor(UUID)} stay valid. */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

  private final Backend backend;
  private final ProjectKeys keys;
  private final FrontTransformer faults;
  private final int requestedPort;
  private @Nullable WireMockServer server;
  private int port;
  private boolean stoppedForOutage;

  /** Whether {@link #beforeEach} started this instance, to be closed after the test. */
  private boolean startedForOneTest;

  /** Requests received before this are not listed (they belong to before a reset). */
  private volatile Instant requestsSince = Instant.EPOCH;

  /** For the kit's own entry points: the one front over {@code backend}. */
  protected SupabaseUnderTest(Builder<?, ?> options, Backend backend) {
    this.backend = backend;
    this.requestedPort = options.port;
    this.keys =
        new ProjectKeys(options.jwtSecret, options.clock, options.postgrestMajor, this::issuer);
    PostgrestFront front =
        new PostgrestFront(backend, keys, options.postgrestMajor, options.maxRows);
    this.faults = new FrontTransformer(front, options.postgrestMajor);
  }

  /**
   * Options shared by every backend; every setter rejects a bad value at once.
   *
   * @param <B> the builder's own type
   * @param <S> what it builds
   */
  public abstract static class Builder<B extends Builder<B, S>, S extends SupabaseUnderTest> {
    Clock clock = Clock.systemUTC();
    private int postgrestMajor = 14;
    private int port;
    private byte[] jwtSecret = ProjectKeys.randomSecret();
    private long maxRows = 1000;

    protected Builder() {}

    /** This builder, typed as itself. */
    protected abstract B self();

    public abstract S build();

    /**
     * The time tokens are minted and checked against (e.g. a {@link ManualClock}); default UTC. On
     * {@code FakeSupabase} it also stamps the rows ({@code created_at}, {@code last_activity}); on
     * PostgreSQL the database stamps them with its own {@code now()}.
     */
    public B clock(Clock clock) {
      this.clock = clock;
      return self();
    }

    /** Which PostgREST major to answer as where they differ: 12, 13 or 14 (the default). */
    public B postgrestMajorVersion(int major) {
      this.postgrestMajor = require(major, 12, 14, "PostgREST major version");
      return self();
    }

    /** A fixed port; 0 (the default) picks a free one at the first start. */
    public B port(int port) {
      this.port = require(port, 0, 65_535, "port");
      return self();
    }

    /** The legacy HS256 JWT secret, at least 32 bytes of UTF-8; default random. */
    public B jwtSecret(String secret) {
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 32) {
        throw new IllegalArgumentException(
            "the jwt secret must be at least 32 bytes of UTF-8 but was " + bytes.length);
      }
      this.jwtSecret = bytes;
      return self();
    }

    /** PostgREST's {@code db-max-rows}; default 1000 as Supabase's {@code max_rows}; 0 for none. */
    public B maxRows(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("maxRows must not be negative but was " + rows);
      }
      this.maxRows = rows;
      return self();
    }

    private static int require(int value, int min, int max, String what) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            what + " must be in " + min + ".." + max + " but was " + value);
      }
      return value;
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Starts serving (idempotent): the backend first (a PostgreSQL backend creates its database on
   * the first start). The port is chosen at the first start and kept across outages and restarts.
   *
   * @throws com.github.tomakehurst.wiremock.common.FatalStartupException if the port is taken
   */
  public synchronized SupabaseUnderTest start() {
    if (server != null || stoppedForOutage) {
      return this;
    }
    backend.start();
    if (port == 0) {
      port = requestedPort != 0 ? requestedPort : freePort();
    }
    server =
        new WireMockServer(
            wireMockConfig()
                .bindAddress("127.0.0.1")
                .port(port)
                .containerThreads(64)
                .extensions(faults));
    server.start();
    catchAll(server);
    return this;
  }

  /** The one stub of the front; any stub a test adds (default priority 5) takes precedence. */
  private static void catchAll(WireMockServer server) {
    server.stubFor(
        any(anyUrl())
            .atPriority(10)
            .willReturn(aResponse().withTransformers(FrontTransformer.NAME)));
  }

  /** Stops serving; the data stays, and {@link #start()} serves it again on the same port. */
  @Override
  public synchronized void close() {
    faults.clear();
    if (server != null) {
      server.stop();
      server = null;
    }
    stoppedForOutage = false;
    backend.stop();
  }

  /**
   * Empties every table (and the users), ends every fault (listening again after {@link
   * Outage#CONNECTION_REFUSED}), forgets the requests and removes stubs a test added.
   */
  public synchronized void reset() {
    clearFaults();
    faults.retryAfter(DEFAULT_RETRY_AFTER);
    WireMockServer current = running();
    forgetRequestsBefore();
    current.resetAll();
    catchAll(current);
    backend.reset();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    synchronized (this) {
      // An instance field gets no beforeAll (JUnit calls it for static fields only, but with a
      // class-wide test instance): started here, it is closed after the test, not left running.
      startedForOneTest = server == null && !stoppedForOutage;
      start();
    }
    reset();
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    if (startedForOneTest) {
      startedForOneTest = false;
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  // ------------------------------------------------------------------ addresses and keys

  public synchronized int port() {
    running();
    return port;
  }

  /** {@code http://127.0.0.1:<port>}: the project URL ({@code https://<ref>.supabase.co}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** {@code <baseUrl>/rest/v1}. */
  public String restUrl() {
    return baseUrl() + "/rest/v1";
  }

  /** The issuer of access tokens, {@code <baseUrl>/auth/v1}, as Supabase Auth writes it. */
  public String issuer() {
    return baseUrl() + "/auth/v1";
  }

  /** The legacy anon key (an HS256 JWT with role {@code anon}), sent as {@code apikey}. */
  public String apiKey() {
    return keys.anonKey();
  }

  /** The legacy service key (an HS256 JWT with role {@code service_role}); bypasses RLS. */
  public String serviceKey() {
    return keys.serviceKey();
  }

  /** The publishable key, {@code sb_publishable_…}: role {@code anon} without a user token. */
  public String publishableKey() {
    return keys.publishableKey();
  }

  /** The secret key, {@code sb_secret_…}: role {@code service_role} as apikey and bearer. */
  public String secretKey() {
    return keys.secretKey();
  }

  /** The legacy JWT secret (HS256). */
  public String jwtSecret() {
    return keys.jwtSecret();
  }

  // ------------------------------------------------------------------ users and tokens

  /** A new user, created as Supabase Auth's sign-up would (where the backend has users). */
  public UUID newUser() {
    UUID user = UUID.randomUUID();
    backend.userExists(user);
    return user;
  }

  /**
   * An access token of {@code user} as Supabase Auth signs it (ES256 with the project's signing
   * key, role and {@code aud} {@code authenticated}), valid for {@link #DEFAULT_TOKEN_LIFETIME};
   * the user is created if the backend has users.
   */
  public String tokenFor(UUID user) {
    return tokenFor(user, DEFAULT_TOKEN_LIFETIME);
  }

  /** {@link #tokenFor(UUID)} expiring {@code lifetime} after the clock's now. */
  public String tokenFor(UUID user, Duration lifetime) {
    backend.userExists(user);
    return keys.token(user, "authenticated", lifetime, false);
  }

  /** {@link #tokenFor(UUID)} signed with the legacy JWT secret (HS256), as before signing keys. */
  public String legacyTokenFor(UUID user) {
    backend.userExists(user);
    return keys.token(user, "authenticated", DEFAULT_TOKEN_LIFETIME, true);
  }

  /** A token of {@code user} that expired an hour ago: PGRST303 (v12: PGRST301). */
  public String expiredTokenFor(UUID user) {
    return keys.expiredToken(user);
  }

  /** A well-formed token of {@code user} signed with a key the project does not know: PGRST301. */
  public String forgedTokenFor(UUID user) {
    return keys.forgedToken(user, DEFAULT_TOKEN_LIFETIME);
  }

  /**
   * A valid token with any {@code role} claim and an optional {@code sub}; a role the database does
   * not have gets PostgREST's 401 {@code 22023} "role … does not exist".
   */
  public String tokenWithRole(@Nullable UUID sub, String role) {
    if (sub != null) {
      backend.userExists(sub);
    }
    return keys.token(sub, role, DEFAULT_TOKEN_LIFETIME, false);
  }

  // ------------------------------------------------------------------ faults

  /** {@link #goDown(Outage)} with {@link Outage#DATABASE_UNAVAILABLE}. */
  public void goDown() {
    goDown(Outage.DATABASE_UNAVAILABLE);
  }

  /**
   * Answers every request with {@code outage} until {@link #goUp()}. For {@link
   * Outage#CONNECTION_REFUSED} the server stops listening (its port is kept for the restart);
   * connections a client pooled before may then fail differently on first use.
   */
  public synchronized void goDown(Outage outage) {
    faults.down(outage);
    listen(outage != Outage.CONNECTION_REFUSED);
  }

  /**
   * Ends the outage of {@link #goDown(Outage)}; requests it, {@link #failNext} or {@link #flapping}
   * left unanswered ({@link Outage#NO_ANSWER}) are reset.
   */
  public synchronized void goUp() {
    faults.down(null);
    listen(true);
  }

  private void listen(boolean listening) {
    WireMockServer current = running();
    if (listening == stoppedForOutage) {
      if (listening) {
        current.start();
      } else {
        current.stop();
      }
      stoppedForOutage = !listening;
    }
  }

  /**
   * How many requests an {@link Outage#NO_ANSWER} fault ({@link #goDown(Outage)}, {@link
   * #failNext}, {@link #flapping}) keeps unanswered now: they are not in {@link #requests()} until
   * their connection is reset.
   */
  public int unansweredRequests() {
    return faults.unanswered();
  }

  /** Whether {@link #goDown(Outage)} is in force. */
  public boolean isDown() {
    return faults.isDown();
  }

  /**
   * The next {@code count} Data API requests ({@code /rest/v1}) get {@code outage} without reaching
   * the backend; Auth's key set is neither refused nor counted. A {@link Outage#NO_ANSWER} request
   * waits until {@link #goUp()} or {@link #clearFaults()}.
   */
  public void failNext(int count, Outage outage) {
    faults.failNext(count, inBand(outage));
  }

  /**
   * From the next Data API request ({@code /rest/v1}) on, every other one gets {@code outage} (the
   * first fails); Auth's key set is served throughout.
   */
  public void flapping(Outage outage) {
    faults.flapping(inBand(outage));
  }

  /** Stops {@link #flapping(Outage)}. */
  public void stopFlapping() {
    faults.flapping(null);
  }

  /**
   * The next {@code count} Data API requests ({@code /rest/v1}) that get through are applied in
   * full, then their connection is reset instead of answered: the client cannot know whether the
   * write happened. Auth's key set is answered and not counted.
   */
  public void loseResponseOfNext(int count) {
    faults.loseNext(count);
  }

  /**
   * Holds every Data API answer ({@code /rest/v1}) back, once its request was applied, until the
   * returned hold is released (or the faults are cleared): a request stays in flight exactly as
   * long as the test says. Auth's key set is answered at once.
   */
  public AnswerHold holdAnswers() {
    return faults.hold();
  }

  /** Holds every answer back for {@code delay} (zero to stop); past a read timeout, a timeout. */
  public void delayResponses(Duration delay) {
    faults.delay(delay);
  }

  /** The {@code Retry-After} of the 503 outages, in whole seconds. */
  public void retryAfter(Duration retryAfter) {
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
    }
    faults.retryAfter(retryAfter);
  }

  /** Ends every fault: outage, fail-next, flapping, lost responses, delays, holds. */
  public synchronized void clearFaults() {
    goUp();
    faults.clear();
  }

  private static Outage inBand(Outage outage) {
    if (outage == Outage.CONNECTION_REFUSED) {
      throw new IllegalArgumentException(
          "CONNECTION_REFUSED needs the server stopped: use goDown(Outage.CONNECTION_REFUSED)");
    }
    return outage;
  }

  // ------------------------------------------------------------------ requests

  /**
   * The WireMock server of the front, for {@code stubFor}, {@code verify} and {@code findAll};
   * stubs added here answer instead of the front (it answers at priority 10) until {@link
   * #reset()}. Do not stop or reset it directly: use {@link #close()} and {@link #reset()}.
   */
  public synchronized WireMockServer wireMock() {
    return running();
  }

  /**
   * Every request received since the last {@link #reset()} or {@link #clearRequests()} and
   * answered, oldest first; a request whose answer the client has read is always there, one still
   * waiting (held, delayed or never answered) is not yet.
   */
  public List<RecordedRequest> requests() {
    Instant since = requestsSince;
    return Recordings.of(wireMock().getAllServeEvents(), faults::waited).stream()
        .filter(request -> !request.receivedAt().isBefore(since))
        .toList();
  }

  /**
   * From now on, requests received before now are not listed: a request of the previous test that
   * the end of its faults released is logged by WireMock after it answers, which may be after the
   * journal was emptied.
   */
  private void forgetRequestsBefore() {
    // The wall clock, not the builder's: WireMock stamps each request with the wall clock.
    requestsSince = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    faults.forgetWaits();
  }

  /** The requests matching {@code filter}; see {@link #requests()}. */
  public List<RecordedRequest> requests(Predicate<RecordedRequest> filter) {
    return requests().stream().filter(filter).toList();
  }

  /** How many requests had a path (without query) matching the regular expression. */
  public long countRequests(String pathRegex) {
    Pattern pattern = Pattern.compile(pathRegex);
    return requests(r -> pattern.matcher(r.path()).matches()).size();
  }

  /** Forgets the requests received so far, answered or not. */
  public void clearRequests() {
    forgetRequestsBefore();
    wireMock().resetRequests();
  }

  private WireMockServer running() {
    WireMockServer current = server;
    if (current == null) {
      throw new IllegalStateException(
          getClass().getSimpleName()
              + " is not started: call start() or register it as an extension");
    }
    return current;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
