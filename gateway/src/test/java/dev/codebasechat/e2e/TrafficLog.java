package dev.codebasechat.e2e;

import dev.codebasechat.testing.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the gateways of one scenario sent to the database, appended as one line per scenario to
 * {@code target/test-logs/e2e-traffic.tsv}: requests by method and path, and bytes in both
 * directions as the database's HTTP server counted them (requests received, answers sent).
 */
final class TrafficLog {
  /** The first line of a test run starts the file anew. */
  private static final java.util.concurrent.atomic.AtomicBoolean STARTED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private TrafficLog() {}

  static synchronized void record(String scenario, List<RecordedRequest> requests) {
    Map<String, Integer> byKind = new TreeMap<>();
    long received = 0;
    long sent = 0;
    for (RecordedRequest request : requests) {
      byKind.merge(
          request.method() + " " + request.path().replace("/rest/v1/", ""), 1, Integer::sum);
      received += request.bytesReceived();
      sent += request.bytesSent();
    }
    String line =
        String.format(
            Locale.ROOT,
            "%s\t%d requests\t%d bytes to the database\t%d bytes from it\t%s%n",
            scenario,
            requests.size(),
            received,
            sent,
            byKind);
    Path dir = Path.of(System.getProperty("test.logs.dir", "target/test-logs"));
    try {
      Files.createDirectories(dir);
      StandardOpenOption mode =
          STARTED.compareAndSet(false, true)
              ? StandardOpenOption.TRUNCATE_EXISTING
              : StandardOpenOption.APPEND;
      Files.writeString(
          dir.resolve("e2e-traffic.tsv"),
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          mode);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
