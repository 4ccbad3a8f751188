package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session holds at most 20 000 messages: an append beyond is refused as {@link
 * SessionRejectedException.Reason#SESSION_FULL}, in the embedded default as with the database
 * answering first, and nothing of it is kept.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionFullTest {
  private static final int FULL = SessionTableRules.MAX_MESSAGES_PER_SESSION;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private StoreFixture fixture;
  private LocalSessionTable table;
  private SessionStore embedded;
  private SqliteJournal journalDisk;

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.store.close();
      fixture.close();
    }
    if (embedded != null) {
      embedded.close();
      table.close();
    }
    if (journalDisk != null) {
      journalDisk.close();
    }
  }

  private SqliteJournal disk() {
    journalDisk = SqliteJournal.open(dir.resolve("journal.db"));
    return journalDisk;
  }

  /** Runs {@code change} in another instance that writes straight to the database. */
  private void inAnotherInstance(
      java.util.function.Function<StoreFixture, CompletableFuture<?>> change) {
    try (StoreFixture other =
        new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE))) {
      other.resolve(change.apply(other));
      other.store.close();
    }
  }

  /** The head reads the store sent: one select of the session's row without its history. */
  private long headReads() {
    return supabase
        .requests(r -> r.method().equals("GET") && r.query().contains("history_bytes"))
        .size();
  }

  /** A store with journal acknowledgement (the default) over the fake, and Alice as its caller. */
  private Caller journalStoreOfAlice() {
    fixture = new StoreFixture(supabase, clock, b -> b);
    return fixture.caller(StoreFixture.ALICE);
  }

  private static String[] ids(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> prefix + i).toArray(String[]::new);
  }

  @Test
  void databaseAcknowledgement_anAppendToAFullSession_isRefusedAsSessionFull() {
    fixture = new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE));
    Caller alice = fixture.caller(StoreFixture.ALICE);
    SessionId id = StoreFixture.sessionId("fullsession1");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));

    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));

    assertThat(refused).isInstanceOf(SessionRejectedException.class);
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
  }

  @Test
  void embedded_anAppendToAFullSession_isRefusedAsSessionFull_andStoresNothing() {
    table = LocalSessionTable.builder().path(dir.resolve("sessions.db")).clock(clock).build();
    embedded = SessionStore.embedded(table).clock(clock).maxMessagesPerAppend(1000).build();
    Caller alice = new Caller(StoreFixture.ALICE, dev.codebasechat.postgrest.AccessToken.of("t"));
    SessionId id = embedded.create(alice);
    for (int batch = 0; batch < FULL / 1000; batch++) {
      List<ChatMessage> messages =
          IntStream.range(0, 1000)
              .mapToObj(i -> ChatMessage.user("m").withId(MessageId.random()))
              .toList();
      embedded.append(alice, id, Append.of(messages));
    }

    Throwable refused =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> embedded.append(alice, id, Append.of(ChatMessage.user("one more"))));

    assertThat(refused).isInstanceOf(SessionRejectedException.class);
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(refused).hasMessageContaining("is full: the history would exceed 20000 messages");
    assertThat(embedded.history(alice, id).session().messageCount()).isEqualTo(FULL);
  }

  @Test
  void
      journalAcknowledgement_aSessionThisInstanceHolds_refusesAnAppendBeyondItsRoom_beforeRecordingIt() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession2");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL - 2));
    fixture.store.history(alice, id);
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("pending"))));

    Throwable refused =
        fixture.failureOf(
            fixture.store.appendAsync(
                alice, id, Append.of(fixture.message("last"), fixture.message("one-too-many"))));
    AppendReceipt fits =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("last"))));

    assertThat(refused).isInstanceOf(SessionRejectedException.class);
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(fits.messageCount()).isEqualTo(FULL);
    fixture.drainAll();
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
    assertThat(fixture.store.setAsideWrites()).isEmpty();
  }

  @Test
  void
      journalAcknowledgement_aSessionThisInstanceDoesNotHold_isAcknowledged_andTheDatabasesRefusalSetsItAside() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession3");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));

    AppendReceipt acknowledged =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));
    fixture.drainAll();

    assertThat(acknowledged.accepted()).isEqualTo(1);
    assertThat(fixture.store.setAsideWrites()).hasSize(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
  }

  @Test
  void
      journalAcknowledgement_aFullCopyOlderThanAnotherInstancesClear_isReadAgain_andTheAppendAccepted() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession4");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));
    fixture.store.history(alice, id);
    try (StoreFixture other =
        new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE))) {
      other.resolve(other.store.clearAsync(other.caller(StoreFixture.ALICE), id));
      other.store.close();
    }
    clock.advance(Duration.ofSeconds(2)); // past cacheFreshness (1 s)

    AppendReceipt accepted =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));
    fixture.drainAll();

    assertThat(accepted.messageCount()).isEqualTo(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).containsExactly("one");
    assertThat(fixture.store.setAsideWrites()).isEmpty();
  }

  @Test
  void journalAcknowledgement_aFullCopyWithinCacheFreshness_refusesWithoutAskingTheDatabase() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession5");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));
    fixture.store.history(alice, id);
    fixture.sent.clear();

    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(fixture.sent).isEmpty();
    assertThat(fixture.store.pendingSessions()).isEmpty();
  }

  @Test
  void journalAcknowledgement_aStaleFullCopy_isRefusedOnWhatItHolds_whenTheDatabaseCannotSay() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession6");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));
    fixture.store.history(alice, id);
    clock.advance(Duration.ofSeconds(2));
    supabase.goDown();

    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(fixture.store.pendingSessions()).isEmpty();
  }

  @Test
  void
      journalAcknowledgement_afterTheDatabaseRefusedAnAppendAsFull_theNextIsRefusedAsSessionFull_andNotSetAside() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession7");
    fullAndRefusedOnce(alice, id);

    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("two"))));
    fixture.drainAll();

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(refused).hasMessageContaining("the history would exceed 20000 messages");
    assertThat(fixture.store.setAsideWrites()).hasSize(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
  }

  @Test
  void
      journalAcknowledgement_aFullRefusalWithinOneRequestForSeveralSessions_marksOnlyThatSession() {
    Caller alice = journalStoreOfAlice();
    SessionId full = StoreFixture.sessionId("fullsession11");
    SessionId other = StoreFixture.sessionId("roomysession");
    supabase.seedSession(StoreFixture.ALICE, full.value(), ids("m", FULL));
    fixture.resolve(fixture.store.appendAsync(alice, full, Append.of(fixture.message("one"))));
    fixture.resolve(fixture.store.appendAsync(alice, other, Append.of(fixture.message("one"))));
    fixture.drainAll();

    Throwable refused =
        fixture.failureOf(
            fixture.store.appendAsync(alice, full, Append.of(fixture.message("two"))));
    AppendReceipt accepted =
        fixture.resolve(fixture.store.appendAsync(alice, other, Append.of(fixture.message("two"))));
    fixture.drainAll();

    assertThat(supabase.countRequests(".*/rpc/append_chat_messages_batch")).isEqualTo(1);
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(accepted.accepted()).isEqualTo(1);
    assertThat(supabase.session(other.value()).orElseThrow().messageIds())
        .containsExactly("one", "two");
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_anAppendThatFitsTheDatabasesBytesIsAccepted() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession8");
    seedWithRoomLeft(id, 100_000);
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(longMessage("big1"))));
    fixture.drainAll();
    long bytesBefore = supabase.session(id.value()).orElseThrow().historyBytes();

    AppendReceipt small =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("small"))));
    Throwable big =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(longMessage("big2"))));
    fixture.drainAll();

    assertThat(small.accepted()).isEqualTo(1);
    assertThat(((SessionRejectedException) big).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(big).hasMessageContaining("the history would exceed 16 MiB");
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).endsWith("small");
    assertThat(supabase.session(id.value()).orElseThrow().historyBytes())
        .isGreaterThan(bytesBefore);
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // big1 only
  }

  @Test
  void
      journalAcknowledgement_afterAFullRefusal_anAppendDeliveredButNotConfirmed_isNotCountedTwice() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession14");
    seedWithRoomLeft(id, 100_000);
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(longMessage("big1"))));
    fixture.drainAll();
    fixture.store.history(alice, id);
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(message("first", 40_000))));
    supabase.loseResponseOfNext(1); // applied, but the store does not hear it: still pending
    fixture.runFor(Duration.ofMillis(500));

    AppendReceipt second =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(message("second", 40_000))));
    fixture.drainAll();

    assertThat(second.accepted()).isEqualTo(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).endsWith("first", "second");
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // big1 only
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_anAppendCheckedWhileAnotherIsRecorded_countsIt()
      throws InterruptedException {
    SessionId id = StoreFixture.sessionId("fullsession15");
    UnreliableJournal journal = new UnreliableJournal(disk(), id.value());
    fixture = new StoreFixture(supabase, clock, b -> b.journal(journal));
    Caller alice = fixture.caller(StoreFixture.ALICE);
    seedWithRoomLeft(id, 100_000);
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(longMessage("big1"))));
    fixture.drainAll();
    long headReads = headReads();

    journal.hold(); // the first append, checked, waits on the disk with its session's lock held
    // Called off the test's thread: a head read answered before its continuation is attached
    // records on the calling thread, which would then wait on the disk (or the lock) itself.
    CompletableFuture<AppendReceipt> first =
        CompletableFuture.supplyAsync(
                () -> fixture.store.appendAsync(alice, id, Append.of(message("first", 60_000))))
            .thenCompose(receipt -> receipt);
    assertThat(journal.awaitEntered(Duration.ofSeconds(10))).isTrue();
    CompletableFuture<AppendReceipt> second =
        CompletableFuture.supplyAsync(
                () -> fixture.store.appendAsync(alice, id, Append.of(message("second", 60_000))))
            .thenCompose(receipt -> receipt);
    await("the second append's head read answered")
        .atMost(Duration.ofSeconds(10))
        .until(() -> headReads() == headReads + 2);
    journal.release();
    AppendReceipt accepted = fixture.resolve(first);
    Throwable refused = fixture.failureOf(second);
    fixture.drainAll();

    assertThat(accepted.accepted()).isEqualTo(1);
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).endsWith("first");
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // big1 only
  }

  @Test
  void
      journalAcknowledgement_afterARestartOnTheJournal_anAppendToASessionRefusedAsFull_isRefused() {
    SqliteJournal journal = disk();
    SessionId id = StoreFixture.sessionId("fullsession16");
    fixture = new StoreFixture(supabase, clock, b -> b.journal(journal));
    Caller alice = fixture.caller(StoreFixture.ALICE);
    fullAndRefusedOnce(alice, id);
    fixture.store.close();
    fixture.close();

    fixture = new StoreFixture(supabase, clock, b -> b.journal(journal));
    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("two"))));
    fixture.drainAll();

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // "one", refused before the restart
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aSessionFoundFarFromFull_isNotCheckedAgain() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession17");
    fullAndRefusedOnce(alice, id);
    inAnotherInstance(other -> other.store.clearAsync(other.caller(StoreFixture.ALICE), id));
    long headReads = headReads();

    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("two"))));
    long afterFirst = headReads();
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("three"))));
    fixture.drainAll();

    assertThat(afterFirst).isEqualTo(headReads + 1);
    assertThat(headReads()).isEqualTo(afterFirst);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds())
        .containsExactly("two", "three");
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aSessionAnotherInstanceDeleted_takesTheAppend() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession18");
    fullAndRefusedOnce(alice, id);
    inAnotherInstance(other -> other.store.deleteAsync(other.caller(StoreFixture.ALICE), id));

    AppendReceipt accepted =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("two"))));
    fixture.drainAll();

    assertThat(accepted.accepted()).isEqualTo(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).containsExactly("two");
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // "one", refused before
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aCopyHeldHere_refusesWithoutReadingTheSession() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession19");
    seedWithRoomLeft(id, 100_000);
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(longMessage("big1"))));
    fixture.drainAll();
    fixture.store.history(alice, id);
    clock.advance(Duration.ofSeconds(2)); // past cacheFreshness: a read would ask the database
    supabase.clearRequests();

    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(longMessage("big2"))));

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(supabase.requests()).hasSize(1); // the head read
    assertThat(headReads()).isEqualTo(1);
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aRetryOfAHeldMessageNeedsNoDatabase() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession15");
    fullAndRefusedOnce(alice, id);
    fixture.store.history(alice, id);
    supabase.goDown();

    AppendReceipt retried =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(message("m7", 10))));
    supabase.goUp();
    fixture.drainAll();

    assertThat(retried.duplicates()).isEqualTo(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // "one", refused before
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aClearGivesTheSessionRoomAgain() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession9");
    fullAndRefusedOnce(alice, id);

    fixture.resolve(fixture.store.clearAsync(alice, id));
    AppendReceipt accepted =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("two"))));
    fixture.drainAll();

    assertThat(accepted.accepted()).isEqualTo(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).containsExactly("two");
    assertThat(fixture.store.setAsideWrites()).hasSize(1);
  }

  @Test
  void
      journalAcknowledgement_afterAFullRefusal_whileTheDatabaseCannotBeAsked_anAppendIsUnavailable() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession10");
    fullAndRefusedOnce(alice, id);
    supabase.goDown();

    Throwable failure =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("two"))));

    assertThat(failure).isInstanceOf(SessionUnavailableException.class);
    assertThat(fixture.store.pendingSessions()).isEmpty();
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aRefusedTokenIsAnAccessFailure_notAFullSession() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession12");
    fullAndRefusedOnce(alice, id);
    Caller forged =
        new Caller(
            StoreFixture.ALICE,
            dev.codebasechat.postgrest.AccessToken.of(supabase.forgedTokenFor(StoreFixture.ALICE)));

    Throwable failure =
        fixture.failureOf(fixture.store.appendAsync(forged, id, Append.of(fixture.message("two"))));

    assertThat(failure).isInstanceOf(SessionAccessException.class);
    assertThat(fixture.store.pendingSessions()).isEmpty();
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_aRetryOfAStoredMessageIsADuplicate_notRefused() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession13");
    fullAndRefusedOnce(alice, id);
    ChatMessage stored =
        new ChatMessage(
            MessageId.of("m7"),
            Role.USER,
            "message m7",
            clock.instant(),
            java.util.Optional.empty());

    AppendReceipt retried =
        fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(stored)));
    fixture.drainAll();

    assertThat(retried.accepted()).isZero();
    assertThat(retried.duplicates()).isEqualTo(1);
    assertThat(fixture.store.setAsideWrites()).hasSize(1); // "one", refused before
  }

  @Test
  void
      journalAcknowledgement_anAppendToAFoundSessionNotHeld_thatIsFull_isRefusedBeforeAcknowledgement() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession20");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));

    Throwable refused =
        fixture.failureOf(
            fixture.store.appendExistingAsync(alice, id, Append.of(fixture.message("one"))));
    fixture.drainAll();

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(fixture.store.setAsideWrites()).isEmpty();
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
  }

  @Test
  void
      journalAcknowledgement_anAppendToAFoundSessionNotHeld_overItsBytes_isRefusedBeforeAcknowledgement() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession21");
    seedWithRoomLeft(id, 100_000);

    Throwable refused =
        fixture.failureOf(
            fixture.store.appendExistingAsync(alice, id, Append.of(longMessage("big"))));
    fixture.drainAll();

    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(refused).hasMessageContaining("the history would exceed 16 MiB");
    assertThat(fixture.store.setAsideWrites()).isEmpty();
  }

  @Test
  void journalAcknowledgement_anAppendToAFoundSessionMoreThanHalfFull_withRoom_isStored() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession22");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL - 1));

    AppendReceipt accepted =
        fixture.resolve(
            fixture.store.appendExistingAsync(alice, id, Append.of(fixture.message("last"))));
    fixture.drainAll();

    assertThat(accepted.accepted()).isEqualTo(1);
    assertThat(supabase.session(id.value()).orElseThrow().messageIds())
        .hasSize(FULL)
        .contains("last");
    assertThat(fixture.store.setAsideWrites()).isEmpty();
  }

  @Test
  void journalAcknowledgement_theFirstAppendToAFoundSessionMoreThanHalfFull_costsOneHeadRead() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession26");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL - 1));

    fixture.resolve(
        fixture.store.appendExistingAsync(alice, id, Append.of(fixture.message("one"))));

    assertThat(headReads()).isEqualTo(1);
  }

  @Test
  void journalAcknowledgement_anAppendToAFoundSessionFarFromFull_costsOneHeadRead() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession23");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL / 2));

    fixture.resolve(
        fixture.store.appendExistingAsync(alice, id, Append.of(fixture.message("one"))));
    fixture.resolve(
        fixture.store.appendExistingAsync(alice, id, Append.of(fixture.message("two"))));

    assertThat(headReads()).isEqualTo(1);
  }

  @Test
  void journalAcknowledgement_createThenAppend_toAFullSessionNotHeld_isRefusedAsSessionFull() {
    // The compatible route's sequence: create the session if absent, then append to it.
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession24");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));

    fixture.resolve(fixture.store.createAsync(alice, id));
    Throwable refused =
        fixture.failureOf(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));
    fixture.drainAll();

    assertThat(refused).isInstanceOf(SessionRejectedException.class);
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(fixture.store.setAsideWrites()).isEmpty();
    assertThat(fixture.store.pendingSessions()).isEmpty();
    assertThat(supabase.session(id.value()).orElseThrow().messageIds()).hasSize(FULL);
  }

  @Test
  void journalAcknowledgement_createThenAppend_toASessionAtMostHalfFull_readsNoHead() {
    Caller alice = journalStoreOfAlice();
    SessionId id = StoreFixture.sessionId("fullsession25");
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL / 2));

    fixture.resolve(fixture.store.createAsync(alice, id));
    fixture.resolve(fixture.store.appendAsync(alice, id, Append.of(fixture.message("one"))));
    fixture.drainAll();

    assertThat(headReads()).isZero();
    assertThat(supabase.session(id.value()).orElseThrow().messageIds())
        .hasSize(FULL / 2 + 1)
        .contains("one");
  }

  /**
   * Seeds {@code id} with 20 000 messages, then appends one more, which is acknowledged and, once
   * delivered, refused by the database as full and set aside.
   */
  private void fullAndRefusedOnce(Caller caller, SessionId id) {
    supabase.seedSession(StoreFixture.ALICE, id.value(), ids("m", FULL));
    fixture.resolve(fixture.store.appendAsync(caller, id, Append.of(fixture.message("one"))));
    fixture.drainAll();
  }

  /** Seeds {@code id} with long messages until {@code room} bytes of history are left, about. */
  private void seedWithRoomLeft(SessionId id, long room) {
    ArrayNode messages = JSON.createArrayNode();
    long bytes = 0;
    int n = 0;
    while (bytes < SessionTableRules.MAX_HISTORY_BYTES - room) {
      long left = SessionTableRules.MAX_HISTORY_BYTES - room - bytes;
      ObjectNode message = messages.addObject().put("id", "seed" + n++).put("role", "user");
      int length = (int) Math.min(ChatMessage.MAX_CONTENT_LENGTH, Math.max(1, left - 100));
      message.put("content", "x".repeat(length));
      message.put("timestamp", "2026-01-01T00:00:00Z");
      bytes += SessionTableRules.historyBytesOf(message);
    }
    supabase.seedSession(StoreFixture.ALICE, id.value(), messages);
  }

  /** A message of the longest content the store takes: 200 000 characters. */
  private ChatMessage longMessage(String id) {
    return message(id, ChatMessage.MAX_CONTENT_LENGTH);
  }

  private ChatMessage message(String id, int contentLength) {
    return new ChatMessage(
        MessageId.of(id),
        Role.USER,
        "y".repeat(contentLength),
        clock.instant(),
        java.util.Optional.empty());
  }
}
