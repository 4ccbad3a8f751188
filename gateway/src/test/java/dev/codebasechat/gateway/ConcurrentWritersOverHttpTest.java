package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.session.AcknowledgedOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sixteen clients appending to one session at once through the embedded gateway (tabs, devices, an
 * agent's parallel tool results): the first read after the last answer shows every message answered
 * 200, once, each client's in the order it sent them; and a restart reads the same history.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentWritersOverHttpTest {
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final int CLIENTS = 16;
  private static final int APPENDS_PER_CLIENT = 40;

  @TempDir Path dataDir;

  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void sixteenClientsOnOneSession_firstReadShowsEveryAcknowledgedMessageOnceInOrder()
      throws Exception {
    gateway = EmbeddedGatewayTest.start(dataDir);
    String alice = EmbeddedGatewayTest.token(dataDir, ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(200); // now cached

    List<List<String>> acknowledged = appendConcurrently(id, alice);

    List<String> read = ids(client.get("/v1/sessions/" + id, alice).json());
    AcknowledgedOrder.assertEveryAcknowledgedOnceInOrder(read, acknowledged);

    gateway.close();
    gateway = EmbeddedGatewayTest.start(dataDir);
    assertThat(ids(new GatewayClient(gateway.port()).get("/v1/sessions/" + id, alice).json()))
        .as("the table's history after a restart")
        .isEqualTo(read);
  }

  /** Each client's message ids, in the order they were answered 200. */
  private List<List<String>> appendConcurrently(String id, String token) throws Exception {
    return AcknowledgedOrder.writeConcurrently(
        CLIENTS,
        client -> {
          GatewayClient http = new GatewayClient(gateway.port());
          List<String> answered = new ArrayList<>();
          for (int i = 0; i < APPENDS_PER_CLIENT; i++) {
            String messageId = client + "-" + i;
            Answer answer =
                http.post(
                    "/v1/sessions/" + id + "/messages",
                    token,
                    "{\"id\":\"" + messageId + "\",\"role\":\"user\",\"content\":\"x\"}");
            assertThat(answer.status()).as(answer.text()).isEqualTo(200);
            answered.add(messageId);
          }
          return answered;
        });
  }

  private static List<String> ids(JsonNode session) {
    List<String> ids = new ArrayList<>();
    session.path("messages").forEach(m -> ids.add(m.path("id").asText()));
    return ids;
  }
}
