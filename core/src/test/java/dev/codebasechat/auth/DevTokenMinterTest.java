package dev.codebasechat.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.auth.InvalidTokenException.Reason;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.TestSecrets;
import java.text.ParseException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class DevTokenMinterTest {
  private static final String SECRET = TestTokens.randomSecret();
  private static final String ISSUER = "http://127.0.0.1:8080/auth/v1";

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final DevTokenMinter minter = DevTokenMinter.create(SECRET, ISSUER, clock);
  private final SupabaseJwtVerifier verifier =
      SupabaseJwtVerifier.builder().jwtSecret(SECRET).issuer(ISSUER).clock(clock).build();

  @Test
  void mint_userId_verifiesAsThatUser() {
    UUID user = UUID.randomUUID();

    VerifiedUser verified = verifier.verify(TestSecrets.register(minter.mint(user)));

    assertThat(verified.userId()).isEqualTo(user);
    assertThat(verified.isAnonymous()).isFalse();
    assertThat(verified.sessionId()).isPresent();
    assertThat(verified.expiresAt())
        .isEqualTo(clock.instant().plus(DevTokenMinter.DEFAULT_LIFETIME));
  }

  @Test
  void mint_anyUser_hasSupabaseClaimShape() throws ParseException {
    var claims =
        SignedJWT.parse(TestSecrets.register(minter.mint(TestTokens.ALICE))).getJWTClaimsSet();

    assertThat(claims.getClaims())
        .containsKeys(
            "sub", "aud", "role", "iss", "iat", "exp", "session_id", "is_anonymous", "aal")
        .containsEntry("role", "authenticated")
        .containsEntry("is_anonymous", false)
        .containsEntry("aal", "aal1");
    assertThat(claims.getAudience()).containsExactly("authenticated");
  }

  @Test
  void mint_lifetimePassed_rejectedAsExpired() {
    String token = TestSecrets.register(minter.mint(TestTokens.ALICE, Duration.ofMinutes(5)));
    clock.advance(Duration.ofMinutes(6));

    assertThat(SupabaseJwtVerifierTest.catchInvalid(() -> verifier.verify(token)).reason())
        .isEqualTo(Reason.EXPIRED);
  }

  @Test
  void create_shortSecret_refusedWithoutShowingIt() {
    assertThatThrownBy(
            () -> DevTokenMinter.create(TestSecrets.register("short-secret-value"), ISSUER, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32")
        .hasMessageNotContaining("short-secret-value");
  }

  @Test
  void toString_never_showsTheSecret() {
    assertThat(minter.toString()).doesNotContain(SECRET);
  }
}
