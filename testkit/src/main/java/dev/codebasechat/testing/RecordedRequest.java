package dev.codebasechat.testing;

import java.time.Duration;
import java.time.Instant;

/**
 * One request a {@link SupabaseTestServer} received, as the server saw it on the wire.
 *
 * @param method the HTTP method
 * @param path the path, e.g. {@code /rest/v1/rpc/append_chat_messages}
 * @param query the raw (still percent-encoded) query string, empty when there was none
 * @param status the answer's status; 0 when no answer was sent (a reset, an empty response, a
 *     request never answered)
 * @param bytesReceived the request's size: request line, headers and body
 * @param bytesSent the answer's size: status line, headers and body (0 without an answer)
 * @param receivedAt when the request arrived (the server's clock)
 * @param duration from the request's arrival to the end of the answer
 */
public record RecordedRequest(
    String method,
    String path,
    String query,
    int status,
    long bytesReceived,
    long bytesSent,
    Instant receivedAt,
    Duration duration) {

  /** Whether this is a call of the function {@code name} ({@code POST /rest/v1/rpc/<name>}). */
  public boolean isCallOf(String name) {
    return method.equals("POST") && path.equals("/rest/v1/rpc/" + name);
  }

  /** Whether this request addressed the table or view {@code name}. */
  public boolean isOnTable(String name) {
    return path.equals("/rest/v1/" + name);
  }
}
