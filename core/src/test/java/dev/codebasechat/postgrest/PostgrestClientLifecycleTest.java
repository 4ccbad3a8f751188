package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who owns the OkHttp threads and pool, and what a shared base client keeps. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PostgrestClientLifecycleTest {
  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  @Test
  void close_sharedOkHttpClient_leavesItRunning() {
    OkHttpClient shared = new OkHttpClient();
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));

    try (PostgrestClient client =
        PostgrestFixtures.clientBuilder(wm).okHttpClient(shared).build()) {
      assertThat(client.as(PostgrestFixtures.USER).from(TABLE).select().execute().status())
          .isEqualTo(200);
    }

    assertThat(shared.dispatcher().executorService().isShutdown()).isFalse();
    shared.dispatcher().executorService().shutdown();
  }

  @Test
  void close_isIdempotent() {
    PostgrestClient client = PostgrestFixtures.clientBuilder(wm).build();

    client.close();
    client.close();

    assertThat(client.toString()).startsWith("PostgrestClient[http://localhost:");
  }

  @Test
  void restUrl_trailingSlash_isHarmless() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));

    try (PostgrestClient client =
        PostgrestFixtures.clientBuilder(wm).restUrl(wm.baseUrl() + "/rest/v1/").build()) {
      client.as(PostgrestFixtures.USER).from(TABLE).select().execute();
    }

    assertThat(PostgrestFixtures.onlyRequest(wm).getUrl())
        .startsWith(PostgrestFixtures.TABLE_PATH + "?");
  }
}
