package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.MigrationRunner;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import dev.codebasechat.testing.postgrest.PostgrestEngine;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.xnio.IoUtils;
import org.xnio.Options;

/**
 * A Supabase project for tests, over a real PostgreSQL: the Data API ({@code /rest/v1}, answered as
 * PostgREST 12/13/14 answers) and the Auth signing keys ({@code /auth/v1/.well-known/jwks.json}),
 * on loopback, over an embedded PostgreSQL 15 or 17 with Supabase's roles and {@code auth} schema
 * and this project's migrations applied exactly as {@code supabase db push} applies them. Every
 * rule of the data (constraints, grants, Row Level Security, the functions) is the database's own;
 * see {@link PostgrestEngine} for the part of PostgREST's grammar it implements.
 *
 * <h2>Keys and tokens</h2>
 *
 * The project has a legacy anon key and service key (HS256 JWTs), a publishable and a secret key
 * ({@code sb_publishable_…}, {@code sb_secret_…}), a legacy JWT secret and an ES256 signing key
 * published in its JWKS. {@link #tokenFor(UUID)} signs a user's access token as Supabase Auth does
 * (ES256, the claims Auth writes) and makes sure the user exists in {@code auth.users}.
 *
 * <h2>Faults</h2>
 *
 * Switchable at run time, in the {@link Outage} vocabulary shared with {@link FakeSupabase}: {@link
 * #goDown(Outage)} until {@link #goUp()} (refused connections stop the listener and keep its port;
 * {@link Outage#NO_ANSWER} accepts and never answers), {@link #failNext}, {@link
 * #loseResponseOfNext} (applied, then the connection is reset), {@link #delayResponses}.
 *
 * <h2>What it records</h2>
 *
 * Every request: method, path, query, status and bytes in both directions ({@link #requests()}).
 *
 * <h2>Use</h2>
 *
 * As a JUnit 5 extension on a {@code static} field: started once per class (a database of its own),
 * and before each test its tables and users are emptied, faults ended and the record cleared. Or as
 * a plain object: {@link #start()}, then {@link #close()}.
 *
 * <p>Thread-safe.
 */
