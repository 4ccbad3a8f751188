package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PostgREST's decoding of a bearer token and its claim checks, as PostgREST 13 and later answer
 * them (jose-jwt over the project's keys: the secret as an HS256 key without {@code kid}, the
 * signing key as ES256 with its {@code kid}); the expected texts are those of PostgREST's own tests
 * and error module.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TokenChecksTest {

  /** Far enough ahead for any test run: 2100-01-01. */
  private static final long LATER = 4_102_444_800L;

  private static final String ALICE_CLAIMS =
      "{\"sub\":\"" + ALICE + "\",\"role\":\"authenticated\",\"exp\":" + LATER + "}";

  @RegisterExtension static FakeSupabase fake = FakeSupabase.create();

  private final RestCalls calls = new RestCalls(fake);
  private static final String BY_SESSION = TABLE + "?select=session_id&session_id=eq." + SESSION;

  private static String base64(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code header.payload}, signed with {@code secret} by {@code hmac} (e.g. HmacSHA256). */
  private static String signed(String secret, String hmac, String header, String payload) {
    String signingInput = base64(header) + "." + base64(payload);
    try {
      Mac mac = Mac.getInstance(hmac);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), hmac));
      byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String signedWithSecret(String hmac, String header, String payload) {
    return signed(fake.jwtSecret(), hmac, header, payload);
  }

  private static String hs256(String payload) {
    return signedWithSecret("HmacSHA256", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload);
  }

  private static void assertRefused(Answer answer, String code, String message, String details) {
    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo(code);
    assertThat(answer.json().get("message").asText()).isEqualTo(message);
    assertThat(answer.json().get("details").isNull() ? null : answer.json().get("details").asText())
        .isEqualTo(details);
    assertThat(answer.header("WWW-Authenticate"))
        .isEqualTo("Bearer error=\"invalid_token\", error_description=\"" + message + "\"");
  }

  // ------------------------------------------------------------------ decoding

  @Test
  void tokenSignedWithOurSecret_isAccepted() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.get(hs256(ALICE_CLAIMS), BY_SESSION);

    assertThat(answer.body()).isEqualTo("[{\"session_id\":\"" + SESSION + "\"}]");
  }

  @Test
  void unsecuredToken_isAWrongAlgorithm() throws IOException {
    String token = base64("{\"alg\":\"none\"}") + "." + base64(ALICE_CLAIMS) + ".";

    Answer answer = calls.get(token, BY_SESSION);

    assertRefused(
        answer,
        "PGRST301",
        "Wrong or unsupported encoding algorithm",
        "JWT is unsecured but expected 'alg' was not 'none'");
  }

  @Test
  void algorithmNoKeyOfTheProjectHas_findsNoSuitableKey() throws IOException {
    String token = signedWithSecret("HmacSHA384", "{\"alg\":\"HS384\"}", ALICE_CLAIMS);

    Answer answer = calls.get(token, BY_SESSION);

    assertRefused(
        answer,
        "PGRST301",
        "No suitable key or wrong key type",
        "No suitable key was found to decode the JWT");
  }

  @Test
  void es256TokenWithAnotherKid_findsNoSuitableKey() throws Exception {
    ECKey other = new ECKeyGenerator(Curve.P_256).keyID("another-key").generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("another-key").build(),
            new JWTClaimsSet.Builder()
                .subject(ALICE.toString())
                .claim("role", "authenticated")
                .expirationTime(new Date(LATER * 1000))
                .build());
    jwt.sign(new ECDSASigner(other));

    Answer answer = calls.get(jwt.serialize(), BY_SESSION);

    assertRefused(
        answer,
        "PGRST301",
        "No suitable key or wrong key type",
        "No suitable key was found to decode the JWT");
  }

  @Test
  void hs256TokenNamingAKid_findsNoSuitableKey() throws IOException {
    String token =
        signedWithSecret("HmacSHA256", "{\"alg\":\"HS256\",\"kid\":\"legacy\"}", ALICE_CLAIMS);

    Answer answer = calls.get(token, BY_SESSION);

    assertRefused(
        answer,
        "PGRST301",
        "No suitable key or wrong key type",
        "No suitable key was found to decode the JWT");
  }

  @Test
  void algorithmUnknownToTheDecoder_isACryptographicFailure() throws IOException {
    String token = signedWithSecret("HmacSHA256", "{\"alg\":\"PS256\"}", ALICE_CLAIMS);

    Answer answer = calls.get(token, BY_SESSION);

    assertRefused(answer, "PGRST301", "JWT cryptographic operation failed", null);
  }

  @Test
  void paddedBase64_isACryptographicFailure() throws IOException {
    String[] parts = hs256(ALICE_CLAIMS).split("\\.");
    String padded = parts[0] + "." + parts[1] + "=." + parts[2];

    Answer answer = calls.get(padded, BY_SESSION);

    assertRefused(answer, "PGRST301", "JWT cryptographic operation failed", null);
  }

  @Test
  void tokenOfTwoParts_isRefusedSayingSo() throws IOException {
    Answer answer = calls.get("eyJhbGciOiJIUzI1NiJ9.e30", BY_SESSION);

    assertRefused(answer, "PGRST301", "Expected 3 parts in JWT; got 2", null);
  }

  @Test
  void headerThatIsNoJson_isACryptographicFailure() throws IOException {
    String[] parts = hs256(ALICE_CLAIMS).split("\\.");
    String token = base64("not json") + "." + parts[1] + "." + parts[2];

    Answer answer = calls.get(token, BY_SESSION);

    assertRefused(answer, "PGRST301", "JWT cryptographic operation failed", null);
  }

  @Test
  void headerWithAKidThatIsNoString_isACryptographicFailure() throws IOException {
    String token = signedWithSecret("HmacSHA256", "{\"alg\":\"HS256\",\"kid\":7}", ALICE_CLAIMS);

    Answer answer = calls.get(token, BY_SESSION);

    assertRefused(answer, "PGRST301", "JWT cryptographic operation failed", null);
  }

  @Test
  void signedPayloadThatIsNoJson_failsParsingTheClaims() throws IOException {
    Answer answer = calls.get(hs256("{not json"), BY_SESSION);

    assertRefused(answer, "PGRST303", "Parsing claims failed", null);
  }

  @Test
  void signedPayloadThatIsNoObject_failsParsingTheClaims() throws IOException {
    Answer answer = calls.get(hs256("[1,2]"), BY_SESSION);

    assertRefused(answer, "PGRST303", "Parsing claims failed", null);
  }

  // ------------------------------------------------------------------ claims

  @Test
  void audienceThatIsNoStringOrListOfStrings_isRefused() throws IOException {
    String claims = "{\"sub\":\"" + ALICE + "\",\"role\":\"authenticated\",\"aud\":[\"a\",1]}";

    Answer answer = calls.get(hs256(claims), BY_SESSION);

    assertRefused(
        answer, "PGRST303", "The JWT 'aud' claim must be a string or an array of strings", null);
  }

  @Test
  void anyAudienceString_isAccepted_asNoAudienceIsConfigured() throws IOException {
    String claims = "{\"sub\":\"" + ALICE + "\",\"role\":\"authenticated\",\"aud\":\"elsewhere\"}";

    Answer answer = calls.get(hs256(claims), BY_SESSION);

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void fractionalExpiry_countsAsZero_soTheTokenHasExpired() throws IOException {
    String claims = "{\"role\":\"authenticated\",\"exp\":" + LATER + ".5}";

    Answer answer = calls.get(hs256(claims), BY_SESSION);

    assertRefused(answer, "PGRST303", "JWT expired", null);
  }

  @Test
  void nullExpiry_isNoExpiry() throws IOException {
    String claims = "{\"sub\":\"" + ALICE + "\",\"role\":\"authenticated\",\"exp\":null}";

    Answer answer = calls.get(hs256(claims), BY_SESSION);

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void nullExpiryOnPostgrest13_isNoNumber() throws IOException {
    try (FakeSupabase v13 = FakeSupabase.builder().postgrestMajorVersion(13).build().start()) {
      String token =
          signed(
              v13.jwtSecret(),
              "HmacSHA256",
              "{\"alg\":\"HS256\"}",
              "{\"role\":\"authenticated\",\"exp\":null}");

      Answer answer = new RestCalls(v13).get(token, BY_SESSION);

      assertRefused(answer, "PGRST303", "The JWT 'exp' claim must be a number", null);
    }
  }

  @Test
  void roleThatIsNoString_isSetAsItsJsonText_andPostgresqlHasNoSuchRole() throws IOException {
    String claims = "{\"sub\":\"" + ALICE + "\",\"role\":5,\"exp\":" + LATER + "}";

    Answer answer = calls.get(hs256(claims), BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText()).isEqualTo("role \"5\" does not exist");
  }

  // ------------------------------------------------------------------ PostgREST 12

  @Test
  void emptyBearerTokenOnPostgrest12_isNoToken() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      RestCalls v12Calls = new RestCalls(v12);
      Answer withoutToken = v12Calls.get(null, BY_SESSION);

      Answer withEmptyToken = v12Calls.get(null, BY_SESSION, "Authorization", "Bearer ");

      assertThat(withEmptyToken.status()).isEqualTo(withoutToken.status());
      assertThat(withEmptyToken.body()).isEqualTo(withoutToken.body());
    }
  }

  @Test
  void emptyBearerToken_isRefused() throws IOException {
    Answer answer = calls.get(null, BY_SESSION, "Authorization", "Bearer ");

    assertRefused(answer, "PGRST301", "Empty JWT is sent in Authorization header", null);
  }

  /** {@code token} of {@code payload} against a fresh PostgREST 12 fake, signed with its secret. */
  private static Answer onPostgrest12(String header, String payload) throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      String token = signed(v12.jwtSecret(), "HmacSHA256", header, payload);
      return new RestCalls(v12).get(token, BY_SESSION);
    }
  }

  @Test
  void tokenSignedWithAnotherSecretOnPostgrest12_isAnInvalidSignature() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      Answer answer = new RestCalls(v12).get(v12.forgedTokenFor(ALICE), BY_SESSION);

      assertRefused(answer, "PGRST301", "JWSError JWSInvalidSignature", null);
    }
  }

  @Test
  void unsecuredTokenOnPostgrest12_hasNoSignatures() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      String token = base64("{\"alg\":\"none\"}") + "." + base64(ALICE_CLAIMS) + ".";

      Answer answer = new RestCalls(v12).get(token, BY_SESSION);

      assertRefused(answer, "PGRST301", "JWSError JWSNoSignatures", null);
    }
  }

  @Test
  void kidOnPostgrest12_isIgnored() throws IOException {
    Answer answer = onPostgrest12("{\"alg\":\"HS256\",\"kid\":\"legacy\"}", ALICE_CLAIMS);

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void issuedAtAndNotBeforeInTheFutureOnPostgrest12_isIssuedAtFutureFirst() throws IOException {
    String claims = "{\"role\":\"authenticated\",\"iat\":" + LATER + ",\"nbf\":" + LATER + "}";

    Answer answer = onPostgrest12("{\"alg\":\"HS256\"}", claims);

    assertRefused(answer, "PGRST301", "JWTIssuedAtFuture", null);
  }

  @Test
  void notBeforeInTheFutureOnPostgrest12_isNotYetValid() throws IOException {
    String claims = "{\"role\":\"authenticated\",\"nbf\":" + LATER + "}";

    Answer answer = onPostgrest12("{\"alg\":\"HS256\"}", claims);

    assertRefused(answer, "PGRST301", "JWTNotYetValid", null);
  }

  @Test
  void emptyAudienceListOnPostgrest12_isNotInAudience() throws IOException {
    String claims = "{\"role\":\"authenticated\",\"aud\":[]}";

    Answer answer = onPostgrest12("{\"alg\":\"HS256\"}", claims);

    assertRefused(answer, "PGRST301", "JWTNotInAudience", null);
  }

  @Test
  void tokenOfTwoPartsOnPostgrest12_isRefusedInJosesWords() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      Answer answer = new RestCalls(v12).get("eyJhbGciOiJIUzI1NiJ9.e30", BY_SESSION);

      assertRefused(
          answer,
          "PGRST301",
          "JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got 2)",
          null);
    }
  }
}
