package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.testing.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A project's keys and its Auth's signing keys: the legacy anon and service keys (HS256 JWTs), the
 * publishable and secret keys ({@code sb_publishable_…}, {@code sb_secret_…}), the legacy JWT
 * secret and an ES256 signing key published as the project's JWKS. Mints tokens as Supabase Auth
 * does, and decides who a request is as the platform does (reference/postgrest.md §2.6, §3.1):
 * first the API gateway's {@code apikey} check (header or URL parameter), then PostgREST's check of
 * {@code Authorization: Bearer} ({@link BearerTokens}) and its reading of the role claim. Every key
 * and token is registered with {@link TestSecrets} as it is made. Immutable and thread-safe.
 */
public final class ProjectKeys {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JWSHeader HS256_HEADER =
      new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build();

  private final byte[] jwtSecret;
  private final ECKey signingKey;
  // Made once: the header is immutable and ECDSASigner is thread-safe.
  private final JWSHeader es256Header;
  private final JWSSigner es256Signer;
  private final Clock clock;
  private final int postgrestMajor;
  private final Supplier<String> issuer;
  private final String anonKey;
  private final String serviceKey;
  private final String publishableKey;
  private final String secretKey;
  private final Map<String, String> roleOfKey;
  private final BearerTokens tokens;

  /**
   * @param jwtSecret the legacy HS256 secret (at least 32 bytes)
   * @param issuer the {@code iss} of access tokens, Auth's URL
   */
  public ProjectKeys(byte[] jwtSecret, Clock clock, int postgrestMajor, Supplier<String> issuer) {
    this.jwtSecret = jwtSecret.clone();
    this.clock = clock;
    this.postgrestMajor = postgrestMajor;
    this.issuer = issuer;
    TestSecrets.register(new String(jwtSecret, StandardCharsets.UTF_8));
    TestSecrets.register(Base64.getEncoder().encodeToString(jwtSecret));
    TestSecrets.register(HexFormat.of().formatHex(jwtSecret));
    try {
      signingKey = new ECKeyGenerator(Curve.P_256).keyID("test-" + UUID.randomUUID()).generate();
      es256Signer = new ECDSASigner(signingKey);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the ES256 signing key", e);
    }
    TestSecrets.register(signingKey.getD().toString());
    es256Header =
        new JWSHeader.Builder(JWSAlgorithm.ES256)
            .keyID(signingKey.getKeyID())
            .type(JOSEObjectType.JWT)
            .build();
    Instant now = clock.instant();
    anonKey = sign(HS256_HEADER, legacyKey("anon", now), hs256(this.jwtSecret));
    serviceKey = sign(HS256_HEADER, legacyKey("service_role", now), hs256(this.jwtSecret));
    publishableKey = TestSecrets.register("sb_publishable_" + randomToken());
    secretKey = TestSecrets.register("sb_secret_" + randomToken());
    tokens = new BearerTokens(this.jwtSecret, signingKey.toPublicJWK(), clock, postgrestMajor);
    roleOfKey =
        Map.of(
            anonKey, "anon",
            serviceKey, "service_role",
            publishableKey, "anon",
            secretKey, "service_role");
  }

  /** A random legacy secret of 40 characters. */
  public static byte[] randomSecret() {
    return randomToken().getBytes(StandardCharsets.UTF_8);
  }

  public String anonKey() {
    return anonKey;
  }

  public String serviceKey() {
    return serviceKey;
  }

