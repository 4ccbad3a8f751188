package dev.codebasechat.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * At the end of a test run, reports how many log events the {@link SecretScanningAppender} scanned,
 * on standard output and in a file next to the suite log (system property {@code test.logs.file}),
 * named after it: {@code suite-1.log} gets {@code suite-1.scan-summary.txt}, so that test JVMs
 * running side by side each keep theirs. Without that property, {@code scan-summary.txt} in {@code
 * test.logs.dir}, when set. Register it in a {@code
 * META-INF/services/org.junit.platform.launcher.LauncherSessionListener} of your test resources
 * (docs/testing.md); a no-op without the appender.
 */
public final class SuiteLogSummary implements LauncherSessionListener {

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    SecretScanningAppender.suiteInstance()
        .ifPresent(
            scanner -> {
              scanner.flush();
              String summary =
                  "Secret scan: "
                      + scanner.scannedEvents()
                      + " log events scanned, "
                      + scanner.drainLeaks().size()
                      + " unreported leak(s) after the last test class";
              System.out.println(summary);
              summaryFile(
                      System.getProperty("test.logs.file", ""),
                      System.getProperty("test.logs.dir", ""))
                  .ifPresent(
                      file -> {
                        try {
                          Files.createDirectories(file.toAbsolutePath().getParent());
                          Files.writeString(file, summary + "\n", StandardCharsets.UTF_8);
                        } catch (IOException e) {
                          System.err.println("cannot write the scan summary: " + e);
                        }
                      });
            });
  }

  /**
   * Where the summary goes: next to {@code suiteLog}, or in {@code logsDir}; nowhere when both are
   * empty.
   */
  static Optional<Path> summaryFile(String suiteLog, String logsDir) {
    if (!suiteLog.isBlank()) {
      Path log = Path.of(suiteLog.trim());
      String name = log.getFileName().toString();
      String base = name.endsWith(".log") ? name.substring(0, name.length() - 4) : name;
      return Optional.of(log.resolveSibling(base + ".scan-summary.txt"));
    }
    return logsDir.isBlank()
        ? Optional.empty()
        : Optional.of(Path.of(logsDir.trim(), "scan-summary.txt"));
  }
}
