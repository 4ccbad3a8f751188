package dev.codebasechat.auth;

import static dev.codebasechat.auth.TestTokens.ALICE;
import static dev.codebasechat.auth.TestTokens.hs256;
import static dev.codebasechat.auth.TestTokens.userClaims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.auth.InvalidTokenException.Reason;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The verifier remembers tokens it verified: a token presented again is answered from memory, but
 * never past its expiry, and nothing else (another string, a failure) is answered from memory.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class VerifiedTokenCacheTest {
  private static final String SECRET = TestTokens.randomSecret();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final Instant now = clock.instant();
  private final SupabaseJwtVerifier verifier =
      SupabaseJwtVerifier.builder().jwtSecret(SECRET).clock(clock).build();

  private Reason rejection(String token) {
    try {
      verifier.verify(token);
    } catch (InvalidTokenException e) {
      return e.reason();
    }
    throw new AssertionError("token was accepted");
  }

  @Test
  void sameTokenAgain_isTheSameVerifiedUser() {
    String token = hs256(userClaims(now).build(), SECRET);

    VerifiedUser first = verifier.verify(token);
    VerifiedUser second = verifier.verify(new String(token.toCharArray()));

    assertThat(second).isSameAs(first);
  }

  @Test
  void cachedToken_stillExpiresOnTime() {
    String token = hs256(userClaims(now).build(), SECRET);
    verifier.verify(token);

    clock.advance(Duration.ofSeconds(3600 + 30));
    assertThat(verifier.verify(token).userId()).isEqualTo(ALICE);

    clock.advance(Duration.ofMillis(1));
    assertThat(rejection(token)).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void cachedToken_onceExpired_staysRefused() {
    String token =
        hs256(userClaims(now).expirationTime(Date.from(now.plusSeconds(60))).build(), SECRET);
    verifier.verify(token);
    clock.advance(Duration.ofSeconds(60 + 31));

    assertThat(rejection(token)).isEqualTo(Reason.EXPIRED);
    assertThat(rejection(token)).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void forgedTokenForTheSameUser_isRefusedWhileAValidOneIsCached() {
    verifier.verify(hs256(userClaims(now).build(), SECRET));

    String forged = hs256(userClaims(now).build(), TestTokens.randomSecret());

    assertThat(rejection(forged)).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void alteredSignatureOfACachedToken_isRefused() {
    String token = hs256(userClaims(now).build(), SECRET);
    verifier.verify(token);

    assertThat(rejection(TestTokens.tampered(token))).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void anotherTokenString_isVerifiedAfresh() {
    verifier.verify(hs256(userClaims(now).build(), SECRET));

    String serviceRole = hs256(userClaims(now).claim("role", "service_role").build(), SECRET);

    assertThat(rejection(serviceRole)).isEqualTo(Reason.NOT_A_USER_TOKEN);
  }

  @Test
  void refusedToken_isNotRemembered_andIsAcceptedOnceValid() {
    String token =
        hs256(userClaims(now).notBeforeTime(Date.from(now.plusSeconds(120))).build(), SECRET);
    assertThat(rejection(token)).isEqualTo(Reason.NOT_YET_VALID);

    clock.advance(Duration.ofSeconds(120));

    assertThat(verifier.verify(token).userId()).isEqualTo(ALICE);
  }

  @Test
  void rememberedToken_isForgottenAfterTheJwksCacheTtl() {
    String token = hs256(userClaims(now).build(), SECRET);
    VerifiedUser first = verifier.verify(token);

    clock.advance(SupabaseJwtVerifier.DEFAULT_JWKS_CACHE_TTL);

    assertThat(verifier.remembered(token)).isEmpty();
    assertThat(verifier.verify(token)).isEqualTo(first).isNotSameAs(first);
  }

  @Test
  void remembered_unknownOrRefusedToken_isEmpty() {
    String forged = hs256(userClaims(now).build(), TestTokens.randomSecret());
    assertThat(rejection(forged)).isEqualTo(Reason.BAD_SIGNATURE);

    assertThat(verifier.remembered(forged)).isEmpty();
    assertThat(verifier.remembered("not-a-token")).isEmpty();
  }

  @Test
  void cacheSizeZero_verifiesEveryTimeAlike() {
    SupabaseJwtVerifier uncached =
        SupabaseJwtVerifier.builder()
            .jwtSecret(SECRET)
            .clock(clock)
            .verifiedTokenCacheSize(0)
            .build();
    String token = hs256(userClaims(now).build(), SECRET);

    VerifiedUser first = uncached.verify(token);
    VerifiedUser second = uncached.verify(token);

    assertThat(second).isEqualTo(first).isNotSameAs(first);
  }

  @Test
  void cacheSize_outOfRange_refused() {
    assertThatThrownBy(() -> SupabaseJwtVerifier.builder().verifiedTokenCacheSize(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("verifiedTokenCacheSize");
  }
}
