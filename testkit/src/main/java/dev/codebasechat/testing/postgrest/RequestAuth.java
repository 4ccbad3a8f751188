package dev.codebasechat.testing.postgrest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Who a request is, decided as the Supabase platform decides it: first the API gateway's {@code
 * apikey} check (header or URL parameter), then PostgREST's JWT check of {@code Authorization:
 * Bearer} (reference/postgrest.md §2.6, §3.1): HS256 with the legacy JWT secret, ES256 with the
 * signing keys of the project's JWKS (a {@code kid} must name one), {@code exp}, {@code nbf} and
 * {@code iat} with 30 s of skew, no audience check (the Supabase CLI sets no {@code jwt-aud}). The
 * role is the token's {@code role} claim, or {@code anon} without a token; the claims handed to SQL
 * always carry {@code role}.
 *
 * <p>The new project keys ({@code sb_publishable_…}, {@code sb_secret_…}) are accepted as {@code
 * apikey} and, when sent as the bearer too, stand for {@code anon} and {@code service_role}.
 */
final class RequestAuth {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SKEW_SECONDS = 30;

  /** The request's identity: the database role, the claims for {@code request.jwt.claims}. */
  record Identity(String role, String claimsJson, boolean authed) {}

  private final byte[] jwtSecret;
  private final JWKSet signingKeys;
  private final Map<String, String> projectKeys;
  private final Clock clock;
  private final int postgrestMajor;

  /**
   * @param projectKeys every value accepted as {@code apikey}, mapped to the role it stands for
   *     without a user token ({@code anon} or {@code service_role})
   */
  RequestAuth(
      byte[] jwtSecret,
      JWKSet signingKeys,
      Map<String, String> projectKeys,
      Clock clock,
      int postgrestMajor) {
    this.jwtSecret = jwtSecret.clone();
    this.signingKeys = signingKeys;
    this.projectKeys = Map.copyOf(projectKeys);
    this.clock = clock;
    this.postgrestMajor = postgrestMajor;
  }

  Identity identify(@Nullable String apiKey, @Nullable String authorization) {
    if (apiKey == null || apiKey.isEmpty()) {
      throw gateway(
          "No API key found in request", "No `apikey` request header or url param was found.");
    }
    String keyRole = projectKeys.get(apiKey);
    if (keyRole == null) {
      throw gateway(
          "Invalid API key", "Double check your Supabase `anon` or `service_role` API key.");
    }
    if (authorization == null) {
      // The new keys alone stand for their role (the gateway mints the JWT); without a bearer a
      // legacy key request reaches PostgREST without a JWT, i.e. as anon.
      String role = apiKey.startsWith("sb_") ? keyRole : "anon";
      return new Identity(
          role, JSON.createObjectNode().put("role", role).toString(), !role.equals("anon"));
    }
    String[] parts = authorization.strip().split("\\s+", 2);
    if (!parts[0].toLowerCase(Locale.ROOT).equals("bearer")) {
      // PostgREST looks at Bearer only; any other scheme is ignored and the request runs as anon.
      return new Identity("anon", "{\"role\":\"anon\"}", false);
    }
    String token = parts.length > 1 ? parts[1].strip() : "";
    if (token.startsWith("sb_") && token.equals(apiKey)) {
      return new Identity(
          keyRole,
          JSON.createObjectNode().put("role", keyRole).toString(),
          !keyRole.equals("anon"));
    }
    ObjectNode claims = verify(token);
    JsonNode role = claims.get("role");
    String roleName = role != null && role.isTextual() ? role.asText() : "anon";
    claims.put("role", roleName);
    return new Identity(roleName, claims.toString(), !roleName.equals("anon"));
  }

  private ObjectNode verify(String token) {
    if (token.isEmpty()) {
      throw jwt("PGRST301", "Empty JWT is sent in Authorization header");
    }
    int parts = token.split("\\.", -1).length;
    if (parts != 3) {
      throw jwt("PGRST301", "Expected 3 parts in JWT; got " + parts);
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw jwt("PGRST301", "JWT cryptographic operation failed");
    }
    JWSVerifier verifier = verifierFor(jwt);
    try {
      if (!jwt.verify(verifier)) {
        throw jwt("PGRST301", "JWT cryptographic operation failed");
      }
    } catch (JOSEException e) {
      throw jwt("PGRST301", "JWT cryptographic operation failed");
    }
    ObjectNode claims;
    try {
      JsonNode payload = JSON.readTree(jwt.getPayload().toString());
      if (!(payload instanceof ObjectNode object)) {
        throw jwt("PGRST301", "JWT cryptographic operation failed");
      }
      claims = object;
    } catch (JsonProcessingException e) {
      throw jwt("PGRST301", "JWT cryptographic operation failed");
    }
    long now = clock.instant().getEpochSecond();
    String claimsCode = postgrestMajor >= 13 ? "PGRST303" : "PGRST301";
    checkTime(claims, "exp", claimsCode, exp -> now - SKEW_SECONDS > exp, "JWT expired");
    checkTime(claims, "nbf", claimsCode, nbf -> now + SKEW_SECONDS < nbf, "JWT not yet valid");
    checkTime(claims, "iat", claimsCode, iat -> now + SKEW_SECONDS < iat, "JWT issued at future");
    return claims;
  }

  private interface TimeRule {
    boolean broken(long value);
  }

  private void checkTime(
      ObjectNode claims, String claim, String code, TimeRule rule, String message) {
    JsonNode value = claims.get(claim);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isNumber()) {
      throw jwt(code, "The JWT '" + claim + "' claim must be a number");
    }
    if (rule.broken(value.asLong())) {
      throw jwt(code, message);
    }
  }

  private JWSVerifier verifierFor(SignedJWT jwt) {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    try {
      if (JWSAlgorithm.HS256.equals(alg)) {
        return new MACVerifier(jwtSecret);
      }
      if (JWSAlgorithm.ES256.equals(alg)) {
        String kid = jwt.getHeader().getKeyID();
        for (JWK key : signingKeys.getKeys()) {
          if (key instanceof ECKey ec && (kid == null || kid.equals(key.getKeyID()))) {
            return new ECDSAVerifier(ec.toPublicJWK());
          }
        }
        throw jwt("PGRST301", "No suitable key or wrong key type");
      }
    } catch (JOSEException e) {
      throw jwt("PGRST301", "No suitable key or wrong key type");
    }
    throw jwt("PGRST301", "Wrong or unsupported encoding algorithm");
  }

  private static PostgrestError jwt(String code, String message) {
    return PostgrestError.of(401, code, message, null, null)
        .withHeader(
            "WWW-Authenticate",
            "Bearer error=\"invalid_token\", error_description=\"" + message + "\"");
  }

  /** The platform gateway's 401: its own body shape, {@code {message, hint}}. */
  static final class GatewayRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String body;

    GatewayRefusal(String body) {
      super("gateway refused the request", null, false, false);
      this.body = body;
    }
  }

  private static GatewayRefusal gateway(String message, String hint) {
    return new GatewayRefusal(
        JSON.createObjectNode().put("message", message).put("hint", hint).toString());
  }
}
