package dev.codebasechat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.Outage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link SupabaseModeScenarios} with several gateway processes on one database, as behind a load
 * balancer: bounded staleness across instances, one order of acknowledgement, backlogs delivered
 * after a restart, database acknowledgement. They exercise the gateways, not SQL a major could
 * answer differently (the functions they use are checked on PostgreSQL 15 and 17 by the db suite),
 * so they run over one major.
 */
abstract class SeveralGatewaysScenarios extends SupabaseModeScenarios {

  /**
   * {@code count} gateways on one database, each with its own data directory, as behind a load
   * balancer.
   */
  private List<GatewayProcess> gateways(int count, String scenario) {
    List<GatewayProcess> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Map<String, String> env = env();
      env.put("DATA_DIR", dataDir.resolve(scenario + "-" + i).toString());
      started.add(gateway(env));
    }
    return started;
  }

  private static List<String> readIds(GatewayClient client, String token, String id) {
    Answer read = client.get("/v1/sessions/" + id, token);
    assertThat(read.status()).as(read.text()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    read.json().path("messages").forEach(m -> ids.add(m.path("id").asText()));
    return ids;
  }

  @Test
  void writeConfirmedThroughOneGateway_isReadThroughTheOther_withinTheFreshnessBound() {
    List<GatewayProcess> pair = gateways(2, "staleness");
    GatewayClient one = pair.get(0).client();
    GatewayClient two = pair.get(1).client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(two, token);
    assertThat(two.post("/v1/sessions/" + id + "/messages", token, message("m0", "first")).status())
        .isEqualTo(200);
    awaitNothingPending(pair.get(1));
    assertThat(readIds(one, token, id)).containsExactly("m0"); // gateway one holds the session now
    supabase.clearRequests();
    List<Long> staleness = new ArrayList<>();

    for (int i = 1; i <= 5; i++) {
      String messageId = "m" + i;
      assertThat(
              two.post("/v1/sessions/" + id + "/messages", token, message(messageId, "turn " + i))
                  .status())
          .isEqualTo(200);
      int expected = i + 1;
      pair.get(1)
          .awaitOrExplain(DELIVERY, () -> storedCount(id) == expected, "the write is confirmed");
      long confirmedAt = System.nanoTime();
      pair.get(0)
          .awaitOrExplain(
              Duration.ofSeconds(3),
              () -> readIds(one, token, id).contains(messageId),
              "gateway one shows " + messageId);
      staleness.add((System.nanoTime() - confirmedAt) / 1_000_000);
    }

    System.out.printf("staleness across gateways after confirmation, ms: %s%n", staleness);
    assertThat(staleness).allSatisfy(ms -> assertThat(ms).isLessThan(2_000L));
    assertThat(readIds(one, token, id)).containsExactly("m0", "m1", "m2", "m3", "m4", "m5");
    assertThat(
            supabase.requests(
                r -> r.method().equals("GET") && r.query().contains("conversation_history")))
        .as("revalidation never downloads the history")
        .isEmpty();
  }

  @Test
  void messagesSentInTurnThroughThreeGateways_areStoredAndReadInAcknowledgementOrder() {
    List<GatewayProcess> pair = gateways(3, "order");
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(pair.get(0).client(), token);
    awaitNothingPending(pair.get(0));
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String messageId = "turn-" + i;
      Answer answer =
          pair.get(i % 3)
              .client()
              .post("/v1/sessions/" + id + "/messages", token, message(messageId, "turn " + i));
      assertThat(answer.status()).as(answer.text()).isEqualTo(200);
      sent.add(messageId);
    }
    pair.forEach(SupabaseModeScenarios::awaitNothingPending);

    assertThat(storedIds(id)).containsExactlyElementsOf(sent);
    for (GatewayProcess gateway : pair) {
      gateway.awaitOrExplain(
          Duration.ofSeconds(3),
          () -> readIds(gateway.client(), token, id).equals(sent),
          "the gateway reads the stored order");
    }
  }

  /** Three messages confirmed, then two acknowledged during an outage, then {@code kill -9}. */
  private List<String> backlogLeftByAKilledGateway(
      Map<String, String> env, String token, String[] sessionId) throws InterruptedException {
    GatewayProcess gateway = gateway(env);
    GatewayClient client = gateway.client();
    String id = createSession(client, token);
    sessionId[0] = id;
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      if (i == 3) {
        awaitNothingPending(gateway); // confirmed and released from the journal
        supabase.goDown(Outage.CONNECTION_REFUSED);
      }
      Answer answer =
          client.post("/v1/sessions/" + id + "/messages", token, message("s" + i, "message " + i));
      assertThat(answer.status()).as(answer.text()).isEqualTo(200);
      acknowledged.add("s" + i);
    }
    gateway.kill9();
    supabase.goUp();
    return acknowledged;
  }

  @Test
  void restartedWithTheServiceKey_deliversTheBacklog_withoutWaitingForItsOwner()
      throws InterruptedException {
    Map<String, String> env = env();
    env.put(
        "DATA_DIR", dataDir.resolve("restartedWithTheServiceK").toString()); // a journal of its own
    env.put("SUPABASE_SERVICE_ROLE_KEY", supabase.serviceKey());
    String token = supabase.tokenFor(supabase.newUser());
    String[] id = new String[1];
    List<String> acknowledged = backlogLeftByAKilledGateway(env, token, id);

    GatewayProcess restarted = gateway(env); // and the owner never comes back to it

    restarted.awaitOrExplain(
        DELIVERY, () -> storedIds(id[0]).equals(acknowledged), "the backlog reaches the database");
    // The rows commit before the gateway has the answer; it counts the delivery, then releases it.
    awaitNothingPending(restarted);
    JsonNode ready =
        restarted
            .client()
            .send("GET", "/readyz", java.util.Optional.empty(), java.util.Optional.empty())
            .json();
    assertThat(ready.path("writesWaitingForOwners").asInt()).isZero();
    assertThat(ready.path("deliveredWithoutOwners").asInt()).isEqualTo(2);
    assertThat(restarted.output() + restarted.errors()).doesNotContain(supabase.serviceKey());
  }

  @Test
  void restartedWithoutTheServiceKey_saysHowManyWritesWaitForTheirOwners()
      throws InterruptedException {
    Map<String, String> env = env();
    env.put(
        "DATA_DIR", dataDir.resolve("restartedWithoutTheServi").toString()); // a journal of its own
    String token = supabase.tokenFor(supabase.newUser());
    String[] id = new String[1];
    List<String> acknowledged = backlogLeftByAKilledGateway(env, token, id);

    GatewayProcess restarted = gateway(env);
    JsonNode ready =
        restarted
            .client()
            .send("GET", "/readyz", java.util.Optional.empty(), java.util.Optional.empty())
            .json();

    assertThat(ready.path("writesWaitingForOwners").asInt()).isEqualTo(2);
    assertThat(restarted.output() + restarted.errors())
        .contains("2 journaled writes wait for their owners' next requests");
    restarted.client().get("/v1/sessions/" + id[0], token); // the owner comes back
    restarted.awaitOrExplain(
        DELIVERY, () -> storedIds(id[0]).equals(acknowledged), "the backlog reaches the database");
  }

  @Test
  void aSessionDeletedThroughOneGateway_staysDeleted_whenAnotherDeliversAnAppendItAcceptedBefore() {
    Map<String, String> prompt = env();
    prompt.put("DATA_DIR", dataDir.resolve("delete-race-0").toString());
    Map<String, String> slow = env();
    slow.put("DATA_DIR", dataDir.resolve("delete-race-1").toString());
    slow.put("GATEWAY_DEBOUNCE_MS", "8000"); // its append waits while the delete goes through
    GatewayProcess deleting = gateway(prompt);
    GatewayProcess appending = gateway(slow);
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(deleting.client(), token);
    awaitNothingPending(deleting);
    assertThat(appending.client().get("/v1/sessions/" + id, token).status()).isEqualTo(200);

    Answer appended =
        appending.client().post("/v1/sessions/" + id + "/messages", token, message("a1", "late"));
    Answer deleted = deleting.client().delete("/v1/sessions/" + id, token);
    deleting.awaitOrExplain(
        DELIVERY, () -> storedCount(id) == -1, "the delete reaches the database");
    awaitNothingPending(appending);

    assertThat(appended.status()).as(appended.text()).isEqualTo(200);
    assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
    assertThat(storedCount(id)).as("the session in the database").isEqualTo(-1);
    assertThat(appending.client().get("/v1/sessions/" + id, token).status()).isEqualTo(404);
  }

  @Test
  void databaseAcknowledgement_refusesWritesDuringAnOutage_andAKillLosesNothingAcknowledged()
      throws InterruptedException {
    Map<String, String> env = env();
    env.put("GATEWAY_ACK", "database");
    env.put("DATA_DIR", dataDir.resolve("database-ack").toString());
    GatewayProcess gateway = gateway(env);
    GatewayClient client = gateway.client();
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      assertThat(
              client
                  .post("/v1/sessions/" + id + "/messages", token, message("d" + i, "turn " + i))
                  .status())
          .isEqualTo(200);
      acknowledged.add("d" + i);
      assertThat(storedIds(id))
          .as("in the database when acknowledged")
          .containsExactlyElementsOf(acknowledged);
    }
    supabase.goDown(Outage.CONNECTION_REFUSED);

    Answer during =
        client.post(
            "/v1/sessions/" + id + "/messages", token, message("lost", "during the outage"));
    gateway.kill9();
    supabase.goUp();

    assertThat(during.status()).as(during.text()).isEqualTo(503);
    assertThat(during.header("Retry-After")).isPresent();
    assertThat(storedIds(id)).containsExactlyElementsOf(acknowledged);
    assertThat(java.nio.file.Files.exists(dataDir.resolve("database-ack").resolve("journal.db")))
        .as("no journal")
        .isFalse();
  }
}
