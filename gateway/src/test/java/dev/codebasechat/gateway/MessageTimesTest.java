package dev.codebasechat.gateway;

import static dev.codebasechat.gateway.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message's time is one the table can hold: the years 0001 to 9999 in UTC, as ISO-8601 text or
 * epoch milliseconds; anything else is refused by name before it is saved.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessageTimesTest {
  @TempDir Path dataDir;

  private Gateway gateway;
  private GatewayClient client;
  private String token;
  private String id;

  @BeforeEach
  void start() {
    gateway = EmbeddedGatewayTest.start(dataDir);
    client = new GatewayClient(gateway.port());
    token = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
    id = client.post("/v1/sessions", token, "{}").json().path("id").asText();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private Answer appendAt(String timestamp) {
    return client.post(
        "/v1/sessions/" + id + "/messages",
        token,
        "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":" + timestamp + "}");
  }

  @Test
  void theFirstAndLastInstantsOfTheYears0001To9999_areKept() {
    Answer first = appendAt("\"0001-01-01T00:00:00Z\"");
    Answer last = appendAt("\"9999-12-31T23:59:59.9999999Z\"");

    assertThat(first.status()).isEqualTo(200);
    assertThat(last.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + id, token).json().at("/messages/1/timestamp").asText())
        .isEqualTo("9999-12-31T23:59:59.999999Z");
  }

  @Test
  void aTimeInTheYear0_isRefusedByName_andNothingIsSaved() {
    Answer refused = appendAt("\"0000-12-31T23:59:59Z\"");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json())
        .isEqualTo(
            json(
                "{\"error\":\"the message.timestamp must be within the years 0001 to 9999 (UTC)\","
                    + "\"code\":\"invalid_field\"}"));
    assertThat(client.get("/v1/sessions/" + id, token).json().path("messageCount").asInt())
        .isZero();
  }

  @Test
  void aTimeAfterTheYear9999_isRefusedByName() {
    Answer text = appendAt("\"+10000-01-01T00:00:00Z\"");
    Answer millis = appendAt("253402300800000");

    assertThat(text.json().path("error").asText())
        .isEqualTo("the message.timestamp must be within the years 0001 to 9999 (UTC)");
    assertThat(millis.status()).isEqualTo(400);
    assertThat(millis.json().path("code").asText()).isEqualTo("invalid_field");
  }

  @Test
  void epochMillisecondsBefore1970_areRefusedWithTheRange() {
    Answer refused = appendAt("-5");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .isEqualTo(
            "the message.timestamp in epoch milliseconds must be 0..253402300799999"
                + " (1970 to the end of 9999, UTC) but was -5");
    assertThat(client.get("/v1/sessions/" + id, token).json().path("messageCount").asInt())
        .isZero();
  }

  @Test
  void epochMillisecondsBeyondALong_areRefusedWithTheRange() {
    Answer refused = appendAt("123456789012345678901234567890");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .endsWith("but was 123456789012345678901234567890");
  }

  @Test
  void epochMillisecondsWithAFraction_areRefusedAsNotWhole() {
    Answer refused = appendAt("1.5");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .isEqualTo(
            "the message.timestamp in epoch milliseconds must be a whole number but was 1.5");
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_field");
  }

  @Test
  void epochMillisecondsWrittenAsAWholeFloat_areKept_asJsonSchemasIntegerAllows() {
    Answer withZeros = appendAt("1737201600000.0");
    Answer withExponent = appendAt("1.7372016E12");

    assertThat(withZeros.status()).isEqualTo(200);
    assertThat(withExponent.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + id, token).json().at("/messages/0/timestamp").asText())
        .isEqualTo("2025-01-18T12:00:00.000000Z");
  }

  @Test
  void epochMillisecondsWithAFractionInExponentForm_areRefusedShowingThemInFull() {
    Answer refused = appendAt("1.73720160000005E12");

    assertThat(refused.json().path("error").asText())
        .isEqualTo(
            "the message.timestamp in epoch milliseconds must be a whole number but was"
                + " 1737201600000.05");
  }

  @Test
  void epochMillisecondsBeyondADouble_areRefusedNamingTheField() {
    Answer refused = appendAt("1e400");

    assertThat(refused.json().path("error").asText())
        .isEqualTo(
            "the message.timestamp in epoch milliseconds must be 0..253402300799999"
                + " (1970 to the end of 9999, UTC) but was a number beyond any of them");
  }

  @Test
  void aTimestampThatIsNeitherTextNorANumber_isRefusedNamingWhatItWas() {
    Answer refused = appendAt("true");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .isEqualTo(
            "the message.timestamp must be an ISO-8601 instant or epoch milliseconds but was"
                + " boolean");
  }

  @Test
  void timesTheDocumentRefuses_butJavaWouldRead_areRefused_andNothingIsSaved() {
    for (String time :
        new String[] {
          "\"2025-01-18T24:00:00Z\"", "\"2025-01-18T23:59:60Z\"", "\"2025-01-18T12:00:00+01:00:30\""
        }) {
      Answer refused = appendAt(time);

      assertThat(refused.status()).as(time).isEqualTo(400);
      assertThat(refused.json().path("code").asText()).as(time).isEqualTo("invalid_field");
      assertThat(refused.json().path("error").asText())
          .as(time)
          .startsWith("the message.timestamp must be an ISO-8601 instant");
    }
    assertThat(client.get("/v1/sessions/" + id, token).json().path("messageCount").asInt())
        .isZero();
  }

  @Test
  void aTimeWithAnOffset_andLowerCaseLetters_isKeptInUtc() {
    Answer kept = appendAt("\"2025-01-18t12:00:00.5+01:30\"");

    assertThat(kept.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + id, token).json().at("/messages/0/timestamp").asText())
        .isEqualTo("2025-01-18T10:30:00.500000Z");
  }
}
