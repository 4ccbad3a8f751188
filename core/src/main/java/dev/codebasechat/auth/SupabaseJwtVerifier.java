package dev.codebasechat.auth;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.codebasechat.SystemTime;
import dev.codebasechat.auth.InvalidTokenException.Reason;
import dev.codebasechat.postgrest.AccessToken;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Verifies a Supabase access token locally and yields the user it belongs to.
 *
 * <p>Key sources, at least one: the project's signing keys, fetched from {@code
 * <projectUrl>/auth/v1/.well-known/jwks.json} (ES256, RS256), and the legacy HS256 JWT secret. Both
 * may be configured while a project migrates. The token header's {@code alg} picks the source, but
 * each algorithm is pinned to its key type: HS256 is checked only with the secret, ES256/RS256 only
 * with JWKS keys, and nothing else is accepted, so the header can never pick a weaker path ({@code
 * alg: none}, an HS256 token keyed with a public key).
 *
 * <p>JWKS keys are cached ({@link #DEFAULT_JWKS_CACHE_TTL}); a token with an unknown {@code kid}
 * triggers a refetch, at most one extra per {@link #DEFAULT_JWKS_REFRESH_INTERVAL}; while Supabase
 * is unreachable the last good keys keep serving for {@link #DEFAULT_JWKS_OUTAGE_TOLERANCE}.
 * Fetching happens on the calling thread, never in the background, so a verifier holds no threads.
 *
 * <p>Checks, after the signature: {@code exp} present and not past (minus {@link
 * #DEFAULT_CLOCK_SKEW}); {@code nbf} and {@code iat} not in the future (beyond the skew); {@code
 * role} is {@code authenticated} (a project {@code anon} or {@code service_role} key is refused as
 * such); {@code aud} contains {@code authenticated}; {@code iss} when configured; {@code sub} a
 * UUID. Tokens longer than {@link #MAX_TOKEN_LENGTH} and project keys ({@code sb_…}) are refused
 * before parsing.
 *
 * <p>Tokens that passed every check are remembered ({@link #DEFAULT_VERIFIED_TOKEN_CACHE_SIZE} of
 * them, keyed by the exact token string), so a client presenting the same token again is answered
 * without parsing it and checking its signature again: a hit is re-checked for {@code exp} (with
 * the skew) against the clock every time, and is forgotten after the JWKS cache TTL. A token
 * verified with a JWKS key is answered from memory only while the key set it was checked against is
 * the one in use, fetched less than the JWKS cache TTL ago: once the set is fetched again (its TTL
 * passed, or a token named an unknown {@code kid}), the token is verified in full against the new
 * set, so a signing key withdrawn from the JWKS stops being honoured as soon as it would without
 * this cache. A token that fails is never remembered; any other string (a forged token for the same
 * user included) is verified in full. Tokens longer than {@link #MAX_CACHED_TOKEN_LENGTH} are
 * verified every time, which bounds the memory the cache can hold.
 *
 * <p>Immutable (apart from that cache) and thread-safe; build once and share. {@link #verify}
 * throws only {@link InvalidTokenException}; no message, {@code toString()} or log line contains a
 * token or a secret.
 *
 * <p><b>Why this class is long.</b> The ways Supabase signs access tokens (the project's JWKS with
 * ES256 or RS256, the legacy HS256 secret) share one verification path, one claim check and one key
 * cache with its refresh rules; split, they would each need the others' failure handling.
 */
public final class SupabaseJwtVerifier {

  /** The longest token accepted, in characters (16 KiB). */
  public static final int MAX_TOKEN_LENGTH = 16 * 1024;

  /** The shortest legacy JWT secret accepted, in bytes (HS256 needs 256 bits). */
  public static final int MIN_SECRET_BYTES = 32;

  /** How far {@code exp}, {@code nbf} and {@code iat} may be off; PostgREST allows 30 s too. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

  /** How long a fetched key set is used before it is fetched again. */
  public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);

  /** The least time between two extra fetches caused by unknown {@code kid}s. */
  public static final Duration DEFAULT_JWKS_REFRESH_INTERVAL = Duration.ofSeconds(30);

  /** How long the last good key set keeps serving while the JWKS endpoint cannot be reached. */
  public static final Duration DEFAULT_JWKS_OUTAGE_TOLERANCE = Duration.ofHours(6);

  /** Connect and read timeout of one JWKS fetch. */
  public static final Duration DEFAULT_JWKS_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How many verified tokens are remembered by default ({@link Builder#verifiedTokenCacheSize}).
   */
  public static final int DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

  /** The longest token that is remembered once verified, in characters (4 KiB). */
  public static final int MAX_CACHED_TOKEN_LENGTH = 4 * 1024;

  /** The JWKS path under the project URL. */
  public static final String JWKS_PATH = "/auth/v1/.well-known/jwks.json";

  private static final String AUTHENTICATED = "authenticated";

  /** The roles of a project's legacy keys (JWTs), which are never a user's token. */
  private static final Set<String> PROJECT_KEY_ROLES = Set.of("anon", "service_role");

  private static final int JWKS_SIZE_LIMIT = 64 * 1024;
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final @Nullable DefaultJWTProcessor<SecurityContext> hmac;
  private final @Nullable DefaultJWTProcessor<SecurityContext> signingKeys;
  private final @Nullable ClockedJwkSource jwks;
  private final Duration jwksCacheTtl;
  private final @Nullable String issuer;
  private final Duration clockSkew;
  private final Clock clock;
  private final @Nullable Cache<String, Remembered> verified;

  /**
   * A verified token's user; {@code keys}: the JWKS key set it was verified against, null for the
   * legacy secret (which does not change while the verifier lives).
   */
  private record Remembered(VerifiedUser user, ClockedJwkSource.@Nullable Served keys) {}

  private SupabaseJwtVerifier(Builder builder) {
    this.clock = builder.clock;
    this.verified =
        builder.verifiedTokenCacheSize == 0
            ? null
            : CacheBuilder.newBuilder()
                .maximumSize(builder.verifiedTokenCacheSize)
                // Not longer than the key set it was checked against is trusted.
                .expireAfterWrite(builder.jwksCacheTtl)
                .ticker(clockTicker(builder.clock))
                .<String, Remembered>build();
    this.jwksCacheTtl = builder.jwksCacheTtl;
    this.clockSkew = builder.clockSkew;
    this.issuer = builder.issuer;
    byte[] secret = builder.secret;
    this.hmac =
        secret == null
            ? null
            : processor(
                new SingleKeyJWSKeySelector<>(
                    JWSAlgorithm.HS256, new SecretKeySpec(secret, "HmacSHA256")));
    URI projectUrl = builder.projectUrl;
    this.jwks = projectUrl == null ? null : jwkSource(projectUrl, builder);
    this.signingKeys =
        jwks == null
            ? null
            : processor(
                new JWSVerificationKeySelector<>(
                    Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256), jwks));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The JWKS address of a Supabase project: {@code <projectUrl>/auth/v1/.well-known/jwks.json}. */
  public static URI jwksUrl(URI projectUrl) {
    return URI.create(stripSlash(projectUrl) + JWKS_PATH);
  }

  /** The {@code iss} Supabase Auth writes for a project: {@code <projectUrl>/auth/v1}. */
  public static String issuerOf(URI projectUrl) {
    return stripSlash(projectUrl) + "/auth/v1";
  }

  /**
   * Verifies a bearer token (as {@link AuthorizationHeader#bearerToken} returns it).
   *
   * <p>May fetch the JWKS on the calling thread (cache empty or expired, or an unknown {@code
   * kid}), bounded by the JWKS timeout.
   *
   * @return the verified user, never null
   * @throws InvalidTokenException with the first reason that applies; never any other exception
   */
  public VerifiedUser verify(@Nullable String token) {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException(Reason.MISSING);
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenException(Reason.TOO_LARGE);
    }
    if (token.startsWith("sb_")) {
      throw new InvalidTokenException(Reason.NOT_A_USER_TOKEN);
    }
    Optional<VerifiedUser> known = remembered(token);
    if (known.isPresent()) {
      return known.get();
    }
    SignedJWT jwt = parse(token);
    // A project's legacy anon or service_role key (supabase-js sends the anon key for a signed-out
    // user) is refused as such before its signature is checked: a verifier without the legacy
    // secret could only call its HS256 unsupported. Only a refusal rests on the unverified claim.
    if (unverifiedClaims(jwt).getClaim("role") instanceof String role
        && PROJECT_KEY_ROLES.contains(role)) {
      throw new InvalidTokenException(Reason.NOT_A_USER_TOKEN);
    }
    if (jwks != null) {
      var unused = jwks.takeSelectedHere(); // what an earlier call on this thread left
    }
    JWTClaimsSet claims = verifySignature(jwt);
    checkClaims(claims);
    VerifiedUser user = toUser(token, claims);
    remember(token, user, JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()));
    return user;
  }

  /**
   * Remembers a verified token, one verified with a JWKS key together with the key set it was
   * checked against.
   */
  private void remember(String token, VerifiedUser user, boolean bySecret) {
    Cache<String, Remembered> cache = verified;
    if (cache == null || token.length() > MAX_CACHED_TOKEN_LENGTH) {
      return;
    }
    if (bySecret) {
      cache.put(token, new Remembered(user, null));
    } else if (jwks != null) {
      jwks.takeSelectedHere().ifPresent(keys -> cache.put(token, new Remembered(user, keys)));
    }
  }

  /**
   * The user of {@code token} if this verifier verified exactly this token before and still
   * remembers it, and it has not expired since (by the clock, with the skew); empty otherwise, and
   * then only {@link #verify} can tell. Never parses, never fetches keys, never throws: meant for
   * callers that must not block, such as an I/O thread.
   */
  public Optional<VerifiedUser> remembered(String token) {
    Cache<String, Remembered> cache = verified;
    if (cache == null) {
      return Optional.empty();
    }
    Remembered known = cache.getIfPresent(token);
    if (known == null) {
      return Optional.empty();
    }
    // Expired: verify() refuses it in full, with the usual reason. Verified against a key set that
    // is no longer the one served, or that verify() would fetch again now: verify() checks it
    // against the set it would use, so a withdrawn key stops counting when it would uncached.
    if (expired(known.user().expiresAt()) || !stillServed(known.keys())) {
      cache.invalidate(token);
      return Optional.empty();
    }
    return Optional.of(known.user());
  }

  /** Whether {@code keys} (null: the legacy secret) is the key set verify() would use now. */
  private boolean stillServed(ClockedJwkSource.@Nullable Served keys) {
    if (keys == null) {
      return true;
    }
    return jwks != null
        && jwks.served() == keys
        && clock.millis() < keys.sinceMillis() + jwksCacheTtl.toMillis();
  }

  /** Whether {@code exp} is past, beyond the skew, by the clock. */
  private boolean expired(Instant exp) {
    return exp.plus(clockSkew).isBefore(clock.instant());
  }

  private static Ticker clockTicker(Clock clock) {
    return new Ticker() {
      @Override
      public long read() {
        return TimeUnit.MILLISECONDS.toNanos(clock.millis());
      }
    };
  }

  private static SignedJWT parse(String token) {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
    if (!(jwt instanceof SignedJWT signed)) {
      // alg: none (PlainJWT) or an encrypted token
      throw new InvalidTokenException(Reason.UNSUPPORTED_ALGORITHM);
    }
    try {
      signed.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
    return signed;
  }

  private static JWTClaimsSet unverifiedClaims(SignedJWT jwt) {
    try {
      return jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
  }

  private JWTClaimsSet verifySignature(SignedJWT jwt) {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    DefaultJWTProcessor<SecurityContext> processor;
    if (JWSAlgorithm.HS256.equals(alg)) {
      processor = hmac;
    } else if (JWSAlgorithm.ES256.equals(alg) || JWSAlgorithm.RS256.equals(alg)) {
      processor = signingKeys;
    } else {
      processor = null;
    }
    if (processor == null) {
      throw new InvalidTokenException(Reason.UNSUPPORTED_ALGORITHM);
    }
    try {
      return processor.process(jwt, null);
    } catch (KeySourceException e) {
      throw new InvalidTokenException(Reason.KEYS_UNAVAILABLE, e);
    } catch (BadJOSEException | JOSEException e) {
      // nimbus messages name the algorithm or key problem, never the token; keep the cause
      throw new InvalidTokenException(Reason.BAD_SIGNATURE, e);
    }
  }

  private void checkClaims(JWTClaimsSet claims) {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
    if (expired(exp.toInstant())) {
      throw new InvalidTokenException(Reason.EXPIRED);
    }
    Instant latest = now.plus(clockSkew);
    Date nbf = claims.getNotBeforeTime();
    Date iat = claims.getIssueTime();
    if ((nbf != null && nbf.toInstant().isAfter(latest))
        || (iat != null && iat.toInstant().isAfter(latest))) {
      throw new InvalidTokenException(Reason.NOT_YET_VALID);
    }
    // anon and service_role were refused before the signature was checked
    if (!AUTHENTICATED.equals(claims.getClaim("role"))) {
      throw new InvalidTokenException(Reason.WRONG_ROLE);
    }
    List<String> audience = claims.getAudience();
    if (!audience.contains(AUTHENTICATED)) {
      throw new InvalidTokenException(Reason.WRONG_AUDIENCE);
    }
    if (issuer != null && !issuer.equals(claims.getIssuer())) {
      throw new InvalidTokenException(Reason.WRONG_ISSUER);
    }
  }

  private static VerifiedUser toUser(String token, JWTClaimsSet claims) {
    String sub = claims.getSubject();
    if (sub == null || !UUID_TEXT.matcher(sub).matches()) {
      throw new InvalidTokenException(Reason.INVALID_SUBJECT);
    }
    AccessToken accessToken;
    try {
      accessToken = AccessToken.of(token);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
    Object sessionId = claims.getClaim("session_id");
    return new VerifiedUser(
        UUID.fromString(sub),
        accessToken,
        Boolean.TRUE.equals(claims.getClaim("is_anonymous")),
        claims.getExpirationTime().toInstant(),
        sessionId instanceof String s ? Optional.of(s) : Optional.empty());
  }

  private static DefaultJWTProcessor<SecurityContext> processor(
      com.nimbusds.jose.proc.JWSKeySelector<SecurityContext> keySelector) {
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(keySelector);
    // Claims are checked by checkClaims, against the injected clock and with our reasons.
    processor.setJWTClaimsSetVerifier(null);
    return processor;
  }

  private static ClockedJwkSource jwkSource(URI projectUrl, Builder builder) {
    URL url;
    try {
      url = jwksUrl(projectUrl).toURL();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("projectUrl must be an http(s) URL but was " + projectUrl);
    }
    int timeout = Math.toIntExact(builder.jwksTimeout.toMillis());
    DefaultResourceRetriever retriever =
        new DefaultResourceRetriever(timeout, timeout, JWKS_SIZE_LIMIT);
    long ttl = builder.jwksCacheTtl.toMillis();
    // A request finding the cache expired waits for the refresh another one has started, as long
    // as that can take (its connect and read timeouts, and a second): its failure falls back to the
    // last good keys, while a shorter wait answered "keys unavailable" for a refresh merely slow.
    long refreshWait = 2L * timeout + 1_000;
    JWKSource<SecurityContext> built =
        JWKSourceBuilder.<SecurityContext>create(url, retriever)
            .cache(ttl, refreshWait)
            .refreshAheadCache(false)
            // Refreshes for unknown kids are limited by ClockedJwkSource: nimbus's limit would also
            // hold back the first fetch after a failed one, for the whole interval.
            .rateLimited(false)
            .outageTolerant(builder.jwksOutageTolerance.toMillis())
            .build();
    return new ClockedJwkSource(
        ((JWKSetBasedJWKSource<SecurityContext>) built).getJWKSetSource(),
        builder.clock,
        builder.jwksRefreshInterval.toMillis());
  }

  /**
   * The HMAC key of a secret: its UTF-8 bytes, at least {@link #MIN_SECRET_BYTES} long. The message
   * names {@code setting} and the length, never the value.
   */
  static byte[] secretBytes(String secret, String setting) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          setting + " must be at least " + MIN_SECRET_BYTES + " bytes but was " + bytes.length);
    }
    return bytes;
  }

  private static String stripSlash(URI url) {
    String text = url.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  @Override
  public String toString() {
    return "SupabaseJwtVerifier[hs256=" + (hmac != null) + ", jwks=" + (signingKeys != null) + "]";
  }

  /**
   * Configures a {@link SupabaseJwtVerifier}. Every setter rejects a bad value at once; {@link
   * #build()} needs at least one key source. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable URI projectUrl;
    private byte @Nullable [] secret;
    private @Nullable String issuer;
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private Duration jwksCacheTtl = DEFAULT_JWKS_CACHE_TTL;
    private Duration jwksRefreshInterval = DEFAULT_JWKS_REFRESH_INTERVAL;
    private Duration jwksOutageTolerance = DEFAULT_JWKS_OUTAGE_TOLERANCE;
    private Duration jwksTimeout = DEFAULT_JWKS_TIMEOUT;
    private Clock clock = SystemTime.clock();
    private int verifiedTokenCacheSize = DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;

    private Builder() {}

    /**
     * How many verified tokens to remember (see the class description); 0 verifies every token in
     * full every time. 0 to 1 000 000, default {@link #DEFAULT_VERIFIED_TOKEN_CACHE_SIZE}.
     */
    public Builder verifiedTokenCacheSize(int tokens) {
      if (tokens < 0 || tokens > 1_000_000) {
        throw new IllegalArgumentException(
            "verifiedTokenCacheSize must be between 0 and 1000000 but was " + tokens);
      }
      this.verifiedTokenCacheSize = tokens;
      return this;
    }

    /**
     * Verifies ES256/RS256 tokens with the signing keys published at {@code
     * <projectUrl>/auth/v1/.well-known/jwks.json}.
     */
    public Builder projectUrl(URI projectUrl) {
      String scheme = projectUrl.getScheme();
      if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
        throw new IllegalArgumentException(
            "projectUrl must be an http(s) URL but was " + projectUrl);
      }
      this.projectUrl = projectUrl;
      return this;
    }

    /**
     * Verifies HS256 tokens with the legacy JWT secret ({@code SUPABASE_JWT_SECRET}), used as its
     * UTF-8 bytes, as PostgREST and Supabase Auth use it.
     *
     * @throws IllegalArgumentException if shorter than {@link #MIN_SECRET_BYTES} bytes; the message
     *     names the setting and the length, never the value
     */
    public Builder jwtSecret(String secret) {
      this.secret = secretBytes(secret, "SUPABASE_JWT_SECRET");
      return this;
    }

    /** Also requires {@code iss} to equal this value, e.g. {@link #issuerOf(URI)}. */
    public Builder issuer(String issuer) {
      if (issuer.isBlank()) {
        throw new IllegalArgumentException("issuer must not be blank");
      }
      this.issuer = issuer;
      return this;
    }

    /** Leeway for {@code exp}, {@code nbf} and {@code iat}; 0 to 5 minutes. */
    public Builder clockSkew(Duration clockSkew) {
      this.clockSkew = within("clockSkew", clockSkew, Duration.ZERO, Duration.ofMinutes(5));
      return this;
    }

    /** How long a fetched key set is used; 1 minute to 1 day. */
    public Builder jwksCacheTtl(Duration ttl) {
      this.jwksCacheTtl = within("jwksCacheTtl", ttl, Duration.ofMinutes(1), Duration.ofDays(1));
      return this;
    }

    /** Least time between extra fetches for unknown {@code kid}s; 1 s to 10 minutes. */
    public Builder jwksRefreshInterval(Duration interval) {
      this.jwksRefreshInterval =
          within("jwksRefreshInterval", interval, Duration.ofSeconds(1), Duration.ofMinutes(10));
      return this;
    }

    /** How long the last good keys serve while the endpoint is unreachable; up to 7 days. */
    public Builder jwksOutageTolerance(Duration tolerance) {
      this.jwksOutageTolerance =
          within("jwksOutageTolerance", tolerance, Duration.ofMinutes(1), Duration.ofDays(7));
      return this;
    }

    /**
     * Connect and read timeout of one JWKS fetch; 50 ms to 30 s. A request that finds another one
     * fetching waits for it up to twice this and a second.
     */
    public Builder jwksTimeout(Duration timeout) {
      this.jwksTimeout =
          within("jwksTimeout", timeout, Duration.ofMillis(50), Duration.ofSeconds(30));
      return this;
    }

    /** The clock for token times and the JWKS cache; defaults to the system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the verifier. Fetches nothing yet: the first JWKS fetch happens on the first ES256 or
     * RS256 token.
     *
     * @throws IllegalStateException if neither {@link #projectUrl} nor {@link #jwtSecret} was set,
     *     or the JWKS cache TTL is not longer than the refresh interval
     */
    public SupabaseJwtVerifier build() {
      if (projectUrl == null && secret == null) {
        throw new IllegalStateException("a key source is required: projectUrl and/or jwtSecret");
      }
      if (jwksCacheTtl.compareTo(jwksRefreshInterval) <= 0) {
        throw new IllegalStateException(
            "jwksCacheTtl must be longer than jwksRefreshInterval but was "
                + jwksCacheTtl
                + " <= "
                + jwksRefreshInterval);
      }
      return new SupabaseJwtVerifier(this);
    }

    private static Duration within(String name, Duration value, Duration min, Duration max) {
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name + " must be between " + min + " and " + max + " but was " + value);
      }
      return value;
    }
  }
}
