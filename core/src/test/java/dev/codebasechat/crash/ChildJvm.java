package dev.codebasechat.crash;

import dev.codebasechat.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A main class run in a JVM of its own on the test's classpath, for tests that kill it with {@code
 * kill -9}: its output (stdout and stderr) is read line by line as it comes, and kept whole. On
 * {@link #close()} the process is ended and its whole output is checked for secrets (shared by the
 * core's crash test and the adapters' through the core's test jar).
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuffer transcript = new StringBuffer();
  private final Thread reader;
  private final Consumer<String> transcriptCheck;

  private ChildJvm(Process process, Consumer<String> transcriptCheck) {
    this.process = process;
    this.transcriptCheck = transcriptCheck;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
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

  /** Starts {@code main} with {@code args}; its output is checked for secrets on close. */
  public static ChildJvm start(Class<?> main, List<String> args) throws IOException {
    return start(main, args, transcript -> {});
  }

  /**
   * Starts {@code main} with {@code args}; on close its output is checked for secrets, then by
   * {@code transcriptCheck}.
   */
  public static ChildJvm start(Class<?> main, List<String> args, Consumer<String> transcriptCheck)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add(main.getName());
    command.addAll(args);
    return new ChildJvm(
        new ProcessBuilder(command).redirectErrorStream(true).start(), transcriptCheck);
  }

  /**
   * The next line {@code wanted} accepts, skipping the others; empty when none came within {@code
   * max} or the child ended with nothing more to read.
   */
  public Optional<String> awaitLine(Predicate<String> wanted, Duration max)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(50, TimeUnit.MILLISECONDS);
      if (line != null && wanted.test(line)) {
        return Optional.of(line);
      }
      if (line == null && !process.isAlive() && lines.isEmpty()) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Waits up to {@code max} for the child to end, then returns the lines not read yet. */
  public List<String> remainingLines(Duration max) throws InterruptedException {
    process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
    List<String> rest = new ArrayList<>();
    for (String line; (line = lines.poll(200, TimeUnit.MILLISECONDS)) != null; ) {
      rest.add(line);
    }
    return rest;
  }

  /** Everything the child printed so far. */
  public String transcript() {
    return transcript.toString();
  }

  /** SIGKILL, as {@code kill -9 <pid>} sends it; returns once the child is gone. */
  public void killDashNine() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-9", Long.toString(process.pid()))
        .start()
        .waitFor(10, TimeUnit.SECONDS);
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    reader.join(TimeUnit.SECONDS.toMillis(10)); // the rest of the output, up to the pipe's end
    TestSecrets.assertNoSecretIn(transcript(), "the child JVM (pid " + process.pid() + ")");
    transcriptCheck.accept(transcript());
  }
}
