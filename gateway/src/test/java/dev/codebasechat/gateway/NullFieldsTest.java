package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import org.junit.jupiter.api.Test;

/**
 * {@code null} counts as absent for every optional field (docs/http-api.md): clients whose data
 * classes write every unset field as {@code null} are served as if they had left them out.
 */
class NullFieldsTest extends OnEmbeddedGateway {
  private static final String ID = "chat-1737201600000-nullfield1";

  @Test
  void anAppendOfOneMessage_withTheListFieldNull_appendsIt() {
    client.post("/api/codebase/chat", token, "{\"sessionId\":\"" + ID + "\",\"message\":\"hi\"}");

    Answer appended =
        client.post(
            "/v1/sessions/" + ID + "/messages",
            token,
            "{\"role\":\"user\",\"content\":\"again\",\"messages\":null,\"id\":null,"
                + "\"repo\":null,\"currentFile\":null}");

    assertThat(appended.status()).as(appended.text()).isBetween(200, 201);
    assertThat(client.get("/v1/sessions/" + ID, token).json().path("messageCount").asInt())
        .isEqualTo(2);
  }

  @Test
  void aBodyWithTheListFieldNullAndNoMessage_namesTheMissingField_notAnUnknownOne() {
    client.post("/api/codebase/chat", token, "{\"sessionId\":\"" + ID + "\",\"message\":\"hi\"}");

    Answer refused = client.post("/v1/sessions/" + ID + "/messages", token, "{\"messages\":null}");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("missing_field");
  }
}
