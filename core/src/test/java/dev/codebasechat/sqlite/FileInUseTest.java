package dev.codebasechat.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.journal.SqliteJournal;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One process per file, across real processes: a child JVM holds the journal open. */
@Timeout(60)
class FileInUseTest {

  @TempDir Path dir;

  /** A child JVM on this test's class path running {@code main}'s main with {@code file}. */
  private static Process child(Class<?> main, Path file) throws java.io.IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            main.getName(),
            file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private Process startHolder(Path file) throws Exception {
    Process child = child(LockHoldingChild.class, file);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("open");
    return child;
  }

  @Test
  void open_whileAnotherProcessHasIt_failsInUseAtOnce_andWorksOnceThatProcessClosedIt()
      throws Exception {
    Path file = dir.resolve("journal.db");
    Process holder = startHolder(file);
    try {
      assertThatThrownBy(() -> SqliteJournal.open(file))
          .isInstanceOf(JournalException.class)
          .hasMessageContaining("in use by another process")
          .satisfies(
              e ->
                  assertThat(((JournalException) e).reason())
                      .isEqualTo(JournalException.Reason.IN_USE));
    } finally {
      holder.getOutputStream().close();
      assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    try (SqliteJournal journal = SqliteJournal.open(file)) {
      assertThat(journal.pending()).hasSize(1);
    }
  }

  @Test
  void open_afterTheHoldingProcessWasKilled_succeeds() throws Exception {
    Path file = dir.resolve("journal.db");
    Process holder = startHolder(file);
    holder.destroyForcibly();
    assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();

    try (SqliteJournal journal = SqliteJournal.open(file)) {
      assertThat(journal.pending()).hasSize(1);
    }
  }

  @Test
  void open_refusedInThisProcess_keepsOtherProcessesOut() throws Exception {
    Path file = dir.resolve("journal.db");
    try (SqliteJournal journal = SqliteJournal.open(file)) {
      assertThatThrownBy(() -> SqliteJournal.open(file))
          .isInstanceOf(JournalException.class)
          .satisfies(
              e ->
                  assertThat(((JournalException) e).reason())
                      .isEqualTo(JournalException.Reason.IN_USE));

      assertThat(probeFromAnotherProcess(file)).isEqualTo("IN_USE");
    }
    assertThat(probeFromAnotherProcess(file)).isEqualTo("opened");
  }

  @Test
  void open_ofTheSameLockFileUnderAnotherName_isRefused_andKeepsOtherProcessesOut()
      throws Exception {
    Path file = dir.resolve("journal.db");
    Path other = dir.resolve("other.db");
    try (SqliteJournal journal = SqliteJournal.open(file)) {
      java.nio.file.Files.createLink(
          dir.resolve("other.db.lock"), dir.resolve("journal.db.lock")); // one file, two names

      assertThatThrownBy(() -> SqliteJournal.open(other))
          .isInstanceOf(JournalException.class)
          .satisfies(
              e ->
                  assertThat(((JournalException) e).reason())
                      .isEqualTo(JournalException.Reason.IN_USE));
      assertThat(probeFromAnotherProcess(file)).isEqualTo("IN_USE");
    }
  }

  private String probeFromAnotherProcess(Path file) throws Exception {
    Process child = child(LockProbeChild.class, file);
    String answer =
        new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return answer;
  }
}
