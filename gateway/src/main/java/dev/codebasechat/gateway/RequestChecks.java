package dev.codebasechat.gateway;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * What every request must satisfy before a route sees it: header names that are HTTP tokens and
 * values without control characters (400), a readable {@code Content-Length} (400), a body no
 * larger than the limit (413, answered by {@link RefusedBodies}), JSON as its media type (415).
 * Each check throws the {@link ApiError} to answer with; a refused connection is not kept alive.
 * Undertow's parser refuses a name that is not a token and a length that is not a number first (a
 * 400 without a body); the checks here stand behind it. Stateless.
 */
final class RequestChecks {
  private RequestChecks() {}

  /**
   * Undertow's parser is lenient about header bytes; refuse control characters in values (a CR, a
   * NUL, folded lines) and names that are not HTTP tokens, so nothing odd travels further.
   */
  static void checkHeaders(HttpServerExchange exchange) {
    for (HeaderValues values : exchange.getRequestHeaders()) {
      String name = values.getHeaderName().toString();
      for (int i = 0; i < name.length(); i++) {
        if (!isTokenChar(name.charAt(i))) {
          exchange.setPersistent(false);
          throw ApiError.badRequest(
              "invalid_header", "a request header name is not a valid HTTP token");
        }
      }
      for (String value : values) {
        for (int i = 0; i < value.length(); i++) {
          char c = value.charAt(i);
          if ((c < 0x20 && c != '\t') || c == 0x7f) {
            exchange.setPersistent(false);
            throw ApiError.badRequest(
                "invalid_header", "a request header value contains a control character");
          }
        }
      }
    }
  }

  /** The header a client names a clear or delete with, sent again unchanged with every try. */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** The longest {@value #IDEMPOTENCY_KEY} taken. */
  static final int IDEMPOTENCY_KEY_MAX_LENGTH = 255;

  /**
   * The id of the clear or delete the client named with {@code Idempotency-Key}: the key itself
   * when it is a UUID, otherwise a name-based UUID of it (the same key, the same id), so that any
   * key a client makes (a UUID, a ULID, a random string) names one write. Empty without the header.
   *
   * @throws ApiError 400 {@code invalid_header} for more than one such header, or a value that is
   *     not 1 to 255 visible ASCII characters
   */
  static Optional<UUID> idempotencyKey(HttpServerExchange exchange) {
    HeaderValues values = exchange.getRequestHeaders().get(IDEMPOTENCY_KEY);
    if (values == null || values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      throw ApiError.badRequest("invalid_header", "send at most one Idempotency-Key header");
    }
    String key = values.getFirst().trim();
    boolean visible = key.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    if (key.isEmpty() || key.length() > IDEMPOTENCY_KEY_MAX_LENGTH || !visible) {
      throw ApiError.badRequest(
          "invalid_header",
          "Idempotency-Key must be 1 to "
              + IDEMPOTENCY_KEY_MAX_LENGTH
              + " visible ASCII characters, such as a UUID");
    }
    try {
      UUID id = UUID.fromString(key);
      if (id.toString().equalsIgnoreCase(key)) {
        return Optional.of(id);
      }
    } catch (IllegalArgumentException notAUuid) {
      // named below
    }
    return Optional.of(
        UUID.nameUUIDFromBytes(
            ("Idempotency-Key:" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /**
   * The body length {@code Content-Length} announces, if the request has that header.
   *
   * @throws ApiError 400 {@code invalid_header} when it is not a number
   */
  static OptionalLong announcedLength(HttpServerExchange exchange) {
    HeaderValues lengths = exchange.getRequestHeaders().get(Headers.CONTENT_LENGTH);
    if (lengths == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(lengths.getFirst().trim()));
    } catch (NumberFormatException e) {
      exchange.setPersistent(false);
      throw ApiError.badRequest("invalid_header", "Content-Length is not a number");
    }
  }

  /** Whether the request has a body: a positive announced length, or a transfer coding. */
  static boolean hasBody(HttpServerExchange exchange, OptionalLong announced) {
    if (announced.isPresent()) {
      return announced.getAsLong() > 0;
    }
    return exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
  }

  /** The answer to a body over {@code maxBodyBytes}, announced or found while reading. */
  static ApiError tooLarge(long maxBodyBytes) {
    return ApiError.of(
        413,
        "body_too_large",
        "the request body is larger than the limit of " + maxBodyBytes + " bytes");
  }

  static void checkContentType(HttpServerExchange exchange) {
    String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
    if (type == null) {
      throw unsupportedMediaType("but the request has no Content-Type");
    }
    String[] parts = type.split(";");
    String mediaType = parts[0].trim();
    if (!mediaType.toLowerCase(Locale.ROOT).equals("application/json")) {
      throw unsupportedMediaType("but was " + shown(mediaType));
    }
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      String lower = parameter.toLowerCase(Locale.ROOT);
      if (lower.startsWith("charset=")
          && !lower.equals("charset=utf-8")
          && !lower.equals("charset=\"utf-8\"")) {
        throw unsupportedMediaType(
            "in UTF-8, but the charset was " + shown(parameter.substring("charset=".length())));
      }
    }
  }

  private static ApiError unsupportedMediaType(String what) {
    return ApiError.of(
        415,
        "unsupported_media_type",
        "the request body must be JSON sent as Content-Type: application/json " + what);
  }

  /** A header value as a refusal quotes it: control characters never get this far; long cut. */
  private static String shown(String value) {
    int limit = 64;
    return "\"" + (value.length() <= limit ? value : value.substring(0, limit) + "…") + "\"";
  }
}
