package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.session.internal.OperatorDelivery;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.session.internal.SessionRemote;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A store on a database that has every migration but 20261207000000 and 20261207000100 (a gateway
 * upgraded before {@code supabase db push}): its appends to a session it found cannot ask for "only
 * if it exists", neither as the owner nor with the service key, so they are sent as before, once
 * refused, and a warning says so once. Over real SQL behind the PostgREST-compatible test server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AppendToExistingOnOlderDatabaseTest {
  /** The first migration this database lacks; it lacks every later one too. */
  private static final String MIGRATION = "20261207000000_append_to_existing_sessions.sql";

  @TempDir static Path migrations;
  private static SupabaseTestServer supabase;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger =
      (Logger) LoggerFactory.getLogger(SessionRemote.class.getPackageName());
  private final List<StoreFixture> fixtures = new ArrayList<>();

  @BeforeAll
  static void startWithoutTheMigration() throws IOException {
    supabase = OlderDatabases.withMigrationsBefore(MIGRATION, migrations);
  }

  @AfterAll
  static void stop() {
    supabase.close();
  }

  @BeforeEach
  void watchLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void close() {
    logger.detachAppender(logs);
    fixtures.forEach(
        f -> {
          f.store.close();
          f.close();
        });
  }

  private StoreFixture store(Acknowledgement acknowledgement) {
    StoreFixture f =
        new StoreFixture(
            supabase,
            ManualClock.startingAtEpoch2026(),
            b -> b.acknowledgement(acknowledgement).databaseTimeout(Duration.ofSeconds(2)));
    fixtures.add(f);
    return f;
  }

  private static List<String> storedIds(SessionId id) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s,"
            + " jsonb_array_elements(s.conversation_history) m where s.session_id = ?",
        id.value());
  }

  private void assertWarnedOnce() {
    assertThat(logs.list)
        .filteredOn(e -> e.getFormattedMessage().contains("20261207000000"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getFormattedMessage())
                    .isEqualTo(
                        "the database's append_chat_messages has no p_create (migration"
                            + " 20261207000000 not applied): an append to a session found to"
                            + " exist is sent as one that creates, so one racing a delete of its"
                            + " session may bring the session back"));
  }

  @Test
  void acknowledgedByTheDatabase_anAppendToAFoundSession_isStoredAsBefore_andWarnedOnce() {
    StoreFixture f = store(Acknowledgement.DATABASE);
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);

    f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m1")))));
    f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m2")))));

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(
            supabase.requests(
                (RecordedRequest r) ->
                    r.isCallOf("append_chat_messages") && r.body().contains("p_create")))
        .as("appends that asked for an existing session only")
        .hasSize(1);
    assertWarnedOnce();
  }

  @Test
  void acknowledgedByTheJournal_appendsToFoundSessionsDeliveredTogether_areStoredAsBefore() {
    StoreFixture f = store(Acknowledgement.JOURNAL);
    Caller alice = f.caller(supabase.newUser());
    List<SessionId> ids = List.of(f.store.create(alice), f.store.create(alice));
    f.drainAll();
    for (SessionId id : ids) {
      f.store.appendExisting(alice, id, Append.of(List.of(f.message("m1"))));
    }
    f.drainAll();
    for (SessionId id : ids) {
      f.store.appendExisting(alice, id, Append.of(List.of(f.message("m2"))));
    }
    f.drainAll();

    for (SessionId id : ids) {
      assertThat(storedIds(id)).containsExactly("m1", "m2");
    }
    assertThat(
            supabase.requests(
                (RecordedRequest r) ->
                    r.isCallOf("append_chat_messages_batch") && r.body().contains("create")))
        .as("batches that asked for existing sessions only")
        .hasSize(1);
    assertThat(f.store.setAsideWrites()).isEmpty();
    assertWarnedOnce();
  }

  @Test
  void withTheServiceKey_anAppendToAFoundSession_isDeliveredAsOneThatCreates_andWarnedOnce() {
    StoreFixture f = store(Acknowledgement.DATABASE);
    UUID user = supabase.newUser();
    SessionId id = f.store.create(f.caller(user));
    try (PostgrestClient client =
        PostgrestClient.builder()
            .projectUrl(supabase.baseUrl())
            .apiKey(ApiKey.of(supabase.apiKey()))
            .build()) {
      OperatorDelivery delivery =
          new OperatorDelivery(
              client.operator(ServiceKey.of(supabase.serviceKey())), f.store.guard(), f.clock);

      List<OperatorDelivery.Outcome> outcomes = new ArrayList<>();
      for (String messageId : List.of("m1", "m2")) {
        PendingOp.Append append =
            new PendingOp.Append(List.of(f.message(messageId)), Optional.empty(), Optional.empty())
                .onlyIfExists();
        outcomes.add(delivery.deliver(id, user, List.of(append)).join().outcome());
      }

      assertThat(outcomes)
          .containsExactly(OperatorDelivery.Outcome.DELIVERED, OperatorDelivery.Outcome.DELIVERED);
    }
    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(
            supabase.requests(
                (RecordedRequest r) ->
                    r.isCallOf("append_chat_messages_for") && r.body().contains("p_create")))
        .as("appends that asked for an existing session only")
        .hasSize(1);
    assertThat(logs.list)
        .filteredOn(e -> e.getFormattedMessage().contains("20261207000100"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getFormattedMessage())
                    .isEqualTo(
                        "the database's append_chat_messages_for has no p_create (migration"
                            + " 20261207000100 not applied): an append to a session found to"
                            + " exist is delivered as one that creates, so one delivered after a"
                            + " delete of its session brings the session back"));
  }
}
