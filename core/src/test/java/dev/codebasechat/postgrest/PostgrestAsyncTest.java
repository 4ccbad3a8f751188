package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.postgrest.PostgrestResponses.Version;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code …Async} terminals: non-blocking, cancellable, failing with the same exceptions. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PostgrestAsyncTest {

  /** Records failures the client reports, so a test can wait for the cancelled call to end. */
  static final class RecordingListener implements PostgrestListener {
    final BlockingQueue<PostgrestException> failures = new LinkedBlockingQueue<>();

    @Override
    public void onFailure(
        Operation operation, String resource, PostgrestException failure, Duration latency) {
      failures.add(failure);
    }
  }

  private static final RecordingListener listener = new RecordingListener();

  @RegisterExtension
  static FakePostgrest wm = new FakePostgrest(client -> client.listener(listener));

  @Test
  void executeAsync_returnsBeforeTheAnswerArrives() throws Exception {
    // A listener that answers only when this test says: the request is in flight for as long as
    // the test needs, however slow the machine.
    try (java.net.ServerSocket server =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        PostgrestClient client =
            PostgrestClient.builder()
                .restUrl("http://127.0.0.1:" + server.getLocalPort() + PostgrestFixtures.REST)
                .apiKey(ApiKey.of(PostgrestFixtures.ANON_KEY))
                .build()) {
      CompletableFuture<PostgrestResult> future =
          client.as(PostgrestFixtures.USER).from(TABLE).select().executeAsync();

      try (java.net.Socket connection = server.accept()) {
        java.io.BufferedReader request =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(
                    connection.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        for (String line = request.readLine();
            line != null && !line.isEmpty();
            line = request.readLine()) {
          // the request head, read to its end
        }
        boolean doneBeforeTheAnswer = future.isDone();
        String body = "[{\"a\":1}]";
        connection
            .getOutputStream()
            .write(
                ("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                        + "Content-Range: 0-0/*\r\nContent-Length: "
                        + body.length()
                        + "\r\nConnection: close\r\n\r\n"
                        + body)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        connection.getOutputStream().flush();

        assertThat(doneBeforeTheAnswer).isFalse();
        assertThat(future.get(10, TimeUnit.SECONDS).body()).hasSize(1);
      }
    }
  }

  @Test
  void executeAsync_errorAnswer_completesExceptionallyWithHttpException() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rlsViolation403(TABLE)));

    CompletableFuture<PostgrestResult> future = wm.user().from(TABLE).select().executeAsync();

    assertThatThrownBy(future::join)
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            PostgrestHttpException.class,
            e -> assertThat(e.kind()).isEqualTo(FailureKind.FORBIDDEN));
  }

  @Test
  void cancel_inFlight_cancelsTheHttpCall() throws InterruptedException {
    listener.failures.clear();
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(2000)));
    CompletableFuture<PostgrestResult> future = wm.user().from(TABLE).select().executeAsync();

    assertThat(future.cancel(true)).isTrue();

    PostgrestException reported = listener.failures.poll(5, TimeUnit.SECONDS);
    assertThat(reported)
        .isInstanceOfSatisfying(
            PostgrestTransportException.class, e -> assertThat(e.isCancelled()).isTrue());
    assertThat(wm.client().toString()).doesNotContain(PostgrestFixtures.USER_TOKEN);
  }

  @Test
  void cancel_derivedSingleFuture_cancelsTheHttpCall() throws InterruptedException {
    listener.failures.clear();
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.singleRow("{}").withFixedDelay(2000)));
    CompletableFuture<JsonNode> future =
        wm.user().from(TABLE).select().eq("session_id", "s1").singleAsync();

    future.cancel(true);

    PostgrestException reported = listener.failures.poll(5, TimeUnit.SECONDS);
    assertThat(reported)
        .isInstanceOfSatisfying(
            PostgrestTransportException.class, e -> assertThat(e.isCancelled()).isTrue());
  }

  @Test
  void cancel_aStageTheCallerDerived_cancelsTheHttpCall() throws InterruptedException {
    listener.failures.clear();
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(2000)));
    CompletableFuture<Integer> rows =
        wm.user()
            .from(TABLE)
            .select()
            .executeAsync()
            .thenApply(result -> result.body().size())
            .exceptionally(failure -> -1);

    assertThat(rows.cancel(true)).isTrue();

    PostgrestException reported = listener.failures.poll(5, TimeUnit.SECONDS);
    assertThat(reported)
        .isInstanceOfSatisfying(
            PostgrestTransportException.class, e -> assertThat(e.isCancelled()).isTrue());
  }

  @Test
  void cancel_aCopy_leavesTheCallAndItsOtherStagesAlone() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(300)));
    CompletableFuture<PostgrestResult> future = wm.user().from(TABLE).select().executeAsync();
    CompletableFuture<Integer> rows = future.thenApply(result -> result.body().size());

    assertThat(future.copy().cancel(true)).isTrue();

    assertThat(rows.join()).isZero();
  }

  @Test
  void executeAsync_perCallTimeout_completesExceptionallyTransient() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(400)));

    CompletableFuture<PostgrestResult> future =
        wm.user().from(TABLE).select().timeout(Duration.ofMillis(100)).executeAsync();

    assertThatThrownBy(future::join)
        .cause()
        .isInstanceOfSatisfying(
            PostgrestTransportException.class,
            e -> assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT));
  }

  @Test
  void executeAsync_deleteWithoutFilter_failsTheFutureInsteadOfThrowing() {
    CompletableFuture<PostgrestResult> future = wm.user().from(TABLE).delete().executeAsync();

    assertThat(future).isCompletedExceptionally();
    assertThatThrownBy(future::join).cause().isInstanceOf(IllegalStateException.class);
    assertThat(wm.getAllServeEvents()).isEmpty();
  }

  @Test
  void maybeSingleAsync_noRows_completesEmpty() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.pgrst116(Version.V13, 0)));

    Optional<JsonNode> row =
        wm.user().from(TABLE).select().eq("session_id", "s1").maybeSingleAsync().join();

    assertThat(row).isEmpty();
  }

  @Test
  void singleAsync_oneRow_completesWithTheObject() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.singleRow("{\"session_id\":\"s1\"}")));

    JsonNode row = wm.user().from(TABLE).select().eq("session_id", "s1").singleAsync().join();

    assertThat(row.get("session_id").asText()).isEqualTo("s1");
  }
}
