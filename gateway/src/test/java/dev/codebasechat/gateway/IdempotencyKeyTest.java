package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clear or delete a client names with {@code Idempotency-Key} and sends again after its answer
 * was lost: the try sent again keeps what was stored since and deletes no session started again
 * under the id; without the key every try is a new clear or delete.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IdempotencyKeyTest {
  private static final UUID ALICE = SupabaseGatewayTest.ALICE;

  @RegisterExtension
  static FakeSupabase fake = FakeSupabase.builder().jwtSecret(SupabaseGatewayTest.SECRET).build();

  @TempDir Path dataDir;

  private Gateway gateway;
  private GatewayClient client;
  private String alice;

  private void startInSupabaseMode() {
    gateway =
        Gateway.builder(SupabaseGatewayTest.settings(fake, dataDir))
            .host("127.0.0.1")
            .port(0)
            .flushTimeout(Duration.ofSeconds(2))
            .start();
    client = new GatewayClient(gateway.port());
    alice = fake.legacyTokenFor(ALICE);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static List<String> storedIds(String id) {
    return fake.session(id).map(FakeSession::messageIds).orElse(List.of());
  }

  private Answer append(String id, String messageId) {
    return client.post(
        "/v1/sessions/" + id + "/messages",
        alice,
        "{\"id\":\""
            + messageId
            + "\",\"role\":\"user\",\"content\":\"text of "
            + messageId
            + "\"}");
  }

  private Answer delete(String path, String... keys) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + alice);
    return client.exchange("DELETE", path, withKeys(headers, keys), Optional.empty());
  }

  private static Map<String, String> withKeys(Map<String, String> headers, String... keys) {
    for (String key : keys) {
      headers.put("Idempotency-Key", key);
    }
    return headers;
  }

  private static List<String> messageIds(Answer answer) {
    List<String> ids = new java.util.ArrayList<>();
    answer.json().path("messages").forEach(m -> ids.add(m.path("id").asText()));
    return ids;
  }

  @Test
  void aClearSentAgainWithItsKey_keepsTheMessageStoredSince() {
    startInSupabaseMode();
    String id = "chat-1737201600000-idemclear1";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");
    String key = UUID.randomUUID().toString();
    assertThat(delete("/v1/sessions/" + id + "/messages", key).status()).isEqualTo(200);
    append(id, "m2");

    Answer again = delete("/v1/sessions/" + id + "/messages", key);

    assertThat(again.status()).isEqualTo(200);
    assertThat(messageIds(again)).containsExactly("m2");
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).equals(List.of("m2")));
  }

  @Test
  void aClearSentAgainWithoutAKey_isANewClear() {
    startInSupabaseMode();
    String id = "chat-1737201600000-idemclear2";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");
    delete("/v1/sessions/" + id + "/messages");
    append(id, "m2");

    Answer again = delete("/v1/sessions/" + id + "/messages");

    assertThat(messageIds(again)).isEmpty();
  }

  @Test
  void aDeleteSentAgainWithItsKey_keepsTheSessionStartedAgainUnderTheId() {
    startInSupabaseMode();
    String id = "chat-1737201600000-idemdelete";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");
    String key = "01JHX3K7Z8Q9R2S4T6V8W0Y1A3";
    assertThat(delete("/v1/sessions/" + id, key).status()).isEqualTo(200);
    client.post(
        "/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"again\"}");

    Answer again = delete("/v1/sessions/" + id, key);

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("deleted").asBoolean()).isTrue();
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() -> storedIds(id).size() == 1);
  }

  @Test
  void theCompatibleClearSentAgainWithItsKey_keepsTheMessageStoredSince() {
    startInSupabaseMode();
    String id = "chat-1737201600000-idemcompat";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");
    String key = UUID.randomUUID().toString();
    delete("/api/codebase/chat?sessionId=" + id, key);
    append(id, "m2");

    Answer again = delete("/api/codebase/chat?sessionId=" + id, key);

    assertThat(again.status()).isEqualTo(200);
    assertThat(messageIds(client.get("/v1/sessions/" + id, alice))).containsExactly("m2");
  }

  @Test
  void aKeyThatIsNotVisibleAscii_is400InvalidHeader_andClearsNothing() {
    startInSupabaseMode();
    String id = "chat-1737201600000-idembadkey";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");

    Answer refused = delete("/v1/sessions/" + id + "/messages", "k".repeat(256));
    Answer spaced = delete("/v1/sessions/" + id + "/messages", "two words");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_header");
    assertThat(refused.json().path("error").asText())
        .isEqualTo("Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID");
    assertThat(spaced.status()).isEqualTo(400);
    assertThat(messageIds(client.get("/v1/sessions/" + id, alice))).hasSize(1);
  }

  @Test
  void twoKeys_are400InvalidHeader() {
    startInSupabaseMode();
    String id = "chat-1737201600000-idemtwokeys";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");
    String request =
        "DELETE /v1/sessions/"
            + id
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + alice
            + "\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\nConnection: close\r\n\r\n";

    Answer refused = client.raw(request.getBytes(StandardCharsets.US_ASCII)).orElseThrow();

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .isEqualTo("send at most one Idempotency-Key header");
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(200);
  }

  @Test
  void embedded_aClearSentAgainWithItsKey_keepsTheMessageStoredSince() {
    gateway = EmbeddedGatewayTest.start(dataDir);
    client = new GatewayClient(gateway.port());
    alice = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
    String id = "chat-1737201600000-idemembed";
    client.post("/api/codebase/chat", alice, "{\"sessionId\":\"" + id + "\",\"message\":\"hi\"}");
    String key = UUID.randomUUID().toString();
    delete("/v1/sessions/" + id + "/messages", key);
    append(id, "m2");

    Answer again = delete("/v1/sessions/" + id + "/messages", key);

    assertThat(messageIds(again)).containsExactly("m2");
  }
}
