package dev.codebasechat.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.auth.TestTokens.es256;
import static dev.codebasechat.auth.TestTokens.hs256;
import static dev.codebasechat.auth.TestTokens.projectKeyClaims;
import static dev.codebasechat.auth.TestTokens.userClaims;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.PlainJWT;
import dev.codebasechat.testing.ManualClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * No failure shows the token, its payload or signature segment, or the secret: not in the message,
 * {@code toString()}, {@code WWW-Authenticate} value, nor anywhere in the stack trace with its
 * causes (DESIGN.md invariant 5).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TokenLeakTest {
  private static final String SECRET = TestTokens.randomSecret();
  private static final ECKey EC = TestTokens.ecKey("ec-1");

  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final Instant now = clock.instant();

  private SupabaseJwtVerifier verifier() {
    return SupabaseJwtVerifier.builder()
        .projectUrl(URI.create(wm.baseUrl()))
        .jwtSecret(SECRET)
        .clock(clock)
        .build();
  }

  private Map<String, String> failingTokens() {
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put("forged", hs256(userClaims(now).build(), TestTokens.randomSecret()));
    tokens.put("tampered", TestTokens.tampered(es256(userClaims(now).build(), EC)));
    tokens.put("unknown kid", es256(userClaims(now).build(), TestTokens.ecKey("ec-9")));
    tokens.put("expired", hs256(userClaims(now.minus(Duration.ofHours(2))).build(), SECRET));
    tokens.put(
        "not yet valid",
        hs256(userClaims(now).notBeforeTime(Date.from(now.plusSeconds(600))).build(), SECRET));
    tokens.put("wrong audience", hs256(userClaims(now).audience("other").build(), SECRET));
    tokens.put("no exp", hs256(userClaims(now).expirationTime(null).build(), SECRET));
    tokens.put("wrong role", hs256(userClaims(now).claim("role", "postgres").build(), SECRET));
    tokens.put("bad sub", hs256(userClaims(now).subject("alice").build(), SECRET));
    tokens.put("alg none", new PlainJWT(userClaims(now).build()).serialize());
    tokens.put("anon key", hs256(projectKeyClaims("anon", now), SECRET));
    tokens.put("service key", hs256(projectKeyClaims("service_role", now), SECRET));
    tokens.put("publishable key", "sb_publishable_" + TestTokens.randomSecret());
    tokens.put("secret key", "sb_secret_" + TestTokens.randomSecret());
    tokens.put("garbage", "not-a-token-" + TestTokens.randomSecret());
    tokens.put(
        "too large", hs256(userClaims(now).claim("pad", "y".repeat(20_000)).build(), SECRET));
    return tokens;
  }

  @Test
  void verify_everyFailure_neverShowsTokenPayloadSignatureOrSecret() {
    wm.stubFor(
        get(SupabaseJwtVerifier.JWKS_PATH)
            .willReturn(okJson(new JWKSet(EC.toPublicJWK()).toString())));
    SupabaseJwtVerifier verifier = verifier();
    List<InvalidTokenException.Reason> reasons = new ArrayList<>();

    failingTokens()
        .forEach(
            (name, token) -> {
              InvalidTokenException e =
                  SupabaseJwtVerifierTest.catchInvalid(() -> verifier.verify(token));
              reasons.add(e.reason());
              assertNoSecretIn(name, e, token);
            });

    assertThat(reasons).hasSize(failingTokens().size());
  }

  @Test
  void verify_keysUnavailable_neverShowsTokenOrSecret() {
    wm.stubFor(get(SupabaseJwtVerifier.JWKS_PATH).willReturn(aResponse().withStatus(500)));
    String token = es256(userClaims(now).build(), EC);

    InvalidTokenException e = SupabaseJwtVerifierTest.catchInvalid(() -> verifier().verify(token));

    assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.KEYS_UNAVAILABLE);
    assertNoSecretIn("keys unavailable", e, token);
  }

  private static void assertNoSecretIn(String name, InvalidTokenException e, String token) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    String everything = e.getMessage() + e + e.wwwAuthenticate() + trace;
    List<String> forbidden = new ArrayList<>(List.of(token, SECRET));
    String[] parts = token.split("\\.", -1);
    for (String part : parts) {
      if (part.length() >= 8) {
        forbidden.add(part);
      }
    }
    assertThat(everything).as(name).doesNotContain(forbidden);
  }
}
