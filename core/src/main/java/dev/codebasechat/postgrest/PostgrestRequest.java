package dev.codebasechat.postgrest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * A request being built, and the ways to send it. Each terminal method ({@link #execute()}, {@link
 * #single()}, {@link #maybeSingle()} and their {@code …Async} forms) sends one new HTTP request
 * built from the current state; it may be called again.
 *
 * <p>A request builder is mutable and meant for one thread; the client it came from is shared.
 *
 * <p>Synchronous terminals block the calling thread and throw {@link PostgrestException}. The
 * {@code …Async} forms return at once without blocking and never throw; their future completes on
 * an OkHttp dispatcher thread, exceptionally with a {@link PostgrestException} (or, for a request
 * that cannot be built, the {@link IllegalStateException} the synchronous form would throw);
 * cancelling it, or a stage derived from it ({@code thenApply}, {@code handle}, …), cancels the
 * HTTP call. Keep dependent stages light or move them to your own executor ({@code …Async(fn,
 * executor)}), because the dispatcher thread is held until they return.
 *
 * @param <S> the concrete request type, returned by the fluent setters
 */
public abstract class PostgrestRequest<S extends PostgrestRequest<S>> {
  private static final Pattern RESULT_ROWS = Pattern.compile("contains (\\d+) rows");

  final Transport transport;
  final RequestAuth caller;
  final Operation operation;
  final String resource;
  private final String method;
  private final byte @Nullable [] body;
  private @Nullable Count count;
  private @Nullable Duration timeout;

  PostgrestRequest(
      Transport transport,
      RequestAuth caller,
      Operation operation,
      String resource,
      String method,
      byte @Nullable [] body) {
    this.transport = transport;
    this.caller = caller;
    this.operation = operation;
    this.resource = resource;
    this.method = method;
    this.body = body;
  }

  abstract S self();

  /** Query parameters in wire order (name, raw value); values are encoded by OkHttp. */
  abstract void addQueryParameters(List<Map.Entry<String, String>> params);

  /** {@code Prefer} values besides {@code count=…}, in order. */
  void addPreferences(List<String> preferences) {}

  /**
   * Asks PostgREST to count all matching rows ({@code Prefer: count=…}); the total is in {@link
   * PostgrestResult#totalCount()}.
   */
  public S count(Count count) {
    this.count = Objects.requireNonNull(count, "count");
    return self();
  }

  /**
   * Overrides the client's whole-call timeout for this request only (DNS, connect, write, server
   * time and reading the body). Must be positive.
   */
  public S timeout(Duration timeout) {
    this.timeout = Durations.requirePositive("timeout", timeout);
    return self();
  }

  /** Sends the request with {@code Accept: application/json}. */
  public PostgrestResult execute() {
    return transport.execute(spec(false));
  }

  /** {@link #execute()} without blocking; see the class comment for threads and cancellation. */
  public CompletableFuture<PostgrestResult> executeAsync() {
    return sendAsync(false);
  }

  /**
   * Sends the request with {@code Accept: application/vnd.pgrst.object+json} and returns the one
   * row. Zero or several rows: PostgREST answers 406 {@code PGRST116} (and rolls a write back),
   * thrown as a {@link PostgrestHttpException} of kind {@link FailureKind#CLIENT}.
   */
  public JsonNode single() {
    return execute(true).body();
  }

  /** {@link #single()} without blocking. */
  public CompletableFuture<JsonNode> singleAsync() {
    return Futures.map(sendAsync(true), (r, e) -> bodyOrThrow(r, e));
  }

  /**
   * Like {@link #single()}, but zero rows (406 {@code PGRST116} whose details say 0 rows, or carry
   * no count) give {@link Optional#empty()}. Several rows still throw.
   */
  public Optional<JsonNode> maybeSingle() {
    try {
      return Optional.of(single());
    } catch (PostgrestHttpException e) {
      if (isNoRows(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** {@link #maybeSingle()} without blocking. */
  public CompletableFuture<Optional<JsonNode>> maybeSingleAsync() {
    return Futures.map(sendAsync(true), (r, e) -> maybeBody(r, e));
  }

  /**
   * {@link #single()} mapped to {@code type} (a record or POJO) with the client's mapper.
   *
   * @throws java.io.UncheckedIOException if the row does not map to {@code type}
   */
  public <T> T single(Class<T> type) {
    return Json.convert(transport.mapper, single(), type);
  }

  /** {@link #single(Class)} without blocking. */
  public <T> CompletableFuture<T> singleAsync(Class<T> type) {
    return Futures.map(
        sendAsync(true), (r, e) -> Json.convert(transport.mapper, bodyOrThrow(r, e), type));
  }

  /** {@link #maybeSingle()} mapped to {@code type}; see {@link #single(Class)}. */
  public <T> Optional<T> maybeSingle(Class<T> type) {
    return maybeSingle().map(row -> Json.convert(transport.mapper, row, type));
  }

  /** {@link #maybeSingle(Class)} without blocking. */
  public <T> CompletableFuture<Optional<T>> maybeSingleAsync(Class<T> type) {
    return Futures.map(
        sendAsync(true),
        (r, e) -> maybeBody(r, e).map(row -> Json.convert(transport.mapper, row, type)));
  }

  private static Optional<JsonNode> maybeBody(@Nullable PostgrestResult r, @Nullable Throwable e) {
    if (e instanceof PostgrestHttpException http && isNoRows(http)) {
      return Optional.empty();
    }
    return Optional.of(bodyOrThrow(r, e));
  }

  /**
   * Never throws: a request that cannot even be built (e.g. a PATCH without filters) comes back as
   * a failed future, so async callers have one place to look.
   */
  private CompletableFuture<PostgrestResult> sendAsync(boolean singular) {
    try {
      return transport.executeAsync(spec(singular));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private PostgrestResult execute(boolean singular) {
    return transport.execute(spec(singular));
  }

  private static JsonNode bodyOrThrow(@Nullable PostgrestResult r, @Nullable Throwable e) {
    if (e != null) {
      throw Futures.asUnchecked(e);
    }
    return Objects.requireNonNull(r).body();
  }

  static boolean isNoRows(PostgrestHttpException e) {
    if (e.status() != 406 || !e.code().filter("PGRST116"::equals).isPresent()) {
      return false;
    }
    Optional<String> details = e.details();
    if (details.isEmpty()) {
      return true;
    }
    Matcher m = RESULT_ROWS.matcher(details.get());
    return !m.find() || m.group(1).equals("0");
  }

  RequestSpec spec(boolean singular) {
    List<Map.Entry<String, String>> params = new ArrayList<>();
    addQueryParameters(params);
    HttpUrl.Builder url = transport.urlFor(operation, resource);
    for (Map.Entry<String, String> p : params) {
      url.addQueryParameter(p.getKey(), p.getValue());
    }
    List<String> preferences = new ArrayList<>();
    addPreferences(preferences);
    Count c = count;
    if (c != null) {
      preferences.add(c.preference);
    }
    return new RequestSpec(
        operation,
        resource,
        method,
        url.build(),
        singular ? RequestSpec.OBJECT : RequestSpec.JSON,
        preferences,
        body,
        caller,
        timeout);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + operation.tagValue() + " " + resource + "]";
  }
}
