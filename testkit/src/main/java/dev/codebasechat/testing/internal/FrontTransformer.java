package dev.codebasechat.testing.internal;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.codebasechat.testing.Outage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The WireMock side of the front: every request reaching the catch-all stub passes here, meets the
 * {@link FaultPlan} first, then the {@link PostgrestFront}. Applied only to stubs that name it, so
 * stubs a test adds itself stay untouched.
 *
 * <p>Order per request: an outage (down, fail-next, flapping) answers without reaching the backend;
 * otherwise the request is applied, and only then may its answer be lost (a reset after the write,
 * as when a connection dies after the commit), held or delayed. PostgREST's own outages leave
 * Auth's JWKS up; a host that is down or hangs takes both.
 */
public final class FrontTransformer implements ResponseDefinitionTransformerV2 {
  public static final String NAME = "supabase-front";
  private static final Set<Outage> DATABASE_OUTAGES =
      EnumSet.of(Outage.DATABASE_UNAVAILABLE, Outage.DATABASE_CLIENT_ERROR, Outage.POOL_TIMEOUT);

  private final PostgrestFront front;
  private final FaultPlan faults;
  private final int postgrestMajor;
  private volatile Duration retryAfter;

  public FrontTransformer(
      PostgrestFront front, FaultPlan faults, int postgrestMajor, Duration retryAfter) {
    this.front = front;
    this.faults = faults;
    this.postgrestMajor = postgrestMajor;
    this.retryAfter = retryAfter;
  }

  public void retryAfter(Duration retryAfter) {
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

  @Override
  public ResponseDefinition transform(ServeEvent serveEvent) {
    com.github.tomakehurst.wiremock.http.Request request = serveEvent.getRequest();
    String url = request.getUrl();
    int q = url.indexOf('?');
    String path = q < 0 ? url : url.substring(0, q);
    boolean rest = path.startsWith(PostgrestFront.REST);
    Outage outage = faults.outageForNextRequest(o -> rest || !DATABASE_OUTAGES.contains(o));
    if (outage == Outage.NO_ANSWER) {
      faults.awaitAnswerAllowed(); // until the outage ends: then the connection is reset
      return fault(Fault.CONNECTION_RESET_BY_PEER).build();
    }
    if (outage != null) {
      return delayed(outageAnswer(outage));
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (HttpHeader header : request.getHeaders().all()) {
      headers
          .computeIfAbsent(header.key().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .addAll(header.values());
    }
    Reply reply =
        front.handle(
            new PostgrestFront.Request(
                request.getMethod().getName(),
                path,
                q < 0 ? null : url.substring(q + 1),
                headers,
                request.getBody() == null ? new byte[0] : request.getBody()));
    if (faults.loseThisResponse()) {
      return fault(Fault.CONNECTION_RESET_BY_PEER).build();
    }
    faults.awaitHeld(); // applied; the answer waits while a test holds answers
    return delayed(toWireMock(reply));
  }

  private ResponseDefinitionBuilder outageAnswer(Outage outage) {
    String retry = Long.toString(retryAfter.toSeconds());
    return switch (outage) {
      // Refused connections are made by stopping the server; a request that still got in
      // (it raced the stop) is reset instead.
      case CONNECTION_REFUSED, CONNECTION_RESET, NO_ANSWER -> fault(Fault.CONNECTION_RESET_BY_PEER);
      case EMPTY_RESPONSE -> fault(Fault.EMPTY_RESPONSE);
      case DATABASE_UNAVAILABLE ->
          error(
              PostgrestError.of(
                      503,
                      "PGRST000",
                      "Database connection error. Retrying the connection.",
                      "connection to server at \"db\" failed",
                      null)
                  .withHeader("Retry-After", retry));
      case DATABASE_CLIENT_ERROR ->
          error(
              PostgrestError.of(
                      503,
                      "PGRST001",
                      "Database client error. Retrying the connection.",
                      null,
                      null)
                  .withHeader("Retry-After", retry));
      case POOL_TIMEOUT ->
          error(
              PostgrestError.of(
                  504,
                  "PGRST003",
                  "Timed out acquiring connection from connection pool.",
                  null,
                  null));
      case PROJECT_PAUSED -> new ResponseDefinitionBuilder().withStatus(540);
      case GATEWAY_TIMEOUT -> new ResponseDefinitionBuilder().withStatus(544);
      case ORIGIN_ERROR ->
          new ResponseDefinitionBuilder()
              .withStatus(520)
              .withHeader("Content-Type", "text/plain; charset=utf-8")
              .withBody("error code: 520");
    };
  }

  private ResponseDefinitionBuilder error(PostgrestError error) {
    return toWireMock(error.reply(true, postgrestMajor));
  }

  private static ResponseDefinitionBuilder toWireMock(Reply reply) {
    ResponseDefinitionBuilder builder = new ResponseDefinitionBuilder().withStatus(reply.status());
    reply.headers().forEach(builder::withHeader);
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

  private static ResponseDefinitionBuilder fault(Fault fault) {
    return new ResponseDefinitionBuilder().withFault(fault);
  }
}
