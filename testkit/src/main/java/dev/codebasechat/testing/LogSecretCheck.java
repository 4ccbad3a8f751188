package dev.codebasechat.testing;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class if any log event during its run held a secret (see {@link TestSecrets}),
 * naming each logger with a redacted excerpt. Register it for the whole suite through JUnit's
 * extension auto-detection (a {@code META-INF/services/org.junit.jupiter.api.extension.Extension}
 * naming it, and {@code junit.jupiter.extensions.autodetection.enabled=true}; docs/testing.md shows
 * both), or with {@code @ExtendWith} on a class; a no-op where logback has no {@link
 * SecretScanningAppender}.
 *
 * <p>Events logged between two classes (a late background thread) are charged to the next class
 * that ends, so none goes unreported. Stateless and thread safe.
 */
public final class LogSecretCheck implements AfterAllCallback {

  @Override
  public void afterAll(ExtensionContext context) {
    SecretScanningAppender.suiteInstance()
        .ifPresent(scanner -> check(scanner, context.getDisplayName()));
  }

  /**
   * Fails if {@code scanner} saw leaks since the last check, naming {@code where}.
   *
   * @throws AssertionError listing each leak by level, logger and redacted excerpt
   */
  static void check(SecretScanningAppender scanner, String where) {
    scanner.flush();
    List<SecretScanningAppender.Leak> leaks = scanner.drainLeaks();
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          leaks.size()
              + " log event(s) during "
              + where
              + " held a secret (redacted):\n"
              + leaks.stream().map(l -> "  " + l).collect(Collectors.joining("\n")));
    }
  }
}
