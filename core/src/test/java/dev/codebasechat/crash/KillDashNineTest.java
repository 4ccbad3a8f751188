package dev.codebasechat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, real {@code kill -9}: a child JVM appends a stream of messages through the store
 * (journal on disk, FakeSupabase as the database) and is killed at random points, during outages,
 * inside debounce windows, mid-flush and mid-drain, then restarted. At the end every message the
 * child reported as acknowledged is in the database exactly once, in per-session order.
 *
 * <p>{@code -Dcrash.kills=N} runs a longer soak by hand (default 22); {@code -Dcrash.seed=S}
 * repeats a run.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KillDashNineTest {

  private static final int KILLS = Integer.getInteger("crash.kills", 22);
  private static final long SEED = Long.getLong("crash.seed", System.nanoTime());

  /**
   * How long the ACK lines a killed child printed before it died are read for (they are in the pipe
   * already; the read ends as soon as it is empty): those writes were acknowledged too.
   */
  private static final Duration LAST_WORDS = Duration.ofSeconds(10);

  private static FakeSupabase fake;

  @TempDir Path dir;

  @BeforeAll
  static void startFake() {
    fake = FakeSupabase.create().start();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  /**
   * Collects the ACK lines of a run of {@link CrashChild} (the writes it had acknowledged) until
   * {@code acks} arrived or the child ended.
   */
  private static List<String[]> awaitAcks(ChildJvm child, int acks, Duration max)
      throws InterruptedException {
    List<String[]> seen = new ArrayList<>();
    long deadline = System.nanoTime() + max.toNanos();
    while (seen.size() < acks) {
      Duration left = Duration.ofNanos(deadline - System.nanoTime());
      Optional<String> ack = child.awaitLine(line -> line.startsWith("ACK "), left);
      if (ack.isEmpty()) {
        break;
      }
      seen.add(ack.get().split(" "));
    }
    return seen;
  }

  @Test
  void supabaseMode_everyAcknowledgedMessageArrivesExactlyOnce_inOrder_acrossKills()
      throws Exception {
    Random random = new Random(SEED);
    Path journal = dir.resolve("journal.db");
    List<String> users = new ArrayList<>();
    Map<String, List<String>> acked = new LinkedHashMap<>();
    for (int u = 0; u < 3; u++) {
      UUID user = UUID.randomUUID();
      String session = String.format("chat-1767225600000-crash%05d%d", random.nextInt(100_000), u);
      users.add(user.toString());
      users.add(fake.tokenFor(user, Duration.ofHours(2)));
      users.add(session);
      acked.put(session, new ArrayList<>());
    }
    Outage[] outages = {
      Outage.CONNECTION_REFUSED, Outage.DATABASE_UNAVAILABLE, Outage.CONNECTION_RESET
    };
    int total = 0;

    for (int run = 0; run < KILLS; run++) {
      if (random.nextInt(3) == 0) {
        fake.goDown(outages[random.nextInt(outages.length)]);
      } else if (fake.isDown()) {
        fake.goUp();
      }
      List<String> args =
          new ArrayList<>(
              List.of(
                  "supabase",
                  fake.restUrl(),
                  fake.apiKey(),
                  journal.toString(),
                  Integer.toString(run),
                  "100000"));
      args.addAll(users);
      try (ChildJvm child = ChildJvm.start(CrashChild.class, args)) {
        List<String[]> acks = awaitAcks(child, 5 + random.nextInt(120), Duration.ofSeconds(30));
        if (random.nextBoolean()) {
          // Let a flush (or a drain of the backlog) get under way before the kill.
          acks.addAll(awaitAcks(child, 1 + random.nextInt(40), Duration.ofSeconds(30)));
        }
        child.killDashNine();
        acks.addAll(awaitAcks(child, Integer.MAX_VALUE, LAST_WORDS));
        for (String[] ack : acks) {
          acked.get(ack[1]).add(ack[2]);
        }
        total += acks.size();
      }
    }
    fake.goUp();

    List<String> drainArgs =
        new ArrayList<>(
            List.of("supabase", fake.restUrl(), fake.apiKey(), journal.toString(), "drain", "0"));
    drainArgs.addAll(users);
    try (ChildJvm drain = ChildJvm.start(CrashChild.class, drainArgs)) {
      assertThat(drain.remainingLines(Duration.ofSeconds(120))).contains("DRAINED");
    }

    assertThat(total)
        .as("messages acknowledged before the kills (seed %d)", SEED)
        .isGreaterThan(KILLS * 5);
    for (Map.Entry<String, List<String>> session : acked.entrySet()) {
      List<String> stored =
          fake.session(session.getKey()).map(FakeSession::messageIds).orElse(List.of());
      assertThat(stored)
          .as("no duplicates in %s (seed %d)", session.getKey(), SEED)
          .doesNotHaveDuplicates();
      List<String> storedAcked = stored.stream().filter(session.getValue()::contains).toList();
      assertThat(storedAcked)
          .as("every acknowledged message of %s, once, in order (seed %d)", session.getKey(), SEED)
          .containsExactlyElementsOf(session.getValue());
    }
    System.out.printf(
        "kill -9 survived: %d kills, %d acknowledged messages checked (seed %d)%n",
        KILLS, total, SEED);
  }

  @Test
  void embeddedMode_everyAcknowledgedMessageIsThereAfterKills() throws Exception {
    Random random = new Random(SEED + 1);
    Path table = dir.resolve("sessions.db");
    UUID user = UUID.randomUUID();
    String session = "chat-1767225600000-embeddedcrash";
    List<String> userArgs = List.of(user.toString(), fake.tokenFor(user), session);
    List<String> acked = new ArrayList<>();

    for (int run = 0; run < 5; run++) {
      List<String> args =
          new ArrayList<>(List.of("embedded", table.toString(), Integer.toString(run), "100000"));
      args.addAll(userArgs);
      try (ChildJvm child = ChildJvm.start(CrashChild.class, args)) {
        List<String[]> acks = awaitAcks(child, 10 + random.nextInt(200), Duration.ofSeconds(30));
        child.killDashNine();
        acks.addAll(awaitAcks(child, Integer.MAX_VALUE, LAST_WORDS));
        acks.forEach(ack -> acked.add(ack[2]));
      }
    }
    List<String> readArgs = new ArrayList<>(List.of("embedded", table.toString(), "read", "0"));
    readArgs.addAll(userArgs);
    List<String> stored = new ArrayList<>();
    try (ChildJvm reader = ChildJvm.start(CrashChild.class, readArgs)) {
      for (String line : reader.remainingLines(Duration.ofSeconds(60))) {
        if (line.startsWith("HAS ")) {
          stored.add(line.split(" ")[2]);
        }
      }
    }

    assertThat(acked).hasSizeGreaterThan(50);
    assertThat(stored).doesNotHaveDuplicates();
    assertThat(stored.stream().filter(acked::contains).toList()).containsExactlyElementsOf(acked);
  }
}
