package dev.codebasechat.postgrest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.google.common.base.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@link RequestSpec}s over the shared OkHttp client and turns answers into results or {@link
 * PostgrestException}s. Thread-safe; holds no per-request state.
 */
final class Transport {
  private static final Logger log = LoggerFactory.getLogger(PostgrestClient.class);
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final Pattern AUTH_DESCRIPTION =
      Pattern.compile("error_description=\"((?:[^\"\\\\]|\\\\.)*)\"");

  final OkHttpClient http;
  final HttpUrl restUrl;
  final ObjectMapper mapper;
  private final ObjectReader reader;
  private final PostgrestListener listener;
  private final Ticker ticker;

  Transport(
      OkHttpClient http,
      HttpUrl restUrl,
      ObjectMapper mapper,
      PostgrestListener listener,
      Ticker ticker) {
    this.http = http;
    this.restUrl = restUrl;
    this.mapper = mapper;
    this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.listener = listener;
    this.ticker = ticker;
  }

  HttpUrl.Builder urlFor(Operation operation, String resource) {
    HttpUrl.Builder b = restUrl.newBuilder();
    if (operation == Operation.RPC) {
      b.addPathSegment("rpc");
    }
    return b.addPathSegment(resource);
  }

  PostgrestResult execute(RequestSpec spec) {
    Call call = newCall(spec);
    long start = ticker.read();
    try (Response response = call.execute()) {
      PostgrestResult result = handle(spec, response);
      succeeded(spec, result, start);
      return result;
    } catch (IOException e) {
      throw failed(spec, transportFailure(spec, e), start);
    } catch (PostgrestException e) {
      throw failed(spec, e, start);
    }
  }

  /**
   * Enqueues the call; the returned future completes on an OkHttp dispatcher thread. Cancelling the
   * future, or a stage derived from it, cancels the call. The future never completes with anything
   * but a result, a {@link PostgrestException} or (for bugs) another {@link RuntimeException}.
   */
  CompletableFuture<PostgrestResult> executeAsync(RequestSpec spec) {
    Call call = newCall(spec);
    CompletableFuture<PostgrestResult> future = new CallFuture<>(call::cancel);
    long start = ticker.read();
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
            PostgrestTransportException failure =
                future.isCancelled()
                    ? PostgrestTransportException.cancelled(spec.operation, spec.resource, e)
                    : transportFailure(spec, e);
            future.completeExceptionally(failed(spec, failure, start));
          }

