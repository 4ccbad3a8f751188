package dev.codebasechat.gateway;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An answer other than success, as the client sees it: status, a stable snake_case {@code code} and
 * a message a person understands. Thrown by route code and rendered by {@link Responses} as {@code
 * {"error": message, "code": code, ...}} — a superset of the original API's {@code {error}}.
 * Messages never carry a token, a key or a stack trace.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final Map<String, String> headers;
  private final transient Optional<Duration> retryAfter;

  private ApiError(
      int status,
      String code,
      String message,
      Map<String, String> headers,
      Optional<Duration> retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.headers = Map.copyOf(headers);
    this.retryAfter = retryAfter;
  }

  static ApiError of(int status, String code, String message) {
    return new ApiError(status, code, message, Map.of(), Optional.empty());
  }

  static ApiError badRequest(String code, String message) {
    return of(400, code, message);
  }

  static ApiError invalidJson(String message) {
    return badRequest("invalid_json", message);
  }

  static ApiError invalidField(String message) {
    return badRequest("invalid_field", message);
  }

  /** A value the caller sent that {@code e} refused; its message says why. */
  static ApiError invalidField(IllegalArgumentException e) {
    return invalidField(messageOf(e));
  }

  /** {@code e}'s message, or a generic one for an exception without. */
  static String messageOf(Exception e) {
    return java.util.Objects.requireNonNullElse(e.getMessage(), "invalid value");
  }

  static ApiError missingField(String field) {
    return badRequest("missing_field", field + " is required");
  }

  static ApiError sessionNotFound() {
    // One fixed text: the answer must not differ between a missing and a foreign session.
    return of(404, "session_not_found", "no such session");
  }

  static ApiError unavailable(String code, String message, Duration retryAfter) {
    Duration rounded =
        retryAfter.isNegative() || retryAfter.isZero() ? Duration.ofSeconds(1) : retryAfter;
    long seconds = Math.max(1, (rounded.toMillis() + 999) / 1000);
    return new ApiError(
        503,
        code,
        message,
        Map.of("Retry-After", Long.toString(seconds)),
        Optional.of(Duration.ofSeconds(seconds)));
  }

  static ApiError unauthorized(String code, String message, String wwwAuthenticate) {
    return new ApiError(
        401, code, message, Map.of("WWW-Authenticate", wwwAuthenticate), Optional.empty());
  }

  static ApiError methodNotAllowed(String allow) {
    return new ApiError(
        405,
        "method_not_allowed",
        "method not allowed here; allowed: " + allow,
        Map.of("Allow", allow),
        Optional.empty());
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  Map<String, String> headers() {
    return headers;
  }

  /** Extra body fields beyond {@code error} and {@code code}. */
  Map<String, Object> extraFields() {
    Map<String, Object> extra = new LinkedHashMap<>();
    retryAfter.ifPresent(wait -> extra.put("retryAfterSeconds", wait.toSeconds()));
    return extra;
  }
}
