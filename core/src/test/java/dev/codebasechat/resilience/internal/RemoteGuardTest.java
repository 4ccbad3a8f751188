package dev.codebasechat.resilience.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.FailureKind;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.PostgrestResponses;
import dev.codebasechat.postgrest.PostgrestResult;
import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.ManualScheduler;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RemoteGuardTest {

  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private static final String RPC = "/rest/v1/rpc/append_chat_messages";

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final PostgrestClient client =
      PostgrestClient.builder()
          .restUrl(wm.baseUrl() + "/rest/v1")
          .apiKey(ApiKey.of("sb_publishable_test_key_0123456789"))
          .readTimeout(Duration.ofSeconds(5))
          .build();
  private final AccessToken token = AccessToken.of(userToken());

  @AfterEach
  void closeClient() {
    client.close();
  }

  private Resilience.Builder guard() {
    return Resilience.builder().jitter(0).initialBackoff(Duration.ofMillis(200));
  }

  private CompletableFuture<PostgrestResult> append(RemoteGuard guard) {
    return guard.call(() -> client.as(token).rpc("append_chat_messages").executeAsync());
  }

  private void stubSequence(ResponseDefinitionBuilder... answers) {
    String state = Scenario.STARTED;
    for (int i = 0; i < answers.length; i++) {
      String next = i == answers.length - 1 ? state : "answer-" + (i + 1);
      wm.stubFor(
          post(urlPathEqualTo(RPC))
              .inScenario("sequence")
              .whenScenarioStateIs(state)
              .willReturn(answers[i])
              .willSetStateTo(next));
      state = next;
    }
  }

  /** Runs the retry delays as they are scheduled until {@code future} completes. */
  private <T> void driveUntilDone(CompletableFuture<T> future) {
    while (!future.isDone()) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> future.isDone() || scheduler.pendingTaskCount() > 0);
      scheduler.nextDelay().ifPresent(scheduler::advance);
    }
  }

  @Test
  void transientFailures_thenSuccess_areRetriedWithBackoff() {
    RemoteGuard guard = RemoteGuard.create(guard().build(), clock, scheduler);
    stubSequence(
        PostgrestResponses.poolTimeout504(),
        aResponseReset(),
        PostgrestResponses.rpcResult("{\"appended\":1}"));
    CompletableFuture<PostgrestResult> result = append(guard);

    driveUntilDone(result);

    assertThat(result.join().body().path("appended").asInt()).isEqualTo(1);
    wm.verify(exactly(3), postRequestedFor(urlPathEqualTo(RPC)));
    assertThat(clock.instant())
        .isEqualTo(ManualClock.startingAtEpoch2026().instant().plusMillis(200 + 400));
  }

  @Test
  void anAttemptCutByTheDeadline_countsOnceForTheBreaker_andNoRetryFollowsIt() {
    RemoteGuard guard = RemoteGuard.create(guard().maxAttempts(3).build(), clock, scheduler);
    java.util.concurrent.atomic.AtomicInteger attempts =
        new java.util.concurrent.atomic.AtomicInteger();
    CompletableFuture<String> result =
        guard.call(
            () -> {
              attempts.incrementAndGet();
              return new CompletableFuture<>(); // the database never answers
            },
            Duration.ofSeconds(2));

    driveUntilDone(result);
    scheduler.advance(Duration.ofSeconds(5)); // when the retries would have fallen due

    assertThat(result.handle((r, e) -> FutureResults.unwrap(e)).join())
        .isInstanceOf(dev.codebasechat.resilience.DeadlineExceededException.class);
    assertThat(attempts).hasValue(1);
    assertThat(guard.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
  }

  @Test
  void aCallCutWithWhatEarlierCallsOfItsRequestLeft_isNotCountedByTheBreaker() {
    RemoteGuard guard = RemoteGuard.create(guard().maxAttempts(3).build(), clock, scheduler);
    Duration deadline = Duration.ofSeconds(2);
    long endsAt = guard.endsAt(deadline);
    clock.advance(Duration.ofMillis(1_900)); // a head read took most of the request's time
    CompletableFuture<String> result =
        guard.callUntil(() -> new CompletableFuture<>(), endsAt, deadline);

    driveUntilDone(result);

    assertThat(result.handle((r, e) -> FutureResults.unwrap(e)).join())
        .isInstanceOf(dev.codebasechat.resilience.DeadlineExceededException.class)
        .hasMessageContaining("2000 ms");
    assertThat(guard.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
  }

  @Test
  void aCallOfARequestCutAfterItHadTheSlowCallThreshold_isCountedByTheBreaker() {
    RemoteGuard guard =
        RemoteGuard.create(
            guard().maxAttempts(1).slowCallThreshold(Duration.ofSeconds(1)).build(),
            clock,
            scheduler);
    Duration deadline = Duration.ofSeconds(2);
    long endsAt = guard.endsAt(deadline);
    clock.advance(Duration.ofMillis(500)); // 1 500 ms left: slow by the breaker's measure if cut
    CompletableFuture<String> result =
        guard.callUntil(() -> new CompletableFuture<>(), endsAt, deadline);

    driveUntilDone(result);

    assertThat(guard.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
  }

  @Test
  void retryAfter_isWaitedAtLeast() {
    RemoteGuard guard = RemoteGuard.create(guard().build(), clock, scheduler);
    stubSequence(PostgrestResponses.dbDown503(3), PostgrestResponses.rpcResult("{\"appended\":1}"));
    CompletableFuture<PostgrestResult> result = append(guard);

    driveUntilDone(result);

    assertThat(result).isCompleted();
    assertThat(clock.millis() - ManualClock.startingAtEpoch2026().millis()).isEqualTo(3_000);
  }

  @Test
  void retryAfter_longerThanMaxBackoff_endsRetriesAtOnce() {
    RemoteGuard guard =
        RemoteGuard.create(guard().maxBackoff(Duration.ofSeconds(2)).build(), clock, scheduler);
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.dbDown503(30)));
    CompletableFuture<PostgrestResult> result = append(guard);

    driveUntilDone(result);

    assertThat(result).isCompletedExceptionally();
    wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(RPC)));
    assertThat(guard.after(result.handle((r, e) -> e).join(), 1)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void authFailure_isNotRetried_andNotCountedByTheBreaker() {
    RemoteGuard guard =
        RemoteGuard.create(guard().minimumCalls(1).slidingWindow(1).build(), clock, scheduler);
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.jwtInvalid()));

    Throwable failure = append(guard).handle((r, e) -> FutureResults.unwrap(e)).join();

    assertThat(failure).isInstanceOf(PostgrestException.class);
    assertThat(((PostgrestException) failure).kind()).isEqualTo(FailureKind.AUTH);
    wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(RPC)));
    assertThat(guard.breakerState()).isEqualTo(BreakerState.CLOSED);
    assertThat(guard.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
  }

  @Test
  void forbidden_isNotRetried() {
    RemoteGuard guard = RemoteGuard.create(guard().build(), clock, scheduler);
    wm.stubFor(
        post(urlPathEqualTo(RPC))
            .willReturn(PostgrestResponses.rlsViolation403("codebase_chat_sessions")));

    Throwable failure = append(guard).handle((r, e) -> FutureResults.unwrap(e)).join();

    assertThat(((PostgrestException) failure).kind()).isEqualTo(FailureKind.FORBIDDEN);
    wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(RPC)));
  }

  @Test
  void repeatedTransientFailures_openTheBreaker_thenCallsFailFastWithoutNetwork() {
    RemoteGuard guard =
        RemoteGuard.create(
            guard().maxAttempts(1).minimumCalls(4).slidingWindow(4).build(), clock, scheduler);
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.poolTimeout504()));
    for (int i = 0; i < 4; i++) {
      append(guard).handle((r, e) -> e).join();
    }
    assertThat(guard.breakerState()).isEqualTo(BreakerState.OPEN);
    wm.resetRequests();

    Throwable failure = append(guard).handle((r, e) -> FutureResults.unwrap(e)).join();

    assertThat(failure).isInstanceOf(CallNotPermittedException.class);
    assertThat(RemoteGuard.isUnavailable(failure)).isTrue();
    wm.verify(exactly(0), postRequestedFor(urlPathEqualTo(RPC)));
  }

  /**
   * A guard whose breaker two failures in a window of two open for 5 s (then one trial call), the
   * database still answering 503.
   */
  private RemoteGuard openedByTwoFailures() {
    RemoteGuard guard =
        RemoteGuard.create(
            guard()
                .maxAttempts(1)
                .minimumCalls(2)
                .slidingWindow(2)
                .halfOpenCalls(1)
                .openDuration(Duration.ofSeconds(5))
                .build(),
            clock,
            scheduler);
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.dbDown503(0)));
    append(guard).handle((r, e) -> e).join();
    append(guard).handle((r, e) -> e).join();
    return guard;
  }

  @Test
  void openBreaker_afterOpenDuration_letsATrialCallThrough_andClosesOnSuccess() {
    RemoteGuard guard = openedByTwoFailures();
    assertThat(guard.breakerState()).isEqualTo(BreakerState.OPEN);
    wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.rpcResult("{}")));

    clock.advance(Duration.ofMillis(5_000)); // resilience4j waits strictly longer than the duration
    assertThat(append(guard).handle((r, e) -> FutureResults.unwrap(e)).join())
        .isInstanceOf(CallNotPermittedException.class);
    clock.advance(Duration.ofMillis(1));
    append(guard).join();

    assertThat(guard.breakerState()).isEqualTo(BreakerState.CLOSED);
  }

  @Test
  void everyMoveOfTheBreaker_isLoggedInTheWordsOfReadyz_openingAsAWarning() {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RemoteGuard.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      RemoteGuard guard = openedByTwoFailures();
      wm.stubFor(post(urlPathEqualTo(RPC)).willReturn(PostgrestResponses.rpcResult("{}")));
      clock.advance(Duration.ofMillis(5_001));

      append(guard).join();

      assertThat(logs.list)
          .extracting(e -> e.getLevel() + " " + e.getFormattedMessage())
          .containsExactly(
              "WARN circuit breaker "
                  + Resilience.BREAKER_NAME
                  + " went from closed to open: calls to the database are refused at once until"
                  + " it is tried again",
              "INFO circuit breaker " + Resilience.BREAKER_NAME + " went from open to half_open",
              "INFO circuit breaker " + Resilience.BREAKER_NAME + " went from half_open to closed");
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Test
  void connectionReset_isTransient_andRetried() {
    RemoteGuard guard = RemoteGuard.create(guard().maxAttempts(2).build(), clock, scheduler);
    stubSequence(aResponseReset(), PostgrestResponses.rpcResult("{\"appended\":2}"));
    CompletableFuture<PostgrestResult> result = append(guard);

    driveUntilDone(result);

    assertThat(result.join().body().path("appended").asInt()).isEqualTo(2);
  }

  @Test
  void supplierThatThrows_failsTheFuture_insteadOfHanging() {
    RemoteGuard guard = RemoteGuard.create(guard().build(), clock, scheduler);

    CompletableFuture<Object> result =
        guard.call(
            () -> {
              throw new IllegalStateException("bug");
            });

    assertThat(result.handle((r, e) -> FutureResults.unwrap(e)).join())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void backoff_growsExponentially_withJitter_andIsCapped() {
    RemoteGuard guard =
        RemoteGuard.create(
            Resilience.builder()
                .initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofSeconds(1))
                .jitter(0.5)
                .random(() -> 0.0) // the lowest jitter: half of the base wait
                .build(),
            clock,
            scheduler);

    assertThat(guard.after(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(guard.after(2)).isEqualTo(Duration.ofMillis(100));
    assertThat(guard.after(3)).isEqualTo(Duration.ofMillis(200));
    assertThat(guard.after(10)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void builder_rejectsBadValues_namingTheSetting() {
    Resilience.Builder builder = Resilience.builder();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.maxAttempts(0))
        .hasMessage("maxAttempts must be at least 1 but was 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.jitter(1.5))
        .hasMessage("jitter must be between 0 and 1 but was 1.5");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.openDuration(Duration.ZERO))
        .hasMessage("openDuration must be positive but was PT0S");
  }

  private static ResponseDefinitionBuilder aResponseReset() {
    return new ResponseDefinitionBuilder().withFault(Fault.CONNECTION_RESET_BY_PEER);
  }

  private static String userToken() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        b64.encodeToString(
            "{\"sub\":\"11111111-1111-4111-8111-111111111111\",\"role\":\"authenticated\"}"
                .getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + ".c2ln";
  }
}
