package dev.codebasechat.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.testing.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Keys and tokens shaped like Supabase Auth's, minted with nimbus for the auth tests. */
public final class TestTokens {
  public static final UUID ALICE = UUID.fromString("8d0c3c5e-2f7a-4a53-9d0e-6f1b2c3d4e5f");
  public static final String SESSION_ID = "0b6a3f6e-9a51-4c8e-b2a7-3d9f1e2c4b5a";

  private TestTokens() {}

  /** A random legacy JWT secret (43 base64url characters, like {@link LocalJwtSecret}'s). */
  public static String randomSecret() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return TestSecrets.register(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  public static ECKey ecKey(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The claims of a signed-in user's access token, issued at {@code now}, valid for an hour. */
  public static JWTClaimsSet.Builder userClaims(Instant now) {
    return new JWTClaimsSet.Builder()
        .subject(ALICE.toString())
        .audience("authenticated")
        .claim("role", "authenticated")
        .issuer("http://localhost/auth/v1")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600)))
        .claim("session_id", SESSION_ID)
        .claim("is_anonymous", false)
        .claim("aal", "aal1");
  }

  /** A legacy project key ({@code anon} or {@code service_role}): no sub, no aud, ten years. */
  public static JWTClaimsSet projectKeyClaims(String role, Instant now) {
    return new JWTClaimsSet.Builder()
        .issuer("supabase")
        .claim("ref", "abcdefghijklmnopqrst")
        .claim("role", role)
        .issueTime(Date.from(now.minusSeconds(86_400)))
        .expirationTime(Date.from(now.plusSeconds(10L * 365 * 86_400)))
        .build();
  }

  public static String hs256(JWTClaimsSet claims, String secret) {
    return hs256(claims, secret.getBytes(StandardCharsets.UTF_8), null);
  }

  public static String hs256(JWTClaimsSet claims, byte[] key, @Nullable String kid) {
    try {
      return sign(JWSAlgorithm.HS256, kid, new MACSigner(key), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String es256(JWTClaimsSet claims, ECKey key) {
    try {
      return sign(JWSAlgorithm.ES256, key.getKeyID(), new ECDSASigner(key), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String rs256(JWTClaimsSet claims, RSAKey key) {
    try {
      return sign(JWSAlgorithm.RS256, key.getKeyID(), new RSASSASigner(key), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(
      JWSAlgorithm alg, @Nullable String kid, JWSSigner signer, JWTClaimsSet claims)
      throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(kid).build(), claims);
    jwt.sign(signer);
    return TestSecrets.register(jwt.serialize());
  }

  /** The payload (second) segment of a compact JWT. */
  public static String payloadOf(String token) {
    return token.split("\\.", -1)[1];
  }

  /** The same token with the first character of its signature changed. */
  public static String tampered(String token) {
    int at = token.lastIndexOf('.') + 1;
    char first = token.charAt(at);
    return token.substring(0, at) + (first == 'A' ? 'B' : 'A') + token.substring(at + 1);
  }
}
