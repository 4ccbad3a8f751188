package dev.codebasechat.testing;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The WireMock side of {@link FakeSupabase}: every request reaching the fake's catch-all stub
 * passes here, meets the {@link FaultPlan} first, then {@link FakePostgrest}. Applied only to stubs
 * that name it, so stubs a test adds itself stay untouched.
 *
 * <p>Order per request: an outage (down, fail-next, flapping) answers without touching the table;
 * otherwise the request is applied, and only then may its answer be lost (a reset after the write,
 * as when a connection dies after the commit) or delayed.
 */
final class FakePostgrestTransformer implements ResponseDefinitionTransformerV2 {

  private final java.util.concurrent.atomic.AtomicReference<@Nullable Runnable> beforeTableWrite =
      new java.util.concurrent.atomic.AtomicReference<>();

  static final String NAME = "fake-supabase-postgrest";

  private final FakePostgrest postgrest;
  private final FaultPlan faults;
  private final int postgrestMajor;
  private volatile Duration retryAfter = FakeSupabase.DEFAULT_RETRY_AFTER;

  FakePostgrestTransformer(FakePostgrest postgrest, FaultPlan faults, int postgrestMajor) {
    this.postgrest = postgrest;
    this.faults = faults;
    this.postgrestMajor = postgrestMajor;
  }

  void retryAfter(Duration retryAfter) {
    this.retryAfter = retryAfter;
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  /** Runs {@code action} once before the next table write is handled. */
  void beforeNextTableWrite(Runnable action) {
    beforeTableWrite.set(action);
  }

  void clearInterleavings() {
    beforeTableWrite.set(null);
  }

  @Override
  public ResponseDefinition transform(ServeEvent serveEvent) {
    Outage outage = faults.outageForNextRequest();
    if (outage != null) {
      return delayed(outageAnswer(outage));
    }
    String method = serveEvent.getRequest().getMethod().getName();
    String url = serveEvent.getRequest().getUrl();
    if (isWrite(method, url)) {
      Runnable action = beforeTableWrite.getAndSet(null);
      if (action != null) {
        action.run();
      }
    }
    Reply reply = postgrest.handle(serveEvent.getRequest());
    if (faults.loseThisResponse()) {
      return fault(Fault.CONNECTION_RESET_BY_PEER);
    }
    faults.awaitHeld(); // applied; the answer waits while a test holds answers
    return delayed(toWireMock(reply));
  }

  /** A write on the table, or a call of a function that writes. */
  private static boolean isWrite(String method, String url) {
    if (method.equals("GET") || method.equals("HEAD")) {
      return false;
    }
    if (url.startsWith(FakePostgrest.REST_PREFIX + PostgrestErrors.TABLE)) {
      return true;
    }
    String rpc = FakePostgrest.REST_PREFIX + "rpc/";
    if (!url.startsWith(rpc)) {
      return false;
    }
    String function = url.substring(rpc.length());
    int end = function.indexOf('?');
    return FakePostgrest.WRITING_FUNCTIONS.contains(
        end < 0 ? function : function.substring(0, end));
  }

  private ResponseDefinitionBuilder outageAnswer(Outage outage) {
    return switch (outage) {
      // Refused connections are made by stopping the server; a request that still got in
      // (it raced the stop) is reset instead.
      case CONNECTION_REFUSED, CONNECTION_RESET -> faultBuilder(Fault.CONNECTION_RESET_BY_PEER);
      case EMPTY_RESPONSE -> faultBuilder(Fault.EMPTY_RESPONSE);
      // Held back for an hour (WireMock delays without holding a thread), then reset.
      case NO_ANSWER -> faultBuilder(Fault.CONNECTION_RESET_BY_PEER).withFixedDelay(3_600_000);
      case DATABASE_UNAVAILABLE ->
          toWireMock(
              PostgrestErrors.error(
                      503,
                      "PGRST000",
                      "Database connection error. Retrying the connection.",
                      "connection to server at \"db\" failed",
                      null)
                  .reply
                  .withHeader("Retry-After", Long.toString(retryAfter.toSeconds())));
      case DATABASE_CLIENT_ERROR ->
          toWireMock(
              PostgrestErrors.error(
                      503,
                      "PGRST001",
                      "Database client error. Retrying the connection.",
                      null,
                      null)
                  .reply
                  .withHeader("Retry-After", Long.toString(retryAfter.toSeconds())));
      case POOL_TIMEOUT ->
          toWireMock(
              PostgrestErrors.error(
                      504,
                      "PGRST003",
                      "Timed out acquiring connection from connection pool.",
                      null,
                      null)
                  .reply);
      case PROJECT_PAUSED -> new ResponseDefinitionBuilder().withStatus(540);
      case GATEWAY_TIMEOUT -> new ResponseDefinitionBuilder().withStatus(544);
      case ORIGIN_ERROR ->
          new ResponseDefinitionBuilder()
              .withStatus(520)
              .withHeader("Content-Type", "text/plain; charset=utf-8")
              .withBody("error code: 520");
    };
  }

  private ResponseDefinitionBuilder toWireMock(Reply reply) {
    ResponseDefinitionBuilder builder = new ResponseDefinitionBuilder().withStatus(reply.status());
    for (Map.Entry<String, String> header : reply.headers().entrySet()) {
      if (postgrestMajor < 13 && header.getKey().equals("Proxy-Status")) {
        continue; // PostgREST 12 does not send it
      }
      builder.withHeader(header.getKey(), header.getValue());
    }
    if (reply.body() != null) {
      builder.withBody(reply.body());
    }
    return builder;
  }

  private ResponseDefinition delayed(ResponseDefinitionBuilder builder) {
    Duration delay = faults.delay();
    if (!delay.isZero()) {
      builder.withFixedDelay((int) Math.min(Integer.MAX_VALUE, delay.toMillis()));
    }
    return builder.build();
  }

  private static ResponseDefinitionBuilder faultBuilder(Fault fault) {
    return new ResponseDefinitionBuilder().withFault(fault);
  }

  private static ResponseDefinition fault(Fault fault) {
    return faultBuilder(fault).build();
  }
}
