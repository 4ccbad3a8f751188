package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's secret scan finds what it must and reports it redacted. The deliberate leaks here go
 * through a private logback context with its own appender, never the suite's, so they do not fail
 * this class through {@link LogSecretCheck}.
 */
class SecretScanTest {
  private static final String JWT =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

  @TempDir Path dir;

  private final LoggerContext context = new LoggerContext();
  private final SecretScanningAppender appender = new SecretScanningAppender();

  private static String randomSecret() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    // Opaque on purpose: no JWT or key shape, so only the registry can find it.
    return "opaque"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).replace("eyJ", "xyz");
  }

  /** A logger of the private context, at TRACE, feeding {@link #appender}. */
  private Logger deliberateLeaker() {
    context.setMDCAdapter(new LogbackMDCAdapter());
    context.start();
    appender.setContext(context);
    appender.setName("private-scan");
    appender.start();
    Logger logger = context.getLogger("deliberate.leak");
    logger.setLevel(Level.TRACE);
    logger.addAppender(appender);
    return logger;
  }

  @AfterEach
  void stopPrivateContext() {
    context.stop();
  }

  @Test
  void findIn_registeredSecret_isFound() {
    String secret = TestSecrets.register(randomSecret());

    assertThat(TestSecrets.findIn("before " + secret + " after"))
        .containsExactly(new TestSecrets.Finding("registered test secret", 7, 7 + secret.length()));
  }

  @Test
  void findIn_unregisteredOpaqueValue_isNotFound() {
    assertThat(TestSecrets.findIn("value " + randomSecret())).isEmpty();
  }

  @Test
  void register_shorterThanMinimum_isIgnored() {
    TestSecrets.register("short-value");

    assertThat(TestSecrets.containsSecret("a short-value here")).isFalse();
  }

  @Test
  void findIn_jwtShapedString_isFoundUnregistered() {
    assertThat(TestSecrets.findIn("Bearer " + JWT))
        .extracting(TestSecrets.Finding::kind)
        .containsExactly("JWT-shaped string");
  }

  @Test
  void findIn_unsignedJwt_isFound() {
    assertThat(TestSecrets.containsSecret("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.")).isTrue();
  }

  @Test
  void findIn_supabaseKeys_areFound_butNotTheirBarePrefixes() {
    assertThat(TestSecrets.containsSecret("key sb_secret_AbCdEf0123456789xyz")).isTrue();
    assertThat(TestSecrets.containsSecret("key sb_publishable_AbCdEf0123456789xyz")).isTrue();
    assertThat(TestSecrets.containsSecret("serviceKey must be an sb_secret_ key")).isFalse();
  }

  @Test
  void redact_replacesEverySecret_keepsTheRest() {
    String secret = TestSecrets.register(randomSecret());

    String redacted = TestSecrets.redact("a " + JWT + " b " + secret + " c");

    assertThat(redacted)
        .isEqualTo(
            "a <redacted JWT-shaped string, "
                + JWT.length()
                + " chars> b <redacted registered"
                + " test secret, "
                + secret.length()
                + " chars> c");
  }

  @Test
  void redactedExcerpt_showsContextWithoutTheSecret() {
    String secret = TestSecrets.register(randomSecret());

    assertThat(
            TestSecrets.redactedExcerpt("x".repeat(200) + " key=" + secret + " " + "y".repeat(200)))
        .hasValueSatisfying(
            excerpt ->
                assertThat(excerpt)
                    .doesNotContain(secret)
                    .contains("key=<redacted")
                    .hasSizeLessThan(200));
  }

  @Test
  void redactedExcerpt_ofSeveralLines_isOneLine() {
    assertThat(TestSecrets.redactedExcerpt("message\nargument " + JWT + "\ncause"))
        .hasValue(
            "message | argument <redacted JWT-shaped string, " + JWT.length() + " chars> | cause");
  }

  @Test
  void assertNoSecretIn_cleanOutput_passes() {
    TestSecrets.assertNoSecretIn("ACK 1 hello\nACK 2 world\n", "a child");
  }

  @Test
  void assertNoSecretIn_leakingOutput_failsNamingWhere_redacted() {
    String secret = TestSecrets.register(randomSecret());

    assertThatThrownBy(
            () -> TestSecrets.assertNoSecretIn("ok\nusing " + secret + "\n", "the child (pid 7)"))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("the child (pid 7) printed a secret on 1 line(s)")
        .hasMessageContaining("using <redacted registered test secret")
        .hasMessageNotContaining(secret);
  }

  @Test
  void appender_registeredSecretInMessage_isALeakNamingTheLogger() {
    String secret = TestSecrets.register(randomSecret());

    deliberateLeaker().info("connecting with {}", secret);

    List<SecretScanningAppender.Leak> leaks = appender.drainLeaks();
    assertThat(leaks)
        .singleElement()
        .satisfies(
            leak -> {
              assertThat(leak.logger()).isEqualTo("deliberate.leak");
              assertThat(leak.level()).isEqualTo("INFO");
              assertThat(leak.excerpt())
                  .contains("connecting with <redacted")
                  .doesNotContain(secret);
            });
  }

  @Test
  void appender_jwtAtTraceLevel_isALeak() {
    deliberateLeaker().trace("header {}", JWT);

    assertThat(appender.drainLeaks())
        .singleElement()
        .satisfies(leak -> assertThat(leak.toString()).contains("TRACE").doesNotContain(JWT));
  }

  @Test
  void appender_secretInAnArgumentWithoutPlaceholder_isALeak() {
    String secret = TestSecrets.register(randomSecret());

    deliberateLeaker().debug("no placeholder here", (Object) secret);

    assertThat(appender.drainLeaks()).hasSize(1);
  }

  @Test
  void appender_secretInACauseMessage_isALeak() {
    String secret = TestSecrets.register(randomSecret());
    Exception failure =
        new IllegalStateException("write failed", new RuntimeException("rejected key " + secret));

    deliberateLeaker().warn("drain stopped", failure);

    assertThat(appender.drainLeaks())
        .singleElement()
        .satisfies(leak -> assertThat(leak.excerpt()).doesNotContain(secret));
  }

  @Test
  void appender_secretOnlyInAnExceptionsToString_isALeak() {
    String secret = TestSecrets.register(randomSecret());
    Exception failure =
        new RuntimeException("opaque") {
          @Override
          public String toString() {
            return "Custom[" + secret + "]";
          }
        };

    deliberateLeaker().error("failed", new IllegalStateException("outer", failure));

    assertThat(appender.drainLeaks()).hasSize(1);
  }

  @Test
  void appender_secretInASuppressedException_isALeak() {
    Exception failure = new IllegalStateException("outer");
    failure.addSuppressed(new RuntimeException("token " + JWT));

    deliberateLeaker().error("failed", failure);

    assertThat(appender.drainLeaks()).hasSize(1);
  }

  @Test
  void appender_secretInMdc_isALeak() {
    Logger logger = deliberateLeaker();
    context.getMDCAdapter().put("authorization", "Bearer " + JWT);
    try {
      logger.info("request");
    } finally {
      context.getMDCAdapter().clear();
    }

    assertThat(appender.drainLeaks()).hasSize(1);
  }

  @Test
  void appender_secretInAKeyValuePair_isALeak() {
    Logger logger = deliberateLeaker();

    logger.atInfo().addKeyValue("authorization", "Bearer " + JWT).log("request");

    assertThat(appender.drainLeaks()).hasSize(1);
  }

  @Test
  void appender_causeCycle_isScannedOnce_withoutLooping() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b " + JWT, a);
    a.initCause(b);

    deliberateLeaker().error("cycle", a);

    assertThat(appender.drainLeaks()).hasSize(1);
  }

  @Test
  void appender_cleanEvents_areCountedNotReported() {
    Logger logger = deliberateLeaker();
    logger.info("append {} to {}", 3, "chat-1767225600000-abcdef");
    logger.debug("drained");

    assertThat(appender.scannedEvents()).isEqualTo(2);
    assertThat(appender.drainLeaks()).isEmpty();
  }

  @Test
  void drainLeaks_returnsEachLeakOnce() {
    deliberateLeaker().info(JWT);

    assertThat(appender.drainLeaks()).hasSize(1);
    assertThat(appender.drainLeaks()).isEmpty();
  }

  @Test
  void appender_file_holdsEveryEventRedacted_markingLeaks() throws IOException {
    String secret = TestSecrets.register(randomSecret());
    Path file = dir.resolve("logs").resolve("suite.log");
    appender.setFile(file.toString());
    Logger logger = deliberateLeaker();

    logger.info("clean line");
    logger.info("key {}", secret);
    appender.stop();

    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("INFO deliberate.leak - clean line");
    assertThat(lines.get(1))
        .contains("deliberate.leak LEAK - key <redacted")
        .doesNotContain(secret);
  }

  @Test
  void appender_fileThatCannotBeCreated_doesNotStart_andSaysWhy() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
    appender.setFile(notADirectory.resolve("suite.log").toString());

    deliberateLeaker();

    assertThat(appender.isStarted()).isFalse();
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .anySatisfy(
            status ->
                assertThat(status.getMessage()).startsWith("cannot open ").contains("suite.log"));
  }

  @Test
  void check_leaksSeen_failsNamingTheClassLoggerAndRedactedExcerpt() {
    deliberateLeaker().info("token {}", JWT);

    assertThatThrownBy(() -> LogSecretCheck.check(appender, "SomeTest"))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("1 log event(s) during SomeTest held a secret (redacted)")
        .hasMessageContaining("INFO deliberate.leak: token <redacted JWT-shaped string")
        .hasMessageNotContaining(JWT);
  }

  @Test
  void check_noLeaks_passes() {
    deliberateLeaker().info("fine");

    LogSecretCheck.check(appender, "SomeTest");
  }

  @Test
  void suiteConfiguration_installsTheScannerOnTheRootLogger_atDebugAndProjectAtTrace() {
    assertThat(SecretScanningAppender.suiteInstance()).isPresent();
    assertThat(org.slf4j.LoggerFactory.getLogger("dev.codebasechat.any").isTraceEnabled()).isTrue();
    assertThat(org.slf4j.LoggerFactory.getLogger("org.example.thirdparty").isDebugEnabled())
        .isTrue();
  }
}
