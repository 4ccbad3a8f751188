package dev.codebasechat.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Mints and checks HS256 tokens the way PostgREST checks them against its {@code jwt-secret}:
 * signature first (PGRST301), then {@code exp} with 30 s of leeway (PGRST303, PGRST301 on v12),
 * then the {@code role} claim picks the database role.
 */
final class FakeTokens {

  /** PostgREST accepts a token up to this long after its {@code exp}. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  private static final Set<String> ROLES = Set.of("anon", "authenticated", "service_role");

  private final byte[] secret;
  private final Clock clock;
  private final int postgrestMajor;

  FakeTokens(byte[] secret, Clock clock, int postgrestMajor) {
    this.secret = secret.clone();
    TestSecrets.register(new String(secret, java.nio.charset.StandardCharsets.UTF_8));
    TestSecrets.register(java.util.Base64.getEncoder().encodeToString(secret));
    TestSecrets.register(java.util.HexFormat.of().formatHex(secret));
    this.clock = clock;
    this.postgrestMajor = postgrestMajor;
  }

  /** Who a request runs as once its token was accepted. */
  record Caller(String role, @Nullable UUID userId) {
    static final Caller ANON = new Caller("anon", null);

    boolean anonymous() {
      return role.equals("anon");
    }

    boolean bypassesRls() {
      return role.equals("service_role");
    }

    /** Whether RLS ({@code auth.uid() = user_id}) lets this caller see a row of {@code owner}. */
    boolean sees(UUID owner) {
      return bypassesRls() || owner.equals(userId);
    }
  }

  String mint(@Nullable UUID sub, String role, Instant expiresAt) {
    return sign(sub, role, expiresAt, secret);
  }

  /** A token exactly like {@link #mint} but signed with another secret. */
  String forge(@Nullable UUID sub, String role, Instant expiresAt) {
    byte[] other = secret.clone();
    other[0] ^= 0x5a;
    return sign(sub, role, expiresAt, other);
  }

  private String sign(@Nullable UUID sub, String role, Instant expiresAt, byte[] key) {
    Instant now = clock.instant();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer("http://localhost/auth/v1")
            .audience(role.equals("authenticated") ? "authenticated" : null)
            .claim("role", role)
            .issueTime(Date.from(now.isAfter(expiresAt) ? expiresAt.minusSeconds(3600) : now))
            .expirationTime(Date.from(expiresAt));
    if (sub != null) {
      claims.subject(sub.toString());
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(new MACSigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
    return TestSecrets.register(jwt.serialize());
  }

  /**
   * The caller of a request with this {@code Authorization} header value ({@code null} when
   * absent): anon without a bearer token.
   *
   * @throws PostgrestErrors.Failure PGRST301/PGRST303 when the token is refused
   */
  Caller callerOf(@Nullable String authorization) {
    if (authorization == null
        || !authorization.toLowerCase(Locale.ROOT).startsWith("bearer")
        || (authorization.length() > 6 && authorization.charAt(6) != ' ')) {
      return Caller.ANON;
    }
    String token = authorization.substring(6).trim();
    if (token.isEmpty()) {
      throw PostgrestErrors.invalidToken("PGRST301", "Empty JWT is sent in Authorization header");
    }
    int parts = token.split("\\.", -1).length;
    if (parts != 3) {
      throw PostgrestErrors.invalidToken("PGRST301", "Expected 3 parts in JWT; got " + parts);
    }
    JWTClaimsSet claims;
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
        throw PostgrestErrors.invalidToken("PGRST301", "Wrong or unsupported encoding algorithm");
      }
      if (!jwt.verify(new MACVerifier(secret))) {
        throw PostgrestErrors.invalidToken("PGRST301", "JWT cryptographic operation failed");
      }
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | JOSEException e) {
      throw PostgrestErrors.invalidToken("PGRST301", "JWT cryptographic operation failed");
    }
    Date exp = claims.getExpirationTime();
    if (exp != null && exp.toInstant().plus(CLOCK_SKEW).isBefore(clock.instant())) {
      throw PostgrestErrors.invalidToken(
          postgrestMajor >= 13 ? "PGRST303" : "PGRST301", "JWT expired");
    }
    Object role = claims.getClaim("role");
    String roleName = role instanceof String s ? s : "anon";
    if (!ROLES.contains(roleName)) {
      throw PostgrestErrors.sql(401, "22023", "role \"" + roleName + "\" does not exist");
    }
    return new Caller(roleName, parseSub(claims.getSubject()));
  }

  private static @Nullable UUID parseSub(@Nullable String sub) {
    if (sub == null) {
      return null;
    }
    try {
      return UUID.fromString(sub);
    } catch (IllegalArgumentException e) {
      // auth.uid() casts sub to uuid: a non-UUID sub fails every statement that reads it.
      throw PostgrestErrors.invalidText("uuid", sub);
    }
  }
}
