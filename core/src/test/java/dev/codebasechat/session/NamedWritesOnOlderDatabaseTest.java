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
import java.util.List;
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
 * A store on a database without migration 20261208000000 (a gateway upgraded before {@code supabase
 * db push}): its clears cannot carry their id, so they are sent as before, once refused, and a
 * warning says so once. Over real SQL behind the PostgREST-compatible test server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamedWritesOnOlderDatabaseTest {
  /** The first migration this database lacks; it lacks every later one too. */
  private static final String MIGRATION = "20261208000000_repeatable_clears.sql";

  @TempDir static Path migrations;
  private static SupabaseTestServer supabase;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger =
      (Logger) LoggerFactory.getLogger(SessionRemote.class.getPackageName());
  private StoreFixture f;

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
    f =
        new StoreFixture(
            supabase,
            ManualClock.startingAtEpoch2026(),
            b -> b.acknowledgement(Acknowledgement.DATABASE));
  }

  @AfterEach
  void close() {
    logger.detachAppender(logs);
    f.store.close();
    f.close();
  }

  private static List<String> storedIds(SessionId id) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s,"
            + " jsonb_array_elements(s.conversation_history) m where s.session_id = ?",
        id.value());
  }

  @Test
  void clears_areStoredAsBefore_theIdAskedForOnce_andWarnedOnce() {
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.clear(alice, id);
    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));

    SessionRead cleared = f.store.clear(alice, id);

    assertThat(cleared.session().messages()).isEmpty();
    assertThat(storedIds(id)).isEmpty();
    assertThat(
            supabase.requests(
                (RecordedRequest r) ->
                    r.isCallOf("clear_chat_history") && r.body().contains("p_clear_id")))
        .as("clears that carried their id")
        .hasSize(1);
    assertThat(logs.list)
        .filteredOn(e -> e.getFormattedMessage().contains("20261208000000"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getFormattedMessage())
                    .isEqualTo(
                        "the database's clear_chat_history has no p_clear_id (migration"
                            + " 20261208000000 not applied): a clear whose answer is lost and is"
                            + " sent again can erase messages stored in between"));
  }

  @Test
  void aClearOfAMissingSession_isStillNotFound() {
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    f.store.delete(alice, id);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.store.clear(alice, id))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void withTheServiceKey_aJournaledClear_isAppliedToTheRowRead_andWarnedOnce() {
    UUID user = supabase.newUser();
    Caller owner = f.caller(user);
    SessionId id = f.store.create(owner);
    f.store.append(owner, id, Append.of(List.of(f.message("m1"))));
    try (PostgrestClient client =
        PostgrestClient.builder()
            .projectUrl(supabase.baseUrl())
            .apiKey(ApiKey.of(supabase.apiKey()))
            .build()) {
      OperatorDelivery delivery =
          new OperatorDelivery(
              client.operator(ServiceKey.of(supabase.serviceKey())), f.store.guard(), f.clock);

      OperatorDelivery.Result result =
          delivery.deliver(id, user, List.of(PendingOp.Clear.asked())).join();

      assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    }
    assertThat(storedIds(id)).isEmpty();
    assertThat(logs.list)
        .filteredOn(e -> e.getFormattedMessage().contains("clear_chat_history_for"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getFormattedMessage())
                    .isEqualTo(
                        "the database has no clear_chat_history_for (migration 20261208000000 not"
                            + " applied): a journaled clear delivered again after its answer was"
                            + " lost is applied again"));
  }

  @Test
  void deletes_areStoredAsBefore_theIdAskedForOnce_andWarnedOnce() {
    Caller alice = f.caller(supabase.newUser());
    SessionId first = f.store.create(alice);
    SessionId second = f.store.create(alice);
    f.store.append(alice, first, Append.of(List.of(f.message("m1"))));

    f.store.delete(alice, first);
    f.store.delete(alice, second);

    assertThat(
            supabase.queryAsOwner(
                "select session_id from public.codebase_chat_sessions where session_id in (?, ?)",
                first.value(),
                second.value()))
        .isEmpty();
    assertThat(
            supabase.requests(
                (RecordedRequest r) ->
                    r.isCallOf("delete_chat_session") && r.body().contains("p_delete_id")))
        .as("deletes that carried their id")
        .hasSize(1);
    assertThat(logs.list)
        .filteredOn(e -> e.getFormattedMessage().contains("20261208000100"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getFormattedMessage())
                    .isEqualTo(
                        "the database's delete_chat_session has no p_delete_id (migration"
                            + " 20261208000100 not applied): a delete whose answer is lost and is"
                            + " sent again can delete a session started again under the same id"));
  }
}
