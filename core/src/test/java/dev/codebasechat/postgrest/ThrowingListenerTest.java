package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.postgrest.PostgrestResponses.Version;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@link PostgrestListener} that throws changes nothing of the call it observes: the caller gets
 * the answer or the failure the database gave, synchronously and asynchronously.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ThrowingListenerTest {

  /** Throws on every call, counting them. */
  static final class ThrowingListener implements PostgrestListener {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public void onSuccess(Operation operation, String resource, int status, Duration latency) {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug on success");
    }

    @Override
    public void onFailure(
        Operation operation, String resource, PostgrestException failure, Duration latency) {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug on failure");
    }
  }

  private static final ThrowingListener listener = new ThrowingListener();

  @RegisterExtension
  static FakePostgrest wm = new FakePostgrest(client -> client.listener(listener));

  @Test
  void success_isAnsweredAlthoughTheListenerThrows() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[{\"a\":1}]", "0-0/*")));
    int before = listener.calls.get();

    PostgrestResult result = wm.user().from(TABLE).select().execute();

    assertThat(result.body()).hasSize(1);
    assertThat(listener.calls.get()).isEqualTo(before + 1);
  }

  @Test
  void asyncSuccess_isAnsweredAlthoughTheListenerThrows() throws Exception {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[{\"a\":1}]", "0-0/*")));

    PostgrestResult result = wm.user().from(TABLE).select().executeAsync().get(5, TimeUnit.SECONDS);

    assertThat(result.body()).hasSize(1);
  }

  @Test
  void failure_isTheDatabasesAlthoughTheListenerThrows() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.jwtExpired(Version.V13)));
    int before = listener.calls.get();

    assertThatThrownBy(() -> wm.user().from(TABLE).select().execute())
        .isInstanceOf(PostgrestHttpException.class)
        .satisfies(e -> assertThat(((PostgrestHttpException) e).status()).isEqualTo(401));
    assertThat(listener.calls.get()).isEqualTo(before + 1);
  }

  @Test
  void asyncFailure_isTheDatabasesAlthoughTheListenerThrows() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.jwtExpired(Version.V13)));

    assertThatThrownBy(() -> wm.user().from(TABLE).select().executeAsync().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(PostgrestHttpException.class);
  }
}
