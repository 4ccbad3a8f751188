package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory that fills up: the SQLite files are capped ({@link
 * Gateway.Builder#maxFilePages}), which SQLite answers exactly as a full disk ({@code
 * SQLITE_FULL}). Appends then answer 503 {@code storage_unavailable} with {@code Retry-After},
 * never a 500; everything acknowledged before is kept, once; reads go on; and once space returns,
 * writes succeed again without a restart — in the embedded table and in Supabase mode's journal.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FullDiskTest {
  /** A few hundred KiB: fills after a few dozen appends of {@link #TEXT}. */
  private static final long PAGES = 48;

  private static final String TEXT = "a long answer ".repeat(600);
  private static final int MOST_APPENDS = 2_000;

  @RegisterExtension
  static FakeSupabase fake = FakeSupabase.builder().jwtSecret(SupabaseGatewayTest.SECRET).build();

  @TempDir Path dataDir;

  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private Gateway start(Settings settings) {
    return Gateway.builder(settings)
        .host("127.0.0.1")
        .port(0)
        .maxFilePages(PAGES)
        .flushTimeout(Duration.ofSeconds(2))
        .start();
  }

  private static String message(String id) {
    return "{\"id\":\"" + id + "\",\"role\":\"assistant\",\"content\":\"" + TEXT + "\"}";
  }

  /**
   * Appends to {@code id} until the first refusal, which is returned; the ids acknowledged on the
   * way are added to {@code acknowledged}.
   */
  private static Answer appendUntilRefused(
      GatewayClient client, String token, String id, List<String> acknowledged) {
    for (int i = 0; i < MOST_APPENDS; i++) {
      String messageId = "m" + i;
      Answer answer = client.post("/v1/sessions/" + id + "/messages", token, message(messageId));
      if (answer.status() != 200) {
        return answer;
      }
      acknowledged.add(messageId);
    }
    throw new AssertionError("the capped file took " + MOST_APPENDS + " appends");
  }

  private static void assertStorageUnavailable(Answer refused) {
    assertThat(refused.status()).as(refused.text()).isEqualTo(503);
    assertThat(refused.json().path("code").asText()).isEqualTo("storage_unavailable");
    assertThat(refused.header("Retry-After")).contains("5");
    assertThat(refused.json().path("retryAfterSeconds").asLong()).isEqualTo(5);
    assertThat(refused.json().path("error").asText())
        .contains("could not be recorded")
        .doesNotContain("SQLITE")
        .doesNotContain(".db");
  }

  private static List<String> ids(JsonNode session) {
    List<String> out = new ArrayList<>();
    session.path("messages").forEach(m -> out.add(m.path("id").asText()));
    return out;
  }

  @Test
  void
      embedded_fullDisk_appendsAre503StorageUnavailable_nothingAcknowledgedIsLost_thenWritesResume() {
    gateway = start(Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString())));
    GatewayClient client = new GatewayClient(gateway.port());
    String alice = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
    String spare = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      assertThat(
              client.post("/v1/sessions/" + spare + "/messages", alice, message("s" + i)).status())
          .isEqualTo(200);
    }

    Answer refused = appendUntilRefused(client, alice, id, acknowledged);

    assertStorageUnavailable(refused);
    assertThat(acknowledged).isNotEmpty();
    assertStorageUnavailable(
        client.post(
            "/api/codebase/chat",
            alice,
            "{\"sessionId\":\"" + id + "\",\"message\":\"" + TEXT + "\"}"));
    Answer read = client.get("/v1/sessions/" + id, alice);
    assertThat(read.status()).isEqualTo(200);
    assertThat(ids(read.json())).isEqualTo(acknowledged);

    // Space returns: another session is deleted, freeing its pages. No restart.
    assertThat(client.delete("/v1/sessions/" + spare, alice).status()).isEqualTo(200);
    Answer resumed = client.post("/v1/sessions/" + id + "/messages", alice, message("after"));

    assertThat(resumed.status()).isEqualTo(200);
    List<String> expected = new ArrayList<>(acknowledged);
    expected.add("after");
    assertThat(ids(client.get("/v1/sessions/" + id, alice).json())).isEqualTo(expected);
    gateway.close();
    gateway = start(Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString())));
    assertThat(ids(new GatewayClient(gateway.port()).get("/v1/sessions/" + id, alice).json()))
        .isEqualTo(expected);
  }

  @Test
  void embedded_fullDisk_isLoggedOnce_namingTheFile_neverTheToken() {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(StorageFailureLog.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      gateway = start(Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString())));
      GatewayClient client = new GatewayClient(gateway.port());
      String alice = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
      String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();

      assertStorageUnavailable(appendUntilRefused(client, alice, id, new ArrayList<>()));
      assertStorageUnavailable(
          client.post("/v1/sessions/" + id + "/messages", alice, message("again")));

      assertThat(logs.list)
          .singleElement()
          .satisfies(
              event -> {
                assertThat(event.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(event.getFormattedMessage())
                    .contains("storage_unavailable", "sessions.db")
                    .doesNotContain(alice);
              });
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Test
  void embedded_fullDisk_aNewSessionWhoseContextDoesNotFit_is503_andLeavesNoEmptySession() {
    gateway = start(Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString())));
    GatewayClient client = new GatewayClient(gateway.port());
    String alice = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    assertStorageUnavailable(appendUntilRefused(client, alice, id, new ArrayList<>()));

    Answer refused =
        client.post(
            "/v1/sessions",
            alice,
            "{\"repo\":\"acme/app\",\"contextCache\":{\"blob\":\"" + TEXT.repeat(12) + "\"}}");

    assertStorageUnavailable(refused);
    Answer listed = client.get("/v1/sessions", alice);
    assertThat(listed.json().path("total").asLong()).isEqualTo(1);
    assertThat(listed.json().path("sessions").findValuesAsText("id")).containsExactly(id);
  }

  @Test
  void
      supabaseMode_fullJournal_appendsAre503StorageUnavailable_nothingAcknowledgedIsLost_thenWritesResume() {
    gateway = start(SupabaseGatewayTest.settings(fake, dataDir));
    GatewayClient client = new GatewayClient(gateway.port());
    String alice = fake.tokenFor(SupabaseGatewayTest.ALICE);
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    await().atMost(Duration.ofSeconds(20)).until(() -> fake.session(id).isPresent());
    client.get("/v1/sessions/" + id, alice);
    // The database is away: every acknowledged write stays in the journal until it returns.
    fake.goDown(Outage.CONNECTION_REFUSED);
    List<String> acknowledged = new ArrayList<>();

    Answer refused = appendUntilRefused(client, alice, id, acknowledged);

    assertStorageUnavailable(refused);
    assertThat(acknowledged).isNotEmpty();
    Answer read = client.get("/v1/sessions/" + id, alice);
    assertThat(read.status()).isEqualTo(200);
    assertThat(ids(read.json())).isEqualTo(acknowledged);

    // Space returns: the database is back, the journal's delivered entries are released.
    fake.goUp();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> fake.session(id).map(FakeSession::messageIds).orElse(List.of()),
            stored -> stored.equals(acknowledged));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> client.post("/v1/sessions/" + id + "/messages", alice, message("after")).status(),
            status -> status == 200);

    List<String> expected = new ArrayList<>(acknowledged);
    expected.add("after");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> fake.session(id).map(FakeSession::messageIds).orElse(List.of()),
            stored -> stored.equals(expected));
  }
}
