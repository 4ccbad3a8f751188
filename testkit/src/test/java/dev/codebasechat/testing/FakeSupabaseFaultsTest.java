package dev.codebasechat.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static dev.codebasechat.testing.FakeFixtures.appendBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Outages, lost answers and delays, as an OkHttp client that never retries by itself sees them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FakeSupabaseFaultsTest {

  private static final String APPEND = "append_chat_messages";
  private static final String BY_SESSION = TABLE + "?select=session_id&session_id=eq." + SESSION;

  @RegisterExtension static FakeSupabase fake = FakeSupabase.create();

  private final RestCalls calls = new RestCalls(fake);

  private Answer read() throws IOException {
    return calls.get(fake.tokenFor(ALICE), BY_SESSION);
  }

  @Test
  void goDown_byDefault_answers503Pgrst000WithRetryAfter() throws IOException {
    fake.retryAfter(Duration.ofSeconds(4));
    fake.goDown();

    Answer answer = read();

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"PGRST000\",\"details\":\"connection to server at \\\"db\\\" failed\",\"hint\":null,"
                + "\"message\":\"Database connection error. Retrying the connection.\"}");
    assertThat(answer.header("Retry-After")).isEqualTo("4");
    assertThat(answer.header("Proxy-Status")).isEqualTo("PostgREST; error=PGRST000");
  }

  @Test
  void heldAnswers_waitUntilTheHoldIsReleased_theRequestAppliedMeanwhile() throws Exception {
    AnswerHold hold = fake.holdAnswers();

    java.util.concurrent.CompletableFuture<RestCalls.Answer> answer =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> hold.waiting() == 1);
    boolean answeredWhileHeld = answer.isDone();
    boolean storedWhileHeld = fake.session(SESSION).isPresent();
    hold.release();

    assertThat(answeredWhileHeld).isFalse();
    assertThat(storedWhileHeld).isTrue();
    assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
  }

  private Answer keySet() throws IOException {
    return calls.send(
        new okhttp3.Request.Builder().url(fake.baseUrl() + "/auth/v1/.well-known/jwks.json").get());
  }

  @Test
  void countedFaults_andHolds_leaveAuthsKeySetAnswering_andUncounted() throws Exception {
    fake.failNext(1, Outage.CONNECTION_RESET);
    fake.loseResponseOfNext(1);
    AnswerHold hold = fake.holdAnswers();

    Answer keys = keySet();

    assertThat(keys.status()).isEqualTo(200);
    assertThat(hold.waiting()).isZero();
    assertThatThrownBy(this::read).isInstanceOf(SocketException.class);
    hold.release();
  }

  @Test
  void aRequestLeftUnansweredByFailNext_isResetAtGoUp() throws Exception {
    fake.failNext(1, Outage.NO_ANSWER);
    java.util.concurrent.CompletableFuture<Answer> answer =
        readInTheBackground(new RestCalls(fake, Duration.ofSeconds(20)));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fake.unansweredRequests() == 1);

    fake.goUp();

    // Well before the client's own 5 s call timeout.
    assertThat(answer)
        .failsWithin(Duration.ofSeconds(2))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingRootCause()
        .isInstanceOf(IOException.class);
  }

  @Test
  void requests_areListedInTheOrderTheyWereReceived_notAnswered() throws Exception {
    AnswerHold hold = fake.holdAnswers();
    java.util.concurrent.CompletableFuture<Answer> slow = readInTheBackground();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> hold.waiting() == 1);
    Thread.sleep(5); // arrival times are in milliseconds: the next request arrives in a later one

    Answer quick = keySet(); // answered at once: holds are the Data API's
    hold.release();
    slow.join();

    assertThat(quick.status()).isEqualTo(200);
    assertThat(fake.requests())
        .extracting(RecordedRequest::path)
        .containsExactly("/rest/v1/" + TABLE, "/auth/v1/.well-known/jwks.json");
  }

  @Test
  void goDown_leavesTableUntouchedUntilGoUp() throws IOException {
    fake.goDown();
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));
    assertThat(fake.sessions()).isEmpty();

    fake.goUp();

    assertThat(calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1")).status())
        .isEqualTo(200);
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void goDown_connectionRefused_refusesConnectsThenGoUpServesOnTheSamePort() throws IOException {
    fake.seedSession(ALICE, SESSION);
    int port = fake.port();
    calls.evictConnections();

    fake.goDown(Outage.CONNECTION_REFUSED);

    assertThatThrownBy(this::read).isInstanceOf(ConnectException.class);
    fake.goUp();
    assertThat(fake.port()).isEqualTo(port);
    assertThat(read().json()).hasSize(1);
  }

  @Test
  void goDown_fromRefusedToUnavailable_listensAgainAndAnswers503() throws IOException {
    calls.evictConnections();
    fake.goDown(Outage.CONNECTION_REFUSED);

    fake.goDown(Outage.DATABASE_UNAVAILABLE);

    assertThat(read().status()).isEqualTo(503);
  }

  @Test
  void close_thenStart_servesOnTheSamePortWithTheSameRows() throws IOException {
    fake.seedSession(ALICE, SESSION);
    int port = fake.port();
    calls.evictConnections();

    fake.close();
    fake.start();

    assertThat(fake.port()).isEqualTo(port);
    assertThat(read().json()).hasSize(1);
  }

  @Test
  void failNext_connectionReset_resetsThatManyThenServes() throws IOException {
    fake.failNext(2, Outage.CONNECTION_RESET);

    assertThatThrownBy(this::read).isInstanceOf(SocketException.class);
    assertThatThrownBy(this::read).isInstanceOf(SocketException.class);
    assertThat(read().status()).isEqualTo(200);
  }

  @Test
  void failNext_emptyResponse_endsTheStreamWithoutAnswer() {
    fake.failNext(1, Outage.EMPTY_RESPONSE);

    assertThatThrownBy(this::read)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unexpected end of stream");
  }

  @ParameterizedTest
  @CsvSource({
    "POOL_TIMEOUT, 504",
    "PROJECT_PAUSED, 540",
    "GATEWAY_TIMEOUT, 544",
    "ORIGIN_ERROR, 520",
    "DATABASE_UNAVAILABLE, 503"
  })
  void failNext_statusOutage_answersItsStatus(Outage outage, int status) throws IOException {
    fake.failNext(1, outage);

    assertThat(read().status()).isEqualTo(status);
    assertThat(read().status()).isEqualTo(200);
  }

  @Test
  void failNext_poolTimeout_answersPgrst003() throws IOException {
    fake.failNext(1, Outage.POOL_TIMEOUT);

    assertThat(read().json().get("code").asText()).isEqualTo("PGRST003");
  }

  @Test
  void failNext_connectionRefused_isRejected() {
    assertThatThrownBy(() -> fake.failNext(1, Outage.CONNECTION_REFUSED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("goDown");
  }

  @Test
  void flapping_failsEveryOtherRequest() throws IOException {
    fake.flapping(Outage.DATABASE_UNAVAILABLE);

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      statuses.add(read().status());
    }

    assertThat(statuses).containsExactly(503, 200, 503, 200);
  }

  @Test
  void delayResponses_beyondReadTimeout_timesOut() {
    RestCalls impatient = new RestCalls(fake, Duration.ofMillis(200));
    fake.delayResponses(Duration.ofMillis(600));

    assertThatThrownBy(() -> impatient.get(fake.tokenFor(ALICE), BY_SESSION))
        .isInstanceOf(SocketTimeoutException.class);
  }

  private java.util.concurrent.CompletableFuture<Answer> readInTheBackground() {
    return readInTheBackground(calls);
  }

  private java.util.concurrent.CompletableFuture<Answer> readInTheBackground(RestCalls client) {
    return java.util.concurrent.CompletableFuture.supplyAsync(
        () -> {
          try {
            return client.get(fake.tokenFor(ALICE), BY_SESSION);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  @Test
  void aDelayedRequest_isListedOnlyOnceAnswered() {
    fake.delayResponses(Duration.ofMillis(1_500));

    java.util.concurrent.CompletableFuture<Answer> answer = readInTheBackground();

    org.awaitility.Awaitility.await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofMillis(1_200))
        .until(() -> fake.requests().isEmpty() && !answer.isDone());
    assertThat(answer.join().status()).isEqualTo(200);
    assertThat(fake.requests()).singleElement().extracting(RecordedRequest::status).isEqualTo(200);
  }

  @Test
  void aRequestReceivedBeforeClearRequests_isNotListed_evenIfAnsweredAfter() throws IOException {
    AnswerHold hold = fake.holdAnswers();
    java.util.concurrent.CompletableFuture<Answer> before = readInTheBackground();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> hold.waiting() == 1);

    fake.clearRequests();
    hold.release();
    before.join();
    fake.clearFaults();
    Answer after = read();

    assertThat(after.status()).isEqualTo(200);
    assertThat(fake.requests()).hasSize(1);
  }

  @Test
  void loseResponseOfNext_appliesTheWriteOnceAndTheRetryAddsNothing() throws IOException {
    String token = fake.tokenFor(ALICE);
    fake.loseResponseOfNext(1);

    assertThatThrownBy(() -> calls.rpc(token, APPEND, appendBody(SESSION, "m1", "m2")))
        .isInstanceOf(SocketException.class);
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2");

    Answer retry = calls.rpc(token, APPEND, appendBody(SESSION, "m1", "m2"));

    assertThat(retry.json().get("appended").asInt()).isZero();
    assertThat(fake.session(SESSION).orElseThrow().messageIds()).containsExactly("m1", "m2");
    assertThat(fake.requests(r -> r.isCallOf(APPEND)).stream().map(RecordedRequest::body))
        .hasSize(2)
        .allSatisfy(body -> assertThat(body).contains("\"m1\"", "\"m2\""));
  }

  @Test
  void countRequests_countsByPathWithoutQuery() throws IOException {
    read();
    read();
    calls.rpc(fake.tokenFor(ALICE), APPEND, appendBody(SESSION, "m1"));

    assertThat(fake.countRequests("/rest/v1/" + TABLE)).isEqualTo(2);
    assertThat(fake.countRequests("/rest/v1/rpc/.*")).isEqualTo(1);
    assertThat(fake.requests()).hasSize(3);
  }

  @Test
  void requests_recordEveryPart_butNoKeyOrToken() throws IOException {
    String token = fake.tokenFor(ALICE);
    calls.get(token, BY_SESSION + "&apikey=" + fake.apiKey());
    calls.rpc(token, APPEND, appendBody(SESSION, "m1"));

    List<RecordedRequest> requests = fake.requests();

    assertThat(requests).hasSize(2);
    assertThat(requests.get(0).query()).contains("session_id=eq." + SESSION);
    assertThat(requests.get(0).header("Authorization")).startsWith("Bearer <redacted");
    assertThat(requests.get(1).body()).contains("\"m1\"");
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(TestSecrets.containsSecret(r.toString())).as(r.url()).isFalse();
              assertThat(r.status()).isEqualTo(200);
              assertThat(r.bytesReceived()).isGreaterThan(r.body().length());
              assertThat(r.bytesSent()).isPositive();
            });
  }

  @Test
  void requests_redactAKeyInThePath() throws IOException {
    calls.get(fake.tokenFor(ALICE), TABLE + "/" + fake.apiKey());

    RecordedRequest request = fake.requests().get(0);

    assertThat(request.path()).contains("<redacted");
    assertThat(TestSecrets.containsSecret(request.toString())).isFalse();
  }

  @Test
  void requests_recordTheBytesOfAnAnswerToHead_withoutTheBodyItLeftOut() throws IOException {
    String token = fake.tokenFor(ALICE);
    Answer get = calls.send(calls.request(token, "codebase_chat_session").get());
    calls.send(calls.request(token, "codebase_chat_session").head());

    List<RecordedRequest> requests = fake.requests();

    assertThat(requests).extracting(RecordedRequest::status).containsExactly(404, 404);
    assertThat(requests.get(0).bytesSent() - requests.get(1).bytesSent())
        .isEqualTo(get.body().length());
  }

  @Test
  void wireMock_stubAddedByTest_answersInsteadOfTheFake() throws IOException {
    fake.wireMock()
        .stubFor(get(urlPathEqualTo("/rest/v1/" + TABLE)).willReturn(aResponse().withStatus(418)));

    assertThat(read().status()).isEqualTo(418);
    fake.wireMock().verify(1, getRequestedFor(urlPathEqualTo("/rest/v1/" + TABLE)));
  }

  @Test
  void reset_clearsRowsFaultsJournalAndTestStubs() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.wireMock()
        .stubFor(get(urlPathEqualTo("/rest/v1/" + TABLE)).willReturn(aResponse().withStatus(418)));
    read();
    fake.goDown(Outage.CONNECTION_REFUSED);

    fake.reset();

    assertThat(fake.sessions()).isEmpty();
    assertThat(fake.requests()).isEmpty();
    assertThat(fake.isDown()).isFalse();
    calls.evictConnections();
    assertThat(read().status()).isEqualTo(200);
  }
}
