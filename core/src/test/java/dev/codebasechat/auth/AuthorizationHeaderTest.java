package dev.codebasechat.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.auth.InvalidTokenException.Reason;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class AuthorizationHeaderTest {

  private static Reason rejection(String header) {
    return SupabaseJwtVerifierTest.catchInvalid(() -> AuthorizationHeader.bearerToken(header))
        .reason();
  }

  @Test
  void bearerToken_bearerScheme_returnsTheToken() {
    assertThat(AuthorizationHeader.bearerToken("Bearer a.b.c")).isEqualTo("a.b.c");
  }

  @Test
  void bearerToken_lowercaseScheme_returnsTheToken() {
    assertThat(AuthorizationHeader.bearerToken("bearer a.b.c")).isEqualTo("a.b.c");
  }

  @Test
  void bearerToken_absentHeader_missing() {
    assertThat(rejection(null)).isEqualTo(Reason.MISSING);
  }

  @Test
  void bearerToken_emptyHeader_missing() {
    assertThat(rejection("")).isEqualTo(Reason.MISSING);
  }

  @Test
  void bearerToken_basicScheme_missing() {
    assertThat(rejection("Basic x")).isEqualTo(Reason.MISSING);
  }

  @Test
  void bearerToken_schemeWithoutToken_malformed() {
    assertThat(rejection("Bearer")).isEqualTo(Reason.MALFORMED);
    assertThat(rejection("Bearer ")).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void bearerToken_twoTokens_malformed() {
    assertThat(rejection("Bearer a.b.c d.e.f")).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void bearerToken_twoSpaces_malformed() {
    assertThat(rejection("Bearer  a.b.c")).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void bearerToken_rejected_messageNeverShowsTheHeader() {
    InvalidTokenException e =
        SupabaseJwtVerifierTest.catchInvalid(
            () -> AuthorizationHeader.bearerToken("Bearer secret-part other-secret-part"));

    assertThat(e.getMessage() + e + e.wwwAuthenticate()).doesNotContain("secret-part");
  }
}
