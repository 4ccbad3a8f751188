package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session this store created, wrote or read is held: its owner is answered, and the owner's
 * writes accepted, without the database; writes to a session not held never download its history;
 * no caller waits on the database longer than the database timeout. Over real SQL (the migrations
 * behind the PostgREST-compatible test server), on a manual clock and scheduler.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeldSessionsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @TempDir Path dir;

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
            builder -> builder.databaseTimeout(TIMEOUT).closeTimeout(Duration.ofMillis(100)));
    fixtures.add(f);
    return f;
  }

  private StoreFixture storeWithJournal(SqliteJournal journal) {
    StoreFixture f =
        new StoreFixture(
            supabase,
            clock,
            builder ->
                builder
                    .databaseTimeout(TIMEOUT)
                    .closeTimeout(Duration.ofMillis(100))
                    .journal(journal));
    fixtures.add(f);
    return f;
  }

  /**
   * Reads of the table about {@code id} (requests of other tests may still arrive on the shared
   * server).
   */
  private static List<RecordedRequest> tableReads(SessionId id) {
    return supabase.requests(
        r ->
            r.method().equals("GET")
                && r.isOnTable("codebase_chat_sessions")
                && r.query().contains(id.value()));
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(m -> m.id().value()).toList();
  }

  @Test
  void createdAndWrittenSession_isHeld_andGoesThroughAnOutageWithoutAnyRead() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    for (int i = 1; i <= 3; i++) {
      f.store.append(alice, id, Append.of(List.of(f.message("m" + i))));
    }
    f.drainAll();
    supabase.goDown(Outage.DATABASE_UNAVAILABLE);

    AppendReceipt during = f.store.append(alice, id, Append.of(List.of(f.message("m4"))));
    SessionRead read = f.store.history(alice, id);

    assertThat(f.store.cachedSessions()).isEqualTo(1);
    assertThat(during.messageCount()).isEqualTo(4);
    assertThat(read.source()).isEqualTo(ReadSource.CACHE);
    assertThat(ids(read)).containsExactly("m1", "m2", "m3", "m4");
    supabase.goUp();
    f.drainAll();
    assertThat(
            supabase.queryAsOwner(
                "select m ->> 'id' from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history) m where s.session_id = ?",
                id.value()))
        .containsExactly("m1", "m2", "m3", "m4");
    assertThat(tableReads(id)).isEmpty();
  }

  @Test
  void sessionCreatedByItsFirstWrite_isHeldOnceConfirmed() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = StoreFixture.sessionId("firstw01");
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    supabase.goDown(Outage.CONNECTION_REFUSED);

    SessionRead read = f.store.history(alice, id);

    assertThat(ids(read)).containsExactly("m1");
    assertThat(tableReads(id)).isEmpty();
  }

  @Test
  void writesToASessionNotHeld_readItsHeadOnce_andNeverItsHistory() {
    UUID user = supabase.newUser();
    StoreFixture other = store(); // another gateway wrote the conversation
    SessionId id = StoreFixture.sessionId("nothld01");
    other.store.append(other.caller(user), id, Append.of(other.messages("old", 200)));
    other.drainAll();
    supabase.clearRequests();
    StoreFixture f = store();
    Caller alice = f.caller(user);

    f.store.appendExisting(alice, id, Append.of(List.of(f.message("new1"))));
    f.store.appendExisting(alice, id, Append.of(List.of(f.message("new2"))));
    f.drainAll();

    assertThat(tableReads(id))
        .singleElement()
        .satisfies(
            read -> {
              assertThat(read.query()).doesNotContain("conversation_history");
              assertThat(read.bytesSent()).isLessThan(1_000);
            });
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages")))
        .allSatisfy(call -> assertThat(call.bytesSent()).isLessThan(1_000));
    assertThat(
            supabase.queryOneAsOwner(
                "select message_count from public.codebase_chat_sessions where session_id = ?",
                id.value()))
        .contains("202");
  }

  @Test
  void receiptsOfASessionNotHeld_countTheDatabasesMessages_andThePendingOnes() {
    UUID user = supabase.newUser();
    StoreFixture other = store(); // another gateway wrote the conversation
    SessionId id = StoreFixture.sessionId("nothld02");
    other.store.append(other.caller(user), id, Append.of(other.messages("old", 200)));
    other.drainAll();
    StoreFixture f = store();
    Caller alice = f.caller(user);

    AppendReceipt first = f.store.appendExisting(alice, id, Append.of(f.message("new1")));
    AppendReceipt second = f.store.appendExisting(alice, id, Append.of(f.message("new2")));
    f.drainAll();
    AppendReceipt afterDelivery = f.store.appendExisting(alice, id, Append.of(f.message("new3")));

    assertThat(first.messageCount()).isEqualTo(201);
    assertThat(second.messageCount()).isEqualTo(202);
    assertThat(afterDelivery.messageCount()).isEqualTo(203);
    assertThat(f.store.cachedSessions()).isZero();
  }

  @Test
  void theCompatibleRoutesCreateThenAppend_toASessionNotHeld_countsTheDatabasesMessages() {
    UUID user = supabase.newUser();
    StoreFixture other = store();
    SessionId id = StoreFixture.sessionId("nothld03");
    other.store.append(other.caller(user), id, Append.of(other.messages("old", 5)));
    other.drainAll();
    StoreFixture f = store();
    Caller alice = f.caller(user);

    f.store.create(alice, id);
    AppendReceipt receipt = f.store.append(alice, id, Append.of(f.message("new1")));

    assertThat(receipt.messageCount()).isEqualTo(6);
  }

  @Test
  void aSessionNotHeld_withAWritePending_listsWithTheDatabasesRepoCountAndCreationTime() {
    UUID user = supabase.newUser();
    StoreFixture other = store();
    SessionId id = StoreFixture.sessionId("nothld04");
    other.store.append(
        other.caller(user), id, Append.of(other.messages("old", 5)).withRepo("acme/app"));
    other.drainAll();
    SessionSummary stored =
        other.store.list(other.caller(user), SessionQuery.limit(20)).sessions().get(0);
    StoreFixture f = store();
    Caller alice = f.caller(user);
    f.store.appendExisting(alice, id, Append.of(f.message("new1")));

    SessionPage page = f.store.list(alice, SessionQuery.limit(20));

    assertThat(f.store.pendingSessions()).hasSize(1);
    assertThat(page.sessions())
        .singleElement()
        .satisfies(
            listed -> {
              assertThat(listed.repo()).contains("acme/app");
              assertThat(listed.messageCount()).isEqualTo(6);
              assertThat(listed.createdAt()).isEqualTo(stored.createdAt());
            });
  }

  @Test
  void aSessionNotHeld_appendedWithoutAnyRead_listsWithTheDatabasesCountAndThePendingOnes() {
    UUID user = supabase.newUser();
    StoreFixture other = store();
    SessionId id = StoreFixture.sessionId("nothld05");
    other.store.append(other.caller(user), id, Append.of(other.messages("old", 5)));
    other.drainAll();
    StoreFixture f = store();
    Caller alice = f.caller(user);
    f.store.append(alice, id, Append.of(f.messages("new", 2)));

    SessionPage page = f.store.list(alice, SessionQuery.limit(20));

    assertThat(page.sessions())
        .singleElement()
        .extracting(SessionSummary::messageCount)
        .isEqualTo(7);
  }

  @Test
  void appendExisting_ofAnotherUsersSession_isNotFound_andRecordsNothing() {
    StoreFixture owner = store();
    SessionId id = StoreFixture.sessionId("others01");
    owner.store.append(
        owner.caller(supabase.newUser()), id, Append.of(List.of(owner.message("m1"))));
    owner.drainAll();
    StoreFixture f = store();
    Caller bob = f.caller(supabase.newUser());

    assertThat(
            f.failureOf(f.store.appendExistingAsync(bob, id, Append.of(List.of(f.message("b1"))))))
        .isInstanceOf(SessionNotFoundException.class);
    assertThat(f.store.pendingSessions()).isEmpty();
  }

  @Test
  void readOfASessionNotHeld_whileTheDatabaseHangs_failsAtTheTimeoutWithRetryAfter() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    supabase.goDown(Outage.NO_ANSWER);

    CompletableFuture<SessionRead> read =
        f.store.historyAsync(alice, StoreFixture.sessionId("hang0001"));
    f.scheduler.advance(TIMEOUT.minusMillis(1));
    boolean doneBeforeTheBound = read.isDone();
    f.scheduler.advance(Duration.ofMillis(1));

    assertThat(doneBeforeTheBound).isFalse();
    assertThat(read).isCompletedExceptionally();
    Throwable failure = FutureResults.unwrap(read.handle((v, e) -> e).join());
    assertThat(failure).isInstanceOf(SessionUnavailableException.class);
    assertThat(((SessionUnavailableException) failure).retryAfter()).isPresent();
  }

  @Test
  void callsCutOffAtTheTimeout_openTheBreaker_andThenReadsFailAtOnce_untilTheDatabaseAnswers() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    supabase.goDown(Outage.NO_ANSWER);
    for (int i = 0; i < 4; i++) {
      CompletableFuture<SessionRead> read =
          f.store.historyAsync(alice, StoreFixture.sessionId("hangs00" + i));
      f.scheduler.advance(TIMEOUT);
      assertThat(read).isCompletedExceptionally();
    }

    CompletableFuture<SessionRead> fast =
        f.store.historyAsync(alice, StoreFixture.sessionId("hangs009"));

    assertThat(f.store.breakerState()).isEqualTo(BreakerState.OPEN);
    assertThat(fast).isCompletedExceptionally(); // no time passed, no request made
    supabase.goUp();
    f.scheduler.advance(Duration.ofSeconds(6)); // the fixture's breaker stays open 5 s
    SessionId created = f.store.create(alice, StoreFixture.sessionId("after001"));
    assertThat(f.resolve(f.store.historyAsync(alice, created)).session().messages()).isEmpty();
  }

  @Test
  void lastActivity_ofAHeldSession_followsEveryWrite() {
    StoreFixture f = store();
    Caller alice = f.caller(supabase.newUser());
    SessionId id = f.store.create(alice);
    Instant created = f.store.history(alice, id).session().lastActivity().orElseThrow();

    clock.advance(Duration.ofMinutes(1));
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    Instant afterAppend = f.store.history(alice, id).session().lastActivity().orElseThrow();
    clock.advance(Duration.ofMinutes(1));
    f.store.updateContext(alice, id, ContextUpdate.none().withRepo("acme/web"));
    Instant afterPatch = f.store.history(alice, id).session().lastActivity().orElseThrow();

    assertThat(afterAppend).isAfter(created);
    assertThat(afterPatch).isAfter(afterAppend);
  }

  @Test
  void afterARestart_whileTheDatabaseIsDown_theLocalCopyAnswersTheReadAndVouchesForTheWrite() {
    Path file = dir.resolve("journal.db");
    SqliteJournal journal = SqliteJournal.open(file);
    StoreFixture first = storeWithJournal(journal);
    UUID user = supabase.newUser();
    SessionId id = first.store.create(first.caller(user));
    first.store.append(
        first.caller(user), id, Append.of(List.of(first.message("m1"), first.message("m2"))));
    first.drainAll();
    first.store.close();
    fixtures.remove(first);
    first.close();
    journal.close();
    supabase.goDown(Outage.DATABASE_UNAVAILABLE);

    try (SqliteJournal reopened = SqliteJournal.open(file)) {
      StoreFixture second = storeWithJournal(reopened);
      SessionRead read = second.resolve(second.store.historyAsync(second.caller(user), id));
      AppendReceipt accepted =
          second.resolve(
              second.store.appendExistingAsync(
                  second.caller(user), id, Append.of(List.of(second.message("m3")))));
      second.store.close();
      fixtures.remove(second);
      second.close();

      assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
      assertThat(ids(read)).containsExactly("m1", "m2");
      assertThat(accepted.pendingWrites()).isEqualTo(1); // the local copy says whose it is
    }
  }

  @Test
  void aLocalCopyThatCannotBeRead_isNotAnswered_theReadIsUnavailable_whileTheDatabaseIsDown() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("brokencopy");
    try (SqliteJournal journal = SqliteJournal.open(dir.resolve("journal.db"))) {
      journal.putSnapshot(id.value(), user, 3, "{\"session_id\":".getBytes(StandardCharsets.UTF_8));
      supabase.goDown(Outage.DATABASE_UNAVAILABLE);
      StoreFixture restarted = storeWithJournal(journal);

      Throwable failure =
          restarted.failureOf(restarted.store.historyAsync(restarted.caller(user), id));
      restarted.store.close();
      fixtures.remove(restarted);
      restarted.close();

      assertThat(failure).isInstanceOf(SessionUnavailableException.class);
    }
  }
}
