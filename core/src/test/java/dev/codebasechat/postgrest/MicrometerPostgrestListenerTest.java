package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.google.common.base.Ticker;
import dev.codebasechat.postgrest.PostgrestResponses.Version;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every request lands in the {@code postgrest.requests} timer with its outcome and latency. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MicrometerPostgrestListenerTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  /** Each read advances 7 ms, so every request measures exactly 7 ms. */
  static final class SteppingTicker extends Ticker {
    private long nanos;

    @Override
    public synchronized long read() {
      nanos += TimeUnit.MILLISECONDS.toNanos(7);
      return nanos;
    }
  }

  private SimpleMeterRegistry registry;
  private PostgrestClient client;

  @BeforeEach
  void newClient() {
    registry = new SimpleMeterRegistry();
    client =
        PostgrestFixtures.clientBuilder(wm)
            .listener(new MicrometerPostgrestListener(registry))
            .ticker(new SteppingTicker())
            .build();
  }

  @AfterEach
  void closeClient() {
    client.close();
  }

  @Test
  void select_success_recordsSuccessWithLatency() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));

    client.as(PostgrestFixtures.USER).from(TABLE).select().execute();

    Timer timer = timer("select", "success", "200");
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
  }

  @Test
  void rpc_jwtExpired_recordsAuthOutcome() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.jwtExpired(Version.V13)));

    assertThatThrownBy(() -> client.as(PostgrestFixtures.USER).rpc("append_messages").execute())
        .isInstanceOf(PostgrestHttpException.class);

    assertThat(
            registry
                .get(MicrometerPostgrestListener.METER_NAME)
                .tag("operation", "rpc")
                .tag("table", "append_messages")
                .tag("outcome", "auth")
                .tag("status", "401")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void select_reset_recordsTransientWithoutStatus() {
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThatThrownBy(() -> client.as(PostgrestFixtures.USER).from(TABLE).select().execute())
        .isInstanceOf(PostgrestTransportException.class);

    assertThat(timer("select", "transient", "none").count()).isEqualTo(1);
  }

  @Test
  void executeAsync_cancelled_recordsCancelledOutcome() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(2000)));

    client.as(PostgrestFixtures.USER).from(TABLE).select().executeAsync().cancel(true);

    // The cancelled call reports from a dispatcher thread, a moment after cancel() returns.
    assertThat(awaitTimer("select", "cancelled", "none").count()).isEqualTo(1);
  }

  private Timer awaitTimer(String operation, String outcome, String status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      Timer timer =
          registry
              .find(MicrometerPostgrestListener.METER_NAME)
              .tag("operation", operation)
              .tag("outcome", outcome)
              .tag("status", status)
              .timer();
      if (timer != null) {
        return timer;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return timer(operation, outcome, status);
  }

  private Timer timer(String operation, String outcome, String status) {
    return registry
        .get(MicrometerPostgrestListener.METER_NAME)
        .tag("operation", operation)
        .tag("table", TABLE)
        .tag("outcome", outcome)
        .tag("status", status)
        .timer();
  }
}
