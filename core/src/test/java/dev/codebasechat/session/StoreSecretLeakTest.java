package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The store's own log lines and failures (writes parked on a refused token, writes set aside,
 * outages, unavailable reads) never carry a token, a token's payload or the project key.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StoreSecretLeakTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final Logger ours = (Logger) LoggerFactory.getLogger("dev.codebasechat");
  private Level previous;
  private StoreFixture f;

  @BeforeEach
  void captureLogs() {
    previous = ours.getLevel();
    ours.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
    f = new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(100)));
  }

  @AfterEach
  void release() {
    fake.clearFaults();
    f.store.close();
    f.close();
    root.detachAppender(logs);
    ours.setLevel(previous);
  }

  @Test
  void refusedTokens_setAsideWrites_outagesAndFallbacks_neverLogATokenOrKey() {
    String shortToken = fake.tokenFor(ALICE, Duration.ofSeconds(5));
    String bobToken = fake.tokenFor(BOB);
    List<Throwable> failures = new ArrayList<>();
    Caller expiring = new Caller(ALICE, AccessToken.of(shortToken));
    Caller bob = new Caller(BOB, AccessToken.of(bobToken));
    fake.seedSession(ALICE, sessionId("leak0001").value(), "secret");

    f.store.append(expiring, sessionId("leak0002"), Append.of(List.of(f.message("m1"))));
    CLOCK.advance(Duration.ofMinutes(1)); // the token expires before the flush: parked, logged
    f.runFor(Duration.ofSeconds(2));
    f.store.append(
        bob, sessionId("leak0001"), Append.of(List.of(f.message("intruder")))); // set aside, logged
    f.runFor(Duration.ofSeconds(2)); // Alice's write stays parked: nothing to drain to the end
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    f.store.append(bob, sessionId("leak0003"), Append.of(List.of(f.message("during-outage"))));
    f.runFor(Duration.ofSeconds(30)); // retries, breaker opens, logged
    failures.add(f.failureOf(f.store.historyAsync(bob, sessionId("leak0004"))));
    failures.add(f.failureOf(f.store.historyAsync(expiring, sessionId("leak0001"))));

    List<String> text = new ArrayList<>();
    for (ILoggingEvent event : logs.list) {
      text.add(event.getFormattedMessage());
      if (event.getThrowableProxy() != null) {
        text.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
      }
    }
    for (Throwable failure : failures) {
      text.add(String.valueOf(failure));
    }
    text.add(f.store.pendingSessions().toString());
    text.add(f.store.setAsideWrites().toString());

    assertThat(logs.list).isNotEmpty();
    assertThat(f.store.setAsideWrites()).isNotEmpty();
    for (String secret :
        List.of(
            shortToken,
            payloadOf(shortToken),
            bobToken,
            payloadOf(bobToken),
            fake.apiKey(),
            payloadOf(fake.apiKey()))) {
      assertThat(text).allSatisfy(line -> assertThat(line).doesNotContain(secret));
    }
  }

  private static String payloadOf(String jwt) {
    return jwt.split("\\.")[1];
  }
}
