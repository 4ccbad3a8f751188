package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A chunked body has no length up front: one that turns out empty is no body (some clients send
 * every request chunked), whatever its route allows, and with or without a Content-Type; one with
 * content is refused or read as any other.
 */
class ChunkedBodiesTest extends OnEmbeddedGateway {
  private static final String ID = "chat-1737201600000-chunked001";
  private static final String JSON = "Content-Type: application/json\r\n";

  private void started() {
    client.post("/api/codebase/chat", token, "{\"sessionId\":\"" + ID + "\",\"message\":\"hi\"}");
  }

  @Test
  void aDeleteWithAnEmptyChunkedBody_deletesTheSession() {
    started();

    Answer deleted = client.raw(chunked("DELETE", "/v1/sessions/" + ID, JSON, "")).orElseThrow();

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + ID, token).status()).isEqualTo(404);
  }

  @Test
  void aReadWithAnEmptyChunkedBody_isAnswered() {
    started();

    Answer read = client.raw(chunked("GET", "/v1/sessions/" + ID, JSON, "")).orElseThrow();

    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().path("messageCount").asInt()).isEqualTo(1);
  }

  @Test
  void aDeleteWithAChunkedBody_is400UnexpectedBody_andDeletesNothing() {
    started();

    Answer refused =
        client
            .raw(chunked("DELETE", "/v1/sessions/" + ID, JSON, "{\"sessionId\":\"" + ID + "\"}"))
            .orElseThrow();

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("unexpected_body");
    assertThat(client.get("/v1/sessions/" + ID, token).status()).isEqualTo(200);
  }

  @Test
  void aReadWithAChunkedBody_is400UnexpectedBody() {
    started();

    Answer refused = client.raw(chunked("GET", "/v1/sessions/" + ID, JSON, "{}")).orElseThrow();

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("unexpected_body");
  }

  @Test
  void theCompatibleDelete_withAnEmptyChunkedBodyAndNoContentType_clearsBySessionIdParameter() {
    started();

    Answer cleared =
        client.raw(chunked("DELETE", "/api/codebase/chat?sessionId=" + ID, "", "")).orElseThrow();

    assertThat(cleared.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + ID, token).json().path("messageCount").asInt())
        .isZero();
  }

  @Test
  void aStartWithAnEmptyChunkedBodyAndNoContentType_startsASession() {
    Answer started = client.raw(chunked("POST", "/v1/sessions", "", "")).orElseThrow();

    assertThat(started.status()).isEqualTo(201);
  }

  @Test
  void aChunkedBodyWithContentButNoContentType_is415() {
    Answer refused = client.raw(chunked("POST", "/v1/sessions", "", "{}")).orElseThrow();

    assertThat(refused.status()).isEqualTo(415);
    assertThat(refused.json().path("code").asText()).isEqualTo("unsupported_media_type");
  }

  /** {@code content} as one chunk (none when empty), then the last chunk. */
  private byte[] chunked(String method, String path, String headers, String content) {
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
            + "\r\n"
            + headers
            + "Transfer-Encoding: chunked\r\n\r\n"
            + chunk
            + "0\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
