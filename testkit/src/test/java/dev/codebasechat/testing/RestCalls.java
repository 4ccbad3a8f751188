package dev.codebasechat.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Plain OkHttp requests shaped like the ones a PostgREST client sends, for the fake's own tests.
 * The client never retries by itself, so every attempt the server sees is one the test made.
 */
final class RestCalls {

  static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeSupabase fake;
  private final OkHttpClient http;

  RestCalls(FakeSupabase fake, Duration readTimeout) {
    this.fake = fake;
    this.http =
        new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .readTimeout(readTimeout)
            .callTimeout(Duration.ofSeconds(5))
            .build();
  }

  RestCalls(FakeSupabase fake) {
    this(fake, Duration.ofSeconds(3));
  }

  /** What came back. */
  record Answer(int status, Headers headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (JsonProcessingException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    @Nullable String header(String name) {
      return headers.get(name);
    }
  }

  /**
   * {@code GET /rest/v1/<pathAndQuery>} with the project key, the token (none if null) and extra
   * header pairs.
   */
  Answer get(@Nullable String token, String pathAndQuery, String... headerPairs)
      throws IOException {
    return send(request(token, pathAndQuery, headerPairs).get());
  }

  Answer patch(@Nullable String token, String pathAndQuery, String json, String... headerPairs)
      throws IOException {
    return send(
        request(token, pathAndQuery, headerPairs).patch(RequestBody.create(json, JSON_TYPE)));
  }

  Answer rpc(@Nullable String token, String function, String json) throws IOException {
    return send(request(token, "rpc/" + function).post(RequestBody.create(json, JSON_TYPE)));
  }

  Request.Builder request(@Nullable String token, String pathAndQuery, String... headerPairs) {
    Request.Builder builder =
        new Request.Builder()
            .url(fake.restUrl() + "/" + pathAndQuery)
            .header("apikey", fake.apiKey());
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headerPairs.length; i += 2) {
      builder.header(headerPairs[i], headerPairs[i + 1]);
    }
    return builder;
  }

  Answer send(Request.Builder request) throws IOException {
    try (Response response = http.newCall(request.build()).execute()) {
      return new Answer(
          response.code(),
          response.headers(),
          response.body() == null ? "" : response.body().string());
    }
  }

  /** Drops pooled connections, so the next call opens a fresh one. */
  void evictConnections() {
    http.connectionPool().evictAll();
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
