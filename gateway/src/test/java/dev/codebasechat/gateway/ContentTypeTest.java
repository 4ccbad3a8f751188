package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A body is JSON in UTF-8 sent as {@code Content-Type: application/json}; anything else is 415
 * {@code unsupported_media_type} with an error that says what the request sent instead, and creates
 * nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContentTypeTest extends OnEmbeddedGateway {

  private Answer createWith(Optional<String> contentType) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + token);
    contentType.ifPresent(type -> headers.put("Content-Type", type));
    return client.exchange(
        "POST",
        "/v1/sessions",
        headers,
        Optional.of("{\"repo\":\"acme/app\"}".getBytes(StandardCharsets.UTF_8)));
  }

  private void assertRefused(Answer answer, String error) {
    assertThat(answer.status()).isEqualTo(415);
    assertThat(answer.json().path("code").asText()).isEqualTo("unsupported_media_type");
    assertThat(answer.json().path("error").asText()).isEqualTo(error);
    assertThat(client.get("/v1/sessions", token).json().path("total").asInt()).isZero();
  }

  @Test
  void noContentType_is415SayingTheRequestHasNone() {
    assertRefused(
        createWith(Optional.empty()),
        "the request body must be JSON sent as Content-Type: application/json"
            + " but the request has no Content-Type");
  }

  @Test
  void anotherMediaType_is415NamingIt() {
    assertRefused(
        createWith(Optional.of("text/plain; charset=utf-8")),
        "the request body must be JSON sent as Content-Type: application/json"
            + " but was \"text/plain\"");
  }

  @Test
  void anotherCharset_is415NamingIt() {
    assertRefused(
        createWith(Optional.of("application/json; charset=UTF-16")),
        "the request body must be JSON sent as Content-Type: application/json"
            + " in UTF-8, but the charset was \"UTF-16\"");
  }

  @Test
  void aLongMediaType_isQuotedCut() {
    String type = "application/" + "x".repeat(200);

    assertRefused(
        createWith(Optional.of(type)),
        "the request body must be JSON sent as Content-Type: application/json but was \""
            + type.substring(0, 64)
            + "…\"");
  }

  @Test
  void jsonWithTheUtf8CharsetInAnyCase_isAccepted() {
    assertThat(createWith(Optional.of("Application/JSON; Charset=\"utf-8\"")).status())
        .isEqualTo(201);
  }

  @Test
  void jsonInUtf16_sentAsJson_is400InvalidJson_andCreatesNothing() {
    Answer refused =
        client.exchange(
            "POST",
            "/v1/sessions",
            Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"),
            Optional.of("{\"repo\":\"acme/app\"}".getBytes(StandardCharsets.UTF_16LE)));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_json");
    assertThat(refused.json().path("error").asText())
        .isEqualTo("the request body is not UTF-8: it holds a NUL byte (UTF-16 or UTF-32, say)");
    assertThat(client.get("/v1/sessions", token).json().path("total").asInt()).isZero();
  }
}
