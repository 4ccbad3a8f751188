package dev.codebasechat.auth;

import static dev.codebasechat.auth.TestTokens.ALICE;
import static dev.codebasechat.auth.TestTokens.hs256;
import static dev.codebasechat.auth.TestTokens.projectKeyClaims;
import static dev.codebasechat.auth.TestTokens.userClaims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.auth.InvalidTokenException.Reason;
import dev.codebasechat.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Claims, algorithms and project keys, checked on the HS256 path (the legacy JWT secret); the JWKS
 * path has its own test with a JWKS endpoint. Time is a {@link ManualClock}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SupabaseJwtVerifierTest {
  private static final String SECRET = TestTokens.randomSecret();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final Instant now = clock.instant();
  private final SupabaseJwtVerifier verifier =
      SupabaseJwtVerifier.builder().jwtSecret(SECRET).clock(clock).build();

  private static String signed(JWTClaimsSet.Builder claims) {
    return hs256(claims.build(), SECRET);
  }

  private InvalidTokenException.Reason rejection(String token) {
    try {
      verifier.verify(token);
    } catch (InvalidTokenException e) {
      return e.reason();
    }
    throw new AssertionError("token was accepted");
  }

  @Test
  void verify_validHs256Token_returnsTheUser() {
    String token = signed(userClaims(now));

    VerifiedUser user = verifier.verify(token);

    assertThat(user.userId()).isEqualTo(ALICE);
    assertThat(user.isAnonymous()).isFalse();
    assertThat(user.expiresAt()).isEqualTo(now.plusSeconds(3600));
    assertThat(user.sessionId()).contains(TestTokens.SESSION_ID);
    assertThat(user.token()).isEqualTo(dev.codebasechat.postgrest.AccessToken.of(token));
  }

  @Test
  void verify_anonymousSignIn_isAUserMarkedAnonymous() {
    String token = signed(userClaims(now).claim("is_anonymous", true).claim("session_id", null));

    VerifiedUser user = verifier.verify(token);

    assertThat(user.isAnonymous()).isTrue();
    assertThat(user.sessionId()).isEmpty();
  }

  @Test
  void verify_signedWithAnotherSecret_badSignature() {
    String forged = hs256(userClaims(now).build(), TestTokens.randomSecret());

    assertThat(rejection(forged)).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_signatureAltered_badSignature() {
    assertThat(rejection(TestTokens.tampered(signed(userClaims(now)))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_expiredBeyondSkew_expired() {
    String token = signed(userClaims(now));
    clock.advance(Duration.ofSeconds(3600 + 31));

    assertThat(rejection(token)).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void verify_expiredWithinSkew_accepted() {
    String token = signed(userClaims(now));
    clock.advance(Duration.ofSeconds(3600 + 30));

    assertThat(verifier.verify(token).userId()).isEqualTo(ALICE);
  }

  @Test
  void verify_notBeforeInTheFuture_notYetValid() {
    String token = signed(userClaims(now).notBeforeTime(Date.from(now.plusSeconds(60))));

    assertThat(rejection(token)).isEqualTo(Reason.NOT_YET_VALID);
  }

  @Test
  void verify_issuedInTheFutureBeyondSkew_notYetValid() {
    String token = signed(userClaims(now).issueTime(Date.from(now.plusSeconds(31))));

    assertThat(rejection(token)).isEqualTo(Reason.NOT_YET_VALID);
  }

  @Test
  void verify_wrongAudience_wrongAudience() {
    assertThat(rejection(signed(userClaims(now).audience("other"))))
        .isEqualTo(Reason.WRONG_AUDIENCE);
  }

  @Test
  void verify_noAudience_wrongAudience() {
    assertThat(rejection(signed(userClaims(now).audience((String) null))))
        .isEqualTo(Reason.WRONG_AUDIENCE);
  }

  @Test
  void verify_missingExp_malformed() {
    assertThat(rejection(signed(userClaims(now).expirationTime(null)))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_otherRole_wrongRole() {
    assertThat(rejection(signed(userClaims(now).claim("role", "postgres"))))
        .isEqualTo(Reason.WRONG_ROLE);
  }

  @Test
  void verify_algNone_unsupportedAlgorithm() {
    String unsecured = new PlainJWT(userClaims(now).build()).serialize();

    assertThat(rejection(unsecured)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void verify_algNoneWithASignature_rejected() {
    String signedToken = signed(userClaims(now));
    String noneHeader =
        com.nimbusds.jose.util.Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
    String relabelled = noneHeader + signedToken.substring(signedToken.indexOf('.'));

    assertThat(rejection(relabelled)).isIn(Reason.UNSUPPORTED_ALGORITHM, Reason.MALFORMED);
  }

  @Test
  void verify_hs512WithTheSecret_unsupportedAlgorithm() throws JOSEException {
    byte[] longSecret = (SECRET + SECRET).getBytes(StandardCharsets.UTF_8);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), userClaims(now).build());
    jwt.sign(new MACSigner(longSecret));

    assertThat(rejection(jwt.serialize())).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void verify_legacyAnonKey_notAUserToken() {
    String anonKey = hs256(projectKeyClaims("anon", now), SECRET);

    assertThat(rejection(anonKey)).isEqualTo(Reason.NOT_A_USER_TOKEN);
  }

  @Test
  void verify_legacyServiceRoleKey_notAUserToken() {
    String serviceKey = hs256(projectKeyClaims("service_role", now), SECRET);

    assertThat(rejection(serviceKey)).isEqualTo(Reason.NOT_A_USER_TOKEN);
  }

  @Test
  void verify_publishableKey_notAUserToken() {
    assertThat(rejection("sb_publishable_x")).isEqualTo(Reason.NOT_A_USER_TOKEN);
  }

  @Test
  void verify_secretKey_notAUserToken() {
    assertThat(rejection("sb_secret_x")).isEqualTo(Reason.NOT_A_USER_TOKEN);
  }

  @Test
  void verify_subjectNotAUuid_invalidSubject() {
    assertThat(rejection(signed(userClaims(now).subject("alice"))))
        .isEqualTo(Reason.INVALID_SUBJECT);
  }

  @Test
  void verify_loosePseudoUuidSubject_invalidSubject() {
    // UUID.fromString would take this; a Supabase user id is always the canonical 36 characters
    assertThat(rejection(signed(userClaims(now).subject("1-1-1-1-1"))))
        .isEqualTo(Reason.INVALID_SUBJECT);
  }

  @Test
  void verify_noSubject_invalidSubject() {
    assertThat(rejection(signed(userClaims(now).subject(null)))).isEqualTo(Reason.INVALID_SUBJECT);
  }

  @Test
  void verify_garbage_malformed() {
    assertThat(rejection("not-a-jwt")).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_payloadNotJson_malformed() {
    String token = signed(userClaims(now));
    String[] parts = token.split("\\.", -1);
    String broken =
        parts[0] + "." + com.nimbusds.jose.util.Base64URL.encode("[1,2]") + "." + parts[2];

    assertThat(rejection(broken)).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_blankOrNull_missing() {
    assertThat(rejection(" ")).isEqualTo(Reason.MISSING);
    assertThat(rejection(null)).isEqualTo(Reason.MISSING);
  }

  @Test
  void verify_over16KiB_tooLarge() {
    String token = signed(userClaims(now).claim("padding", "x".repeat(16 * 1024)));

    assertThat(rejection(token)).isEqualTo(Reason.TOO_LARGE);
  }

  @Test
  void verify_issuerConfiguredAndDifferent_wrongIssuer() {
    SupabaseJwtVerifier strict =
        SupabaseJwtVerifier.builder()
            .jwtSecret(SECRET)
            .issuer(SupabaseJwtVerifier.issuerOf(java.net.URI.create("https://ref.supabase.co/")))
            .clock(clock)
            .build();

    assertThatThrownBy(() -> strict.verify(signed(userClaims(now))))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_ISSUER));
    assertThat(
            strict
                .verify(signed(userClaims(now).issuer("https://ref.supabase.co/auth/v1")))
                .userId())
        .isEqualTo(ALICE);
  }

  @Test
  void verify_hs256WithoutConfiguredSecret_unsupportedAlgorithm() {
    SupabaseJwtVerifier jwksOnly =
        SupabaseJwtVerifier.builder()
            .projectUrl(java.net.URI.create("http://127.0.0.1:9"))
            .clock(clock)
            .build();

    assertThatThrownBy(() -> jwksOnly.verify(signed(userClaims(now))))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_ALGORITHM));
  }

  @Test
  void build_secretShorterThan32Bytes_refusedNamingTheSetting() {
    String shortSecret = "only-31-bytes-long-secret-value";

    assertThatThrownBy(() -> SupabaseJwtVerifier.builder().jwtSecret(shortSecret))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SUPABASE_JWT_SECRET")
        .hasMessageContaining("31")
        .hasMessageNotContaining(shortSecret);
  }

  @Test
  void builder_aProjectUrlThatIsNotHttp_isRefused() {
    assertThatThrownBy(
            () ->
                SupabaseJwtVerifier.builder().projectUrl(java.net.URI.create("ftp://example.com")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("projectUrl must be an http(s) URL but was ftp://example.com");
  }

  @Test
  void builder_aBlankIssuer_isRefused() {
    assertThatThrownBy(() -> SupabaseJwtVerifier.builder().issuer(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("issuer must not be blank");
  }

  @Test
  void builder_durationsOutsideTheirRanges_areRefused_namingTheRange() {
    SupabaseJwtVerifier.Builder builder = SupabaseJwtVerifier.builder();

    assertThatThrownBy(() -> builder.clockSkew(Duration.ofMinutes(6)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clockSkew must be between PT0S and PT5M but was PT6M");
    assertThatThrownBy(() -> builder.jwksCacheTtl(Duration.ofSeconds(59)))
        .hasMessage("jwksCacheTtl must be between PT1M and PT24H but was PT59S");
    assertThatThrownBy(() -> builder.jwksRefreshInterval(Duration.ofMinutes(11)))
        .hasMessage("jwksRefreshInterval must be between PT1S and PT10M but was PT11M");
    assertThatThrownBy(() -> builder.jwksOutageTolerance(Duration.ofDays(8)))
        .hasMessage("jwksOutageTolerance must be between PT1M and PT168H but was PT192H");
    assertThatThrownBy(() -> builder.jwksTimeout(Duration.ofMillis(49)))
        .hasMessage("jwksTimeout must be between PT0.05S and PT30S but was PT0.049S");
  }

  @Test
  void build_aKeyCacheNotLongerThanItsRefreshInterval_isRefused() {
    SupabaseJwtVerifier.Builder builder =
        SupabaseJwtVerifier.builder()
            .projectUrl(java.net.URI.create("https://abcdefgh.supabase.co"))
            .jwksCacheTtl(Duration.ofMinutes(5))
            .jwksRefreshInterval(Duration.ofMinutes(5));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("jwksCacheTtl must be longer than jwksRefreshInterval but was PT5M <= PT5M");
  }

  @Test
  void build_noKeySource_refused() {
    assertThatThrownBy(() -> SupabaseJwtVerifier.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("key source");
  }

  @Test
  void wwwAuthenticate_rejectedToken_namesInvalidTokenAndTheReason() {
    InvalidTokenException e =
        catchInvalid(() -> verifier.verify(TestTokens.tampered(signed(userClaims(now)))));

    assertThat(e.wwwAuthenticate())
        .isEqualTo("Bearer error=\"invalid_token\", error_description=\"invalid token signature\"");
  }

  @Test
  void wwwAuthenticate_noToken_isBareBearer() {
    assertThat(catchInvalid(() -> verifier.verify(null)).wwwAuthenticate()).isEqualTo("Bearer");
  }

  static InvalidTokenException catchInvalid(Runnable action) {
    try {
      action.run();
    } catch (InvalidTokenException e) {
      return e;
    }
    throw new AssertionError("no InvalidTokenException");
  }
}
