package dev.codebasechat.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 1 against a real {@code kill -9}: a child JVM appends and prints everything it was
 * acknowledged; it is killed with SIGKILL mid-stream; the reopened file must hold every one. Four
 * kills per test on the same file, alternating {@link Durability#FULL} and {@link
 * Durability#PROCESS_CRASH_SAFE}, for the journal and for the embedded session table.
 */
@Timeout(120)
class JournalCrashTest {

  private static final int RUNS = 4;

  @TempDir Path dir;

  @Test
  void append_childKilledMidStream_everyAcknowledgedEntrySurvives() throws Exception {
    Path file = dir.resolve("journal.db");
    Map<Long, String> acknowledged = new LinkedHashMap<>();
    for (int run = 0; run < RUNS; run++) {
      Durability durability = durability(run);
      int killAfter = ThreadLocalRandom.current().nextInt(50, 400);
      Map<Long, String> acknowledgedThisRun =
          runAndKill("journal", file, durability, "run" + run, killAfter);
      assertThat(acknowledgedThisRun).hasSizeGreaterThanOrEqualTo(killAfter);
      acknowledged.putAll(acknowledgedThisRun);

      try (SqliteJournal reopened = SqliteJournal.open(file)) {
        Map<Long, String> stored = new LinkedHashMap<>();
        for (JournalEntry entry : reopened.pending()) {
          stored.put(entry.sequence(), new String(entry.payload(), UTF_8));
        }
        // Everything acknowledged, in every run so far, is there with its payload.
        assertThat(stored).containsAllEntriesOf(acknowledged);
        System.out.printf(
            "run %d (%s): killed after %d acknowledgements read, %d acknowledged in all, %d stored%n",
            run, durability, killAfter, acknowledged.size(), stored.size());
      }
    }
  }

  @Test
  void localSessionTableAppend_childKilledMidStream_everyAcknowledgedMessageIsStoredOnce()
      throws Exception {
    Path file = dir.resolve("sessions.db");
    List<String> acknowledged = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      Durability durability = durability(run);
      int killAfter = ThreadLocalRandom.current().nextInt(50, 300);
      acknowledged.addAll(runAndKill("table", file, durability, "r" + run, killAfter).values());

      try (LocalSessionTable reopened = LocalSessionTable.builder().path(file).build()) {
        List<String> stored = new ArrayList<>();
        reopened
            .fetch(JournalCrashChild.OWNER, JournalCrashChild.SESSION)
            .orElseThrow()
            .get("conversation_history")
            .forEach(message -> stored.add(message.get("id").asText()));
        assertThat(stored).doesNotHaveDuplicates().containsAll(acknowledged);
        System.out.printf(
            "table run %d (%s): %d messages acknowledged in all, %d stored%n",
            run, durability, acknowledged.size(), stored.size());
      }
    }
  }

  /** Alternates the levels: both promise to survive a process crash. */
  private static Durability durability(int run) {
    return run % 2 == 0 ? Durability.FULL : Durability.PROCESS_CRASH_SAFE;
  }

  /**
   * Starts the child, reads at least {@code killAfter} acknowledgements, kills it, returns all
   * read.
   */
  private static Map<Long, String> runAndKill(
      String mode, Path file, Durability durability, String run, int killAfter) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // The child's stderr (its log lines and stack traces) goes to a file under target/, kept for
    // reading and scanned for secrets with its stdout.
    Path stderr =
        Path.of(
            System.getProperty("test.logs.dir", "target/test-logs"),
            "journal-crash-child-" + mode + "-" + run + ".stderr");
    Files.createDirectories(stderr.getParent());
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    JournalCrashChild.class.getName(),
                    mode,
                    file.toString(),
                    durability.name(),
                    run))
            .redirectError(stderr.toFile())
            .start();
    Map<Long, String> acknowledged = new LinkedHashMap<>();
    StringBuilder stdout = new StringBuilder();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        stdout.append(line).append('\n');
        if (line.startsWith("ACK ")) {
          String[] parts = line.split(" ", 3);
          acknowledged.put(Long.parseLong(parts[1]), parts[2]);
          if (acknowledged.size() == killAfter) {
            // SIGKILL while the child is in the middle of further appends. Through the handle, so
            // the pipe stays open and every line the child printed before it died is still read.
            child.toHandle().destroyForcibly();
          }
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).isEqualTo(137);
    TestSecrets.assertNoSecretIn(stdout.toString(), "the journal crash child's stdout");
    TestSecrets.assertNoSecretIn(
        Files.readString(stderr, UTF_8), "the journal crash child's stderr (" + stderr + ")");
    return acknowledged;
  }
}
