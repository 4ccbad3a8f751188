package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Query parameters as docs/http-api.md states them, on the embedded gateway. */
class QueryParametersTest {
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @TempDir Path dataDir;

  private Gateway gateway;
  private GatewayClient client;
  private String token;

  @BeforeEach
  void start() {
    gateway =
        Gateway.builder(Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString())))
            .host("127.0.0.1")
            .port(0)
            .start();
    client = new GatewayClient(gateway.port());
    token = EmbeddedGatewayTest.token(dataDir, ALICE);
    client.post("/v1/sessions", token, "{\"repo\":\"acme/app\"}");
    client.post("/v1/sessions", token, "{\"repo\":\"acme/lib\"}");
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private void assertInvalidParameter(String target, String error) {
    Answer answer = client.get(target, token);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("invalid_parameter");
    assertThat(answer.json().path("error").asText()).isEqualTo(error);
  }

  @Test
  void anEmptyValue_countsAsAbsent() {
    Answer answer = client.get("/v1/sessions?limit=&repo=", token);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("limit").asInt()).isEqualTo(20);
    assertThat(answer.json().path("total").asInt()).isEqualTo(2);
  }

  @Test
  void aParameterTheRouteDoesNotTake_isIgnored() {
    Answer answer = client.get("/v1/sessions?_=1767225600000&repo=acme/app", token);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("total").asInt()).isEqualTo(1);
  }

  @Test
  void aThousandParametersTheRouteDoesNotTake_areIgnored() {
    StringBuilder target = new StringBuilder("/v1/sessions?repo=acme/app");
    for (int i = 0; i < 1000; i++) {
      target.append("&p").append(i).append("=1");
    }

    Answer answer = client.get(target.toString(), token);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("total").asInt()).isEqualTo(1);
  }

  @Test
  void aParameterGivenTwice_isInvalidParameter() {
    assertInvalidParameter(
        "/v1/sessions?limit=1&limit=2", "query parameter limit was given more than once");
  }

  @Test
  void aValueOutOfRange_isInvalidParameter_sayingTheRangeAndTheValue() {
    assertInvalidParameter("/v1/sessions?limit=201", "limit must be from 1 to 200 but was 201");
    assertInvalidParameter("/v1/sessions?offset=-1", "offset must be from 0 to 1000000 but was -1");
  }

  @Test
  void aValueThatIsNotAWholeNumber_isInvalidParameter() {
    assertInvalidParameter("/v1/sessions?limit=1.5", "limit must be a whole number from 1 to 200");
  }

  @Test
  void aWholeNumberOfManyDigits_isOutOfRange_notNotAWholeNumber() {
    assertInvalidParameter(
        "/v1/sessions?limit=99999999999999",
        "limit must be from 1 to 200 but was a number of 14 digits");
  }

  @Test
  void leadingZeros_sayNothing() {
    Answer answer = client.get("/v1/sessions?offset=0000000000001&limit=0000000000001", token);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("limit").asInt()).isEqualTo(1);
    assertThat(answer.json().path("sessions").size()).isEqualTo(1);
  }

  @Test
  void aRepoFilterOutOfBounds_isInvalidParameter_notAnInvalidBodyField() {
    assertInvalidParameter(
        "/v1/sessions?repo=" + "r".repeat(600),
        "query parameter repo must be 1..512 characters but was 600");
    assertInvalidParameter(
        "/v1/sessions?repo=a%07b", "query parameter repo must not contain control characters");
  }
}
