package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Limits in characters are counted in characters (Unicode code points), as the README and the
 * database's {@code char_length} count them, on every route that takes such a text: an emoji is one
 * character, not two UTF-16 units.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TextLengthsTest extends OnEmbeddedGateway {
  private static final String EMOJI = "\uD83D\uDE00";

  private String newSession() {
    return client.post("/v1/sessions", token, "{}").json().path("id").asText();
  }

  @Test
  void patch_repoOf300Emoji_isAccepted_andReadBack() {
    String id = newSession();
    String repo = EMOJI.repeat(300); // 600 UTF-16 units, 300 characters <= 512

    Answer patched = client.patch("/v1/sessions/" + id, token, "{\"repo\":\"" + repo + "\"}");

    assertThat(patched.status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + id, token).json().path("repo").asText())
        .isEqualTo(repo);
  }

  @Test
  void create_atTheLimitsInCharacters_isAccepted_oneMoreIsRefusedNamingTheCount() {
    String atLimits =
        "{\"repo\":\"" + EMOJI.repeat(512) + "\",\"currentFile\":\"" + EMOJI.repeat(4_096) + "\"}";
    Answer created = client.post("/v1/sessions", token, atLimits);
    Answer tooLong = client.post("/v1/sessions", token, "{\"repo\":\"" + EMOJI.repeat(513) + "\"}");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().path("currentFile").asText()).isEqualTo(EMOJI.repeat(4_096));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().path("code").asText()).isEqualTo("invalid_field");
    assertThat(tooLong.json().path("error").asText())
        .isEqualTo("repo must be 1..512 characters but was 513");
  }

  @Test
  void appendAndCompatPost_contextInCharacters_andContentOf200000Emoji_areAccepted() {
    String id = newSession();
    String content = EMOJI.repeat(200_000); // 400 000 UTF-16 units, 800 000 bytes of UTF-8

    Answer appended =
        client.post(
            "/v1/sessions/" + id + "/messages",
            token,
            "{\"role\":\"user\",\"content\":\""
                + content
                + "\",\"currentFile\":\""
                + EMOJI.repeat(4_000)
                + "\"}");
    Answer compat =
        client.post(
            "/api/codebase/chat",
            token,
            "{\"sessionId\":\""
                + id
                + "\",\"message\":\"hi\",\"repo\":\""
                + EMOJI.repeat(300)
                + "\"}");

    assertThat(appended.status()).isEqualTo(200);
    assertThat(compat.status()).isEqualTo(200);
    Answer read = client.get("/v1/sessions/" + id, token);
    assertThat(read.json().at("/messages/0/content").asText()).isEqualTo(content);
    assertThat(read.json().path("repo").asText()).isEqualTo(EMOJI.repeat(300));
  }

  @Test
  void append_contentOneCharacterOverTheLimit_isRefusedInCharacters() {
    String id = newSession();

    Answer refused =
        client.post(
            "/v1/sessions/" + id + "/messages",
            token,
            "{\"role\":\"user\",\"content\":\"" + "x".repeat(200_001) + "\"}");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").asText())
        .endsWith("message content must be at most 200000 characters but was 200001");
  }

  @Test
  void listFilter_repoOf300Emoji_isAccepted_andFindsTheSession() {
    String id = newSession();
    String repo = EMOJI.repeat(300);
    client.patch("/v1/sessions/" + id, token, "{\"repo\":\"" + repo + "\"}");

    Answer listed =
        client.get("/v1/sessions?repo=" + URLEncoder.encode(repo, StandardCharsets.UTF_8), token);

    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.json().at("/sessions/0/id").asText()).isEqualTo(id);
  }
}
