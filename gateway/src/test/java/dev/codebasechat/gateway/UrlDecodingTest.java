package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The path and the query string are percent-encoded UTF-8: a {@code %} that starts no escape, or
 * bytes that are not UTF-8 once decoded, are 400 {@code invalid_url} saying which part and what is
 * wrong, on every route. What decodes is read as before: {@code +} in the query is a space, an
 * escaped name or value is its character, {@code %2F} in the path is no slash.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UrlDecodingTest extends OnEmbeddedGateway {

  /** GET {@code target} as the bytes given, with Alice's token. */
  private Answer get(String target) {
    String request =
        "GET "
            + target
            + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + token
            + "\r\nConnection: close\r\n\r\n";
    return client.raw(request.getBytes(StandardCharsets.ISO_8859_1)).orElseThrow();
  }

  private static void assertInvalidUrl(Answer answer, String error) {
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("invalid_url");
    assertThat(answer.json().path("error").asText()).isEqualTo(error);
  }

  @Test
  void aPercentThatStartsNoEscape_inAQueryValue_is400NamingTheParameterAndWhere() {
    assertInvalidUrl(
        get("/v1/sessions?repo=50%-off"),
        "query parameter repo has '%-o' at character 3, which is not a percent-encoded byte"
            + " (a '%' itself is sent as %25)");
  }

  @Test
  void aPercentAtTheEndOfAQueryValue_is400() {
    assertInvalidUrl(
        get("/v1/sessions?repo=abc%"),
        "query parameter repo has '%' at character 4, which is not a percent-encoded byte"
            + " (a '%' itself is sent as %25)");
  }

  @Test
  void aQueryValueThatIsNotUtf8_is400_insteadOfMatchingNothing() {
    assertInvalidUrl(
        get("/v1/sessions?repo=caf%E9"), "query parameter repo is not UTF-8 once percent-decoded");
  }

  @Test
  void anUndecodableParameterName_is400() {
    assertInvalidUrl(
        get("/v1/sessions?li%ZZmit=1"),
        "a query parameter's name has '%ZZ' at character 3, which is not a percent-encoded byte"
            + " (a '%' itself is sent as %25)");
  }

  @Test
  void anUndecodablePath_is400_onEveryRoute() {
    assertInvalidUrl(
        get("/v1/sessions/%ZZ"),
        "the URL's path has '%ZZ' at character 14, which is not a percent-encoded byte"
            + " (a '%' itself is sent as %25)");
    assertInvalidUrl(
        get("/healthz?probe=%G1"),
        "query parameter probe has '%G1' at character 1, which is not a percent-encoded byte"
            + " (a '%' itself is sent as %25)");
  }

  @Test
  void aParameterNameWithAControlCharacter_isQuotedWithTheCharacterEscaped() {
    assertInvalidUrl(
        get("/v1/sessions?a%0Ab=%ZZ"),
        "query parameter a\\u000Ab has '%ZZ' at character 1, which is not a percent-encoded byte"
            + " (a '%' itself is sent as %25)");
  }

  @Test
  void aPathThatIsNotUtf8_is400() {
    assertInvalidUrl(get("/v1/sessions/%C3"), "the URL's path is not UTF-8 once percent-decoded");
  }

  @Test
  void aQueryValue_readsPlusAsASpace_andEscapesAsTheirCharacters() {
    client.post("/v1/sessions", token, "{\"repo\":\"café b+c\"}");

    Answer found = get("/v1/sessions?repo=caf%C3%A9+b%2Bc");

    assertThat(found.status()).isEqualTo(200);
    assertThat(found.json().path("total").asInt()).isEqualTo(1);
    assertThat(found.json().path("sessions").path(0).path("repo").asText()).isEqualTo("café b+c");
  }

  @Test
  void anEscapedParameterName_isItsName() {
    client.post("/v1/sessions", token, "{}");
    client.post("/v1/sessions", token, "{}");

    Answer page = get("/v1/sessions?%6Cimit=1");

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.json().path("limit").asInt()).isEqualTo(1);
  }

  @Test
  void anEscapedPath_routesAsItsCharacters_butAnEscapedSlashIsNoSlash() {
    assertThat(get("/v1/sess%69ons").status()).isEqualTo(200);
    assertThat(get("/v1%2Fsessions").status()).isEqualTo(404);
  }
}
