package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.math.BigDecimal;
import java.text.ParseException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * PostgREST's check of a bearer token: its decoding (PostgREST 13 and later use jose-jwt's {@code
 * decode} over the project's keys: the secret as an HS256 key without {@code kid}, the ES256 key
 * with its {@code kid}) and its claim checks ({@code exp}, {@code nbf}, {@code iat} with 30 s of
 * skew; {@code aud} of the right form, as no audience is configured). Each refusal is PostgREST's
 * 401 with its code, words and {@code WWW-Authenticate}. PostgREST 12 (hs-jose) tries every key
 * whatever the {@code kid}, compares exact times, checks {@code iat} before {@code nbf} and says so
 * in hs-jose's words where its sources show them. Immutable and thread-safe.
 */
final class BearerTokens {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigDecimal SKEW = BigDecimal.valueOf(30);

  /** The JWS algorithms jose-jwt reads in a header ({@code none} among them). */
  private static final Set<String> JWS_ALGORITHMS =
      Set.of(
          "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
          "EdDSA");

  private final byte[] jwtSecret;
  private final ECKey publicKey;
  private final Clock clock;
  private final int postgrestMajor;

  BearerTokens(byte[] jwtSecret, ECKey publicKey, Clock clock, int postgrestMajor) {
    this.jwtSecret = jwtSecret.clone();
    this.publicKey = publicKey;
    this.clock = clock;
    this.postgrestMajor = postgrestMajor;
  }

  /**
   * PostgREST 13+'s decoding (jose-jwt's {@code decode} over the project's keys: the secret as an
   * HS256 key without {@code kid}, the ES256 key with its {@code kid}), then its claim checks.
   */
  ObjectNode claims(String token) {
    if (token.isEmpty()) {
      throw invalid("PGRST301", "Empty JWT is sent in Authorization header");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw invalid(
          "PGRST301",
          postgrestMajor >= 13
              ? "Expected 3 parts in JWT; got " + parts.length
              : "JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got "
                  + parts.length
                  + ")");
    }
    JsonNode header = readable(parts);
    String alg = header.get("alg").asText();
    boolean v12 = postgrestMajor < 13;
    if (alg.equals("none")) {
      // PostgREST 12 (hs-jose) checks no signature of an algorithm it does not allow.
      throw v12
          ? invalid("PGRST301", "JWSError JWSNoSignatures")
          : invalid(
              "PGRST301",
              "Wrong or unsupported encoding algorithm",
              "JWT is unsecured but expected 'alg' was not 'none'");
    }
    // A key fits when its type and algorithm do and, if the token names a kid, that is its kid
    // (PostgREST 12 tries every key, whatever the kid).
    JsonNode kid = header.path("kid");
    boolean kidFree = v12 || kid.isMissingNode() || kid.isNull();
    JWSVerifier verifier;
    if (alg.equals("HS256") && kidFree) {
      verifier = macVerifier();
    } else if (alg.equals("ES256") && (kidFree || kid.asText().equals(publicKey.getKeyID()))) {
      verifier = ecVerifier();
    } else {
      throw noKeyVerifies("No suitable key was found to decode the JWT");
    }
    boolean signed;
    try {
      signed = SignedJWT.parse(token).verify(verifier);
    } catch (ParseException | JOSEException e) {
      signed = false;
    }
    if (!signed) {
      throw noKeyVerifies("None of the keys was able to decode the JWT");
    }
    String code = postgrestMajor >= 13 ? "PGRST303" : "PGRST301";
    JsonNode payload;
    try {
      payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    } catch (IOException e) {
      payload = null;
    }
    if (!(payload instanceof ObjectNode claims)) {
      throw invalid(code, "Parsing claims failed");
    }
    // PostgREST 13+ compares whole seconds; 12 compares the exact times, 'now' to the millisecond.
    BigDecimal now =
        v12
            ? BigDecimal.valueOf(clock.millis()).movePointLeft(3)
            : BigDecimal.valueOf(clock.instant().getEpochSecond());
    Predicate<BigDecimal> expired =
        v12
            ? exp -> now.compareTo(exp.add(SKEW)) >= 0
            : exp -> now.subtract(SKEW).compareTo(exp) > 0;
    Predicate<BigDecimal> ahead = time -> now.add(SKEW).compareTo(time) < 0;
    checkTime(claims, "exp", code, expired, "JWT expired");
    if (v12) { // hs-jose's order and words
      checkTime(claims, "iat", code, ahead, "JWTIssuedAtFuture");
      checkTime(claims, "nbf", code, ahead, "JWTNotYetValid");
    } else {
      checkTime(claims, "nbf", code, ahead, "JWT not yet valid");
      checkTime(claims, "iat", code, ahead, "JWT issued at future");
    }
    JsonNode aud = claims.path("aud");
    boolean audOk =
        aud.isMissingNode()
            || aud.isNull()
            || aud.isTextual()
            || aud.isArray() && aud.valueStream().allMatch(JsonNode::isTextual);
    if (!audOk) {
      // No audience is configured, so any string or list of strings will do.
      throw invalid(code, "The JWT 'aud' claim must be a string or an array of strings");
    }
    if (v12 && aud.isArray() && aud.isEmpty()) {
      throw invalid(code, "JWTNotInAudience"); // hs-jose: no audience of [] is accepted
    }
    return claims;
  }

