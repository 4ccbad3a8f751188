package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionStoreMetricsTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final StoreFixture f =
      new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(100)));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void close() {
    fake.clearFaults();
    f.store.close();
    f.close();
  }

  @Test
  void pendingWrites_andTheirAge_areGauged_untilConfirmed() {
    f.store.bindTo(registry);
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    f.store.append(
        f.caller(ALICE),
        sessionId("metric01"),
        Append.of(List.of(f.message("m1"), f.message("m2"))));
    f.runFor(Duration.ofSeconds(30));

    assertThat(registry.get("sessions.pending.writes").gauge().value()).isEqualTo(2.0);
    assertThat(registry.get("sessions.pending.sessions").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("sessions.pending.oldest.age").gauge().value()).isEqualTo(30.0);
    assertThat(
            registry
                .get("resilience4j.circuitbreaker.state")
                .tag("name", "supabase-postgrest")
                .tag("state", "open")
                .gauge()
                .value())
        .isEqualTo(1.0);

    fake.goUp();
    f.drainAll();

    assertThat(registry.get("sessions.pending.writes").gauge().value()).isZero();
    assertThat(registry.get("sessions.pending.oldest.age").gauge().value()).isZero();
    assertThat(
            registry
                .get("resilience4j.retry.calls")
                .tag("kind", "failed_with_retry")
                .functionCounter()
                .count())
        .isPositive();
  }

  private double cacheGets(String result) {
    return registry
        .get("cache.gets")
        .tag("cache", "sessions")
        .tag("result", result)
        .functionCounter()
        .count();
  }

  @Test
  void aReadTriedWithoutWaitingFirst_countsOnce_asTheReadThatAnswers() {
    f.store.bindTo(registry);
    Caller alice = f.caller(ALICE);
    SessionId id = sessionId("metric03");
    fake.seedSession(ALICE, id.value(), "s1");

    // As the gateway reads: from the cache without waiting, else the whole read.
    assertThat(f.store.historyIfCached(alice, id)).isEmpty();
    f.resolve(f.store.historyAsync(alice, id));
    assertThat(f.store.historyIfCached(alice, id)).isPresent();

    assertThat(cacheGets("miss")).isEqualTo(1.0);
    assertThat(cacheGets("hit")).isEqualTo(1.0);
  }

  @Test
  void cacheHitsAndMisses_areCounted() {
    f.store.bindTo(registry);
    fake.seedSession(ALICE, sessionId("metric02").value(), "s1");

    f.resolve(f.store.historyAsync(f.caller(ALICE), sessionId("metric02")));
    f.resolve(f.store.historyAsync(f.caller(ALICE), sessionId("metric02")));

    assertThat(
            registry
                .get("cache.gets")
                .tag("cache", "sessions")
                .tag("result", "hit")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            registry
                .get("cache.gets")
                .tag("cache", "sessions")
                .tag("result", "miss")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
  }
}
