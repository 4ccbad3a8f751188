package dev.codebasechat.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.gateway.GatewayClient.Answer;
import java.time.Duration;
import java.util.Optional;

/** The calls of a chat client the ops tests make, each checking its answer's status. */
final class ChatCalls {
  private ChatCalls() {}

  static Answer expect(int status, Answer answer) {
    assertThat(answer.status()).as(answer.text()).isEqualTo(status);
    return answer;
  }

  /** A new session of the token's owner (REST route); its id. */
  static String createSession(GatewayClient client, String token) {
    return expect(201, client.post("/v1/sessions", token, "{\"repo\":\"acme/web\"}"))
        .json()
        .path("id")
        .asText();
  }

  /** A user message with the given id, for {@code POST /v1/sessions/{id}/messages}. */
  static String message(String id) {
    return "{\"id\":\"" + id + "\",\"role\":\"user\",\"content\":\"text of " + id + "\"}";
  }

  static Answer get(GatewayClient client, String path) {
    return client.send("GET", path, Optional.empty(), Optional.empty());
  }

  /** Waits until {@code /readyz} says every acknowledged write is confirmed. */
  static void awaitNothingPending(GatewayClient client) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(client, "/readyz").json().path("pendingWrites").asInt(-1) == 0);
  }
}