  /**
   * The header, once the three parts read as unpadded base64url and the header as a JWS header with
   * an algorithm jose-jwt knows: anything else is its BadCrypto.
   */
  private static JsonNode readable(String[] parts) {
    PostgrestError badCrypto = invalid("PGRST301", "JWT cryptographic operation failed");
    try {
      for (String part : parts) {
        if (part.indexOf('=') >= 0) {
          throw badCrypto;
        }
        Base64.getUrlDecoder().decode(part);
      }
      JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      boolean known =
          JWS_ALGORITHMS.contains(header.path("alg").asText("")) && header.path("alg").isTextual();
      for (String field : List.of("kid", "typ", "cty")) {
        JsonNode value = header.path(field);
        known &= value.isMissingNode() || value.isNull() || value.isTextual();
      }
      if (!known) {
        throw badCrypto;
      }
      return header;
    } catch (IllegalArgumentException | IOException e) {
      throw badCrypto;
    }
  }

  private JWSVerifier macVerifier() {
    try {
      return new MACVerifier(jwtSecret);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot check with the HS256 secret", e);
    }
  }

  private JWSVerifier ecVerifier() {
    try {
      return new ECDSAVerifier(publicKey);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot check with the ES256 key", e);
    }
  }

  /**
   * A present time {@code claim} must be a number (v13: null is not one; 12 and 14 read it as
   * absent), read as PostgREST reads it (13+: a fraction or a number beyond 64 bits counts as 0).
   */
  private void checkTime(
      ObjectNode claims, String claim, String code, Predicate<BigDecimal> broken, String message) {
    JsonNode value = claims.get(claim);
    if (value == null || value.isNull() && postgrestMajor != 13) {
      return;
    }
    if (!value.isNumber()) {
      throw invalid(code, "The JWT '" + claim + "' claim must be a number");
    }
    BigDecimal seconds = value.decimalValue();
    if (postgrestMajor >= 13) {
      try {
        seconds = BigDecimal.valueOf(seconds.longValueExact());
      } catch (ArithmeticException fractionOrTooLarge) {
        seconds = BigDecimal.ZERO;
      }
    }
    if (broken.test(seconds)) {
      throw invalid(code, message);
    }
  }

  /**
   * No key of the project verifies the token: jose-jwt's KeyError with its {@code details} (13+);
   * PostgREST 12 tries every key and calls any failure an invalid signature.
   */
  private PostgrestError noKeyVerifies(String details) {
    return postgrestMajor < 13
        ? invalid("PGRST301", "JWSError JWSInvalidSignature")
        : invalid("PGRST301", "No suitable key or wrong key type", details);
  }

  private static PostgrestError invalid(String code, String message) {
    return invalid(code, message, null);
  }

  private static PostgrestError invalid(String code, String message, @Nullable String details) {
    return PostgrestError.of(401, code, message, details, null)
        .withHeader(
            "WWW-Authenticate",
            "Bearer error=\"invalid_token\", error_description=\"" + message + "\"");
  }
}
