package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.session.ChatMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Baseline: one direct PostgREST call per operation with OkHttp, no cache, no debounce, no retry.
 * The floor for a cold read and the ceiling for write traffic (every append is a request). Appends
 * use the same {@code append_chat_messages} function as the store, so request bodies differ only by
 * how many messages each carries. Thread-safe.
 */
final class BareClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  private final OkHttpClient http;
  private final HttpUrl rest;
  private final String apiKey;

  BareClient(OkHttpClient http, String restUrl, String apiKey) {
    this.http = http;
    this.rest = HttpUrl.get(restUrl);
    this.apiKey = apiKey;
  }

  /** Appends {@code messages} now; returns the HTTP status. */
  int append(String token, String sessionId, List<ChatMessage> messages) {
    ObjectNode args = JSON.createObjectNode();
    args.put("p_session_id", sessionId);
    messages.forEach(message -> args.withArray("p_messages").add(Conversation.json(message)));
    args.putNull("p_repo");
    args.putNull("p_current_file");
    Request request =
        new Request.Builder()
            .url(rest.newBuilder().addPathSegments("rpc/append_chat_messages").build())
            .header("apikey", apiKey)
            .header("Authorization", "Bearer " + token)
            .post(RequestBody.create(args.toString(), JSON_TYPE))
            .build();
    return execute(request);
  }

  /** Reads the session's row; returns the HTTP status. */
  int read(String token, UUID user, String sessionId) {
    Request request =
        new Request.Builder()
            .url(
                rest.newBuilder()
                    .addPathSegment("codebase_chat_sessions")
                    .addQueryParameter("select", "*")
                    .addQueryParameter("session_id", "eq." + sessionId)
                    .addQueryParameter("user_id", "eq." + user)
                    .build())
            .header("apikey", apiKey)
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/vnd.pgrst.object+json")
            .get()
            .build();
    return execute(request);
  }

  private int execute(Request request) {
    try (Response response = http.newCall(request).execute()) {
      if (response.body() != null) {
        response.body().bytes();
      }
      return response.code();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
