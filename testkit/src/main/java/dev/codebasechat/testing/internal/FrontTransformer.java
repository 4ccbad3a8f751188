package dev.codebasechat.testing.internal;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.codebasechat.testing.AnswerHold;
import dev.codebasechat.testing.Outage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The WireMock side of the front and the faults a test asked for: every request reaching the
 * catch-all stub passes here (stubs a test adds itself stay untouched). Order per request: an
 * outage (down, fail-next, flapping) answers without reaching the backend; otherwise the {@link
 * PostgrestFront} applies it, and only then may its answer be lost (a reset after the write, as
 * when a connection dies after the commit), held or delayed. PostgREST's own outages leave Auth's
 * JWKS up; a host that is down or hangs takes both.
 *
 * <p>Thread-safe: each request consults the faults once under this object's monitor, so counted
 * faults are consumed by exactly as many requests even when Jetty serves several at once. Requests
 * left without an answer ({@link Outage#NO_ANSWER}) wait on a hold released when the outage ends.
 */
public final class FrontTransformer implements ResponseDefinitionTransformerV2 {
  public static final String NAME = "supabase-front";
  private static final Set<Outage> DATABASE_OUTAGES =
      EnumSet.of(Outage.DATABASE_UNAVAILABLE, Outage.DATABASE_CLIENT_ERROR, Outage.POOL_TIMEOUT);

  private final PostgrestFront front;
  private final int postgrestMajor;
  private Duration retryAfter = Duration.ofSeconds(1);
  private @Nullable Outage down;
  private int failNext;
  private Outage failNextKind = Outage.DATABASE_UNAVAILABLE;
  private @Nullable Outage flapping;
  private boolean flapFailsNext;
  private int loseNext;
  private Duration delay = Duration.ZERO;
  private @Nullable Hold held;
  private Hold hanging = new Hold();

  /** Where delayed answers wait out their delay; released when the faults end. */
  private Hold delaying = new Hold();

  /** Per WireMock serve event, the delay its answer waited. */
  private final Map<UUID, Duration> waited = new ConcurrentHashMap<>();

  public FrontTransformer(PostgrestFront front, int postgrestMajor) {
    this.front = front;
    this.postgrestMajor = postgrestMajor;
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  // ------------------------------------------------------------------ the faults

  public synchronized void retryAfter(Duration retryAfter) {
    this.retryAfter = retryAfter;
  }

  /** Every request gets {@code outage} (null: none) from now on. */
  public synchronized void down(@Nullable Outage outage) {
    if (outage != Outage.NO_ANSWER) {
      // Whatever left them unanswered (this outage, a counted or flapping NO_ANSWER) has ended.
      releaseHanging();
    }
    down = outage;
  }

  public synchronized boolean isDown() {
    return down != null;
  }

  public synchronized void failNext(int count, Outage kind) {
    failNext = requireCount(count);
    failNextKind = kind;
  }

  public synchronized void flapping(@Nullable Outage kind) {
    if (flapping == Outage.NO_ANSWER && kind != Outage.NO_ANSWER) {
      releaseHanging();
    }
    flapping = kind;
    flapFailsNext = true;
  }

  public synchronized void loseNext(int count) {
    loseNext = requireCount(count);
  }

  public synchronized void delay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative but was " + delay);
    }
    this.delay = delay;
  }

  /** A new hold on every answer from now on; the previous one, if any, is released. */
  public synchronized AnswerHold hold() {
    if (held != null) {
      held.release();
    }
    held = new Hold();
    return held;
  }

  /** Ends every fault and releases every waiting answer. */
  public synchronized void clear() {
    releaseHanging();
    delaying.release();
    delaying = new Hold();
    down = null;
    failNext = 0;
    flapping = null;
    loseNext = 0;
    delay = Duration.ZERO;
    if (held != null) {
      held.release();
      held = null;
    }
  }

  /** How many requests a {@link Outage#NO_ANSWER} fault keeps unanswered now. */
  public synchronized int unanswered() {
    return hanging.waiting();
  }

  private void releaseHanging() {
    hanging.release();
    hanging = new Hold();
  }

  private static int requireCount(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative but was " + count);
    }
    return count;
  }

  /**
   * The outage this request gets among those that apply to it, or null to serve it. An outage in
   * force applies to every path but PostgREST's own outages, which apply to {@code /rest/v1} only;
   * counted and flapping faults are the Data API's ({@code /rest/v1}): Auth's key set, which the
   * service under test fetches to verify tokens, neither takes nor counts them.
   */
  private synchronized @Nullable Outage outageFor(boolean rest) {
    Outage kind = down != null ? down : failNext > 0 ? failNextKind : flapping;
    if (kind == null || (!rest && (down == null || DATABASE_OUTAGES.contains(kind)))) {
      return null;
    }
    if (down == null && failNext > 0) {
      failNext--;
    } else if (down == null) {
      flapFailsNext = !flapFailsNext;
      return flapFailsNext ? null : kind;
    }
    return kind;
  }

  private synchronized boolean loseThisResponse(boolean rest) {
    return rest && loseNext > 0 && loseNext-- > 0;
  }

  // ------------------------------------------------------------------ serving

  @Override
  public ResponseDefinition transform(ServeEvent serveEvent) {
    Request request = serveEvent.getRequest();
    String url = request.getUrl();
    int q = url.indexOf('?');
    String path = q < 0 ? url : url.substring(0, q);
    boolean rest = path.startsWith(PostgrestFront.REST);
    Outage outage;
    Hold wait;
    synchronized (this) {
      // One step: a goUp() between them would leave this request at a hold nobody releases.
      outage = outageFor(rest);
      wait = hanging;
    }
    if (outage == Outage.NO_ANSWER) {
      wait.await(); // until the outage ends: then the connection is reset
      return fault(Fault.CONNECTION_RESET_BY_PEER).build();
    }
    if (outage != null) {
      return delayed(serveEvent, outageAnswer(outage));
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (HttpHeader header : request.getHeaders().all()) {
      headers
          .computeIfAbsent(header.key().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .addAll(header.values());
    }
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody();
    Reply reply =
        front.handle(
            new PostgrestFront.Request(
                request.getMethod().getName(),
                path,
                q < 0 ? null : url.substring(q + 1),
                headers,
                body));
    if (loseThisResponse(rest)) {
      return fault(Fault.CONNECTION_RESET_BY_PEER).build();
    }
    synchronized (this) {
      wait = rest ? held : null;
    }
    if (wait != null) {
      wait.await(); // applied; the answer waits while a test holds answers
    }
    return delayed(serveEvent, toWireMock(reply));
  }

  private synchronized ResponseDefinitionBuilder outageAnswer(Outage outage) {
    return switch (outage) {
      // Refused connections are made by stopping the server; a request that still got in
      // (it raced the stop) is reset instead.
      case CONNECTION_REFUSED, CONNECTION_RESET, NO_ANSWER -> fault(Fault.CONNECTION_RESET_BY_PEER);
      case EMPTY_RESPONSE -> fault(Fault.EMPTY_RESPONSE);
      case DATABASE_UNAVAILABLE ->
          retrying(
              "PGRST000",
              "Database connection error. Retrying the connection.",
              "connection to server at \"db\" failed");
      case DATABASE_CLIENT_ERROR ->
          retrying("PGRST001", "Database client error. Retrying the connection.", null);
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

  /** PostgREST's 503 while it retries the database; synchronized as it reads {@code retryAfter}. */
  private synchronized ResponseDefinitionBuilder retrying(
      String code, String message, @Nullable String details) {
    String retry = Long.toString(retryAfter.toSeconds());
    return error(
        PostgrestError.of(503, code, message, details, null).withHeader("Retry-After", retry));
  }

  private ResponseDefinitionBuilder error(PostgrestError error) {
    return toWireMock(error.reply(true, postgrestMajor));
  }

  private static ResponseDefinitionBuilder toWireMock(Reply reply) {
    ResponseDefinitionBuilder builder = new ResponseDefinitionBuilder().withStatus(reply.status());
    reply.headers().forEach(builder::withHeader);
    return reply.body() == null ? builder : builder.withBody(reply.body());
  }

  /**
   * The answer once the delay has passed. The delay is waited here, not by WireMock after it logs
   * the request, so that a request is listed only once answered, as a held one.
   */
  private ResponseDefinition delayed(ServeEvent event, ResponseDefinitionBuilder builder) {
    Duration wait;
    Hold gate;
    synchronized (this) {
      wait = delay;
      gate = delaying;
    }
    if (!wait.isZero()) {
      long start = System.nanoTime();
      gate.await(wait);
      // WireMock's timing of the event leaves out the time spent here: kept for its record.
      waited.put(event.getId(), Duration.ofNanos(System.nanoTime() - start));
    }
    return builder.build();
  }

  /** How long the answer to the request of {@code event} waited here for its delay. */
  public Duration waited(UUID event) {
    return waited.getOrDefault(event, Duration.ZERO);
  }

  /** Forgets what {@link #waited} knows: the requests it is about are forgotten. */
  public void forgetWaits() {
    waited.clear();
  }

  private static ResponseDefinitionBuilder fault(Fault fault) {
    return new ResponseDefinitionBuilder().withFault(fault);
  }
}
