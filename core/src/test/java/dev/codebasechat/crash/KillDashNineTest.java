package dev.codebasechat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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

  private static final class Child implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    /** Everything the child printed (stdout and stderr), scanned for secrets on close. */
    final StringBuffer transcript = new StringBuffer();

    final Thread reader;

    Child(List<String> args) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add("-Xmx256m");
      command.add("-XX:TieredStopAtLevel=1");
      command.add(CrashChild.class.getName());
      command.addAll(args);
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    transcript.append(line).append('\n');
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process died; what it printed before is all there is
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    /** Collects ACK lines until {@code acks} arrived or the child ended. */
    List<String[]> awaitAcks(int acks, Duration max) throws InterruptedException {
      List<String[]> seen = new ArrayList<>();
      long deadline = System.nanoTime() + max.toNanos();
      while (seen.size() < acks && System.nanoTime() < deadline) {
        String line = lines.poll(50, TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith("ACK ")) {
          seen.add(line.split(" "));
        } else if (line == null && !process.isAlive() && lines.isEmpty()) {
          break;
        }
      }
      return seen;
    }

    void killDashNine() throws Exception {
      Process kill = new ProcessBuilder("kill", "-9", Long.toString(process.pid())).start();
      kill.waitFor(10, TimeUnit.SECONDS);
      process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Lines printed after the last ACK collected (drains the queue once the process ended). */
    List<String> remainingLines(Duration max) throws InterruptedException {
      process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
      List<String> rest = new ArrayList<>();
      String line;
      while ((line = lines.poll(200, TimeUnit.MILLISECONDS)) != null) {
        rest.add(line);
      }
      return rest;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      reader.join(TimeUnit.SECONDS.toMillis(10)); // the rest of the output, up to the pipe's end
      TestSecrets.assertNoSecretIn(
          transcript.toString(), "the crash child (pid " + process.pid() + ")");
    }
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
      try (Child child = new Child(args)) {
        List<String[]> acks = child.awaitAcks(5 + random.nextInt(120), Duration.ofSeconds(30));
        if (random.nextBoolean()) {
          // Let a flush (or a drain of the backlog) get under way before the kill.
          acks.addAll(child.awaitAcks(1 + random.nextInt(40), Duration.ofSeconds(30)));
        }
        child.killDashNine();
        acks.addAll(child.awaitAcks(Integer.MAX_VALUE, Duration.ZERO));
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
    try (Child drain = new Child(drainArgs)) {
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
      try (Child child = new Child(args)) {
        List<String[]> acks = child.awaitAcks(10 + random.nextInt(200), Duration.ofSeconds(30));
        child.killDashNine();
        acks.addAll(child.awaitAcks(Integer.MAX_VALUE, Duration.ZERO));
        acks.forEach(ack -> acked.add(ack[2]));
      }
    }
    List<String> readArgs = new ArrayList<>(List.of("embedded", table.toString(), "read", "0"));
    readArgs.addAll(userArgs);
    List<String> stored = new ArrayList<>();
    try (Child reader = new Child(readArgs)) {
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
