package dev.codebasechat.gateway;

import io.undertow.server.HttpServerExchange;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The request's path and query parameters, percent-decoded as UTF-8 before a route sees them, and
 * strictly: a {@code %} not followed by two hex digits, or bytes that are not UTF-8 once decoded,
 * are refused with 400 {@code invalid_url} naming what is wrong. Undertow's own decoding is turned
 * off ({@code DECODE_URL}) because it answers the first with a bare 400 and turns the second into
 * U+FFFD, which then matches nothing. As Undertow decoded them before: {@code +} in the query is a
 * space, and {@code %2F} in the path stays as it is (a path segment never holds a slash).
 * Stateless.
 */
final class RequestTarget {
  private RequestTarget() {}

  /** A part of the URL that cannot be decoded, said in words. */
  private static final class Undecodable extends Exception {
    private static final long serialVersionUID = 1L;

    Undecodable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Replaces the exchange's raw path and query parameters by their decoded values; the refusal to
   * answer with (400 {@code invalid_url}) when the path or a query parameter cannot be decoded.
   */
  static Optional<ApiError> decode(HttpServerExchange exchange) {
    try {
      decodeInPlace(exchange);
      return Optional.empty();
    } catch (ApiError refusal) {
      return Optional.of(refusal);
    }
  }

  private static void decodeInPlace(HttpServerExchange exchange) {
    try {
      String path = decoded(exchange.getRequestPath(), false);
      exchange.setRequestPath(path);
      exchange.setRelativePath(path);
    } catch (Undecodable e) {
      throw invalid("the URL's path " + e.getMessage());
    }
    Map<String, Deque<String>> raw = exchange.getQueryParameters();
    if (raw.isEmpty()) {
      return;
    }
    List<String[]> pairs = new ArrayList<>();
    for (Map.Entry<String, Deque<String>> parameter : raw.entrySet()) {
      String name;
      try {
        name = decoded(parameter.getKey(), true);
      } catch (Undecodable e) {
        throw invalid("a query parameter's name " + e.getMessage());
      }
      for (String value : parameter.getValue()) {
        try {
          pairs.add(new String[] {name, decoded(value, true)});
        } catch (Undecodable e) {
          throw invalid("query parameter " + printable(name) + " " + e.getMessage());
        }
      }
    }
    raw.clear();
    pairs.forEach(pair -> exchange.addQueryParam(pair[0], pair[1]));
  }

  private static ApiError invalid(String message) {
    return ApiError.badRequest("invalid_url", message);
  }

  /**
   * {@code raw} percent-decoded as UTF-8; {@code inQuery}: {@code +} is a space, else {@code %2F}
   * is kept as it is.
   */
  private static String decoded(String raw, boolean inQuery) throws Undecodable {
    if (raw.indexOf('%') < 0 && !(inQuery && raw.indexOf('+') >= 0)) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '+' && inQuery) {
        bytes.write(' ');
      } else if (c != '%') {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      } else {
        int high = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (high < 0 || low < 0) {
          String escape = raw.substring(i, Math.min(i + 3, raw.length()));
          throw new Undecodable(
              "has '"
                  + printable(escape)
                  + "' at character "
                  + (i + 1)
                  + ", which is not a percent-encoded byte (a '%' itself is sent as %25)");
        }
        int value = high * 16 + low;
        if (!inQuery && value == '/') {
          bytes.write(raw.charAt(i));
          bytes.write(raw.charAt(i + 1));
          bytes.write(raw.charAt(i + 2));
        } else {
          bytes.write(value);
        }
        i += 2;
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new Undecodable("is not UTF-8 once percent-decoded");
    }
  }

  /** {@code text} as a message may quote it: at most 64 characters, control characters escaped. */
  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints()
        .limit(64)
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                out.append(String.format(Locale.ROOT, "\\u%04X", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return text.codePointCount(0, text.length()) > 64 ? out + "…" : out.toString();
  }
}
