package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import org.junit.jupiter.api.Test;

/**
 * A DELETE of a /v1 route names its session by the path: a body, which might name another session
 * (the compatible route's {@code {"sessionId": …}}), is refused rather than ignored.
 */
class DeleteBodiesTest extends OnEmbeddedGateway {
  private static final String ID = "chat-1737201600000-deletebody1";
  private static final String OTHER = "{\"sessionId\":\"chat-1737201600000-another01\"}";

  private void started() {
    client.post("/api/codebase/chat", token, "{\"sessionId\":\"" + ID + "\",\"message\":\"hi\"}");
  }

  @Test
  void aDeleteOfASessionWithABody_is400UnexpectedBody_andDeletesNothing() {
    started();

    Answer refused = client.deleteWithBody("/v1/sessions/" + ID, token, OTHER);

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("unexpected_body");
    assertThat(refused.json().path("error").asText())
        .isEqualTo("a DELETE of a /v1 route must not have a body: the path names the session");
    assertThat(client.get("/v1/sessions/" + ID, token).status()).isEqualTo(200);
  }

  @Test
  void aClearWithABody_is400UnexpectedBody_andClearsNothing() {
    started();

    Answer refused = client.deleteWithBody("/v1/sessions/" + ID + "/messages", token, OTHER);

    assertThat(refused.status()).isEqualTo(400);
    assertThat(client.get("/v1/sessions/" + ID, token).json().path("messageCount").asInt())
        .isEqualTo(1);
  }

  @Test
  void theCompatibleDelete_stillTakesItsBody() {
    started();

    Answer cleared =
        client.deleteWithBody("/api/codebase/chat", token, "{\"sessionId\":\"" + ID + "\"}");

    assertThat(cleared.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + ID, token).json().path("messageCount").asInt())
        .isZero();
  }
}
