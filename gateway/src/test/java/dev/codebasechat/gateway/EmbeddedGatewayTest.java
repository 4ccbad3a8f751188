package dev.codebasechat.gateway;

import static dev.codebasechat.gateway.GatewayClient.json;
import static dev.codebasechat.gateway.GatewayClient.withoutTimes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.auth.DevTokenMinter;
import dev.codebasechat.auth.LocalJwtSecret;
import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole API over real HTTP on the embedded default, across a restart on the same data
 * directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedGatewayTest {
  static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @TempDir Path dataDir;

  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private GatewayClient client() {
    return new GatewayClient(gateway.port());
  }

  static Gateway start(Path dataDir) {
    Settings settings = Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString()));
    return Gateway.builder(settings).host("127.0.0.1").port(0).start();
  }

  @Test
  void aDataDirectoryTheGatewayMakes_andTheSessionTableInIt_areItsOwnersAlone() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path made = dataDir.resolve("made-by-the-gateway");

    gateway = start(made);

    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(made)))
        .isEqualTo("rwx------");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(made.resolve("sessions.db"))))
        .isEqualTo("rw-------");
  }

  static String token(Path dataDir, UUID user) {
    return DevTokenMinter.create(
            LocalJwtSecret.loadOrCreate(dataDir).value(),
            Settings.EMBEDDED_TOKEN_ISSUER,
            Clock.systemUTC())
        .mint(user);
  }

  @Test
  void restSession_createAppendReadRestartReadClearDelete() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    GatewayClient client = new GatewayClient(gateway.port());

    Answer created =
        client.post(
            "/v1/sessions", alice, "{\"repo\":\"acme/app\",\"currentFile\":\"src/Main.java\"}");
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().path("id").asText();
    assertThat(created.header("Location")).contains("/v1/sessions/" + id);
    assertThat(withoutTimes(created.json()))
        .isEqualTo(
            json(
                """
            {"id":"%s","repo":"acme/app","currentFile":"src/Main.java","contextCache":{},"metadata":{},
             "messageCount":0,"messages":[],"lastActivity":"<time>"}"""
                    .formatted(id)));

    Answer appended =
        client.post(
            "/v1/sessions/" + id + "/messages",
            alice,
            """
            {"messages":[
              {"id":"m1","role":"user","content":"How do I read a file?","timestamp":"2025-01-18T12:00:00Z"},
              {"id":"m2","role":"assistant","content":"Use Files.readString.","timestamp":"2025-01-18T12:00:01Z",
               "code":{"language":"java","snippet":"Files.readString(path)"}}]}""");
    assertThat(appended.status()).isEqualTo(200);
    assertThat(appended.json())
        .isEqualTo(
            json(
                """
            {"sessionId":"%s","accepted":2,"duplicates":0,"messageCount":2,"messageIds":["m1","m2"]}"""
                    .formatted(id)));
    assertThat(appended.header("X-Pending-Writes")).contains("0");

    Answer retried =
        client.post(
            "/v1/sessions/" + id + "/messages",
            alice,
            "{\"id\":\"m2\",\"role\":\"assistant\",\"content\":\"Use Files.readString.\"}");
    assertThat(retried.json().path("duplicates").asInt()).isEqualTo(1);
    assertThat(retried.json().path("messageCount").asInt()).isEqualTo(2);

    String expected =
        """
        {"id":"%s","repo":"acme/app","currentFile":"src/Main.java","contextCache":{},"metadata":{},"messageCount":2,
         "messages":[
           {"id":"m1","role":"user","content":"How do I read a file?","timestamp":"<time>"},
           {"id":"m2","role":"assistant","content":"Use Files.readString.","timestamp":"<time>",
            "code":{"language":"java","snippet":"Files.readString(path)"}}],
         "lastActivity":"<time>"}"""
            .formatted(id);
    Answer read = client.get("/v1/sessions/" + id, alice);
    assertThat(read.status()).isEqualTo(200);
    assertThat(withoutTimes(read.json())).isEqualTo(json(expected));
    assertThat(read.json().at("/messages/0/timestamp").asText())
        .isEqualTo("2025-01-18T12:00:00.000000Z");

    gateway.close();
    gateway = start(dataDir);
    client = new GatewayClient(gateway.port());

    Answer afterRestart = client.get("/v1/sessions/" + id, alice);
    assertThat(afterRestart.status()).isEqualTo(200);
    assertThat(afterRestart.header("X-Session-Source")).contains("database");
    assertThat(withoutTimes(afterRestart.json())).isEqualTo(json(expected));

    Answer last = client.get("/v1/sessions/" + id + "?last=1", alice);
    assertThat(last.json().path("messageCount").asInt()).isEqualTo(2);
    assertThat(last.json().path("messages")).hasSize(1);
    assertThat(last.json().at("/messages/0/id").asText()).isEqualTo("m2");

    Answer patched =
        client.patch(
            "/v1/sessions/" + id,
            alice,
            "{\"currentFile\":\"README.md\",\"metadata\":{\"tag\":\"x\"}}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().path("currentFile").asText()).isEqualTo("README.md");
    assertThat(patched.json().path("metadata")).isEqualTo(json("{\"tag\":\"x\"}"));

    Answer cleared = client.delete("/v1/sessions/" + id + "/messages", alice);
    assertThat(cleared.status()).isEqualTo(200);
    assertThat(withoutTimes(cleared.json()))
        .isEqualTo(
            json(
                """
            {"id":"%s","repo":"acme/app","currentFile":"README.md","contextCache":{},"metadata":{"tag":"x"},
             "messageCount":0,"messages":[],"lastActivity":"<time>"}"""
                    .formatted(id)));

    Answer deleted = client.delete("/v1/sessions/" + id, alice);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json()).isEqualTo(json("{\"id\":\"%s\",\"deleted\":true}".formatted(id)));

    Answer gone = client.get("/v1/sessions/" + id, alice);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.json())
        .isEqualTo(json("{\"error\":\"no such session\",\"code\":\"session_not_found\"}"));
  }

  @Test
  void compatRoutes_postCreatesThenGetAndDeleteClear_acrossARestart() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String id = "chat-1737201600000-abcdef12";

    Answer first =
        client.post(
            "/api/codebase/chat",
            alice,
            "{\"sessionId\":\"%s\",\"message\":\"hello\",\"repo\":\"acme/app\",\"useLLM\":true}"
                .formatted(id));
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json())
        .isEqualTo(json("{\"success\":true,\"sessionId\":\"%s\",\"count\":1}".formatted(id)));
    Answer second =
        client.post(
            "/api/codebase/chat",
            alice,
            "{\"sessionId\":\"%s\",\"messages\":[{\"role\":\"assistant\",\"content\":\"hi there\",\"code\":\"x = 1\"}]}"
                .formatted(id));
    assertThat(second.json())
        .isEqualTo(json("{\"success\":true,\"sessionId\":\"%s\",\"count\":2}".formatted(id)));

    gateway.close();
    gateway = start(dataDir);
    client = new GatewayClient(gateway.port());

    Answer history = client.get("/api/codebase/chat?sessionId=" + id, alice);
    assertThat(history.status()).isEqualTo(200);
    JsonNodeAssertions.assertWithoutIds(
        history.json(),
        """
        {"success":true,"sessionId":"%s","count":2,"history":[
          {"role":"user","content":"hello","timestamp":"<time>"},
          {"role":"assistant","content":"hi there","timestamp":"<time>","code":"x = 1"}]}"""
            .formatted(id));

    Answer cleared =
        client.deleteWithBody("/api/codebase/chat", alice, "{\"sessionId\":\"%s\"}".formatted(id));
    assertThat(cleared.status()).isEqualTo(200);
    assertThat(cleared.json())
        .isEqualTo(json("{\"success\":true,\"message\":\"conversation history cleared\"}"));
    assertThat(client.get("/api/codebase/chat?sessionId=" + id, alice).json())
        .isEqualTo(
            json(
                "{\"success\":true,\"sessionId\":\"%s\",\"history\":[],\"count\":0}"
                    .formatted(id)));
  }

  @Test
  void tokenSignedWithTheLocalSecretButIssuedElsewhere_is401() {
    gateway = start(dataDir);
    String foreignIssuer =
        DevTokenMinter.create(
                LocalJwtSecret.loadOrCreate(dataDir).value(),
                "http://localhost/auth/v1",
                Clock.systemUTC())
            .mint(ALICE);

    Answer refused = client().get("/v1/sessions", foreignIssuer);

    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate"))
        .hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
    assertThat(refused.json().path("code").asText()).isEqualTo("invalid_token");
  }

  @Test
  void anotherUsersSession_isIndistinguishableFromAMissingOne_onEveryRoute_andUnchanged() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    String bob = token(dataDir, UUID.fromString("b0b00000-0000-4000-8000-000000000002"));
    String id =
        client().post("/v1/sessions", alice, "{\"repo\":\"acme/app\"}").json().path("id").asText();
    client()
        .post(
            "/v1/sessions/" + id + "/messages",
            alice,
            "{\"id\":\"a1\",\"role\":\"user\",\"content\":\"private\"}");
    byte[] before = client().get("/v1/sessions/" + id, alice).body();

    OwnershipChecks.foreignSessionAnswersLikeAMissingOne(client(), bob, id);

    assertThat(client().get("/v1/sessions/" + id, alice).body()).isEqualTo(before);
    assertThat(client().get("/v1/sessions", bob).json().path("sessions")).isEmpty();
  }

  @Test
  void append_repeatingAnIdWithinOneRequest_keepsTheFirstAndCountsTheRepeatAsADuplicate() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    String id =
        client().post("/v1/sessions", alice, "{\"repo\":\"acme/app\"}").json().path("id").asText();

    Answer appended =
        client()
            .post(
                "/v1/sessions/" + id + "/messages",
                alice,
                """
                {"messages":[{"id":"m1","role":"user","content":"first"},
                             {"id":"m1","role":"user","content":"second"}]}""");

    assertThat(appended.json().path("accepted").asInt()).isEqualTo(1);
    assertThat(appended.json().path("duplicates").asInt()).isEqualTo(1);
    assertThat(client().get("/v1/sessions/" + id, alice).json().path("messages"))
        .extracting(m -> m.path("content").asText())
        .containsExactly("first");
  }

  @Test
  void compatPost_missingSessionIdOrMessage_is400WithTheOriginalErrorField() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    GatewayClient client = new GatewayClient(gateway.port());

    Answer noId = client.post("/api/codebase/chat", alice, "{\"message\":\"hello\"}");
    Answer noMessage =
        client.post("/api/codebase/chat", alice, "{\"sessionId\":\"chat-1737201600000-abcdef12\"}");

    assertThat(noId.status()).isEqualTo(400);
    assertThat(noId.json())
        .isEqualTo(json("{\"error\":\"sessionId is required\",\"code\":\"missing_field\"}"));
    assertThat(noMessage.status()).isEqualTo(400);
    assertThat(noMessage.json())
        .isEqualTo(json("{\"error\":\"message is required\",\"code\":\"missing_field\"}"));
  }

  @Test
  void compatDelete_withoutSessionId_is400MissingField() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);

    Answer noId = new GatewayClient(gateway.port()).delete("/api/codebase/chat", alice);

    assertThat(noId.status()).isEqualTo(400);
    assertThat(noId.json())
        .isEqualTo(json("{\"error\":\"sessionId is required\",\"code\":\"missing_field\"}"));
  }

  @Test
  void patch_withNothingToChange_is400EmptyUpdate_andChangesNothing() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String id =
        client.post("/v1/sessions", alice, "{\"repo\":\"acme/app\"}").json().path("id").asText();
    byte[] before = client.get("/v1/sessions/" + id, alice).body();

    Answer empty = client.patch("/v1/sessions/" + id, alice, "{}");

    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.json())
        .isEqualTo(
            json(
                "{\"error\":\"give at least one of repo, currentFile, contextCache, metadata\","
                    + "\"code\":\"empty_update\"}"));
    assertThat(client.get("/v1/sessions/" + id, alice).body()).isEqualTo(before);
  }

  @Test
  void list_isNewestActivityFirst_pagedAndFilteredByRepo() {
    gateway = start(dataDir);
    String alice = token(dataDir, ALICE);
    GatewayClient client = new GatewayClient(gateway.port());
    String a =
        client.post("/v1/sessions", alice, "{\"repo\":\"acme/a\"}").json().path("id").asText();
    String b =
        client.post("/v1/sessions", alice, "{\"repo\":\"acme/b\"}").json().path("id").asText();
    client.post(
        "/v1/sessions/" + a + "/messages", alice, "{\"role\":\"user\",\"content\":\"later\"}");

    Answer all = client.get("/v1/sessions?limit=10", alice);
    Answer page = client.get("/v1/sessions?limit=1&offset=1", alice);
    Answer onlyB = client.get("/v1/sessions?repo=acme/b", alice);

    assertThat(all.json().path("sessions"))
        .extracting(n -> n.path("id").asText())
        .containsExactly(a, b);
    assertThat(all.json().path("total").asInt()).isEqualTo(2);
    assertThat(page.json().path("sessions"))
        .extracting(n -> n.path("id").asText())
        .containsExactly(b);
    assertThat(page.json().path("offset").asInt()).isEqualTo(1);
    assertThat(onlyB.json().path("sessions"))
        .extracting(n -> n.path("id").asText())
        .containsExactly(b);
  }
}
