package dev.codebasechat.postgrest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Ticker;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Client for one Supabase project's Data API (PostgREST). Build one per project and share it: it is
 * immutable and thread-safe, and all requests share one OkHttp connection pool and dispatcher.
 *
 * <pre>{@code
 * PostgrestClient client = PostgrestClient.builder()
 *     .projectUrl("https://abcd.supabase.co")          // requests go to …/rest/v1
 *     .apiKey(ApiKey.of(System.getenv("SUPABASE_ANON_KEY")))
 *     .build();
 * JsonNode row = client.as(AccessToken.of(userJwt))
 *     .from("codebase_chat_sessions").select("session_id,metadata")
 *     .eq("session_id", sessionId)
 *     .single();
 * }</pre>
 *
 * <p>Requests run as a user ({@link #as(AccessToken)}): there is no way to send one with the API
 * key alone, and {@link ApiKey} and {@link AccessToken} refuse secret and service-role keys. The
 * only way to use the service key is the separate, explicit {@link #operator(ServiceKey)}.
 *
 * <p>OkHttp never retries on its own here ({@code retryOnConnectionFailure(false)}, no redirects):
 * each terminal call is exactly one HTTP exchange, and retries belong to the caller's resilience
 * layer, guided by {@link FailureKind}.
 *
 * <p>{@link #close()} releases the OkHttp threads and idle connections when this client created its
 * own OkHttp client; a client given through {@link Builder#okHttpClient(OkHttpClient)} stays the
 * caller's to close. Async calls made after {@code close()} fail.
 */
public final class PostgrestClient implements AutoCloseable {
  /** Default time to establish a TCP/TLS connection. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Default longest silence while reading an answer; above Supabase's 8 s statement timeout for
   * {@code authenticated}, so a slow query comes back as PostgREST's 500 {@code 57014}.
   */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);

  /** Default longest silence while sending a request body. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(10);

  /** Default budget for a whole call: DNS, connect, write, server time and reading the body. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(15);

  /**
   * Default limit of async calls in flight at once. Every request goes to one host, so OkHttp's own
   * per-host limit of 5 would queue the sixth concurrent call; this client's dispatcher allows this
   * many per host. Further calls wait in OkHttp's in-memory queue.
   */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

  private final Transport transport;
  private final ApiKey apiKey;
  private final boolean ownsHttpClient;

  private PostgrestClient(Transport transport, ApiKey apiKey, boolean ownsHttpClient) {
    this.transport = transport;
    this.apiKey = apiKey;
    this.ownsHttpClient = ownsHttpClient;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Requests on behalf of the user holding {@code token}. Cheap; sends nothing.
   *
   * @throws NullPointerException if {@code token} is null
   */
  public UserScope as(AccessToken token) {
    Objects.requireNonNull(token, "accessToken must not be null");
    return new UserScope(transport, RequestAuth.user(apiKey, token));
  }

  /**
   * Requests with the project's secret key, which bypasses Row Level Security: {@code apikey} and
   * {@code Authorization: Bearer} both carry {@code key}. Only for operator tasks that act on no
   * user's behalf; a user request must go through {@link #as(AccessToken)}. Cheap; sends nothing.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public OperatorScope operator(ServiceKey key) {
    Objects.requireNonNull(key, "serviceKey must not be null");
    return new OperatorScope(transport, RequestAuth.operator(key));
  }

  /**
   * The Data API base every request is resolved against, e.g. {@code
   * https://x.supabase.co/rest/v1}.
   */
  public URI restUrl() {
    return transport.restUrl.uri();
  }

  /** Releases the OkHttp threads and pooled connections if this client owns them. Idempotent. */
  @Override
  public void close() {
    if (ownsHttpClient) {
      transport.http.dispatcher().executorService().shutdown();
      transport.http.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "PostgrestClient[" + transport.restUrl.redact() + "]";
  }

  /**
   * Validating builder: every setter rejects a bad value at once; messages name the setting, never
   * a key or token. Either {@link #projectUrl} or {@link #restUrl} and {@link #apiKey} are
   * required.
   */
  public static final class Builder {
    private @Nullable HttpUrl restUrl;
    private @Nullable ApiKey apiKey;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
    private PostgrestListener listener = PostgrestListener.NONE;
    private Ticker ticker = Ticker.systemTicker();
    private @Nullable OkHttpClient okHttpClient;
    private @Nullable ObjectMapper objectMapper;

    private Builder() {}

    /**
     * The project URL, {@code https://<ref>.supabase.co}; requests go to its {@code /rest/v1}.
     *
     * @throws IllegalArgumentException unless it is an absolute http(s) URL without user info,
     *     query or fragment
     */
    public Builder projectUrl(String projectUrl) {
      this.restUrl =
          parse(projectUrl, "projectUrl").newBuilder().addPathSegments("rest/v1").build();
      return this;
    }

    /** {@link #projectUrl(String)} from a {@link URI}. */
    public Builder projectUrl(URI projectUrl) {
      return projectUrl(
          Objects.requireNonNull(projectUrl, "projectUrl must not be null").toString());
    }

    /**
     * The Data API base itself, used as given (self-hosted PostgREST, a WireMock fake). Replaces
     * {@link #projectUrl}.
     */
    public Builder restUrl(String restUrl) {
      this.restUrl = parse(restUrl, "restUrl");
      return this;
    }

    /** {@link #restUrl(String)} from a {@link URI}. */
    public Builder restUrl(URI restUrl) {
      return restUrl(Objects.requireNonNull(restUrl, "restUrl must not be null").toString());
    }

    /** The project's anon or publishable key, sent in the apikey header. */
    public Builder apiKey(ApiKey apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey must not be null");
      return this;
    }

    /** Time to connect; see {@link PostgrestClient#DEFAULT_CONNECT_TIMEOUT}. Must be positive. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Durations.requirePositive("connectTimeout", timeout);
      return this;
    }

    /**
     * Longest silence while reading; see {@link PostgrestClient#DEFAULT_READ_TIMEOUT}. Must be
     * positive.
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = Durations.requirePositive("readTimeout", timeout);
      return this;
    }

    /**
     * Longest silence while writing; see {@link PostgrestClient#DEFAULT_WRITE_TIMEOUT}. Must be
     * positive.
     */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = Durations.requirePositive("writeTimeout", timeout);
      return this;
    }

    /**
     * Whole-call budget; see {@link PostgrestClient#DEFAULT_CALL_TIMEOUT}. Must be positive. A
     * request can override it with {@link PostgrestRequest#timeout(Duration)}.
     */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = Durations.requirePositive("callTimeout", timeout);
      return this;
    }

    /**
     * Async calls in flight at once (synchronous calls are not limited); see {@link
     * PostgrestClient#DEFAULT_MAX_CONCURRENT_REQUESTS}. Ignored when {@link #okHttpClient} is set:
     * the shared dispatcher keeps its own limits.
     */
    public Builder maxConcurrentRequests(int maxConcurrentRequests) {
      if (maxConcurrentRequests < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentRequests must be at least 1 but was " + maxConcurrentRequests);
      }
      this.maxConcurrentRequests = maxConcurrentRequests;
      return this;
    }

    /** Observes each request's outcome and latency; default none. */
    public Builder listener(PostgrestListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    /** Time source for latencies; default {@link Ticker#systemTicker()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
      return this;
    }

    /**
     * A shared OkHttp client to derive from ({@code newBuilder()}: same pool and dispatcher). This
     * builder's timeouts still apply, retries on connection failure and redirects are turned off.
     * {@link PostgrestClient#close()} then leaves it alone.
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = Objects.requireNonNull(okHttpClient, "okHttpClient must not be null");
      return this;
    }

    /**
     * Mapper for request bodies and {@link PostgrestResult#bodyAs}; default: Jackson with java.time
     * as ISO-8601 strings. Must not be reconfigured after this call.
     */
    public Builder objectMapper(ObjectMapper objectMapper) {
      this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper must not be null");
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws IllegalStateException if no URL or no API key was set
     */
    public PostgrestClient build() {
      HttpUrl url = restUrl;
      ApiKey key = apiKey;
      if (url == null) {
        throw new IllegalStateException("projectUrl (or restUrl) must be set");
      }
      if (key == null) {
        throw new IllegalStateException("apiKey must be set");
      }
      OkHttpClient base = okHttpClient;
      OkHttpClient.Builder http;
      if (base == null) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxConcurrentRequests);
        dispatcher.setMaxRequestsPerHost(maxConcurrentRequests);
        http = new OkHttpClient.Builder().dispatcher(dispatcher);
      } else {
        http = base.newBuilder();
      }
      OkHttpClient built =
          http.connectTimeout(connectTimeout)
              .readTimeout(readTimeout)
              .writeTimeout(writeTimeout)
              .callTimeout(callTimeout)
              .retryOnConnectionFailure(false)
              .followRedirects(false)
              .followSslRedirects(false)
              .addNetworkInterceptor(new OneExchangePerCall())
              .build();
      ObjectMapper mapper = objectMapper == null ? Json.defaultMapper() : objectMapper;
      return new PostgrestClient(
          new Transport(built, url, mapper, listener, ticker), key, base == null);
    }

    private static HttpUrl parse(String value, String setting) {
      Objects.requireNonNull(value, () -> setting + " must not be null");
      if (value.isBlank()) {
        throw new IllegalArgumentException(setting + " must not be blank");
      }
      HttpUrl url = HttpUrl.parse(value.trim());
      if (url == null) {
        throw new IllegalArgumentException(setting + " must be an absolute http or https URL");
      }
      if (!url.username().isEmpty() || !url.password().isEmpty()) {
        throw new IllegalArgumentException(setting + " must not contain user info");
      }
      if (url.query() != null || url.fragment() != null) {
        throw new IllegalArgumentException(setting + " must not contain a query or fragment");
      }
      // A trailing slash is harmless: OkHttp's addPathSegment replaces a trailing empty segment.
      return url;
    }
  }
}