public final class SupabaseTestServer
    implements SupabaseUnderTest,
        AutoCloseable,
        BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback {
  /** The {@code Retry-After} of 503 answers unless {@link #retryAfter(Duration)} says otherwise. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /** How long tokens from {@link #tokenFor(UUID)} stay valid. */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

  private static final AtomicInteger DATABASES = new AtomicInteger();

  /** Outages of PostgREST and its database: Auth's endpoints keep answering through them. */
  private static final Set<Outage> DATABASE_OUTAGES =
      java.util.EnumSet.of(
          Outage.DATABASE_UNAVAILABLE, Outage.DATABASE_CLIENT_ERROR, Outage.POOL_TIMEOUT);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");

  private final PostgresMajor major;
  private final String databaseName;
  private final @Nullable Path migrations;
  private final boolean legacyDefaultPrivileges;
  private final int postgrestMajor;
  private final Clock clock;
  private final int requestedPort;
  private final long maxRows;
  private final int poolSize;
  private final Duration poolAcquisitionTimeout;
  private final byte[] jwtSecret;
  private final ECKey signingKey;
  private final String anonKey;
  private final String serviceKey;
  private final String publishableKey;
  private final String secretKey;

  private final FaultPlan faults = new FaultPlan();
  private final List<RecordedRequest> recorded = new CopyOnWriteArrayList<>();
  private final Set<UUID> knownUsers = ConcurrentHashMap.newKeySet();
  private final Set<CountDownLatch> hanging = ConcurrentHashMap.newKeySet();

  /**
   * Exchanges whose answer is on its way but not yet recorded (recording follows the last byte).
   */
  private final AtomicInteger unrecorded = new AtomicInteger();

  private volatile Duration retryAfter = DEFAULT_RETRY_AFTER;

  private @Nullable SupabaseDatabase database;
  private @Nullable PostgrestEngine engine;
  private @Nullable Undertow server;
  private int port;
  private boolean stoppedForOutage;

  private SupabaseTestServer(Builder builder) {
    this.major = builder.major;
    this.databaseName =
        builder.databaseName != null
            ? builder.databaseName
            : "supabase_test_"
                + major.number()
                + "_"
                + DATABASES.incrementAndGet()
                + "_"
                + ProcessHandle.current().pid();
    this.migrations = builder.migrations;
    this.legacyDefaultPrivileges = builder.legacyDefaultPrivileges;
    this.postgrestMajor = builder.postgrestMajor;
    this.clock = builder.clock;
    this.requestedPort = builder.port;
    this.maxRows = builder.maxRows;
    this.poolSize = builder.poolSize;
    this.poolAcquisitionTimeout = builder.poolAcquisitionTimeout;
    this.jwtSecret = builder.jwtSecret.clone();
    TestSecrets.register(new String(jwtSecret, StandardCharsets.UTF_8));
    TestSecrets.register(Base64.getEncoder().encodeToString(jwtSecret));
    TestSecrets.register(HexFormat.of().formatHex(jwtSecret));
    try {
      this.signingKey =
          new ECKeyGenerator(Curve.P_256).keyID("test-" + UUID.randomUUID()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the ES256 signing key", e);
    }
    TestSecrets.register(signingKey.getD().toString());
    Instant longAgo = clock.instant().minus(Duration.ofDays(1));
    Instant farAhead = clock.instant().plus(Duration.ofDays(3650));
    this.anonKey = hs256(legacyKeyClaims("anon", longAgo, farAhead), jwtSecret);
    this.serviceKey = hs256(legacyKeyClaims("service_role", longAgo, farAhead), jwtSecret);
    this.publishableKey = TestSecrets.register("sb_publishable_" + randomToken(22));
    this.secretKey = TestSecrets.register("sb_secret_" + randomToken(22));
  }

  /** A server over PostgreSQL 17 with this project's migrations, speaking PostgREST 14. */
  public static SupabaseTestServer create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link SupabaseTestServer}; every setter rejects a bad value at once. */
  public static final class Builder {
    private PostgresMajor major = PostgresMajor.PG17;
    private @Nullable String databaseName;
    private @Nullable Path migrations;
    private boolean legacyDefaultPrivileges;
    private int postgrestMajor = 14;
    private Clock clock = Clock.systemUTC();
    private int port;
    private long maxRows = 1000;
    private int poolSize = 10;
    private Duration poolAcquisitionTimeout = Duration.ofSeconds(10);
    private byte[] jwtSecret = randomSecret();

    private Builder() {}

    /** The PostgreSQL major (Supabase runs 15 and 17); default 17. */
    public Builder postgres(PostgresMajor major) {
      this.major = major;
      return this;
    }

    /** The database's name in the shared cluster; default a new unique name. */
    public Builder databaseName(String name) {
      if (!DATABASE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "database name must match " + DATABASE_NAME.pattern() + " but was " + name);
      }
      this.databaseName = name;
      return this;
    }

    /**
     * The migrations to apply, a {@code supabase/migrations} directory; default this project's,
     * shipped in the test-support jar.
     */
    public Builder migrations(Path directory) {
      this.migrations = directory;
      return this;
    }

    /**
     * Grants new objects of {@code public} to the API roles by default privileges, as projects
     * created before 2026 did; default off (Supabase's current default).
     */
    public Builder legacyDefaultPrivileges() {
      this.legacyDefaultPrivileges = true;
      return this;
    }

    /** Which PostgREST major to answer as where they differ: 12, 13 or 14 (default). */
    public Builder postgrestMajorVersion(int major) {
      if (major < 12 || major > 14) {
        throw new IllegalArgumentException(
            "PostgREST major version must be 12, 13 or 14 but was " + major);
      }
      this.postgrestMajor = major;
      return this;
    }

    /** The time tokens are minted and checked against (e.g. a {@link ManualClock}); default UTC. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** A fixed port; 0 (the default) picks a free one at the first start. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 0..65535 but was " + port);
      }
      this.port = port;
      return this;
    }

    /** PostgREST's {@code db-max-rows}; default 1000 as Supabase's {@code max_rows}; 0 for none. */
    public Builder maxRows(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("maxRows must not be negative but was " + rows);
      }
      this.maxRows = rows;
      return this;
    }

    /** PostgREST's {@code db-pool} and {@code db-pool-acquisition-timeout}; default 10 and 10 s. */
    public Builder pool(int size, Duration acquisitionTimeout) {
      if (size < 1 || size > 100) {
        throw new IllegalArgumentException("pool size must be in 1..100 but was " + size);
      }
      if (acquisitionTimeout.toMillis() < 250) {
        throw new IllegalArgumentException(
            "acquisition timeout must be at least 250 ms but was " + acquisitionTimeout);
      }
      this.poolSize = size;
      this.poolAcquisitionTimeout = acquisitionTimeout;
      return this;
    }

    /** The legacy HS256 JWT secret, at least 32 bytes of UTF-8; default random. */
    public Builder jwtSecret(String secret) {
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 32) {
        throw new IllegalArgumentException(
            "jwt secret must be at least 32 bytes but was " + bytes.length);
      }
      this.jwtSecret = bytes;
      return this;
    }

    public SupabaseTestServer build() {
      return new SupabaseTestServer(this);
    }

    private static byte[] randomSecret() {
      return randomToken(40).getBytes(StandardCharsets.UTF_8);
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Starts serving (idempotent): the first start creates the database and applies the migrations.
   * The port is chosen at the first start and kept across outages and restarts.
   */
  public synchronized SupabaseTestServer start() {
    if (server != null || stoppedForOutage) {
      return this;
    }
    if (database == null) {
      EmbeddedSupabase cluster = EmbeddedSupabase.on(major);
      SupabaseDatabase created =
          cluster.createDatabase(
              databaseName,
              legacyDefaultPrivileges
                  ? EmbeddedSupabase.Privileges.LEGACY_DEFAULTS
                  : EmbeddedSupabase.Privileges.NONE);
      created.migrate(
          migrations == null ? MigrationRunner.bundled() : new MigrationRunner(migrations));
      database = created;
      engine =
          PostgrestEngine.start(
              new PostgrestEngine.Config(
                  cluster.jdbcUrl("authenticator", databaseName),
                  poolSize,
                  poolAcquisitionTimeout,
                  "public",
                  jwtSecret,
                  new JWKSet(signingKey.toPublicJWK()),
                  Map.of(
                      anonKey,
                      "anon",
                      serviceKey,
                      "service_role",
                      publishableKey,
                      "anon",
                      secretKey,
                      "service_role"),
                  clock,
                  postgrestMajor,
                  maxRows));
    }
    if (port == 0) {
      port = requestedPort != 0 ? requestedPort : freePort();
    }
    listen();
    return this;
  }

  private void listen() {
    Undertow started =
        Undertow.builder()
            .addHttpListener(port, "127.0.0.1")
            .setIoThreads(2)
            .setWorkerThreads(64)
            .setHandler(this::handle)
            .build();
    started.start();
    server = started;
  }

  /** Stops serving and closes the pool. The database stays in the cluster until the JVM ends. */
  @Override
  public synchronized void close() {
    releaseHanging();
    if (server != null) {
      server.stop();
      server = null;
    }
    stoppedForOutage = false;
    if (engine != null) {
      engine.close();
      engine = null;
    }
    database = null;
  }

  /**
   * Empties every table of {@code public} and {@code auth.users}, ends every fault (listening again
   * after {@link Outage#CONNECTION_REFUSED}) and clears the record of requests.
   */
  public synchronized void reset() {
    clearFaults();
    retryAfter = DEFAULT_RETRY_AFTER;
    awaitRecorded(); // an answer of the last test still on its way must not land in this one's
    // record
    recorded.clear();
    knownUsers.clear();
    try (Connection owner = database().ownerConnection();
        Statement statement = owner.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              "select quote_ident(tablename) from pg_tables where schemaname = 'public'")) {
        while (rs.next()) {
          tables.add("public." + rs.getString(1));
        }
      }
      tables.add("auth.users");
      statement.execute("truncate table " + String.join(", ", tables) + " cascade");
    } catch (SQLException e) {
      throw new IllegalStateException("could not empty the test database", e);
    }
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

  // ------------------------------------------------------------------ addresses, keys, tokens

  public synchronized int port() {
    if (port == 0) {
      throw new IllegalStateException(
          "SupabaseTestServer is not started: call start() or register it as an extension");
    }
    return port;
  }

  /** {@code http://127.0.0.1:<port>}: the project URL ({@code https://<ref>.supabase.co}). */
  @Override
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

  /** The legacy anon key (an HS256 JWT with role {@code anon}). */
  @Override
  public String apiKey() {
    return anonKey;
  }

  /** The legacy service key (an HS256 JWT with role {@code service_role}); bypasses RLS. */
  public String serviceKey() {
    return serviceKey;
  }

  /** The publishable key, {@code sb_publishable_…}: role {@code anon} without a user token. */
  public String publishableKey() {
    return publishableKey;
  }

  /**
   * The secret key, {@code sb_secret_…}: role {@code service_role} when sent as apikey and bearer.
   */
  public String secretKey() {
    return secretKey;
  }

  /** The legacy JWT secret (HS256). */
  public String jwtSecret() {
    return new String(jwtSecret, StandardCharsets.UTF_8);
  }

  /** The database behind the server, for assertions and setup as its owner. */
  public synchronized SupabaseDatabase database() {
    SupabaseDatabase db = database;
    if (db == null) {
      throw new IllegalStateException(
          "SupabaseTestServer is not started: call start() or register it as an extension");
    }
    return db;
  }

  /** A new user in {@code auth.users}, as Supabase Auth creates one on sign-up. */
  public UUID newUser() {
    UUID user = UUID.randomUUID();
    ensureUser(user);
    return user;
  }

  /**
   * An access token of {@code user} as Supabase Auth signs it (ES256 with the project's signing
   * key, {@code role}/{@code aud} {@code authenticated}), valid for {@link
   * #DEFAULT_TOKEN_LIFETIME}; the user is created in {@code auth.users} if needed.
   */
  @Override
  public String tokenFor(UUID user) {
    return tokenFor(user, DEFAULT_TOKEN_LIFETIME);
  }

  /** {@link #tokenFor(UUID)} expiring {@code lifetime} after the server clock's now. */
  public String tokenFor(UUID user, Duration lifetime) {
    ensureUser(user);
    return es256(
        userClaims(user, "authenticated", clock.instant(), clock.instant().plus(lifetime)));
  }

  /**
   * A token of {@code user} signed with the legacy JWT secret (HS256), as projects before signing
   * keys had.
   */
  public String legacyTokenFor(UUID user) {
    ensureUser(user);
    Instant now = clock.instant();
    return hs256(
        userClaims(user, "authenticated", now, now.plus(DEFAULT_TOKEN_LIFETIME)), jwtSecret);
  }

  /** A token of {@code user} that expired an hour ago. */
  public String expiredTokenFor(UUID user) {
    ensureUser(user);
    Instant now = clock.instant();
    return es256(
        userClaims(
            user, "authenticated", now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))));
  }

  /** A well-formed token of {@code user} signed with a key the project does not know. */
  public String forgedTokenFor(UUID user) {
    Instant now = clock.instant();
    byte[] other = jwtSecret.clone();
    other[0] ^= 0x5a;
    return hs256(userClaims(user, "authenticated", now, now.plus(DEFAULT_TOKEN_LIFETIME)), other);
  }

  /** A valid token with any {@code role} claim and an optional {@code sub}. */
  public String tokenWithRole(@Nullable UUID sub, String role) {
    if (sub != null) {
      ensureUser(sub);
    }
    Instant now = clock.instant();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder(userClaims(sub, role, now, now.plus(DEFAULT_TOKEN_LIFETIME)));
    return es256(claims.build());
  }

  private void ensureUser(UUID user) {
    if (!knownUsers.add(user)) {
      return;
    }
    try (Connection owner = database().ownerConnection();
        PreparedStatement insert =
            owner.prepareStatement(
                "insert into auth.users (id, email) values (?, ?) on conflict (id) do nothing")) {
      insert.setObject(1, user);
      insert.setString(2, user + "@example.test");
      insert.executeUpdate();
    } catch (SQLException e) {
      knownUsers.remove(user);
      throw new IllegalStateException("could not create user " + user, e);
    }
  }

  private JWTClaimsSet userClaims(
      @Nullable UUID user, String role, Instant issuedAt, Instant expiresAt) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer())
            .audience(role.equals("authenticated") ? "authenticated" : null)
            .expirationTime(Date.from(expiresAt))
            .issueTime(Date.from(issuedAt))
            .claim("role", role)
            .claim("aal", "aal1")
            .claim("session_id", UUID.randomUUID().toString())
            .claim("is_anonymous", false);
    if (user != null) {
      claims.subject(user.toString()).claim("email", user + "@example.test").claim("phone", "");
      claims.claim("app_metadata", Map.of("provider", "email", "providers", List.of("email")));
      claims.claim("user_metadata", Map.of());
      claims.claim(
          "amr", List.of(Map.of("method", "password", "timestamp", issuedAt.getEpochSecond())));
    }
    return claims.build();
  }

  private static JWTClaimsSet legacyKeyClaims(String role, Instant issuedAt, Instant expiresAt) {
    return new JWTClaimsSet.Builder()
        .issuer("supabase")
        .claim("ref", "testproject")
        .claim("role", role)
        .issueTime(Date.from(issuedAt))
        .expirationTime(Date.from(expiresAt))
        .build();
  }

  private String es256(JWTClaimsSet claims) {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(signingKey.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    try {
      jwt.sign(new ECDSASigner(signingKey));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
    return TestSecrets.register(jwt.serialize());
  }

  private static String hs256(JWTClaimsSet claims, byte[] secret) {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
    return TestSecrets.register(jwt.serialize());
  }

  private static String randomToken(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  // ------------------------------------------------------------------ faults

  /** {@link #goDown(Outage)} with {@link Outage#DATABASE_UNAVAILABLE}. */
  public void goDown() {
    goDown(Outage.DATABASE_UNAVAILABLE);
  }

  /**
   * Answers every request with {@code outage} until {@link #goUp()}. {@link
   * Outage#CONNECTION_REFUSED} stops the listener (its port is kept for the restart).
   */
  @Override
  public synchronized void goDown(Outage outage) {
    faults.down(outage);
    if (outage == Outage.CONNECTION_REFUSED && server != null) {
      server.stop();
      server = null;
      stoppedForOutage = true;
    } else if (outage != Outage.CONNECTION_REFUSED && stoppedForOutage) {
      listen();
      stoppedForOutage = false;
    }
  }

  /**
   * Ends the outage, listening again on the same port if it had stopped; requests left unanswered
   * are reset.
   */
  @Override
  public synchronized void goUp() {
    faults.down(null);
    releaseHanging();
    if (stoppedForOutage) {
      listen();
      stoppedForOutage = false;
    }
  }

  /** The next {@code count} requests get {@code outage} without reaching the database. */
  public void failNext(int count, Outage outage) {
    if (outage == Outage.CONNECTION_REFUSED) {
      throw new IllegalArgumentException(
          "CONNECTION_REFUSED needs the listener stopped: use goDown(Outage.CONNECTION_REFUSED)");
    }
    faults.failNext(count, outage);
  }

  /**
   * The next {@code count} requests are applied in full, then their connection is reset unanswered.
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

  /** Holds every answer back for {@code delay} after the request was applied (zero to stop). */
  public void delayResponses(Duration delay) {
    faults.delay(delay);
  }

  /** The {@code Retry-After} of the 503 outages, in whole seconds. */
  public void retryAfter(Duration retryAfter) {
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /** Ends every fault: outage, fail-next, lost responses, delays. */
  public void clearFaults() {
    goUp();
    faults.clear();
  }

  private void releaseHanging() {
    hanging.forEach(CountDownLatch::countDown);
    hanging.clear();
  }

  /**
   * Reads the schema cache again (after a test changed the schema), as {@code NOTIFY pgrst} does.
   */
  public synchronized void reloadSchema() {
    PostgrestEngine current = engine;
    if (current == null) {
      throw new IllegalStateException("SupabaseTestServer is not started");
    }
    current.reloadSchema();
  }

  // ------------------------------------------------------------------ requests

  /**
   * Every request received since the last {@link #reset()} or {@link #clearRequests()}, oldest
   * first, in the order their exchanges ended. Waits (up to 5 s) for exchanges whose answer is
   * being sent, so a request whose answer the caller has read is always in the list; requests held
   * by {@link Outage#NO_ANSWER} appear once they are released.
   */
  public List<RecordedRequest> requests() {
    awaitRecorded();
    return List.copyOf(recorded);
  }

  /** The requests matching {@code filter}; see {@link #requests()}. */
  public List<RecordedRequest> requests(Predicate<RecordedRequest> filter) {
    return requests().stream().filter(filter).toList();
  }

  private void awaitRecorded() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    synchronized (unrecorded) {
      while (unrecorded.get() - hanging.size() > 0 && System.nanoTime() < deadline) {
        try {
          unrecorded.wait(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Forgets the requests recorded so far (after waiting for answers on their way, as {@link
   * #requests()} does).
   */
  public void clearRequests() {
    awaitRecorded();
    recorded.clear();
  }

  // ------------------------------------------------------------------ serving

  private void handle(HttpServerExchange exchange) {
    if (exchange.isInIoThread()) {
      exchange.dispatch(this::handle);
      return;
    }
    Instant arrived = clock.instant();
    long started = System.nanoTime();
    exchange.startBlocking();
    byte[] body;
    try {
      body = exchange.getInputStream().readAllBytes();
    } catch (IOException e) {
      abort(exchange);
      return;
    }
    long received = requestBytes(exchange, body.length);
    String path = exchange.getRequestPath();
    String query = exchange.getQueryString() == null ? "" : exchange.getQueryString();
    String method = exchange.getRequestMethod().toString();
    // PostgREST's own outages leave Auth (the JWKS) up; a host that is down or hangs takes both.
    boolean rest = path.startsWith("/rest/v1/");
    Outage outage = faults.outageForNextRequest(o -> rest || !DATABASE_OUTAGES.contains(o));
    if (outage != null) {
      if (recordWhenComplete(exchange, method, path, query, received, arrived, started)) {
        answerOutage(exchange, outage);
      }
      return;
    }
    PostgrestEngine.Response response;
    if (path.equals("/auth/v1/.well-known/jwks.json") && method.equals("GET")) {
      response =
          new PostgrestEngine.Response(
              200,
              Map.of("Content-Type", "application/json; charset=utf-8"),
              new JWKSet(signingKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8));
    } else {
      PostgrestEngine current = engine;
      if (current == null) {
        abort(exchange);
        return;
      }
      response =
          current.handle(
              new PostgrestEngine.Request(
                  method, path, exchange.getQueryString(), headers(exchange), body));
    }
    if (!recordWhenComplete(exchange, method, path, query, received, arrived, started)) {
      return;
    }
    if (faults.loseThisResponse()) {
      abort(exchange);
      return;
    }
    sleep(faults.delay());
    faults.awaitHeld();
    exchange.setStatusCode(response.status());
    response
        .headers()
        .forEach((name, value) -> exchange.getResponseHeaders().put(new HttpString(name), value));
    exchange.getResponseSender().send(ByteBuffer.wrap(response.body()));
  }

  /**
   * Records the exchange once it is over, when the headers Undertow adds itself (Date,
   * Content-Length, Connection) are known; an exchange ended without an answer records status 0.
   */
  private boolean recordWhenComplete(
      HttpServerExchange exchange,
      String method,
      String path,
      String query,
      long received,
      Instant arrived,
      long started) {
    if (exchange.isComplete()) {
      // The client gave up (closed the connection) before anything was answered.
      recorded.add(
          new RecordedRequest(method, path, query, 0, received, 0, arrived, since(started)));
      return false;
    }
    unrecorded.incrementAndGet();
    exchange.addExchangeCompleteListener(
        (done, next) -> {
          unrecorded.decrementAndGet();
          boolean answered =
              done.isResponseStarted() && done.getConnection().isOpen()
                  || done.getResponseBytesSent() > 0;
          int status = answered ? done.getStatusCode() : 0;
          long sent = answered ? headerBytes(done) + done.getResponseBytesSent() : 0;
          recorded.add(
              new RecordedRequest(
                  method, path, query, status, received, sent, arrived, since(started)));
          synchronized (unrecorded) {
            unrecorded.notifyAll();
          }
          next.proceed();
        });
    return true;
  }

  /** Answers (or not) with {@code outage}. */
  private void answerOutage(HttpServerExchange exchange, Outage outage) {
    switch (outage) {
      case CONNECTION_REFUSED, CONNECTION_RESET -> {
        abort(exchange);
      }
      case EMPTY_RESPONSE -> {
        IoUtils.safeClose(exchange.getConnection());
      }
      case NO_ANSWER -> {
        CountDownLatch released = new CountDownLatch(1);
        hanging.add(released);
        try {
          released.await(1, TimeUnit.HOURS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        abort(exchange);
      }
      case DATABASE_UNAVAILABLE -> {
        sendError(
            exchange,
            503,
            "PGRST000",
            "Database connection error.",
            "connection to server at \"127.0.0.1\" failed: Connection refused",
            true);
      }
      case DATABASE_CLIENT_ERROR -> {
        sendError(
            exchange,
            503,
            "PGRST001",
            "Database client error. Retrying the connection.",
            null,
            true);
      }
      case POOL_TIMEOUT -> {
        sendError(
            exchange,
            504,
            "PGRST003",
            "Timed out acquiring connection from connection pool.",
            null,
            false);
      }
      case PROJECT_PAUSED, GATEWAY_TIMEOUT -> {
        int status = outage == Outage.PROJECT_PAUSED ? 540 : 544;
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(new HttpString("Content-Length"), "0");
        exchange.endExchange();
      }
      case ORIGIN_ERROR -> {
        byte[] text = "error code: 520".getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(520);
        exchange
            .getResponseHeaders()
            .put(new HttpString("Content-Type"), "text/plain; charset=utf-8");
        exchange.getResponseSender().send(ByteBuffer.wrap(text));
      }
    }
  }

  private void sendError(
      HttpServerExchange exchange,
      int status,
      String code,
      String message,
      @Nullable String details,
      boolean retry) {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", code).put("details", details).putNull("hint");
    body.put("message", message);
    String json = body.toString();
    exchange.setStatusCode(status);
    exchange
        .getResponseHeaders()
        .put(new HttpString("Content-Type"), "application/json; charset=utf-8");
    if (postgrestMajor >= 13) {
      exchange.getResponseHeaders().put(new HttpString("Proxy-Status"), "PostgREST; error=" + code);
    }
    if (retry) {
      exchange
          .getResponseHeaders()
          .put(new HttpString("Retry-After"), Long.toString(retryAfter.toSeconds()));
    }
    exchange.getResponseSender().send(json, StandardCharsets.UTF_8);
  }

  /** Resets the connection (RST, not FIN): the client sees "connection reset". */
  private static void abort(HttpServerExchange exchange) {
    try {
      exchange.getConnection().setOption(Options.CLOSE_ABORT, true);
    } catch (IOException | RuntimeException ignored) {
      // closing below still ends the connection
    }
    IoUtils.safeClose(exchange.getConnection());
  }

  private static void sleep(Duration delay) {
    if (delay.isZero()) {
      return;
    }
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<String, List<String>> headers(HttpServerExchange exchange) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (HeaderValues values : exchange.getRequestHeaders()) {
      headers
          .computeIfAbsent(
              values.getHeaderName().toString().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .addAll(values);
    }
    return headers;
  }

  /** Request line, headers and the blank line as they came over the wire, plus the body. */
  private static long requestBytes(HttpServerExchange exchange, int bodyLength) {
    String target =
        exchange.getRequestURI()
            + (exchange.getQueryString() == null || exchange.getQueryString().isEmpty()
                ? ""
                : "?" + exchange.getQueryString());
    long bytes =
        (exchange.getRequestMethod() + " " + target + " " + exchange.getProtocol() + "\r\n")
            .getBytes(StandardCharsets.UTF_8)
            .length;
    for (HeaderValues values : exchange.getRequestHeaders()) {
      for (String value : values) {
        bytes +=
            values.getHeaderName().length() + 2 + value.getBytes(StandardCharsets.UTF_8).length + 2;
      }
    }
    return bytes + 2 + bodyLength;
  }

  /** The status line, the headers as sent and the blank line. */
  private static long headerBytes(HttpServerExchange exchange) {
    int status = exchange.getStatusCode();
    long bytes = ("HTTP/1.1 " + status + " " + StatusCodes.getReason(status) + "\r\n").length();
    for (HeaderValues values : exchange.getResponseHeaders()) {
      for (String value : values) {
        bytes +=
            values.getHeaderName().length() + 2 + value.getBytes(StandardCharsets.UTF_8).length + 2;
      }
    }
    return bytes + 2;
  }

  private static Duration since(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port for SupabaseTestServer", e);
    }
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port());
  }

  /** The rows of {@code sql} run as the database owner, first column of each, as text. */
  public List<String> queryAsOwner(String sql, Object... parameters) {
    List<String> rows = new ArrayList<>();
    try (Connection owner = database().ownerConnection();
        PreparedStatement statement = owner.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("query failed: " + e.getMessage(), e);
    }
    return rows;
  }

  /** The first column of the first row of {@code sql} as the owner, if any. */
  public Optional<String> queryOneAsOwner(String sql, Object... parameters) {
    List<String> rows = queryAsOwner(sql, parameters);
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }
}
