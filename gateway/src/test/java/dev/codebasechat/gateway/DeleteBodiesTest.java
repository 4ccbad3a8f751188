package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.charset.StandardCharsets;
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

  @Test
  void aDeleteWithAnEmptyChunkedBody_deletesTheSession() {
    started();

    Answer deleted = client.raw(chunked("DELETE", "/v1/sessions/" + ID, "")).orElseThrow();

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + ID, token).status()).isEqualTo(404);
  }

  @Test
  void aReadWithAnEmptyChunkedBody_isAnswered() {
    started();

    Answer read = client.raw(chunked("GET", "/v1/sessions/" + ID, "")).orElseThrow();

    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().path("messageCount").asInt()).isEqualTo(1);
  }

  @Test
  void aDeleteWithAChunkedBody_is400UnexpectedBody_andDeletesNothing() {
    started();

    Answer refused = client.raw(chunked("DELETE", "/v1/sessions/" + ID, OTHER)).orElseThrow();

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("unexpected_body");
    assertThat(client.get("/v1/sessions/" + ID, token).status()).isEqualTo(200);
  }

  /** {@code content} as one chunk (none when empty), then the last chunk. */
  private byte[] chunked(String method, String path, String content) {
    String chunk =
        content.isEmpty()
            ? ""
            : Integer.toHexString(content.getBytes(StandardCharsets.UTF_8).length)
                + "\r\n"
                + content
                + "\r\n";
    return (method
            + " "
            + path
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunk
            + "0\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
