package dev.codebasechat.sync;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 1 against a real {@code kill -9}: a child JVM appends and prints every sequence it was
 * acknowledged; it is killed with SIGKILL mid-stream; the reopened journal must hold every one.
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
      // Alternate the levels: both promise to survive a process crash.
      Durability durability = run % 2 == 0 ? Durability.FULL : Durability.PROCESS_CRASH_SAFE;
      int killAfter = ThreadLocalRandom.current().nextInt(50, 400);
      Map<Long, String> acknowledgedThisRun = runAndKill(file, durability, "run" + run, killAfter);
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

  /** Starts the child, reads at least {@code killAfter} acknowledgements, kills it, returns all read. */
  private static Map<Long, String> runAndKill(
      Path file, Durability durability, String run, int killAfter) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    JournalCrashChild.class.getName(),
                    file.toString(),
                    durability.name(),
                    run))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    Map<Long, String> acknowledged = new LinkedHashMap<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
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
    return acknowledged;
  }
}
