package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own checks of a request's head. Over HTTP, Undertow refuses a header name that is
 * not a token and a {@code Content-Length} that is not a number itself (a 400 without a body,
 * {@link HostileInputTest}); these checks stand behind it, should a request reach a route anyway.
 */
class RequestChecksTest {

  private static HttpServerExchange exchangeWith(String name, String value) {
    HttpServerExchange exchange = new HttpServerExchange(null);
    exchange.getRequestHeaders().put(new HttpString(name), value);
    return exchange;
  }

  @Test
  void aHeaderNameThatIsNotAToken_isInvalidHeader_andTheConnectionIsNotKept() {
    HttpServerExchange exchange = exchangeWith("X(A)", "a");

    ApiError refused =
        catchThrowableOfType(ApiError.class, () -> RequestChecks.checkHeaders(exchange));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.code()).isEqualTo("invalid_header");
    assertThat(refused).hasMessage("a request header name is not a valid HTTP token");
    assertThat(exchange.isPersistent()).isFalse();
  }

  @Test
  void aControlCharacterInAHeaderValue_isInvalidHeader_butATabIsNot() {
    RequestChecks.checkHeaders(exchangeWith("X-A", "a\tb"));

    ApiError refused =
        catchThrowableOfType(
            ApiError.class, () -> RequestChecks.checkHeaders(exchangeWith("X-A", "a\u007fb")));

    assertThat(refused.code()).isEqualTo("invalid_header");
    assertThat(refused).hasMessage("a request header value contains a control character");
  }

  @Test
  void aContentLengthThatIsNotANumber_isInvalidHeader() {
    HttpServerExchange exchange = exchangeWith(Headers.CONTENT_LENGTH_STRING, "12abc");

    ApiError refused =
        catchThrowableOfType(ApiError.class, () -> RequestChecks.announcedLength(exchange));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.code()).isEqualTo("invalid_header");
    assertThat(refused).hasMessage("Content-Length is not a number");
    assertThat(exchange.isPersistent()).isFalse();
  }

  @Test
  void aContentLengthWithSpacesAround_isItsNumber() {
    assertThat(RequestChecks.announcedLength(exchangeWith(Headers.CONTENT_LENGTH_STRING, " 12 ")))
        .hasValue(12);
  }
}
