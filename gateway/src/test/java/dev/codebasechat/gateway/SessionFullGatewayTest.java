package dev.codebasechat.gateway;

import static dev.codebasechat.gateway.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A session holds at most 20 000 messages: the append that would go beyond is answered 409 {@code
 * session_full}, saying what to do, and a cleared session takes messages again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionFullGatewayTest extends OnEmbeddedGateway {

  private Answer append(String id, int messages) {
    String one = "{\"role\":\"user\",\"content\":\"m\"}";
    return client.post(
        "/v1/sessions/" + id + "/messages",
        token,
        "{\"messages\":[" + String.join(",", Collections.nCopies(messages, one)) + "]}");
  }

  @Test
  void anAppendBeyond20000Messages_is409SessionFull_andAClearMakesRoomAgain() {
    String id = client.post("/v1/sessions", token, "{}").json().path("id").asText();
    for (int i = 0; i < 40; i++) {
      assertThat(append(id, 500).status()).isEqualTo(200);
    }

    Answer full = append(id, 1);
    Answer cleared = client.delete("/v1/sessions/" + id + "/messages", token);
    Answer afterClear = append(id, 1);

    assertThat(full.status()).isEqualTo(409);
    assertThat(full.json())
        .isEqualTo(
            json(
                "{\"error\":\"the session is full: a session holds at most 20000 messages and 16"
                    + " MiB of history; clear its history or start a new session\","
                    + "\"code\":\"session_full\"}"));
    assertThat(cleared.status()).isEqualTo(200);
    assertThat(afterClear.status()).isEqualTo(200);
    assertThat(afterClear.json().path("messageCount").asInt()).isEqualTo(1);
  }
}
