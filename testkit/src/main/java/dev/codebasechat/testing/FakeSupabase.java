package dev.codebasechat.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stateful, fault-injecting stand-in for a Supabase project's Data API (the gateway plus
 * PostgREST) serving the table {@code public.codebase_chat_sessions} with its computed field {@code
 * conversation_history}, and the functions {@code append_chat_messages}, {@code
 * append_chat_messages_batch}, {@code clear_chat_history}, {@code delete_chat_session}, {@code
 * chat_session_changes}, {@code store_chat_session_for} and {@code append_chat_messages_for}, built
 * on WireMock. Requests go to {@link #restUrl()} exactly as to {@code
 * https://<ref>.supabase.co/rest/v1}.
 *
 * <h2>What it emulates</h2>
 *
 * <ul>
 *   <li>The gateway's {@code apikey} check (header or URL parameter; {@link #apiKey()} is the only
 *       key accepted) and PostgREST's HS256 JWT check against the fake's secret, with PostgREST's
 *       error bodies, {@code Proxy-Status} and {@code WWW-Authenticate} headers (v13+, or v12 with
 *       {@link Builder#postgrestMajorVersion(int)}).
 *   <li>The schema of migration {@code 20261203000000}: messages are rows of their own, and {@code
 *       conversation_history} is a computed field, answered (ordered by each message's {@code
 *       timestamp}, then by arrival) only when {@code select} names it, never part of {@code *},
 *       and refused in any INSERT or PATCH body with PGRST204, for every role. The counters {@code
 *       message_count}, {@code history_bytes}, {@code version}, {@code fields_version} and {@code
 *       cleared_version} move as the SQL moves them.
 *   <li>Grants and RLS as the project's migrations set them: {@code anon} has no privilege at all;
 *       {@code authenticated} sees, updates, clears, deletes and appends to only the rows whose
 *       {@code user_id} is its {@code sub}, may UPDATE only {@code repo}, {@code current_file},
 *       {@code context_cache}, {@code metadata}, and alone executes the functions but the two
 *       operator functions; {@code service_role} reads and updates every row (the same columns) and
 *       executes only {@code store_chat_session_for} and {@code append_chat_messages_for}.
 *   <li>{@code GET} and {@code HEAD} with {@code select}, filters {@code eq}, {@code neq}, {@code
 *       gt}, {@code gte}, {@code lt}, {@code lte}, {@code in}, {@code is} (optionally {@code not.})
 *       on the scalar columns, {@code order}, {@code limit}, {@code offset}, {@code Prefer:
 *       count=exact} and the single-object media type; {@code PATCH} with {@code Prefer:
 *       return=representation}; the six functions by {@code POST /rpc/<name>}, with the SQL's
 *       argument checks, errors and answers.
 *   <li>The legacy service key ({@link #serviceKey()}) as {@code apikey} and bearer: it reads,
 *       inserts ({@code POST}, one row), updates and deletes ({@code DELETE}) every row, as {@code
 *       service_role} does, writes whole sessions through {@code store_chat_session_for} and
 *       appends as a given owner through {@code append_chat_messages_for}; inserts and deletes by
 *       {@code authenticated} are confined to its own rows.
 * </ul>
 *
 * <h2>What it does not</h2>
 *
 * The rest of PostgREST's grammar (other operators, {@code or=}/{@code and=}, embedding, aliases
 * and casts in {@code select}, filters and {@code order} on the computed field, {@code Range}
 * headers, CSV), upserts and multi-row inserts, the table {@code codebase_chat_messages} itself,
 * and asymmetric (JWKS) signing keys. Those answer with a 400 whose details say the fake does not
 * support them, rather than with something plausible. The table's limits and checks are the
 * migrations' ({@link dev.codebasechat.schema.SessionTableRules}); a contract suite holds the fake
 * to the SQL. For real SQL behind the same API, use {@link SupabaseTestServer}.
 *
 * <h2>Use</h2>
 *
 * As a JUnit 5 extension on a {@code static} field ({@code @RegisterExtension static FakeSupabase
 * fake = FakeSupabase.create();}): started once per class, emptied and healed before each test,
 * stopped after the class. Or as a plain object: {@link #start()}, then {@link #close()}.
 *
 * <h2>Thread safety</h2>
 *
 * All methods may be called from any thread while requests are being served. Each request's effect
 * on the table is atomic (one lock guards the table, as the SQL function's row lock and single
 * statements would), so concurrent appends never lose or duplicate a message. Counted faults
 * ({@link #failNext}, {@link #loseResponseOfNext}) are consumed by exactly that many requests, in
 * the order they reach the fake.
 *
 * <p>Mind OkHttp's default {@code retryOnConnectionFailure(true)}: after a reset or an empty
 * response it silently sends the request again, so a test counting attempts should turn it off.
 */
public final class FakeSupabase
    implements SupabaseUnderTest,
        AutoCloseable,
        BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback {

  /** HTTP status of an append to a session id another user owns. */
  public static final int FOREIGN_SESSION_APPEND_STATUS = 403;

  /** SQLSTATE ({@code code}) of an append to a session id another user owns. */
  public static final String FOREIGN_SESSION_APPEND_CODE = "42501";

  /** Message of an append to a session id another user owns. */
  public static final String FOREIGN_SESSION_APPEND_MESSAGE =
      "append_chat_messages: this session id belongs to a session the caller does not own";

  /** The {@code Retry-After} of 503 answers unless {@link #retryAfter(Duration)} says otherwise. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /** How long tokens from {@link #tokenFor(UUID)} stay valid. */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APPEND_PATH = "/rest/v1/rpc/append_chat_messages";

  private final Clock clock;
  private final int postgrestMajor;
  private final int requestedPort;
  private final FakeTokens tokens;
  private final FakeTable table;
  private final FaultPlan faults = new FaultPlan();
  private final FakePostgrestTransformer transformer;
  private final String apiKey;
  private final String serviceKey;

  private @Nullable WireMockServer server;
  private int port;
  private boolean stoppedForOutage;

  private FakeSupabase(Builder builder) {
    this.clock = builder.clock;
    this.postgrestMajor = builder.postgrestMajor;
    this.requestedPort = builder.port;
    this.tokens = new FakeTokens(builder.jwtSecret, clock, postgrestMajor);
    this.table = new FakeTable(clock);
    // The legacy anon key is itself a JWT with role anon, valid for years.
    this.apiKey = tokens.mint(null, "anon", clock.instant().plus(Duration.ofDays(3650)));
    // The legacy service_role key: a JWT with role service_role, accepted as apikey too.
    this.serviceKey =
        tokens.mint(null, "service_role", clock.instant().plus(Duration.ofDays(3650)));
    this.transformer =
        new FakePostgrestTransformer(
            new FakePostgrest(table, tokens, apiKey, serviceKey, postgrestMajor),
            faults,
            postgrestMajor);
  }

  /** A fake on a free port, with the system clock, a random secret, speaking PostgREST v13+. */
  public static FakeSupabase create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link FakeSupabase}; every setter rejects a bad value at once. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private int postgrestMajor = 14;
    private int port;
    private byte[] jwtSecret = randomSecret();

    private Builder() {}

    /**
     * The time the fake stamps rows with and checks token expiry against, e.g. a {@link
     * ManualClock}.
     */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Which PostgREST major to imitate where answers differ: 12 (expired tokens are PGRST301, no
     * {@code Proxy-Status}, old PGRST116 text, unknown table {@code {}}) or 13 and later.
     */
    public Builder postgrestMajorVersion(int major) {
      if (major < 12) {
        throw new IllegalArgumentException(
            "PostgREST major version must be at least 12 but was " + major);
      }
      this.postgrestMajor = major;
      return this;
    }

    /** A fixed port; 0 (the default) picks a free one at start. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 0..65535 but was " + port);
      }
      this.port = port;
      return this;
    }

    /** The HS256 secret (PostgREST's {@code jwt-secret}); at least 32 bytes of UTF-8. */
    public Builder jwtSecret(String secret) {
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 32) {
        throw new IllegalArgumentException(
            "jwt secret must be at least 32 bytes but was " + bytes.length);
      }
      this.jwtSecret = bytes;
      return this;
    }

    public FakeSupabase build() {
      return new FakeSupabase(this);
    }

    private static byte[] randomSecret() {
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      return secret;
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Starts serving (idempotent). The port is chosen at the first start and kept across outages and
   * later restarts.
   *
   * @throws com.github.tomakehurst.wiremock.common.FatalStartupException if the port is taken
   */
  public synchronized FakeSupabase start() {
    if (server != null) {
      return this;
    }
    if (port == 0) {
      port = requestedPort != 0 ? requestedPort : freePort();
    }
    WireMockServer started =
        new WireMockServer(wireMockConfig().port(port).extensions(transformer));
    started.start();
    stubEverything(started);
    server = started;
    return this;
  }

  /** The one stub of the fake; any stub a test adds (default priority 5) takes precedence. */
  private static void stubEverything(WireMockServer server) {
    server.stubFor(
        any(anyUrl())
            .atPriority(10)
            .willReturn(aResponse().withTransformers(FakePostgrestTransformer.NAME)));
  }

  /** Stops serving. Rows are kept: {@link #start()} serves them again on the same port. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop();
      server = null;
    }
    stoppedForOutage = false;
  }

  /**
   * Empties the table and the request journal, ends every fault (restarting a server stopped by
   * {@link Outage#CONNECTION_REFUSED}) and removes stubs and scenarios a test added through {@link
   * #wireMock()}. Tokens minted before stay valid.
   */
  public synchronized void reset() {
    table.clear();
    faults.clear();
    transformer.clearInterleavings();
    WireMockServer current = runningServer();
    if (stoppedForOutage) {
      current.start();
      stoppedForOutage = false;
    }
    current.resetAll();
    stubEverything(current);
    transformer.retryAfter(DEFAULT_RETRY_AFTER);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    start();
    reset();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  // ------------------------------------------------------------------ addresses and keys

  public synchronized int port() {
    runningServer();
    return port;
  }

  /** {@code http://localhost:<port>}: what a Supabase client takes as the project URL. */
  @Override
  public String baseUrl() {
    return "http://localhost:" + port();
  }

  /** {@code http://localhost:<port>/rest/v1}. */
  public String restUrl() {
    return baseUrl() + "/rest/v1";
  }

  /** The project's anon key, the only {@code apikey} the fake accepts (also a valid anon JWT). */
  @Override
  public String apiKey() {
    return apiKey;
  }

  /**
   * The project's legacy service key (a {@code service_role} JWT), accepted as {@code apikey} and
   * as bearer: requests with it bypass RLS, as on Supabase. For operator tools' tests.
   */
  public String serviceKey() {
    return serviceKey;
  }

  /**
   * An access token of {@code user} (role {@code authenticated}) valid for {@link
   * #DEFAULT_TOKEN_LIFETIME}.
   */
  @Override
  public String tokenFor(UUID user) {
    return tokenFor(user, DEFAULT_TOKEN_LIFETIME);
  }

  /** An access token of {@code user} expiring {@code lifetime} after the fake clock's now. */
  public String tokenFor(UUID user, Duration lifetime) {
    return tokens.mint(user, "authenticated", clock.instant().plus(lifetime));
  }

  /** A token of {@code user} that expired an hour ago: PGRST303 (v12: PGRST301) "JWT expired". */
  public String expiredTokenFor(UUID user) {
    return tokens.mint(user, "authenticated", clock.instant().minus(Duration.ofHours(1)));
  }

  /** A well-formed token of {@code user} signed with the wrong secret: PGRST301. */
  public String forgedTokenFor(UUID user) {
    return tokens.forge(user, "authenticated", clock.instant().plus(DEFAULT_TOKEN_LIFETIME));
  }

  /**
   * A valid token with any {@code role} claim ({@code anon}, {@code authenticated}, {@code
   * service_role}; another name gets PostgREST's 401 {@code 22023} "role … does not exist") and an
   * optional {@code sub}.
   */
  public String tokenWithRole(@Nullable UUID sub, String role) {
    return tokens.mint(sub, role, clock.instant().plus(DEFAULT_TOKEN_LIFETIME));
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
  @Override
  public synchronized void goDown(Outage outage) {
    WireMockServer current = runningServer();
    faults.down(outage);
    boolean refuse = outage == Outage.CONNECTION_REFUSED;
    if (refuse != stoppedForOutage) {
      if (refuse) {
        current.stop();
      } else {
        current.start();
      }
      stoppedForOutage = refuse;
    }
  }

  /** Ends the outage of {@link #goDown(Outage)}, restarting on the same port if it had stopped. */
  @Override
  public synchronized void goUp() {
    WireMockServer current = runningServer();
    if (stoppedForOutage) {
      current.start();
      stoppedForOutage = false;
    }
    faults.down(null);
  }

  /** Whether {@link #goDown(Outage)} is in force. */
  public boolean isDown() {
    return faults.isDown();
  }

  /** The next {@code count} requests get {@code outage} without touching the table. */
  public void failNext(int count, Outage outage) {
    requireInBand(outage);
    faults.failNext(count, outage);
  }

  /**
   * From the next request on, every other request gets {@code outage} (first fails, second passes,
   * …).
   */
  public void flapping(Outage outage) {
    requireInBand(outage);
    faults.flapping(outage);
  }

  /** Stops {@link #flapping(Outage)}. */
  public void stopFlapping() {
    faults.flapping(null);
  }

  /**
   * The next {@code count} requests that get through are applied in full, then their connection is
   * reset instead of answered: the client cannot know whether the write happened.
   */
  public void loseResponseOfNext(int count) {
    faults.loseNext(count);
  }

  /**
   * Holds every answer back, once its request was applied, until the returned hold is released (or
   * the faults are cleared): a request stays in flight exactly as long as the test says.
   */
  public AnswerHold holdAnswers() {
    return faults.hold();
  }

  /**
   * Holds every answer back for {@code delay} (zero to stop); longer than a read timeout, a
   * timeout.
   */
  public void delayResponses(Duration delay) {
    faults.delay(delay);
  }

  /** The {@code Retry-After} of {@link Outage#DATABASE_UNAVAILABLE} answers, in whole seconds. */
  public void retryAfter(Duration retryAfter) {
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
    }
    transformer.retryAfter(retryAfter);
  }

  /** Ends every fault: outage, fail-next, flapping, lost responses, delays. */
  public void clearFaults() {
    goUp();
    faults.clear();
  }

  private static void requireInBand(Outage outage) {
    if (outage == Outage.CONNECTION_REFUSED) {
      throw new IllegalArgumentException(
          "CONNECTION_REFUSED needs the server stopped: use goDown(Outage.CONNECTION_REFUSED)");
    }
  }

  // ------------------------------------------------------------------ state

  /** A snapshot of every row with its messages, in creation order, regardless of owner. */
  public List<FakeSession> sessions() {
    return table.all();
  }

  public Optional<FakeSession> session(String sessionId) {
    return Optional.ofNullable(table.row(sessionId));
  }

  /**
   * Stores a session as the table owner would (no RLS, no functions), replacing one with that id;
   * each message gets role {@code user}, content {@code "message <id>"} and the fake clock's time.
   */
  public void seedSession(UUID owner, String sessionId, String... messageIds) {
    seedSession(owner, sessionId, plainMessages(messageIds));
  }

  /**
   * Messages with these ids, role {@code user}, content {@code "message <id>"}, the fake clock's
   * time.
   */
  private ArrayNode plainMessages(String... messageIds) {
    ArrayNode messages = JSON.createArrayNode();
    String now = Instant.now(clock).toString();
    for (String id : messageIds) {
      ObjectNode message = messages.addObject();
      message.put("id", id);
      message.put("role", "user");
      message.put("content", "message " + id);
      message.put("timestamp", now);
    }
    return messages;
  }

  /**
   * Stores a session with exactly these messages (a JSON array), as the table owner would: at
   * version 0, its messages moved into rows as the migration moved a legacy history (kept in their
   * order, whatever their ids and timestamps; see {@code 20261203000000}).
   */
  public void seedSession(UUID owner, String sessionId, JsonNode messages) {
    if (!FakePostgrest.SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException(
          "session id must match "
              + FakePostgrest.SESSION_ID.pattern()
              + " (the table's CHECK) but was "
              + sessionId);
    }
    if (!messages.isArray()) {
      throw new IllegalArgumentException(
          "messages must be a JSON array but was " + messages.getNodeType());
    }
    table.seed(owner, sessionId, (ArrayNode) messages);
  }

  /**
   * Appends messages to {@code owner}'s session as {@code append_chat_messages} would (creating it,
   * bumping its version), without a request: another writer acting between two requests.
   *
   * @throws IllegalStateException if another user owns the session
   */
  public void appendAs(UUID owner, String sessionId, String... messageIds) {
    try {
      table.append(owner, sessionId, plainMessages(messageIds), null, null);
    } catch (PostgrestErrors.Failure e) {
      throw new IllegalStateException("session " + sessionId + " belongs to another user", e);
    }
  }

  /**
   * Runs {@code action} once, just before the next write is applied (after its request arrived): a
   * PATCH, POST or DELETE on the table, or a call of a function that writes ({@code
   * append_chat_messages}, {@code clear_chat_history}, {@code delete_chat_session}, {@code
   * store_chat_session_for}, {@code append_chat_messages_for}). A concurrent writer that gets in
   * between a client's read and its write.
   */
  public void beforeNextTableWrite(Runnable action) {
    transformer.beforeNextTableWrite(action);
  }

  // ------------------------------------------------------------------ requests

  /**
   * The WireMock server behind the fake, for {@code verify}, {@code findAll} and stubs of your own,
   * which take precedence over the fake (it answers at priority 10) until {@link #reset()}. Do not
   * stop or reset it directly: use {@link #close()} and {@link #reset()}.
   */
  public synchronized WireMockServer wireMock() {
    return runningServer();
  }

  /** Every request received since the last {@link #reset()}, oldest first. */
  public List<LoggedRequest> requests() {
    return wireMock().findAll(RequestPatternBuilder.allRequests());
  }

  /**
   * How many requests had a path (without query) matching the regular expression {@code pathRegex}.
   */
  public long countRequests(String pathRegex) {
    Pattern pattern = Pattern.compile(pathRegex);
    return requests().stream()
        .filter(request -> pattern.matcher(pathOf(request.getUrl())).matches())
        .count();
  }

  /** The raw bodies of every {@code append_chat_messages} call, oldest first (retries included). */
  public List<String> appendRequestBodies() {
    return wireMock().findAll(postRequestedFor(urlPathEqualTo(APPEND_PATH))).stream()
        .map(LoggedRequest::getBodyAsString)
        .toList();
  }

  private static String pathOf(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  private WireMockServer runningServer() {
    WireMockServer current = server;
    if (current == null) {
      throw new IllegalStateException(
          "FakeSupabase is not started: call start() or register it as an extension");
    }
    return current;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port for FakeSupabase", e);
    }
  }

  static PostgrestErrors.Failure foreignSessionAppend() {
    return PostgrestErrors.sql(
        FOREIGN_SESSION_APPEND_STATUS, FOREIGN_SESSION_APPEND_CODE, FOREIGN_SESSION_APPEND_MESSAGE);
  }
}
