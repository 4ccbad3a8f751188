package dev.codebasechat.testing.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP answer of the front, before WireMock sends it: status, headers (in order), body (none
 * for 204 and HEAD).
 */
public record Reply(int status, Map<String, String> headers, @Nullable String body) {

  /** PostgREST's JSON media type. */
  public static final String JSON = "application/json; charset=utf-8";

  public Reply {
    headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  public static Reply json(int status, String body) {
    return new Reply(status, Map.of("Content-Type", JSON), body);
  }

  /** The answer to OPTIONS: the methods {@code allow}ed, to any origin. */
  static Reply options(String allow) {
    return new Reply(200, Map.of("Access-Control-Allow-Origin", "*", "Allow", allow), null);
  }

  /**
   * With {@code Content-Length}: the body's UTF-8 bytes (0 without one). PostgREST 13 and later
   * send it on every answer with a body and on errors (also to HEAD); PostgREST 12 lets Warp chunk
   * instead. The gateway's and Auth's own answers carry it as their servers set it.
   */
  public Reply sized() {
    int length = body == null ? 0 : body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    return withHeader("Content-Length", Integer.toString(length));
  }

  public Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, more, body);
  }
}
