package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.testing.AnswerHold;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Acknowledgement#DATABASE}: a write is answered only once the database holds it; during an
 * outage it fails and nothing stays behind; appends of one session that arrive while one is in
 * flight go together in the next request. Over real SQL behind the PostgREST-compatible test
 * server, on a manual clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatabaseAcknowledgementTest {

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final List<StoreFixture> fixtures = new ArrayList<>();

  @AfterEach
  void closeStores() {
    supabase.clearFaults();
    fixtures.forEach(
        f -> {
          f.store.close();
          f.close();
        });
  }

  private StoreFixture store() {
    StoreFixture f =
        new StoreFixture(
            supabase,
            clock,
            b ->
                b.acknowledgement(Acknowledgement.DATABASE).databaseTimeout(Duration.ofSeconds(2)));
    fixtures.add(f);
    return f;
  }

  private static List<String> sessionIds(SessionId id) {
    return supabase.queryAsOwner(
        "select session_id from public.codebase_chat_sessions where session_id = ?", id.value());
  }

  private static List<String> storedIds(SessionId id) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history) m"
            + " where s.session_id = ?",
        id.value());
  }

  @Test
  void anAcknowledgedAppend_isAlreadyInTheDatabase() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);

    AppendReceipt receipt =
        f.resolve(f.store.appendAsync(alice, id, Append.of(List.of(f.message("m1")))));

    assertThat(receipt.pendingWrites()).isZero();
    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(f.store.pendingSessions()).isEmpty();
  }

  @Test
  void duringAnOutage_anAppendFails_andNothingIsLeftToDeliver() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    supabase.goDown(Outage.CONNECTION_REFUSED);

    Throwable failure =
        f.failureOf(f.store.appendAsync(alice, id, Append.of(List.of(f.message("m1")))));
    supabase.goUp();

    assertThat(failure).isInstanceOf(SessionUnavailableException.class);
    assertThat(f.store.pendingSessions()).isEmpty();
    assertThat(storedIds(id)).isEmpty();
  }

  @Test
  void appendsArrivingWhileOneIsInFlight_goTogetherInTheNextRequest() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    supabase.clearRequests();
    List<CompletableFuture<AppendReceipt>> sent = new ArrayList<>();
    try (AnswerHold hold = supabase.holdAnswers()) {
      sent.add(f.store.appendAsync(alice, id, Append.of(List.of(f.message("m0")))));
      f.scheduler.runDueTasks();
      await("the first append in flight")
          .atMost(Duration.ofSeconds(10))
          .until(() -> hold.waiting() == 1);
      for (int i = 1; i < 10; i++) {
        sent.add(f.store.appendAsync(alice, id, Append.of(List.of(f.message("m" + i)))));
      }
    }
    sent.forEach(f::resolve);

    assertThat(storedIds(id))
        .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages"))).hasSize(2);
    assertThat(sent.get(9).join().messageCount()).isEqualTo(10);
  }

  /** {@code user}'s session holding m1, stored through another instance than the one asked. */
  private SessionId storedElsewhere(UUID user) {
    StoreFixture there = store();
    SessionId id = there.store.create(there.caller(user));
    there.resolve(
        there.store.appendAsync(there.caller(user), id, Append.of(List.of(there.message("m1")))));
    return id;
  }

  /** {@code here}'s append of m2 to the found session {@code id}, run as its head read is held. */
  private static CompletableFuture<AppendReceipt> appendWhileItsHeadReadIsHeld(
      StoreFixture here, UUID user, SessionId id, Runnable whileHeld) {
    try (AnswerHold hold = supabase.holdAnswers()) {
      CompletableFuture<AppendReceipt> append =
          here.store.appendExistingAsync(
              here.caller(user), id, Append.of(List.of(here.message("m2"))));
      await("the head read in flight")
          .atMost(Duration.ofSeconds(10))
          .until(() -> hold.waiting() == 1);
      whileHeld.run();
      return append;
    }
  }

  @Test
  void anAppendToAFoundSession_waitsForItsHeadReadAndItsAppend_atMostTheDatabaseTimeoutInAll() {
    UUID user = supabase.newUser();
    SessionId id = storedElsewhere(user);
    StoreFixture here = store();
    CompletableFuture<AppendReceipt> append =
        appendWhileItsHeadReadIsHeld(
            here,
            user,
            id,
            () -> {
              here.advanceMillis(1_500);
              supabase.failNext(1, Outage.NO_ANSWER);
            });
    await("the append in flight")
        .atMost(Duration.ofSeconds(10))
        .until(() -> supabase.unansweredRequests() == 1);

    here.advanceMillis(500);

    assertThat(append).isCompletedExceptionally();
    assertThat(here.failureOf(append)).isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void anAppendToAFoundSession_whoseHeadReadTookAllTheTime_isNotSent() {
    UUID user = supabase.newUser();
    SessionId id = storedElsewhere(user);
    StoreFixture here = store();
    CompletableFuture<AppendReceipt> append =
        appendWhileItsHeadReadIsHeld(
            here,
            user,
            id,
            () -> {
              clock.advance(Duration.ofSeconds(2)); // the time is up; its timers have not run yet
              supabase.failNext(1, Outage.NO_ANSWER); // an append sent now would wait here
            });
    await("the append answered or sent")
        .atMost(Duration.ofSeconds(10))
        .until(() -> append.isDone() || supabase.unansweredRequests() > 0);

    assertThat(supabase.unansweredRequests()).isZero();
    assertThat(here.failureOf(append)).isInstanceOf(SessionUnavailableException.class);
    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void anAppendQueuedBehindOneInFlight_waitsAtMostTheDatabaseTimeoutFromItsOwnStart() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    supabase.failNext(2, Outage.NO_ANSWER);
    CompletableFuture<AppendReceipt> first =
        f.store.appendAsync(alice, id, Append.of(List.of(f.message("m1"))));
    await("the first append in flight")
        .atMost(Duration.ofSeconds(10))
        .until(() -> supabase.unansweredRequests() == 1);
    f.advanceMillis(100);
    CompletableFuture<AppendReceipt> queued =
        f.store.appendAsync(alice, id, Append.of(List.of(f.message("m2"))));
    f.advanceMillis(1_900); // the first is cut; the queued one is sent and gets no answer either
    await("the queued append in flight")
        .atMost(Duration.ofSeconds(10))
        .until(() -> supabase.unansweredRequests() == 2);

    f.advanceMillis(100);

    assertThat(first).isCompletedExceptionally();
    assertThat(queued).isCompletedExceptionally();
    assertThat(f.failureOf(queued)).isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void anAppendToAFoundSession_thatAnotherInstanceDeleted_isNotFound_andDoesNotBringItBack() {
    StoreFixture here = store();
    StoreFixture there = store();
    UUID user = supabase.newUser();
    SessionId id = here.store.create(here.caller(user));
    here.resolve(
        here.store.appendAsync(here.caller(user), id, Append.of(List.of(here.message("m1")))));
    there.store.delete(there.caller(user), id);

    Throwable failure =
        here.failureOf(
            here.store.appendExistingAsync(
                here.caller(user), id, Append.of(List.of(here.message("m2")))));

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(sessionIds(id)).isEmpty();
  }

  @Test
  void aClearOfACachedSession_thatAnotherInstanceDeleted_isNotFound_notAnEmptySession() {
    StoreFixture here = store();
    StoreFixture there = store();
    UUID user = supabase.newUser();
    SessionId id = here.store.create(here.caller(user));
    here.resolve(
        here.store.appendAsync(here.caller(user), id, Append.of(List.of(here.message("m1")))));
    there.store.delete(there.caller(user), id);

    Throwable failure = here.failureOf(here.store.clearAsync(here.caller(user), id));

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(sessionIds(id)).isEmpty();
  }

  @Test
  void anAppendToAFoundSession_thatExists_isStored() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);

    AppendReceipt receipt =
        f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m1")))));

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void aClearIsAnsweredOnceTheDatabaseHasIt() {
    StoreFixture f = store();
    UUID user = supabase.newUser();
    Caller alice = f.caller(user);
    SessionId id = f.store.create(alice);
    f.resolve(f.store.appendAsync(alice, id, Append.of(List.of(f.message("m1")))));

    SessionRead cleared = f.resolve(f.store.clearAsync(alice, id));

    assertThat(cleared.session().messages()).isEmpty();
    assertThat(storedIds(id)).isEmpty();
  }

  @Test
  void anotherUsersSessionId_isRefusedAsMissing_andNothingIsRecorded() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    Caller mallory = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);

    Throwable failure =
        f.failureOf(f.store.appendAsync(mallory, id, Append.of(List.of(f.message("x")))));

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(storedIds(id)).isEmpty();
  }

  @Test
  void aNumberOfThousandsOfDigits_inTheContextCache_isReadBackByAnotherStore() {
    StoreFixture writer = store();
    Caller alice = writer.caller(supabase.newUser());
    SessionId id = writer.store.create(alice);
    var cache =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
            .objectNode()
            .put("n", new java.math.BigInteger("9".repeat(5_000)));
    writer.resolve(
        writer.store.updateContextAsync(alice, id, ContextUpdate.none().withContextCache(cache)));

    StoreFixture reader = store();
    SessionRead read = reader.resolve(reader.store.historyAsync(reader.caller(alice.userId()), id));

    assertThat(read.session().contextCache()).isEqualTo(cache);
  }
}
