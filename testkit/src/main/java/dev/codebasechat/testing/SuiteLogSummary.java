package dev.codebasechat.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * At the end of a test run, reports how many log events the {@link SecretScanningAppender} scanned,
 * on standard output and, next to the suite log, in {@code scan-summary.txt}. Registered through
 * {@code META-INF/services}; a no-op without the appender.
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
              String dir = System.getProperty("test.logs.dir", "");
              if (!dir.isEmpty()) {
                try {
                  Files.createDirectories(Path.of(dir));
                  Files.writeString(
                      Path.of(dir, "scan-summary.txt"), summary + "\n", StandardCharsets.UTF_8);
                } catch (IOException e) {
                  System.err.println("cannot write the scan summary: " + e);
                }
              }
            });
  }
}
