package dev.codebasechat.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * Mints HS256 access tokens shaped like Supabase Auth's ({@code sub}, {@code aud} and {@code role}
 * {@code authenticated}, {@code iss}, {@code iat}, {@code exp}, {@code session_id}, {@code
 * is_anonymous: false}, {@code aal: aal1}), for the embedded default (no Supabase configured) and
 * an operator command. A {@link SupabaseJwtVerifier} configured with the same secret accepts them.
 *
 * <p>Immutable and thread-safe. It never mints {@code anon} or {@code service_role} tokens, and its
 * {@code toString()} never shows the secret.
 */
public final class DevTokenMinter {

  /** The lifetime Supabase Auth gives access tokens by default. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);

  private final MACSigner signer;
  private final String issuer;
  private final Clock clock;

  private DevTokenMinter(MACSigner signer, String issuer, Clock clock) {
    this.signer = signer;
    this.issuer = issuer;
    this.clock = clock;
  }

  /**
   * A minter signing with {@code secret} (its UTF-8 bytes, as {@link
   * SupabaseJwtVerifier.Builder#jwtSecret} reads it).
   *
   * @throws IllegalArgumentException if the secret is shorter than {@link
   *     SupabaseJwtVerifier#MIN_SECRET_BYTES} bytes or the issuer is blank; never shows the secret
   */
  public static DevTokenMinter create(String secret, String issuer, Clock clock) {
    byte[] bytes = SupabaseJwtVerifier.secretBytes(secret, "secret");
    if (issuer.isBlank()) {
      throw new IllegalArgumentException("issuer must not be blank");
    }
    try {
      return new DevTokenMinter(new MACSigner(bytes), issuer, clock);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("secret is not a usable HS256 key", e);
    }
  }

  /** A token for {@code userId} valid for {@link #DEFAULT_LIFETIME} from now. */
  public String mint(UUID userId) {
    return mint(userId, DEFAULT_LIFETIME);
  }

  /**
   * A token for {@code userId} valid for {@code lifetime} from now, with a fresh {@code
   * session_id}.
   *
   * @throws IllegalArgumentException if the lifetime is not positive
   */
  public String mint(UUID userId, Duration lifetime) {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("lifetime must be positive but was " + lifetime);
    }
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(userId.toString())
            .audience("authenticated")
            .claim("role", "authenticated")
            .issuer(issuer)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .claim("session_id", UUID.randomUUID().toString())
            .claim("is_anonymous", false)
            .claim("aal", "aal1")
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("HS256 signing failed", e);
    }
    return jwt.serialize();
  }

  @Override
  public String toString() {
    return "DevTokenMinter[issuer=" + issuer + "]";
  }
}