  public String publishableKey() {
    return publishableKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public String jwtSecret() {
    return new String(jwtSecret, StandardCharsets.UTF_8);
  }

  /** The public JWKS Auth publishes: the signing key without its private part. */
  public String jwks() {
    return new JWKSet(signingKey.toPublicJWK()).toString();
  }

  /** An access token of {@code user} (null: no {@code sub}) with {@code role}, as Auth signs it. */
  public String token(@Nullable UUID user, String role, Duration lifetime, boolean legacy) {
    Instant now = clock.instant();
    return token(user, role, now, now.plus(lifetime), legacy);
  }

  /** A token of {@code user} issued two hours and expired one hour before now. */
  public String expiredToken(UUID user) {
    Instant now = clock.instant();
    return token(
        user,
        "authenticated",
        now.minus(Duration.ofHours(2)),
        now.minus(Duration.ofHours(1)),
        false);
  }

  /** A well-formed HS256 token of {@code user} signed with a secret the project does not know. */
  public String forgedToken(UUID user, Duration lifetime) {
    byte[] other = jwtSecret.clone();
    other[0] ^= 0x5a;
    Instant now = clock.instant();
    return sign(
        HS256_HEADER, userClaims(user, "authenticated", now, now.plus(lifetime)), hs256(other));
  }

  private String token(
      @Nullable UUID user, String role, Instant issuedAt, Instant expiresAt, boolean legacy) {
    JWTClaimsSet claims = userClaims(user, role, issuedAt, expiresAt);
    return legacy
        ? sign(HS256_HEADER, claims, hs256(jwtSecret))
        : sign(es256Header, claims, es256Signer);
  }

  private JWTClaimsSet userClaims(
      @Nullable UUID user, String role, Instant issuedAt, Instant expiresAt) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer.get())
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

  private static JWTClaimsSet legacyKey(String role, Instant now) {
    return new JWTClaimsSet.Builder()
        .issuer("supabase")
        .claim("ref", "testproject")
        .claim("role", role)
        .issueTime(Date.from(now.minus(Duration.ofDays(1))))
        .expirationTime(Date.from(now.plus(Duration.ofDays(3650))))
        .build();
  }

  private static JWSSigner hs256(byte[] secret) {
    try {
      return new MACSigner(secret);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign with an HS256 secret", e);
    }
  }

  private static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
    return TestSecrets.register(jwt.serialize());
  }

  private static String randomToken() {
    byte[] random = new byte[30];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  // ------------------------------------------------------------------ who a request is

  /**
   * The identity of a request with these {@code apikey} and {@code Authorization} values (null when
   * absent).
   *
   * @throws PostgrestError the gateway's 401 for a missing or unknown key; PGRST301/PGRST303 for a
   *     refused token
   */
  Identity identify(@Nullable String apiKey, @Nullable String authorization) {
    if (apiKey == null || apiKey.isEmpty()) {
      throw PostgrestError.gateway(
          "No API key found in request", "No `apikey` request header or url param was found.");
    }
    String keyRole = roleOfKey.get(apiKey);
    if (keyRole == null) {
      throw PostgrestError.gateway(
          "Invalid API key", "Double check your Supabase `anon` or `service_role` API key.");
    }
    if (authorization == null) {
      // The new keys alone stand for their role (the gateway mints the JWT); a legacy key alone
      // reaches PostgREST without a JWT, i.e. as anon.
      return Identity.of(apiKey.startsWith("sb_") ? keyRole : "anon", JSON.createObjectNode());
    }
    String[] parts = authorization.strip().split("\\s+", 2);
    if (!parts[0].toLowerCase(Locale.ROOT).equals("bearer")) {
      // PostgREST looks at Bearer only; any other scheme is ignored and the request runs as anon.
      return Identity.of("anon", JSON.createObjectNode());
    }
    String token = parts.length > 1 ? parts[1].strip() : "";
    if (token.startsWith("sb_") && token.equals(apiKey)) {
      return Identity.of(keyRole, JSON.createObjectNode());
    }
    if (token.isEmpty() && postgrestMajor < 13) {
      return Identity.of("anon", JSON.createObjectNode()); // v12 reads an empty token as none
    }
    ObjectNode claims = tokens.claims(token);
    // PostgREST takes a role that is no string as its JSON text: SET ROLE then refuses it.
    JsonNode role = claims.get("role");
    return Identity.of(
        role == null ? "anon" : role.isTextual() ? role.asText() : role.toString(), claims);
  }
}
