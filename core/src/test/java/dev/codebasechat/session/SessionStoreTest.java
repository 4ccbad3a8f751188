package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.codebasechat.testing.AnswerHold;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionStoreTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final StoreFixture f =
      new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(100)));
  private final SessionStore store = f.store;
  private final Caller alice = f.caller(ALICE);
  private final Caller bob = f.caller(BOB);

  @AfterEach
  void close() {
    store.close();
    f.close();
  }

  private List<String> storedIds(SessionId id) {
    return fake.session(id.value()).map(FakeSession::messageIds).orElse(List.of());
  }

  @Test
  void historyIfCached_sessionNotHeld_isEmptyAndAsksNothing() {
    SessionId id = sessionId("held0001");
    fake.seedSession(ALICE, id.value(), "m1");
    long before = fake.countRequests(".*");

    assertThat(store.historyIfCached(alice, id)).isEmpty();
    assertThat(fake.countRequests(".*")).isEqualTo(before);
  }

  @Test
  void historyIfCached_heldSession_isTheCachedReadOfItsOwnerOnly() {
    SessionId id = sessionId("held0002");
    fake.seedSession(ALICE, id.value(), "m1");
    SessionRead read = store.history(alice, id);

    assertThat(store.historyIfCached(alice, id))
        .hasValueSatisfying(held -> assertThat(held.session()).isSameAs(read.session()));
    assertThat(store.historyIfCached(bob, id)).isEmpty();
  }

  @Test
  void historyIfCached_withPendingWrites_includesThem() {
    SessionId id = sessionId("held0003");
    fake.seedSession(ALICE, id.value(), "m1");
    store.history(alice, id);
    store.append(alice, id, Append.of(List.of(f.message("m2"))));

    SessionRead held = store.historyIfCached(alice, id).orElseThrow();

    assertThat(held.pendingWrites()).isEqualTo(1);
    assertThat(held.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("m1", "m2");
  }

  @Test
  void append_isAcknowledgedBeforeAnyRequest() {
    SessionId id = sessionId("ack0001");

    AppendReceipt receipt = store.append(alice, id, Append.of(List.of(f.message("m1"))));

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(receipt.pendingWrites()).isEqualTo(1);
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isZero();
  }

  @Test
  void append_afterAPendingClear_storesAMessageWhoseIdTheSessionHeldBefore() {
    SessionId id = sessionId("clrsame1");
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    store.clear(alice, id);

    AppendReceipt receipt = store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(receipt.duplicates()).isZero();
    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void append_afterAPendingClearOfAConfirmedSession_storesAMessageWhoseIdItHeld() {
    SessionId id = sessionId("clrsame2");
    store.append(alice, id, Append.of(List.of(f.message("m1"), f.message("m2"))));
    f.drainAll();
    store.clear(alice, id);

    AppendReceipt receipt = store.append(alice, id, Append.of(List.of(f.message("m2"))));
    f.drainAll();

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void append_afterAPendingDelete_createsTheSessionAgainWithTheMessage() {
    SessionId id = sessionId("delsame1");
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    store.delete(alice, id);

    AppendReceipt receipt = store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(store.history(alice, id).session().messages()).hasSize(1);
  }

  @Test
  void append_reachesTheDatabaseAfterTheDebounceWindow() {
    SessionId id = sessionId("window01");
    store.append(alice, id, Append.of(List.of(f.message("m1"))));

    f.advanceMillis(499);
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isZero();
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(fake.session(id.value()).orElseThrow().userId()).isEqualTo(ALICE);
  }

  @Test
  void burstWithinWindow_isOneAppendRequest() {
    SessionId id = sessionId("burst001");
    for (int i = 0; i < 20; i++) {
      store.append(alice, id, Append.of(List.of(f.message("m" + i))));
      f.advanceMillis(10);
    }

    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(1);
    assertThat(storedIds(id)).hasSize(20).startsWith("m0", "m1").endsWith("m19");
  }

  @Test
  void continuousStream_fasterThanTheWindow_isSentOncePerWindow() {
    SessionId id = sessionId("stream01");
    for (int i = 0; i < 40; i++) { // one message every 50 ms for 2 s
      store.append(alice, id, Append.of(List.of(f.message("m" + i))));
      f.runFor(Duration.ofMillis(50));
    }
    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isBetween(4L, 5L);
    assertThat(storedIds(id)).hasSize(40);
  }

  @Test
  void
      writeArrivingWhileTheSessionsFlushIsInFlight_waitsItsOwnWindow_notSentRightAfterTheConfirmation() {
    SessionId id = sessionId("inflight1");
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    try (AnswerHold hold = fake.holdAnswers()) {
      f.advanceMillis(500); // the window ends: the first append request goes out
      await("the flush in flight").atMost(Duration.ofSeconds(10)).until(() -> hold.waiting() == 1);

      store.append(alice, id, Append.of(List.of(f.message("m2"))));
    }
    f.awaitNoHttpInFlight();
    f.advanceMillis(0);
    f.awaitNoHttpInFlight();
    long atConfirmation = fake.countRequests(".*/rpc/append_chat_messages");
    f.advanceMillis(499);
    f.awaitNoHttpInFlight();
    long justBeforeItsWindowEnds = fake.countRequests(".*/rpc/append_chat_messages");
    f.drainAll();

    assertThat(atConfirmation).isEqualTo(1);
    assertThat(justBeforeItsWindowEnds).isEqualTo(1);
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(2);
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  @Test
  void sessionsOfDifferentOwners_areSentSeparately() {
    store.append(alice, sessionId("multi001"), Append.of(List.of(f.message("a"))));
    store.append(bob, sessionId("multi002"), Append.of(List.of(f.message("b"))));

    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(2);
  }

  @Test
  void history_beforeFlush_includesPendingMessages() {
    SessionId id = sessionId("pending1");
    store.append(alice, id, Append.of(List.of(f.message("m1"), f.message("m2"))));

    SessionRead read = f.resolve(store.historyAsync(alice, id));

    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("m1", "m2");
    assertThat(read.pendingWrites()).isEqualTo(2);
    assertThat(read.source()).isEqualTo(ReadSource.CACHE);
  }

  @Test
  void history_ofStoredSession_comesFromTheDatabase_thenFromTheCache() {
    SessionId id = sessionId("stored01");
    fake.seedSession(ALICE, id.value(), "s1", "s2");

    SessionRead first = f.resolve(store.historyAsync(alice, id));
    SessionRead second = f.resolve(store.historyAsync(alice, id));

    assertThat(first.source()).isEqualTo(ReadSource.DATABASE);
    assertThat(first.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("s1", "s2");
    assertThat(second.source()).isEqualTo(ReadSource.CACHE);
    assertThat(fake.countRequests(".*/codebase_chat_sessions")).isEqualTo(1);
  }

  @Test
  void history_ofUnknownSession_isNotFound() {
    assertThatThrownBy(() -> f.resolve(store.historyAsync(alice, sessionId("nothing1"))))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void history_ofAnotherUsersSession_isNotFound_evenWhenCached() {
    SessionId id = sessionId("private1");
    fake.seedSession(ALICE, id.value(), "secret");
    f.resolve(store.historyAsync(alice, id)); // now cached, owned by Alice

    assertThatThrownBy(() -> f.resolve(store.historyAsync(bob, id)))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void history_whenTheDatabaseAnswersAnotherUsersRow_isNotFound_andNothingIsHeld() {
    SessionId id = sessionId("private8");
    answersBobsRow(id);

    assertThatThrownBy(() -> f.resolve(store.historyAsync(alice, id)))
        .isInstanceOf(SessionNotFoundException.class);

    assertThat(store.historyIfCached(alice, id)).isEmpty();
    assertThat(store.historyIfCached(bob, id)).isEmpty();
  }

  @Test
  void clear_whenTheDatabaseAnswersAnotherUsersHead_isNotFound_andRecordsNothing() {
    SessionId id = sessionId("private9");
    answersBobsRow(id);

    assertThatThrownBy(() -> f.resolve(store.clearAsync(alice, id)))
        .isInstanceOf(SessionNotFoundException.class);

    assertThat(store.pendingSessions()).isEmpty();
  }

  /**
   * The database answers every read of the table with Bob's row {@code id}, whoever asks: Row Level
   * Security makes this impossible; the store does not rely on it alone.
   */
  private static void answersBobsRow(SessionId id) {
    fake.wireMock()
        .stubFor(
            WireMock.get(WireMock.urlPathEqualTo("/rest/v1/codebase_chat_sessions"))
                .atPriority(1)
                .willReturn(
                    WireMock.aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/vnd.pgrst.object+json")
                        .withBody(
                            "{\"session_id\":\""
                                + id.value()
                                + "\",\"user_id\":\""
                                + BOB
                                + "\",\"repo\":null,\"current_file\":null,"
                                + "\"conversation_history\":[{\"id\":\"b1\",\"role\":\"user\","
                                + "\"content\":\"bob's secret\",\"timestamp\":\"2026-01-01T00:00:00Z\"}],"
                                + "\"context_cache\":{},\"metadata\":{},\"message_count\":1,"
                                + "\"version\":1,\"last_activity\":\"2026-01-01T00:00:00+00:00\"}")));
  }

  @Test
  void append_toAnotherUsersCachedSession_isNotFound_andRecordsNothing() {
    SessionId id = sessionId("private2");
    fake.seedSession(ALICE, id.value(), "secret");
    f.resolve(store.historyAsync(alice, id));

    assertThatThrownBy(() -> store.append(bob, id, Append.of(List.of(f.message("intruder")))))
        .isInstanceOf(SessionNotFoundException.class);
    assertThat(store.pendingSessions()).isEmpty();
  }

  @Test
  void clear_ofAnotherUsersCachedSession_isNotFound_withoutARequest() {
    SessionId id = sessionId("private4");
    fake.seedSession(ALICE, id.value(), "secret");
    f.resolve(store.historyAsync(alice, id));
    long requests = fake.countRequests(".*");

    assertThatThrownBy(() -> f.resolve(store.clearAsync(bob, id)))
        .isInstanceOf(SessionNotFoundException.class);
    f.drainAll();

    assertThat(fake.countRequests(".*")).isEqualTo(requests);
    assertThat(store.pendingSessions()).isEmpty();
    assertThat(storedIds(id)).containsExactly("secret");
  }

  @Test
  void contextUpdate_ofAnotherUsersCachedSession_isNotFound_andChangesNothing() {
    SessionId id = sessionId("private7");
    fake.seedSession(ALICE, id.value(), "secret");
    f.resolve(store.historyAsync(alice, id));

    assertThatThrownBy(
            () -> f.resolve(store.updateContextAsync(bob, id, ContextUpdate.none().withRepo("x"))))
        .isInstanceOf(SessionNotFoundException.class);
    f.drainAll();

    assertThat(store.pendingSessions()).isEmpty();
    assertThat(fake.session(id.value()).orElseThrow().repo()).isNull();
  }

  @Test
  void clearAndAppend_ofASessionRememberedAsAnotherUsers_areNotFound_withoutARequest() {
    StoreFixture uncached =
        new StoreFixture(fake, CLOCK, builder -> builder.cacheMaximumWeightBytes(1));
    try {
      SessionId id = sessionId("private5");
      fake.seedSession(ALICE, id.value(), "secret");
      Caller owner = uncached.caller(ALICE);
      Caller intruder = uncached.caller(BOB);
      uncached.resolve(uncached.store.historyAsync(owner, id)); // its owner remembered, no copy
      long requests = fake.countRequests(".*");

      assertThatThrownBy(() -> uncached.resolve(uncached.store.clearAsync(intruder, id)))
          .isInstanceOf(SessionNotFoundException.class);
      assertThatThrownBy(
              () ->
                  uncached.resolve(
                      uncached.store.appendExistingAsync(
                          intruder, id, Append.of(List.of(uncached.message("intruder"))))))
          .isInstanceOf(SessionNotFoundException.class);

      assertThat(uncached.store.cachedSessions()).isZero();
      assertThat(fake.countRequests(".*")).isEqualTo(requests);
      assertThat(uncached.store.pendingSessions()).isEmpty();
    } finally {
      uncached.store.close();
      uncached.close();
    }
  }

  @Test
  void clear_afterTheCallersOwnDeleteStillPending_isNotFound() {
    SessionId id = sessionId("private6");
    fake.seedSession(ALICE, id.value(), "m1");
    f.resolve(store.historyAsync(alice, id));
    f.resolve(store.deleteAsync(alice, id));

    assertThatThrownBy(() -> f.resolve(store.clearAsync(alice, id)))
        .isInstanceOf(SessionNotFoundException.class);
    f.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void append_toAnotherUsersUncachedSession_isSetAsideWhenTheDatabaseRefusesIt() {
    SessionId id = sessionId("private3");
    fake.seedSession(ALICE, id.value(), "secret");

    store.append(bob, id, Append.of(List.of(f.message("intruder"))));
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("secret");
    assertThat(store.setAsideWrites())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.sessionId()).isEqualTo(id);
              assertThat(w.owner()).isEqualTo(BOB);
              assertThat(w.messageIds()).extracting(MessageId::value).containsExactly("intruder");
              assertThat(w.reason()).contains("403").contains("42501");
            });
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(1);
  }

  @Test
  void list_ofAWritePendingToAnotherUsersSession_showsNothingOfTheirCachedCopy() {
    SessionId id = sessionId("private4");
    StoreFixture elsewhere =
        new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(100)));
    Caller aliceElsewhere = elsewhere.caller(ALICE);
    elsewhere.store.append(
        aliceElsewhere,
        id,
        Append.of(List.of(elsewhere.message("secret")))
            .withRepo("acme/secret")
            .withCurrentFile("src/payroll.ts"));
    elsewhere.drainAll();
    elsewhere.store.close();
    elsewhere.close();
    store.append(bob, id, Append.of(List.of(f.message("intruder")))); // not sent yet
    store.history(alice, id); // the owner's copy is cached here now

    SessionPage bobs = store.list(bob, SessionQuery.limit(20));

    assertThat(bobs.sessions())
        .allSatisfy(
            s -> {
              assertThat(s.repo()).isEmpty();
              assertThat(s.currentFile()).isEmpty();
              assertThat(s.messageCount()).isLessThanOrEqualTo(1);
            });
  }

  @Test
  void append_sameMessageIdTwice_isStoredOnce() {
    SessionId id = sessionId("dedupe01");
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();

    AppendReceipt again =
        store.append(alice, id, Append.of(List.of(f.message("m1"), f.message("m2"))));
    f.drainAll();

    assertThat(again.duplicates()).isEqualTo(1); // the first append created the session: it is held
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  @Test
  void append_repeatingAnIdWithinOneAppend_keepsTheFirstAndCountsTheRepeatAsADuplicate() {
    SessionId id = sessionId("dedupe03");
    ChatMessage first = f.message("m1");
    ChatMessage repeat =
        new ChatMessage(
            MessageId.of("m1"), Role.USER, "another text", CLOCK.instant(), Optional.empty());

    AppendReceipt receipt = store.append(alice, id, Append.of(List.of(first, repeat)));
    f.drainAll();

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(receipt.duplicates()).isEqualTo(1);
    assertThat(receipt.messageCount()).isEqualTo(1);
    assertThat(fake.session(id.value()).orElseThrow().conversationHistory())
        .extracting(m -> m.path("content").asText())
        .containsExactly(first.content());
  }

  @Test
  void append_toASessionNotHeld_sameMessageIdTwice_isStoredOnceByTheDatabase() {
    SessionId id = sessionId("dedupe02");
    fake.seedSession(ALICE, id.value(), "m1");

    AppendReceipt again =
        store.append(alice, id, Append.of(List.of(f.message("m1"), f.message("m2"))));
    f.drainAll();

    assertThat(again.duplicates()).isZero(); // not held: the database skips it
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  @Test
  void append_ofIdsAlreadyCached_reportsDuplicates() {
    SessionId id = sessionId("dedupe02");
    fake.seedSession(ALICE, id.value(), "m1");
    f.resolve(store.historyAsync(alice, id));

    AppendReceipt receipt =
        store.append(alice, id, Append.of(List.of(f.message("m1"), f.message("m2"))));

    assertThat(receipt.accepted()).isEqualTo(1);
    assertThat(receipt.duplicates()).isEqualTo(1);
    assertThat(receipt.messageCount()).isEqualTo(2);
  }

  @Test
  void append_afterFlush_keepsTheCacheInStepWithTheDatabase() {
    SessionId id = sessionId("instep01");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(store.historyAsync(alice, id));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    long before = fake.countRequests(".*/codebase_chat_sessions");

    SessionRead read = f.resolve(store.historyAsync(alice, id));

    assertThat(read.source()).isEqualTo(ReadSource.CACHE);
    assertThat(read.pendingWrites()).isZero();
    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("s1", "m1");
    assertThat(read.session().version())
        .isEqualTo(fake.session(id.value()).orElseThrow().version());
    assertThat(fake.countRequests(".*/codebase_chat_sessions")).isEqualTo(before);
  }

  @Test
  void lastMessages_returnsOnlyTheTail() {
    SessionId id = sessionId("tail0001");
    store.append(alice, id, Append.of(f.messages("m", 5)));

    SessionRead read = store.lastMessages(alice, id, 2);

    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("m-3", "m-4");
  }

  @Test
  void create_makesAnEmptySessionOwnedByTheCaller_andStoresIt() {
    SessionId id = store.create(alice);
    assertThat(f.resolve(store.historyAsync(alice, id)).session().messages()).isEmpty();

    f.drainAll();

    assertThat(fake.session(id.value()))
        .hasValueSatisfying(s -> assertThat(s.userId()).isEqualTo(ALICE));
    assertThat(id.value()).matches(SessionId.FORMAT);
  }

  @Test
  void updateContext_changesRepoFileAndCache() {
    SessionId id = sessionId("context1");
    fake.seedSession(ALICE, id.value(), "s1");
    var cache = JsonNodeFactory.instance.objectNode().put("symbols", 12);

    f.resolve(
        store.updateContextAsync(
            alice,
            id,
            ContextUpdate.none()
                .withRepo("acme/api")
                .withCurrentFile("src/A.java")
                .withContextCache(cache)));
    f.drainAll();

    FakeSession stored = fake.session(id.value()).orElseThrow();
    assertThat(stored.repo()).isEqualTo("acme/api");
    assertThat(stored.currentFile()).isEqualTo("src/A.java");
    assertThat(stored.contextCache().path("symbols").asInt()).isEqualTo(12);
    assertThat(f.resolve(store.historyAsync(alice, id)).session().repo()).contains("acme/api");
  }

  @Test
  void updateContext_ofUnknownSession_isNotFound() {
    assertThatThrownBy(
            () ->
                f.resolve(
                    store.updateContextAsync(
                        alice, sessionId("unknown1"), ContextUpdate.none().withRepo("x"))))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void clear_emptiesTheHistory_locallyAtOnce_andInTheDatabase() {
    SessionId id = sessionId("clear001");
    fake.seedSession(ALICE, id.value(), "s1", "s2");

    SessionRead afterClear = f.resolve(store.clearAsync(alice, id));
    assertThat(afterClear.session().messages()).isEmpty();
    f.drainAll();

    assertThat(storedIds(id)).isEmpty();
    assertThat(f.resolve(store.historyAsync(alice, id)).session().messages()).isEmpty();
  }

  @Test
  void delete_removesTheSession_andLaterReadsAreNotFound() {
    SessionId id = sessionId("delete01");
    fake.seedSession(ALICE, id.value(), "s1");

    f.resolve(store.deleteAsync(alice, id));
    assertThatThrownBy(() -> f.resolve(store.historyAsync(alice, id)))
        .isInstanceOf(SessionNotFoundException.class);
    f.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
    assertThatThrownBy(() -> f.resolve(store.historyAsync(alice, id)))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void delete_ofAnotherUsersSession_isNotFound_andChangesNothing() {
    SessionId id = sessionId("delete02");
    fake.seedSession(ALICE, id.value(), "s1");

    assertThatThrownBy(() -> f.resolve(store.deleteAsync(bob, id)))
        .isInstanceOf(SessionNotFoundException.class);
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("s1");
  }

  @Test
  void list_returnsOnlyTheCallersSessions_newestFirst_withCounts() {
    fake.seedSession(ALICE, sessionId("list0001").value(), "a");
    CLOCK.advance(Duration.ofSeconds(1));
    fake.seedSession(ALICE, sessionId("list0002").value(), "a", "b");
    fake.seedSession(BOB, sessionId("list0003").value(), "x");

    SessionPage page = f.resolve(store.listAsync(alice, SessionQuery.limit(10)));

    assertThat(page.sessions())
        .extracting(s -> s.id().value())
        .containsExactly(sessionId("list0002").value(), sessionId("list0001").value());
    assertThat(page.sessions()).extracting(SessionSummary::messageCount).containsExactly(2, 1);
    assertThat(page.total()).hasValue(2);
    assertThat(page.source()).isEqualTo(ReadSource.DATABASE);
  }

  @Test
  void cacheStats_countAReadTheCacheCouldNotAnswer_andOneItDid() {
    SessionId id = sessionId("stats001");
    fake.seedSession(ALICE, id.value(), "s1");
    SessionCacheStats atStart = store.cacheStats();

    f.resolve(store.historyAsync(alice, id));
    f.resolve(store.historyAsync(alice, id));
    SessionCacheStats after = store.cacheStats();

    assertThat(atStart.hitRate()).isEqualTo(1.0);
    assertThat(after.misses() - atStart.misses()).isEqualTo(1);
    assertThat(after.hits() - atStart.hits()).isEqualTo(1);
    assertThat(new SessionCacheStats(1, 1, 0).hitRate()).isEqualTo(0.5);
  }

  @Test
  void list_pastTheLastSession_isAnEmptyPage_withTheTotal() {
    fake.seedSession(ALICE, sessionId("list0004").value(), "a");
    fake.seedSession(ALICE, sessionId("list0005").value(), "a");

    SessionPage page = f.resolve(store.listAsync(alice, SessionQuery.limit(10).offset(5)));

    assertThat(page.sessions()).isEmpty();
    assertThat(page.total()).hasValue(2);
    assertThat(page.offset()).isEqualTo(5);
    assertThat(page.source()).isEqualTo(ReadSource.DATABASE);
  }

  @Test
  void list_rejectsBadPaging() {
    assertThatThrownBy(() -> f.resolve(store.listAsync(alice, SessionQuery.limit(0))))
        .hasMessageContaining("limit must be between 1 and 200 but was 0");
    assertThatThrownBy(() -> f.resolve(store.listAsync(alice, SessionQuery.limit(10).offset(-1))))
        .hasMessageContaining("offset must not be negative");
  }

  @Test
  void theAsyncForms_failTheirFuture_withTheRefusalOfAnArgument_ratherThanThrowIt() {
    SessionId id = sessionId("async001");

    List<CompletableFuture<?>> refused =
        List.of(
            store.appendAsync(alice, id, Append.of(List.of())),
            store.appendExistingAsync(alice, id, Append.of(f.messages("m", 501))),
            store.updateContextAsync(alice, id, ContextUpdate.none()),
            store.lastMessagesAsync(alice, id, -1));

    assertThat(refused)
        .allSatisfy(
            future -> assertThat(f.failureOf(future)).isInstanceOf(IllegalArgumentException.class));
    assertThat(store.pendingSessions()).isEmpty();
  }

  @Test
  void aWriteAdmittedBeforeClose_isRecordedAndSent_beforeTheCloseFlushes() {
    SessionId id = sessionId("closing1");
    fake.seedSession(ALICE, id.value(), "m1");
    StoreFixture other =
        new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofSeconds(5)));
    CompletableFuture<SessionRead> update;
    CompletableFuture<Void> closed;
    try (AnswerHold hold = fake.holdAnswers()) {
      // The session is not held here: the update reads it first, and that read is held.
      update =
          other.store.updateContextAsync(
              other.caller(ALICE),
              id,
              new ContextUpdate(
                  Optional.of("acme/app"), Optional.empty(), Optional.empty(), Optional.empty()));
      await("the read in flight").atMost(Duration.ofSeconds(10)).until(() -> hold.waiting() == 1);
      closed = CompletableFuture.runAsync(other.store::close);

      await("close waits for the write it admitted")
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(5))
          .until(() -> !closed.isDone());
    }
    other.driveUntil(closed::isDone, Duration.ofMinutes(1));
    other.close();

    assertThat(update).isCompletedWithValueMatching(read -> read.session().repo().isPresent());
    assertThat(fake.session(id.value()).orElseThrow().repo()).isEqualTo("acme/app");
  }

  @Test
  void writesAfterClose_areRefused_andNothingIsAcknowledged() {
    SessionId id = sessionId("closed01");
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    store.close();

    assertThatThrownBy(() -> store.append(alice, id, Append.of(List.of(f.message("m2")))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("this session store is closed: it takes no more writes");
    assertThatThrownBy(() -> store.delete(alice, id)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.create(alice)).isInstanceOf(IllegalStateException.class);
    assertThat(store.appendAsync(alice, id, Append.of(List.of(f.message("m3")))))
        .isCompletedExceptionally();
    assertThatThrownBy(() -> store.flush(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(store.pendingSessions()).isEmpty();
    assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void readsAfterClose_thatTheCacheCannotAnswer_failWithAClosedStore_andReachNoDatabase() {
    SessionId cached = sessionId("closed02");
    SessionId other = sessionId("closed03");
    fake.seedSession(ALICE, other.value(), "s1");
    store.append(alice, cached, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    store.close();
    fake.clearRequests();
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();

    assertThat(store.history(alice, cached).session().messageCount()).isEqualTo(1);
    for (org.assertj.core.api.ThrowableAssert.ThrowingCallable read :
        List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
            () -> store.history(alice, other),
            () -> store.list(alice, SessionQuery.limit(5)),
            () -> store.recover(alice, cached))) {
      assertThatThrownBy(read)
          .as("read %d", reads.incrementAndGet())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("this session store is closed");
    }
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void recover_readsFromTheDatabase_evenWhenCached() {
    SessionId id = sessionId("recover1");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(store.historyAsync(alice, id));
    fake.seedSession(ALICE, id.value(), "s1", "written-elsewhere");

    SessionRead read = f.resolve(store.recoverAsync(alice, id));

    assertThat(read.source()).isEqualTo(ReadSource.DATABASE);
    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("s1", "written-elsewhere");
    assertThat(f.resolve(store.historyAsync(alice, id)).session().messageCount()).isEqualTo(2);
  }

  @Test
  void append_rejectsEmptyAndOversizedBatches() {
    SessionId id = sessionId("bounds01");
    assertThatThrownBy(() -> store.append(alice, id, Append.of(List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1..500 messages but had 0");
    assertThatThrownBy(() -> store.append(alice, id, Append.of(f.messages("m", 501))))
        .hasMessageContaining("but had 501");
  }

  @Test
  void flush_waitsForEverything_andReportsComplete() {
    store.append(alice, sessionId("flush001"), Append.of(List.of(f.message("m1"))));

    var report = store.flushAsync(Duration.ofSeconds(30));
    f.driveUntil(report::isDone, Duration.ofSeconds(30));

    assertThat(report.join().isComplete()).isTrue();
    assertThat(storedIds(sessionId("flush001"))).containsExactly("m1");
  }
}
