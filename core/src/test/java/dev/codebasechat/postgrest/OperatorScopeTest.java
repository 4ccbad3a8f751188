package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.codebasechat.postgrest.PostgrestFixtures.SERVICE_ROLE_KEY;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator path is explicit, separate from the user path, and sends the service key as both
 * credentials.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OperatorScopeTest {
  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  @Test
  void select_asOperator_sendsServiceKeyAsApikeyAndBearer() {
    wm.stubFor(get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.rows("[]", "*/*")));

    wm.client().operator(ServiceKey.of(SERVICE_ROLE_KEY)).from(TABLE).select().execute();

    wm.verify(
        1,
        getRequestedFor(urlPathEqualTo(TABLE_PATH))
            .withHeader("apikey", equalTo(SERVICE_ROLE_KEY))
            .withHeader("Authorization", equalTo("Bearer " + SERVICE_ROLE_KEY)));
  }

  @Test
  void serviceKey_secretFormat_isAcceptedAndRedacted() {
    ServiceKey key = ServiceKey.of("sb_secret_abcdefghijklmnopqrstuv");

    assertThat(key).hasToString("ServiceKey[redacted, 32 chars]");
    assertThat(wm.client().operator(key).toString()).doesNotContain("sb_secret_");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sb_publishable_abc", "opaque-key", ""})
  void serviceKey_notASecretKey_isRejected(String value) {
    assertThatThrownBy(() -> ServiceKey.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("serviceKey ");
  }

  @Test
  void serviceKey_anonJwt_isRejected() {
    assertThatThrownBy(() -> ServiceKey.of(PostgrestFixtures.ANON_KEY))
        .hasMessage("serviceKey must be an sb_secret_ key or a service_role JWT");
  }

  @Test
  void userPath_serviceKeyAsApiKeyOrToken_isRejected() {
    assertThatThrownBy(() -> ApiKey.of(SERVICE_ROLE_KEY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccessToken.of(SERVICE_ROLE_KEY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(wm.getAllServeEvents()).isEmpty();
  }
}
