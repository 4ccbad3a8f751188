package dev.codebasechat.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request a fake received, as it saw it on the wire, whatever backend answered it. Secrets
 * never appear: keys and tokens in headers and body are replaced by {@link TestSecrets#redact}'s
 * markers.
 *
 * @param method the HTTP method
 * @param path the path, e.g. {@code /rest/v1/rpc/append_chat_messages}
 * @param query the raw (still percent-encoded) query string, empty when there was none
 * @param headers the request's headers (names as sent), values redacted
 * @param body the request's body as text, redacted
 * @param status the answer's status; 0 when no answer was sent (a reset, an empty response)
 * @param bytesReceived the request's size: request line, headers and body
 * @param bytesSent the answer's size: status line, headers and body (none to a HEAD), as the fake
 *     wrote it, before any compression the client asked for (0 without an answer)
 * @param receivedAt when the request arrived
 * @param duration from the request's arrival to the end of the answer
 */
public record RecordedRequest(
    String method,
    String path,
    String query,
    Map<String, List<String>> headers,
    String body,
    int status,
    long bytesReceived,
    long bytesSent,
    Instant receivedAt,
    Duration duration) {

  public RecordedRequest {
    headers = Map.copyOf(headers);
  }

  /** The first value of header {@code name} (any case), redacted; null when absent. */
  public @Nullable String header(String name) {
    return headers.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
        .map(e -> e.getValue().get(0))
        .findFirst()
        .orElse(null);
  }

  /** The path and, if there was one, {@code ?} and the query. */
  public String url() {
    return query.isEmpty() ? path : path + "?" + query;
  }

  /** Whether this is a call of the function {@code name} ({@code POST /rest/v1/rpc/<name>}). */
  public boolean isCallOf(String name) {
    return method.equals("POST") && path.equals("/rest/v1/rpc/" + name);
  }

  /** Whether this request addressed the table or view {@code name}. */
  public boolean isOnTable(String name) {
    return path.equals("/rest/v1/" + name);
  }
}
