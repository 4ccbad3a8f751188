package dev.codebasechat.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.auth.TestTokens.ALICE;
import static dev.codebasechat.auth.TestTokens.es256;
import static dev.codebasechat.auth.TestTokens.rs256;
import static dev.codebasechat.auth.TestTokens.userClaims;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.codebasechat.auth.InvalidTokenException.Reason;
import dev.codebasechat.testing.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The signing-key path: a WireMock JWKS endpoint at {@code /auth/v1/.well-known/jwks.json}, keys
 * generated per test, the JWKS cache driven by a {@link ManualClock}.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class JwksVerificationTest {
  private static final String JWKS = SupabaseJwtVerifier.JWKS_PATH;
  private static final ECKey EC = TestTokens.ecKey("ec-1");
  private static final RSAKey RSA = TestTokens.rsaKey("rsa-1");

  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final JWTClaimsSet claims = userClaims(clock.instant()).build();

  private SupabaseJwtVerifier.Builder verifierBuilder() {
    return SupabaseJwtVerifier.builder()
        .projectUrl(URI.create(wm.baseUrl() + "/"))
        .jwksTimeout(Duration.ofSeconds(2))
        .clock(clock);
  }

  private SupabaseJwtVerifier verifier() {
    return verifierBuilder().build();
  }

  private static void serve(JWK... keys) {
    List<JWK> publicKeys = java.util.Arrays.stream(keys).map(JWK::toPublicJWK).toList();
    wm.stubFor(get(JWKS).willReturn(okJson(new JWKSet(publicKeys).toString())));
  }

  private static void jwksFetched(int times) {
    wm.verify(exactly(times), getRequestedFor(urlEqualTo(JWKS)));
  }

  private static Reason rejection(SupabaseJwtVerifier verifier, String token) {
    return SupabaseJwtVerifierTest.catchInvalid(() -> verifier.verify(token)).reason();
  }

  @Test
  void verify_validEs256Token_returnsTheUser() {
    serve(EC, RSA);

    assertThat(verifier().verify(es256(claims, EC)).userId()).isEqualTo(ALICE);
  }

  @Test
  void verify_validRs256Token_returnsTheUser() {
    serve(EC, RSA);

    assertThat(verifier().verify(rs256(claims, RSA)).userId()).isEqualTo(ALICE);
  }

  @Test
  void verify_manyTokens_jwksFetchedOnce() {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();

    for (int i = 0; i < 5; i++) {
      verifier.verify(es256(claims, EC));
    }

    jwksFetched(1);
  }

  @Test
  void verify_manyThreadsOnAColdCache_allAcceptedWithOneFetch() throws Exception {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();
    String token = es256(claims, EC);
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<UUID>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return verifier.verify(token).userId();
                }));
      }
      start.countDown();
      for (Future<UUID> result : results) {
        assertThat(result.get()).isEqualTo(ALICE);
      }
    } finally {
      pool.shutdownNow();
    }
    jwksFetched(1);
  }

  @Test
  void verify_signedWithAnotherKeyUnderTheSameKid_badSignature() {
    serve(EC);

    assertThat(rejection(verifier(), es256(claims, TestTokens.ecKey("ec-1"))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_signatureAltered_badSignature() {
    serve(RSA);

    assertThat(rejection(verifier(), TestTokens.tampered(rs256(claims, RSA))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_expiredEs256Token_expired() {
    serve(EC);
    String token = es256(claims, EC);
    clock.advance(Duration.ofHours(2));

    assertThat(rejection(verifier(), token)).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void verify_legacyAnonAndServiceRoleKeys_withoutTheLegacySecret_notAUserToken() {
    serve(EC);
    String legacySecret = "the project's legacy JWT secret, not given to the verifier";
    String anonKey =
        TestTokens.hs256(TestTokens.projectKeyClaims("anon", clock.instant()), legacySecret);
    String serviceKey =
        TestTokens.hs256(
            TestTokens.projectKeyClaims("service_role", clock.instant()), legacySecret);

    assertThat(rejection(verifier(), anonKey)).isEqualTo(Reason.NOT_A_USER_TOKEN);
    assertThat(rejection(verifier(), serviceKey)).isEqualTo(Reason.NOT_A_USER_TOKEN);
    jwksFetched(0);
  }

  @Test
  void verify_hs256SignedWithTheEcPublicKeyBytes_unsupportedAlgorithm() throws JOSEException {
    serve(EC);
    byte[] publicKeyBytes = EC.toECPublicKey().getEncoded();

    String confused = TestTokens.hs256(claims, publicKeyBytes, "ec-1");

    assertThat(rejection(verifier(), confused)).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    jwksFetched(0);
  }

  @Test
  void verify_hs256SignedWithTheRsaPublicKeyWhileASecretIsAlsoConfigured_badSignature()
      throws JOSEException {
    serve(RSA);
    SupabaseJwtVerifier both = verifierBuilder().jwtSecret(TestTokens.randomSecret()).build();
    byte[] publicKeyBytes = RSA.toRSAPublicKey().getEncoded();
    byte[] publicJwkBytes =
        RSA.toPublicJWK().toJSONString().getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThat(rejection(both, TestTokens.hs256(claims, publicKeyBytes, "rsa-1")))
        .isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(rejection(both, TestTokens.hs256(claims, publicJwkBytes, "rsa-1")))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_bothSourcesConfigured_eachAlgorithmUsesItsOwnKey() {
    serve(EC);
    String secret = TestTokens.randomSecret();
    SupabaseJwtVerifier both = verifierBuilder().jwtSecret(secret).build();

    assertThat(both.verify(es256(claims, EC)).userId()).isEqualTo(ALICE);
    assertThat(both.verify(TestTokens.hs256(claims, secret)).userId()).isEqualTo(ALICE);
  }

  @Test
  void verify_unknownKidAfterRotation_refetchesOnceThenAccepts() {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();
    verifier.verify(es256(claims, EC));
    ECKey rotated = TestTokens.ecKey("ec-2");
    serve(EC, rotated);

    assertThat(verifier.verify(es256(claims, rotated)).userId()).isEqualTo(ALICE);
    assertThat(verifier.verify(es256(claims, rotated)).userId()).isEqualTo(ALICE);
    jwksFetched(2);
  }

  @Test
  void aRememberedToken_ofAKeyWithdrawnFromTheJwks_isRefusedOnceTheKeySetIsFetchedAgain() {
    ECKey withdrawn = TestTokens.ecKey("ec-old");
    serve(EC, withdrawn);
    SupabaseJwtVerifier verifier = verifier();
    verifier.verify(es256(claims, EC)); // the key set fetched at 0:00
    clock.advance(Duration.ofSeconds(290));
    String token = es256(userClaims(clock.instant()).build(), withdrawn);
    verifier.verify(token); // remembered at 4:50
    serve(EC);

    clock.advance(Duration.ofSeconds(20)); // 5:10: the key set is 5 min old, as old as it is kept

    assertThat(verifier.remembered(token)).isEmpty();
    assertThat(rejection(verifier, token)).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void aRememberedToken_ofAWithdrawnKey_isRefusedAsSoonAsAnUnknownKidFetchedTheKeysAgain() {
    ECKey withdrawn = TestTokens.ecKey("ec-old");
    serve(EC, withdrawn);
    SupabaseJwtVerifier verifier = verifier();
    String token = es256(claims, withdrawn);
    verifier.verify(es256(claims, EC));
    verifier.verify(token);
    ECKey rotated = TestTokens.ecKey("ec-new");
    serve(EC, rotated);

    verifier.verify(es256(claims, rotated)); // an unknown kid: the key set fetched again

    assertThat(verifier.remembered(token)).isEmpty();
    assertThat(rejection(verifier, token)).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void aRememberedToken_ofAKeyStillServed_isAnsweredFromMemory_untilTheKeySetIsFetchedAgain() {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();
    verifier.verify(es256(claims, EC));
    String token = es256(claims, EC);
    verifier.verify(token);

    assertThat(verifier.remembered(token)).isPresent();
    clock.advance(SupabaseJwtVerifier.DEFAULT_JWKS_CACHE_TTL);
    assertThat(verifier.remembered(token)).isEmpty();
    assertThat(verifier.verify(token).userId()).isEqualTo(ALICE);
    assertThat(verifier.remembered(token)).isPresent();
    jwksFetched(2);
  }

  @Test
  void verify_floodOfUnknownKids_jwksFetchedWithinTheRateLimit() {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();
    verifier.verify(es256(claims, EC));

    for (int i = 0; i < 20; i++) {
      ECKey stranger = TestTokens.ecKey("unknown-" + i);
      assertThat(rejection(verifier, es256(claims, stranger))).isEqualTo(Reason.BAD_SIGNATURE);
    }
    // the first fetch plus the one extra the limiter allows per interval
    jwksFetched(2);

    clock.advance(SupabaseJwtVerifier.DEFAULT_JWKS_REFRESH_INTERVAL.plusSeconds(1));
    rejection(verifier, es256(claims, TestTokens.ecKey("unknown-late")));
    jwksFetched(3);
  }

  @Test
  void verify_jwksDownAfterAFirstFetch_cachedKeysStillVerify() {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();
    verifier.verify(es256(claims, EC));
    wm.stubFor(get(JWKS).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    clock.advance(SupabaseJwtVerifier.DEFAULT_JWKS_CACHE_TTL.plusMinutes(1));

    assertThat(verifier.verify(es256(claims, EC)).userId()).isEqualTo(ALICE);
    // the cache had expired, so it did try (HttpURLConnection re-sends a reset GET once)
    wm.verify(moreThanOrExactly(2), getRequestedFor(urlEqualTo(JWKS)));
  }

  @Test
  void jwksDownAfterAFirstFetch_manyTokensOverAMinute_allVerify_withoutAFetchEach() {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier();
    verifier.verify(es256(claims, EC));
    wm.stubFor(get(JWKS).willReturn(aResponse().withStatus(503).withBody("upstream down")));
    clock.advance(SupabaseJwtVerifier.DEFAULT_JWKS_CACHE_TTL.plusMinutes(1));

    for (int i = 0; i < 60; i++) {
      JWTClaimsSet fresh = userClaims(clock.instant()).build();
      assertThat(verifier.verify(es256(fresh, EC)).userId()).isEqualTo(ALICE);
      clock.advance(Duration.ofSeconds(1));
    }

    wm.verify(
        com.github.tomakehurst.wiremock.client.WireMock.lessThanOrExactly(3),
        getRequestedFor(urlEqualTo(JWKS)));
  }

  @Test
  void verify_jwksDownLongerThanTheOutageTolerance_keysUnavailable() {
    serve(EC);
    SupabaseJwtVerifier verifier =
        verifierBuilder().jwksOutageTolerance(Duration.ofHours(1)).build();
    verifier.verify(es256(claims, EC));
    wm.stubFor(get(JWKS).willReturn(aResponse().withStatus(503)));
    clock.advance(Duration.ofHours(2));
    JWTClaimsSet fresh = userClaims(clock.instant()).build();

    assertThat(rejection(verifier, es256(fresh, EC))).isEqualTo(Reason.KEYS_UNAVAILABLE);
  }

  @Test
  void verify_jwksDownFromTheStart_keysUnavailable() {
    wm.stubFor(get(JWKS).willReturn(aResponse().withStatus(503).withBody("upstream down")));

    InvalidTokenException e =
        SupabaseJwtVerifierTest.catchInvalid(() -> verifier().verify(es256(claims, EC)));

    assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    assertThat(e).hasMessage("signing keys unavailable");
    assertThat(e.wwwAuthenticate()).contains("invalid_token", "signing keys unavailable");
  }

  @Test
  void aFirstFetchThatFailed_isTriedAgainASecondLater_notAfterTheRefreshInterval() {
    wm.stubFor(get(JWKS).willReturn(aResponse().withStatus(503).withBody("upstream down")));
    SupabaseJwtVerifier verifier = verifier();
    assertThat(rejection(verifier, es256(claims, EC))).isEqualTo(Reason.KEYS_UNAVAILABLE);
    serve(EC); // the endpoint is back

    assertThat(rejection(verifier, es256(claims, EC))).isEqualTo(Reason.KEYS_UNAVAILABLE);
    clock.advance(Duration.ofSeconds(1));

    assertThat(verifier.verify(es256(claims, EC)).userId()).isEqualTo(ALICE);
  }

  @Test
  void jwksDownLongerThanTheOutageTolerance_requestsWithinASecond_fetchOnce() {
    serve(EC);
    SupabaseJwtVerifier verifier =
        verifierBuilder().jwksOutageTolerance(Duration.ofHours(1)).build();
    verifier.verify(es256(claims, EC));
    wm.stubFor(get(JWKS).willReturn(aResponse().withStatus(503)));
    clock.advance(Duration.ofHours(2));
    wm.resetRequests();

    for (int i = 0; i < 10; i++) {
      JWTClaimsSet fresh = userClaims(clock.instant()).build();
      assertThat(rejection(verifier, es256(fresh, EC))).isEqualTo(Reason.KEYS_UNAVAILABLE);
    }
    jwksFetched(1);
    clock.advance(Duration.ofSeconds(1));
    serve(EC); // the endpoint is back

    assertThat(verifier.verify(es256(userClaims(clock.instant()).build(), EC)).userId())
        .isEqualTo(ALICE);
    jwksFetched(2);
  }

  @Test
  void aKeyRefreshSlowerThanTheFetchTimeout_othersWaitForIt_insteadOfKeysUnavailable()
      throws Exception {
    serve(EC);
    SupabaseJwtVerifier verifier = verifier(); // 2 s to connect, 2 s between two reads
    verifier.verify(es256(claims, EC));
    // Each part of the answer comes within the read timeout; the whole takes 3 s.
    wm.stubFor(
        get(JWKS)
            .willReturn(
                okJson(new JWKSet(EC.toPublicJWK()).toString()).withChunkedDribbleDelay(6, 3_000)));
    clock.advance(SupabaseJwtVerifier.DEFAULT_JWKS_CACHE_TTL.plusSeconds(1));
    wm.resetRequests();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<UUID> refreshing =
          threads.submit(
              () -> verifier.verify(es256(userClaims(clock.instant()).build(), EC)).userId());
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> !wm.findAll(getRequestedFor(urlEqualTo(JWKS))).isEmpty());
      Future<UUID> waiting =
          threads.submit(
              () -> verifier.verify(es256(userClaims(clock.instant()).build(), EC)).userId());

      assertThat(refreshing.get()).isEqualTo(ALICE);
      assertThat(waiting.get()).isEqualTo(ALICE);
    } finally {
      threads.shutdownNow();
    }
    jwksFetched(1);
  }

  @Test
  void verify_jwksNotAKeySet_keysUnavailable() {
    wm.stubFor(get(JWKS).willReturn(okJson("{\"not\":\"keys\"}")));

    assertThat(rejection(verifier(), es256(claims, EC))).isEqualTo(Reason.KEYS_UNAVAILABLE);
  }
}
