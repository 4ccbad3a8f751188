package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.postgrest.PostgrestFixtures.ANON_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad settings fail at construction with a message naming the setting, never its value; a missing
 * or unusable user token is refused before anything reaches the network.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BadInputTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not a url",
        "abcdefgh.supabase.co",
        "ftp://abcdefgh.supabase.co",
        "file:///etc/passwd",
        "https://user:secret-password@abcdefgh.supabase.co",
        "https://abcdefgh.supabase.co?apikey=secret-in-query",
        "https://abcdefgh.supabase.co#secret-fragment"
      })
  void projectUrl_invalid_failsNamingTheSetting(String url) {
    assertThatThrownBy(() -> PostgrestClient.builder().projectUrl(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("projectUrl ")
        .hasMessageNotContaining("secret")
        .satisfies(e -> assertThat(url.isBlank() || !e.getMessage().contains(url)).isTrue());
  }

  @Test
  void restUrl_ftp_failsNamingTheSetting() {
    assertThatThrownBy(() -> PostgrestClient.builder().restUrl("ftp://localhost/rest/v1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("restUrl must be an absolute http or https URL");
  }

  @Test
  void maxConcurrentRequests_belowOne_failsNamingTheSetting() {
    assertThatThrownBy(() -> PostgrestClient.builder().maxConcurrentRequests(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentRequests must be at least 1 but was 0");
  }

  @Test
  void projectUrl_null_failsNamingTheSetting() {
    assertThatThrownBy(() -> PostgrestClient.builder().projectUrl((String) nullValue()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("projectUrl must not be null");
  }

  @Test
  void build_withoutUrlOrKey_failsNamingTheSetting() {
    assertThatThrownBy(() -> PostgrestClient.builder().apiKey(ApiKey.of(ANON_KEY)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("projectUrl (or restUrl) must be set");
    assertThatThrownBy(() -> PostgrestClient.builder().projectUrl("https://a.supabase.co").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("apiKey must be set");
  }

  static Stream<Arguments> badTimeouts() {
    return Stream.of(
        Arguments.of(
            "connectTimeout",
            (Consumer<Duration>) d -> PostgrestClient.builder().connectTimeout(d)),
        Arguments.of(
            "readTimeout", (Consumer<Duration>) d -> PostgrestClient.builder().readTimeout(d)),
        Arguments.of(
            "writeTimeout", (Consumer<Duration>) d -> PostgrestClient.builder().writeTimeout(d)),
        Arguments.of(
            "callTimeout", (Consumer<Duration>) d -> PostgrestClient.builder().callTimeout(d)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTimeouts")
  void timeout_zeroOrNegative_failsNamingTheSetting(String setting, Consumer<Duration> setter) {
    assertThatThrownBy(() -> setter.accept(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(setting + " must be positive");
    assertThatThrownBy(() -> setter.accept(Duration.ofMillis(-1)))
        .hasMessageStartingWith(setting + " must be positive");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "key with space", "key\nnewline", "ключ"})
  void apiKey_blankOrNotHeaderSafe_isRejected(String key) {
    assertThatThrownBy(() -> ApiKey.of(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("apiKey ");
  }

  @Test
  void apiKey_serviceRoleOrSecret_isRejected() {
    assertThatThrownBy(() -> ApiKey.of(PostgrestFixtures.SERVICE_ROLE_KEY))
        .hasMessageContaining("service_role");
    assertThatThrownBy(() -> ApiKey.of("sb_secret_abcdefghijklmnop"))
        .hasMessageContaining("secret (sb_secret_) key");
  }

  @Test
  void apiKey_anonOrPublishable_isAccepted() {
    assertThat(ApiKey.of(ANON_KEY))
        .hasToString("ApiKey[redacted, " + ANON_KEY.length() + " chars]");
    assertThat(ApiKey.of("sb_publishable_abc123")).isEqualTo(ApiKey.of("sb_publishable_abc123"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "tab\ttoken", "sb_publishable_abc", "sb_secret_abc"})
  void accessToken_blankOrProjectKey_isRejected(String token) {
    assertThatThrownBy(() -> AccessToken.of(token))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("accessToken ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer header.payload.signature", "bearer header.payload.signature"})
  void accessToken_theWholeAuthorizationValue_isRejectedSayingToDropBearer(String value) {
    assertThatThrownBy(() -> AccessToken.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "accessToken must be the token alone, without the \"Bearer \" of the Authorization"
                + " header")
        .hasMessageNotContaining("payload");
  }

  @Test
  void accessToken_anonOrServiceRoleJwt_isRejected() {
    assertThatThrownBy(() -> AccessToken.of(ANON_KEY)).hasMessageContaining("anon key");
    assertThatThrownBy(() -> AccessToken.of(PostgrestFixtures.SERVICE_ROLE_KEY))
        .hasMessageContaining("service_role key");
  }

  @Test
  void accessToken_null_isRejected() {
    assertThatThrownBy(() -> AccessToken.of((String) nullValue()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("accessToken must not be null");
  }

  @Test
  void as_nullToken_isRejectedBeforeAnyRequest() {
    try (PostgrestClient client = PostgrestFixtures.clientBuilder(wm).build()) {
      assertThatThrownBy(() -> client.as((AccessToken) nullValue()))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("accessToken must not be null");
    }
    assertThat(wm.getAllServeEvents()).isEmpty();
  }

  @Test
  void select_invalidPaging_isRejectedBeforeAnyRequest() {
    try (PostgrestClient client = PostgrestFixtures.clientBuilder(wm).build()) {
      SelectRequest select = client.as(PostgrestFixtures.USER).from("t").select();
      assertThatThrownBy(() -> select.limit(-1))
          .hasMessage("limit must not be negative but was -1");
      assertThatThrownBy(() -> select.range(5, 4)).hasMessage("to must be >= from (5) but was 4");
      assertThatThrownBy(() -> select.timeout(Duration.ZERO))
          .hasMessageStartingWith("timeout must be positive");
    }
    assertThat(wm.getAllServeEvents()).isEmpty();
  }

  @SuppressWarnings("NullAway")
  private static Object nullValue() {
    return null;
  }
}
