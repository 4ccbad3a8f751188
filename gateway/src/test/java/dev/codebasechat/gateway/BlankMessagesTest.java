package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import org.junit.jupiter.api.Test;

/**
 * The compatible POST refuses a message of white space alone, white space as the API document's
 * pattern reads it ({@code \S}, ECMA-262): a validator generated from the document and the gateway
 * agree on every message.
 */
class BlankMessagesTest extends OnEmbeddedGateway {
  private static final String ID = "chat-1737201600000-blankmsg01";

  private Answer post(String escapedMessage) {
    return client.post(
        "/api/codebase/chat",
        token,
        "{\"sessionId\":\"" + ID + "\",\"message\":\"" + escapedMessage + "\"}");
  }

  @Test
  void spacesTabsAndNewLines_areRefused() {
    Answer refused = post(" \\t\\r\\n");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .isEqualTo("message must not be empty: send the text of the user's message");
  }

  @Test
  void noBreakSpacesAndTheByteOrderMark_areWhiteSpace_andRefused() {
    Answer refused = post("\\u00a0\\u202f\\u2007\\ufeff\\u3000");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_field");
    assertThat(client.get("/v1/sessions/" + ID, token).status()).isEqualTo(404);
  }

  @Test
  void theInformationSeparators_areNoWhiteSpace_andKept() {
    Answer kept = post("\\u001c\\u001f");

    assertThat(kept.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + ID, token).json().at("/messages/0/content").asText())
        .isEqualTo("\u001c\u001f");
  }
}
