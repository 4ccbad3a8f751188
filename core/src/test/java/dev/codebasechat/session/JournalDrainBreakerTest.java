package dev.codebasechat.session;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.JournalDrain;
import dev.codebasechat.operator.JournalDrain.DrainReport;
import dev.codebasechat.operator.JournalDrain.DrainedSession;
import dev.codebasechat.operator.JournalDrain.Outcome;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drain ({@link JournalDrain}) goes through one breaker, and a delivery of several calls goes
 * through it call by call: a short outage while one session is sent opens it, and once the database
 * is back the sessions after are delivered, whatever number of calls each takes. Over real SQL
 * behind the PostgREST-compatible test server; the breaker's time is a manual clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalDrainBreakerTest {

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private static final Duration OPEN = Duration.ofSeconds(5);

  @TempDir Path dir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "drain-retries");
            thread.setDaemon(true);
            return thread;
          });

  @AfterEach
  void stop() {
    supabase.clearFaults();
    scheduler.shutdownNow();
  }

  /**
   * Writes of {@code user} acknowledged during an outage by a store that then stopped: an append to
   * one session, a context update of another (stored before).
   */
  private void acknowledgedWhileDown(UUID user, SessionId appendsAlone, SessionId withContext) {
    try (SqliteJournal journal = SqliteJournal.open(dir.resolve("journal.db"));
        StoreFixture store =
            new StoreFixture(
                supabase,
                clock,
                builder -> builder.journal(journal).closeTimeout(Duration.ofMillis(50)))) {
      Caller caller = store.caller(user);
      store.store.append(caller, withContext, Append.of(List.of(store.message("b0"))));
      store.drainAll(); // stored and cached: the update below needs no read
      supabase.goDown(Outage.CONNECTION_REFUSED);
      store.store.append(caller, appendsAlone, Append.of(List.of(store.message("a1"))));
      store.store.updateContext(
          caller,
          withContext,
          ContextUpdate.none()
              .withMetadata(JsonNodeFactory.instance.objectNode().put("topic", "drain")));
      store.store.close();
    }
    supabase.goUp();
  }

  @Test
  void aBreakerOpenedByOneSession_letsTheNextSessionsTwoCallsThrough_onceTheDatabaseIsBack() {
    UUID user = supabase.newUser();
    SessionId appendsAlone = StoreFixture.sessionId("drainbrk1");
    SessionId withContext = StoreFixture.sessionId("drainbrk2");
    acknowledgedWhileDown(user, appendsAlone, withContext);
    StubMapping outage =
        supabase
            .wireMock()
            .stubFor(
                post(urlPathEqualTo("/rest/v1/rpc/append_chat_messages_for"))
                    .withRequestBody(containing(appendsAlone.value()))
                    .atPriority(1)
                    .willReturn(aResponse().withStatus(503)));
    Resilience resilience =
        Resilience.builder()
            .jitter(0)
            .maxAttempts(2)
            .initialBackoff(Duration.ofMillis(1))
            .minimumCalls(2)
            .slidingWindow(2)
            .openDuration(OPEN)
            .halfOpenCalls(2)
            .build();

    DrainReport report;
    try (SqliteJournal journal = SqliteJournal.open(dir.resolve("journal.db"));
        PostgrestClient client =
            PostgrestClient.builder()
                .projectUrl(supabase.baseUrl())
                .apiKey(ApiKey.of(supabase.apiKey()))
                .build()) {
      report =
          JournalDrain.drain(
              journal,
              client.operator(ServiceKey.of(supabase.serviceKey())),
              resilience,
              scheduler,
              clock,
              clock.instant().plus(Duration.ofMinutes(5)),
              new JournalDrain.DrainListener() {
                @Override
                public void finished(DrainedSession session) {
                  // The database is back, and the breaker's open time passes.
                  supabase.wireMock().removeStub(outage);
                  clock.advance(OPEN.plusSeconds(1));
                }
              });
    }

    assertThat(report.sessions())
        .extracting(DrainedSession::id, DrainedSession::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(appendsAlone, Outcome.STILL_PENDING),
            org.assertj.core.groups.Tuple.tuple(withContext, Outcome.DELIVERED));
    assertThat(
            supabase.queryAsOwner(
                "select metadata ->> 'topic' from public.codebase_chat_sessions"
                    + " where session_id = ?",
                withContext.value()))
        .containsExactly("drain");
  }
}
