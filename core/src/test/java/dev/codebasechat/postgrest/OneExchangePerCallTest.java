package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** OkHttp repeats a 503 carrying {@code Retry-After: 0} by itself unless the client stops it. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OneExchangePerCallTest {

  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  private static final String RPC = PostgrestFixtures.REST + "/rpc/f";

  @Test
  void unavailableWithRetryAfterZero_isOneExchange_andKeepsItsRetryAfter() {
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.dbDown503(0)));

    PostgrestHttpException failure =
        catchThrowableOfType(PostgrestHttpException.class, () -> wm.user().rpc("f").execute());

    wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(RPC)));
    assertThat(failure.retryAfter()).contains(Duration.ZERO);
    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
  }

  @Test
  void unavailableWithRetryAfter_exposesTheDelay() {
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.dbDown503(7)));

    PostgrestHttpException failure =
        catchThrowableOfType(PostgrestHttpException.class, () -> wm.user().rpc("f").execute());

    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
  }
}
