package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.FakeSupabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session deleted while clients append to it stays deleted: {@code POST
 * /v1/sessions/{id}/messages} acts only on a session that exists, so an append that loses the race
 * to a delete is 404 and never brings the session back. On the embedded default, and in Supabase
 * mode acknowledged after the journal or after the database, with real concurrent clients over
 * HTTP; each round starts four writers and deletes the session among their appends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeleteWhileAppendingTest {
  private static final int ROUNDS = 20;
  private static final int WRITERS = 4;
  private static final int APPENDS_PER_WRITER = 15;

  @RegisterExtension
  static FakeSupabase fake = FakeSupabase.builder().jwtSecret(SupabaseGatewayTest.SECRET).build();

  @TempDir Path dataDir;

  private Gateway gateway;
  private final ExecutorService clients = Executors.newFixedThreadPool(WRITERS);

  @AfterEach
  void stop() {
    clients.shutdownNow();
    gateway.close();
  }

  @Test
  void embedded_aSessionDeletedAmongConcurrentAppends_staysDeleted() throws Exception {
    gateway = EmbeddedGatewayTest.start(dataDir);

    assertThat(racedRounds(EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE)))
        .as("sessions back after their delete")
        .isEmpty();
  }

  @Test
  void supabase_aSessionDeletedAmongConcurrentAppends_staysDeleted_inTheDatabaseToo()
      throws Exception {
    gateway =
        Gateway.builder(SupabaseGatewayTest.settings(fake, dataDir))
            .host("127.0.0.1")
            .port(0)
            .start();

    List<String> resurrected = racedRounds(fake.legacyTokenFor(EmbeddedGatewayTest.ALICE));
    await().atMost(Duration.ofSeconds(30)).until(() -> gateway.store().pendingSessions().isEmpty());

    assertThat(resurrected).as("sessions back after their delete").isEmpty();
    assertThat(fake.sessions()).as("sessions in the database").isEmpty();
  }

  @Test
  void supabaseAcknowledgedByTheDatabase_aSessionDeletedAmongConcurrentAppends_staysDeleted()
      throws Exception {
    gateway =
        Gateway.builder(
                Settings.fromEnvironment(
                    withEntry(
                        SupabaseGatewayTest.environment(fake, dataDir), "GATEWAY_ACK", "database")))
            .host("127.0.0.1")
            .port(0)
            .start();

    List<String> resurrected = racedRounds(fake.legacyTokenFor(EmbeddedGatewayTest.ALICE));

    assertThat(resurrected).as("sessions back after their delete").isEmpty();
    assertThat(fake.sessions()).as("sessions in the database").isEmpty();
  }

  private static Map<String, String> withEntry(
      Map<String, String> environment, String name, String value) {
    Map<String, String> changed = new HashMap<>(environment);
    changed.put(name, value);
    return changed;
  }

  /**
   * {@value #ROUNDS} rounds of: a new session, {@value #WRITERS} writers appending to it, and a
   * delete among their appends; the sessions a read finds again afterwards. Every append is
   * answered 200 or 404.
   */
  private List<String> racedRounds(String token) throws Exception {
    GatewayClient client = new GatewayClient(gateway.port());
    List<String> resurrected = new ArrayList<>();
    Set<Integer> statuses = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < ROUNDS; round++) {
      String id = client.post("/v1/sessions", token, "{}").json().path("id").asText();
      CountDownLatch started = new CountDownLatch(WRITERS);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        writers.add(
            clients.submit(
                () -> {
                  started.countDown();
                  for (int i = 0; i < APPENDS_PER_WRITER; i++) {
                    Answer answer =
                        client.post(
                            "/v1/sessions/" + id + "/messages",
                            token,
                            "{\"id\":\"w"
                                + writer
                                + "-"
                                + i
                                + "\",\"role\":\"user\",\"content\":\"x\"}");
                    statuses.add(answer.status());
                  }
                }));
      }
      started.await(10, TimeUnit.SECONDS);
      assertThat(client.delete("/v1/sessions/" + id, token).status()).isEqualTo(200);
      for (Future<?> writer : writers) {
        writer.get(30, TimeUnit.SECONDS);
      }
      if (client.get("/v1/sessions/" + id, token).status() != 404) {
        resurrected.add(id);
      }
    }
    assertThat(statuses).isSubsetOf(200, 404);
    return resurrected;
  }
}
