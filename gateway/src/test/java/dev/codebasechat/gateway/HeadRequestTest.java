package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code HEAD} is answered as {@code GET} without the body, on every route that has {@code GET}
 * (HTTP requires it, and uptime monitors probe with it), with the same status and headers; it never
 * changes anything, and where there is no {@code GET} it is 405.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeadRequestTest extends OnEmbeddedGateway {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<byte[]> head(String path, boolean withToken)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method("HEAD", HttpRequest.BodyPublishers.noBody());
    if (withToken) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void healthz_isTheAnswerOfGetWithoutItsBody() throws Exception {
    GatewayClient.Answer get = client.get("/healthz", token);

    HttpResponse<byte[]> head = head("/healthz", false);

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Length"))
        .contains(Integer.toString(get.body().length));
    assertThat(head.headers().firstValue("Content-Type")).contains("application/json");
  }

  @Test
  void aSession_isAnsweredWithItsHeaders_forItsOwnerOnly() throws Exception {
    String id = client.post("/v1/sessions", token, "{}").json().path("id").asText();

    HttpResponse<byte[]> owner = head("/v1/sessions/" + id, true);
    HttpResponse<byte[]> anonymous = head("/v1/sessions/" + id, false);

    assertThat(owner.statusCode()).isEqualTo(200);
    assertThat(owner.body()).isEmpty();
    assertThat(owner.headers().firstValue("X-Session-Source")).isPresent();
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
  }

  @Test
  void theCompatibleRoute_isReadNeverCleared() throws Exception {
    String id = "chat-1737201600000-headtest";
    client.post(
        "/api/codebase/chat", token, "{\"sessionId\":\"" + id + "\",\"message\":\"keep me\"}");

    HttpResponse<byte[]> head = head("/api/codebase/chat?sessionId=" + id, true);

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(client.get("/api/codebase/chat?sessionId=" + id, token).json().path("count").asInt())
        .isEqualTo(1);
  }

  @Test
  void aRouteWithoutGet_is405_withTheMethodsItHas() throws Exception {
    String id = client.post("/v1/sessions", token, "{}").json().path("id").asText();

    HttpResponse<byte[]> head = head("/v1/sessions/" + id + "/messages", true);

    assertThat(head.statusCode()).isEqualTo(405);
    assertThat(head.headers().firstValue("Allow")).contains("DELETE, POST");
  }
}