          @Override
          public void onResponse(Call c, Response response) {
            try (response) {
              PostgrestResult result = handle(spec, response);
              succeeded(spec, result, start);
              future.complete(result);
            } catch (IOException e) {
              future.completeExceptionally(failed(spec, transportFailure(spec, e), start));
            } catch (PostgrestException e) {
              future.completeExceptionally(failed(spec, e, start));
            } catch (RuntimeException e) {
              future.completeExceptionally(e);
            }
          }
        });
    return future;
  }

  private Call newCall(RequestSpec spec) {
    Request.Builder request =
        new Request.Builder()
            .url(spec.url)
            .header("apikey", spec.caller.apiKey())
            .header("Authorization", "Bearer " + spec.caller.bearer())
            .header("Accept", spec.accept);
    if (!spec.preferences.isEmpty()) {
      request.header("Prefer", String.join(",", spec.preferences));
    }
    byte[] body = spec.body;
    request.method(spec.method, body == null ? null : RequestBody.create(body, JSON_TYPE));
    Call call = http.newCall(request.build());
    Duration timeout = spec.timeout;
    if (timeout != null) {
      call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return call;
  }

  /** Reads the whole answer. IOException: the answer could not be read or is not valid JSON. */
  private PostgrestResult handle(RequestSpec spec, Response response) throws IOException {
    ResponseBody responseBody = response.body();
    if (!response.isSuccessful()) {
      throw httpFailure(spec, response, readErrorBody(responseBody));
    }
    byte[] bytes = responseBody == null ? new byte[0] : responseBody.bytes();
    JsonNode body;
    try {
      body = bytes.length == 0 ? MissingNode.getInstance() : reader.readTree(bytes);
    } catch (StreamConstraintsException e) {
      throw new PostgrestUnreadableAnswerException(spec.operation, spec.resource, e);
    } catch (JsonProcessingException e) {
      throw new PostgrestTransportException(
          spec.operation, spec.resource, "malformed or truncated JSON body", e);
    }
    return new PostgrestResult(
        response.code(),
        body,
        totalCount(response.header("Content-Range")),
        response.headers(),
        mapper);
  }

  private JsonNode readErrorBody(@Nullable ResponseBody body) {
    if (body == null) {
      return MissingNode.getInstance();
    }
    try {
      byte[] bytes = body.bytes();
      return bytes.length == 0 ? MissingNode.getInstance() : reader.readTree(bytes);
    } catch (IOException e) {
      // A gateway page or a cut-off error body: the status alone still classifies the failure.
      return MissingNode.getInstance();
    }
  }

  private static PostgrestHttpException httpFailure(
      RequestSpec spec, Response response, JsonNode body) {
    return new PostgrestHttpException(
        spec.operation,
        spec.resource,
        response.code(),
        text(body, "code"),
        text(body, "message"),
        text(body, "details"),
        text(body, "hint"),
        retryAfter(
            response.header("Retry-After", response.header(OneExchangePerCall.MOVED_RETRY_AFTER))),
        authenticateError(response.header("WWW-Authenticate")),
        totalCount(response.header("Content-Range")));
  }

  private static @Nullable String text(JsonNode body, String field) {
    JsonNode v = body.isObject() ? body.get(field) : null;
    if (v == null || v.isNull()) {
      return null;
    }
    return v.isValueNode() ? v.asText() : v.toString();
  }

  static @Nullable Long totalCount(@Nullable String contentRange) {
    if (contentRange == null) {
      return null;
    }
    int slash = contentRange.lastIndexOf('/');
    if (slash < 0) {
      return null;
    }
    try {
      return Long.parseLong(contentRange.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      return null; // "*": no count was requested
    }
  }

  static @Nullable Duration retryAfter(@Nullable String header) {
    if (header == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      return null; // HTTP-date form: PostgREST sends seconds; not worth a clock here
    }
  }

  static @Nullable String authenticateError(@Nullable String header) {
    if (header == null) {
      return null;
    }
    Matcher m = AUTH_DESCRIPTION.matcher(header);
    return m.find() ? m.group(1).replaceAll("\\\\(.)", "$1") : null;
  }

  private static PostgrestTransportException transportFailure(RequestSpec spec, IOException e) {
    return PostgrestTransportException.of(spec.operation, spec.resource, e);
  }

  private void succeeded(RequestSpec spec, PostgrestResult result, long start) {
    Duration latency = Duration.ofNanos(ticker.read() - start);
    log.debug(
        "PostgREST {} {} -> {} in {} ms",
        spec.operation.tagValue(),
        spec.resource,
        result.status(),
        latency.toMillis());
    try {
      listener.onSuccess(spec.operation, spec.resource, result.status(), latency);
    } catch (RuntimeException e) {
      log.warn("PostgrestListener.onSuccess threw {}", e.getClass().getName());
    }
  }

  private PostgrestException failed(RequestSpec spec, PostgrestException failure, long start) {
    Duration latency = Duration.ofNanos(ticker.read() - start);
    log.debug("{} ({}, {} ms)", failure.getMessage(), failure.kind(), latency.toMillis());
    try {
      listener.onFailure(spec.operation, spec.resource, failure, latency);
    } catch (RuntimeException e) {
      log.warn("PostgrestListener.onFailure threw {}", e.getClass().getName());
    }
    return failure;
  }
}
