package dev.codebasechat.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * A logback appender that scans every event for {@link TestSecrets secrets}: the formatted message,
 * each argument, the MDC, and every throwable of the chain (causes and suppressed, by message and
 * {@code toString()}). Leaks are kept for {@link #drainLeaks()}; with a {@link #setFile file} set,
 * every event is also written there as one redacted line, so the file itself never holds a secret.
 *
 * <p>Configured in {@code logback-test.xml} under the name {@value #NAME}; the suite-wide {@link
 * LogSecretCheck} fails a test class whose run leaked. Thread safe: events arrive from any thread
 * without a lock; only the file write is serialized.
 */
public final class SecretScanningAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

  /** The appender's name in the suite's logback configuration. */
  public static final String NAME = "SECRET_SCAN";

  /** One event that held a secret: where it came from and a redacted excerpt. */
  public record Leak(String logger, String level, String excerpt) {
    @Override
    public String toString() {
      return level + " " + logger + ": " + excerpt;
    }
  }

  private final AtomicLong scanned = new AtomicLong();
  private final ConcurrentLinkedQueue<Leak> leaks = new ConcurrentLinkedQueue<>();
  private final ReentrantLock fileLock = new ReentrantLock();
  private volatile String file = "";
  // Read without the lock on the fast path (no file configured); written and used under fileLock.
  private volatile @Nullable BufferedWriter out;

  /** Where to write every event, one redacted line each; empty (the default) writes nowhere. */
  public void setFile(String file) {
    this.file = file.trim();
  }

  @Override
  public void start() {
    if (!file.isEmpty()) {
      try {
        Path path = Path.of(file);
        Files.createDirectories(path.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
      } catch (IOException e) {
        addError("cannot open " + file, e);
        return;
      }
    }
    super.start();
  }

  @Override
  public void stop() {
    super.stop();
    withFile(
        "cannot close",
        writer -> {
          writer.close();
          out = null;
        });
  }

  @Override
  protected void append(ILoggingEvent event) {
    scanned.incrementAndGet();
    String text = textOf(event);
    List<TestSecrets.Finding> findings = TestSecrets.findIn(text);
    if (!findings.isEmpty()) {
      leaks.add(
          new Leak(
              event.getLoggerName(),
              event.getLevel().toString(),
              TestSecrets.redactedExcerpt(text).orElseThrow()));
    }
    if (out != null) {
      write(
          event,
          findings.isEmpty() ? text : TestSecrets.redact(text, findings),
          !findings.isEmpty());
    }
  }

  /** Everything of {@code event} a reader of the log could see, one part per line. */
  static String textOf(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(256);
    text.append(event.getFormattedMessage());
    Object[] args = event.getArgumentArray();
    if (args != null) {
      for (Object arg : args) {
        text.append('\n').append(safeToString(arg));
      }
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null && !mdc.isEmpty()) {
      mdc.forEach((k, v) -> text.append('\n').append(k).append('=').append(v));
    }
    // SLF4J 2's fluent key-value pairs: printed by %kvp and by JSON encoders.
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair pair : pairs) {
        text.append('\n').append(pair.key).append('=').append(safeToString(pair.value));
      }
    }
    appendThrowables(
        event.getThrowableProxy(), text, Collections.newSetFromMap(new IdentityHashMap<>()));
    return text.toString();
  }

  private static void appendThrowables(
      @Nullable IThrowableProxy proxy, StringBuilder text, Set<IThrowableProxy> seen) {
    if (proxy == null || !seen.add(proxy)) {
      return; // a cause cycle ends here
    }
    text.append('\n').append(proxy.getClassName()).append(": ").append(proxy.getMessage());
    if (proxy instanceof ThrowableProxy real) {
      // toString() may be overridden to print more than the message.
      text.append('\n').append(safeToString(real.getThrowable()));
    }
    for (IThrowableProxy suppressed : proxy.getSuppressed()) {
      appendThrowables(suppressed, text, seen);
    }
    appendThrowables(proxy.getCause(), text, seen);
  }

  private static String safeToString(@Nullable Object value) {
    try {
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return "<toString() failed: " + e.getClass().getName() + ">";
    }
  }

  private void write(ILoggingEvent event, String redacted, boolean leaked) {
    String line =
        Instant.ofEpochMilli(event.getTimeStamp())
            + " ["
            + event.getThreadName()
            + "] "
            + event.getLevel()
            + " "
            + event.getLoggerName()
            + (leaked ? " LEAK" : "")
            + " - "
            + redacted.replace("\n", " | ");
    withFile(
        "cannot write to",
        writer -> {
          writer.write(line);
          writer.newLine();
        });
  }

  /** Writes buffered lines to the file (no-op without one). */
  public void flush() {
    withFile("cannot flush", BufferedWriter::flush);
  }

  /** Something done to the open file; may fail with an {@link IOException}. */
  @FunctionalInterface
  private interface FileAction {
    void run(BufferedWriter writer) throws IOException;
  }

  /**
   * Runs {@code action} on the file under {@code fileLock}, if one is open (no-op otherwise); an
   * {@link IOException} is reported as {@code failure} followed by the file's name.
   */
  private void withFile(String failure, FileAction action) {
    fileLock.lock();
    try {
      BufferedWriter writer = out;
      if (writer != null) {
        action.run(writer);
      }
    } catch (IOException e) {
      addError(failure + " " + file, e);
    } finally {
      fileLock.unlock();
    }
  }

  /** How many events this appender has scanned. */
  public long scannedEvents() {
    return scanned.get();
  }

  /** The leaks seen since the last call, oldest first; each is returned once. */
  public List<Leak> drainLeaks() {
    List<Leak> drained = new ArrayList<>();
    Leak leak;
    while ((leak = leaks.poll()) != null) {
      drained.add(leak);
    }
    return drained;
  }

  /** The instance configured for the suite on logback's root logger, if logback has one. */
  public static Optional<SecretScanningAppender> suiteInstance() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
        && context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(NAME)
            instanceof SecretScanningAppender scanner) {
      return Optional.of(scanner);
    }
    return Optional.empty();
  }
}
