package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Transport faults surface as {@link PostgrestTransportException}, kind TRANSIENT, after exactly
 * one request: OkHttp's own silent retry is off, so retries are the resilience layer's to count.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PostgrestFaultTest {
  @RegisterExtension
  static FakePostgrest wm = new FakePostgrest(client -> client.readTimeout(Duration.ofMillis(500)));

  static Stream<Arguments> faults() {
    return Stream.of(
        Arguments.of("connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)),
        Arguments.of("empty response", aResponse().withFault(Fault.EMPTY_RESPONSE)),
        Arguments.of("malformed chunk", aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)),
        Arguments.of("random data", aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)),
        Arguments.of(
            "slower than read timeout", PostgrestResponses.rows("[]", "*/*").withFixedDelay(1500)),
        Arguments.of("truncated JSON", PostgrestResponses.rows("[{\"a\":1", "0-0/*")),
        Arguments.of("trailing garbage", PostgrestResponses.rows("[{\"a\":1}]]", "0-0/*")),
        Arguments.of("not JSON", PostgrestResponses.rows("<html>", "*/*")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("faults")
  void select_fault_throwsTransientTransportExceptionAfterOneRequest(
      String name, ResponseDefinitionBuilder answer) {
    wm.stubFor(any(anyUrl()).willReturn(answer));

    PostgrestTransportException e = selectFailure(name);

    assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(e.operation()).isEqualTo(Operation.SELECT);
    assertThat(e.getMessage()).startsWith("PostgREST select on " + TABLE + " failed");
    assertThat(PostgrestFixtures.awaitRequests(wm, marked(name), 1)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = Fault.class,
      names = {"CONNECTION_RESET_BY_PEER", "EMPTY_RESPONSE"})
  void select_faultOnReusedConnection_isNotRetriedByOkHttp(Fault fault) {
    // OkHttp's default would silently re-send when a pooled keep-alive connection fails.
    wm.stubFor(any(anyUrl()).atPriority(2).willReturn(PostgrestResponses.rows("[]", "*/*")));
    wm.stubFor(
        any(anyUrl())
            .atPriority(1)
            .withQueryParam("session_id", equalTo("eq.fault"))
            .willReturn(aResponse().withFault(fault)));
    wm.user().from(TABLE).select().execute();

    selectFailure("fault");

    assertThat(PostgrestFixtures.awaitRequests(wm, marked("fault"), 1)).isEqualTo(1);
  }

  @Test
  void insert_connectionReset_isNotResentByOkHttp() {
    wm.stubFor(any(anyUrl()).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThatThrownBy(
            () ->
                wm.user().from(TABLE).insert(Map.of("session_id", "s1")).select("reset").execute())
        .isInstanceOf(PostgrestTransportException.class);

    RequestPatternBuilder insert =
        postRequestedFor(anyUrl()).withQueryParam("select", equalTo("reset"));
    assertThat(PostgrestFixtures.awaitRequests(wm, insert, 1)).isEqualTo(1);
  }

  @Test
  void select_slowerThanReadTimeout_causeIsSocketTimeout() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(1500)));

    assertThat(selectFailure("read timeout")).hasCauseInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void select_perCallTimeout_endsTheCallEarly() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(400)));

    PostgrestTransportException e =
        catchThrowableOfType(
            PostgrestTransportException.class,
            () -> wm.user().from(TABLE).select().timeout(Duration.ofMillis(100)).execute());

    assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(e.isCancelled()).isFalse();
  }

  /** A port nothing listens on (it was free a moment ago). */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The failure of a select through a client of {@code restUrl}. */
  private static PostgrestTransportException selectFailureAt(String restUrl) {
    try (PostgrestClient client =
        PostgrestClient.builder()
            .restUrl(restUrl)
            .apiKey(ApiKey.of(PostgrestFixtures.ANON_KEY))
            .build()) {
      return catchThrowableOfType(
          PostgrestTransportException.class,
          () -> client.as(PostgrestFixtures.USER).from(TABLE).select().execute());
    }
  }

  @Test
  void select_connectionRefused_throwsTransportException() throws IOException {
    PostgrestTransportException e =
        selectFailureAt("http://127.0.0.1:" + closedPort() + "/rest/v1");

    assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(e).hasCauseInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void connectionRefused_saysItCouldNotConnect_namingThePort() throws IOException {
    int port = closedPort();

    PostgrestTransportException e = selectFailureAt("http://127.0.0.1:" + port + "/rest/v1");

    assertThat(e.getMessage())
        .startsWith("PostgREST select on " + TABLE + " failed: could not connect: ")
        .contains(":" + port)
        .endsWith("(ConnectException)");
  }

  @Test
  void slowerThanTheReadTimeout_saysItTimedOut() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*").withFixedDelay(1500)));

    assertThat(selectFailure("timed out").getMessage())
        .startsWith("PostgREST select on " + TABLE + " failed: timed out");
  }

  @Test
  void httpsToAPlainHttpServer_saysTheTlsHandshakeFailed() {
    PostgrestTransportException e =
        selectFailureAt("https://127.0.0.1:" + wm.getPort() + "/rest/v1");

    assertThat(e.getMessage())
        .startsWith(
            "PostgREST select on "
                + TABLE
                + " failed: the TLS handshake failed (is the URL https on a server that speaks"
                + " plain http?)");
  }

  @Test
  void anUnknownHost_saysSo_withTheHostTheResolverNamed() {
    PostgrestTransportException e =
        PostgrestTransportException.of(
            Operation.SELECT,
            TABLE,
            new java.net.UnknownHostException("abcd.supabase.invalid: Name or service not known"));

    assertThat(e.getMessage())
        .isEqualTo(
            "PostgREST select on "
                + TABLE
                + " failed: the host is unknown: abcd.supabase.invalid: Name or service not known"
                + " (UnknownHostException)");
  }

  @Test
  void aFailureWithoutWords_isATransportError() {
    assertThat(
            PostgrestTransportException.of(Operation.SELECT, TABLE, new java.io.EOFException())
                .getMessage())
        .isEqualTo("PostgREST select on " + TABLE + " failed: transport error (EOFException)");
  }

  /**
   * Selects with {@code marker} as a filter value, so this test's request can be told from a
   * late-journaled one of an earlier test.
   */
  private static PostgrestTransportException selectFailure(String marker) {
    return catchThrowableOfType(
        PostgrestTransportException.class,
        () -> wm.user().from(TABLE).select().eq("session_id", marker).execute());
  }

  private static RequestPatternBuilder marked(String marker) {
    return getRequestedFor(anyUrl()).withQueryParam("session_id", equalTo("eq." + marker));
  }
}
