package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.Outage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The store over a durable journal: acknowledged writes survive the store, and are sent once. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionStoreJournalTest extends OnJournaledStores {

  @Test
  void anEntryThisVersionCannotRead_isLeftInPlace_whenTheSessionsLaterWritesAreConfirmed() {
    SessionId id = sessionId("journal20");
    SqliteJournal disk = journal();
    // What a newer version could have journaled: a kind this one does not know.
    long unknown =
        disk.append(
            id.value(),
            ALICE,
            "summarize",
            "{\"upTo\":\"m1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    StoreFixture f = store(disk);

    f.store.append(f.caller(ALICE), id, Append.of(List.of(f.message("m1"))));
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(f.store.pendingSessions()).isEmpty();
    assertThat(disk.pending(id.value()))
        .extracting(JournalEntry::sequence, JournalEntry::kind)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(unknown, "summarize"));
  }

  @Test
  void anEntryNamingAnotherOwner_isNeverSent_andLeftInPlace_whenTheOwnersWritesAreConfirmed() {
    SessionId id = sessionId("journal21");
    SqliteJournal disk = journal();
    // A damaged or hand-edited journal: a second owner's entry for Alice's session.
    disk.append(id.value(), ALICE, "append", appendOf("m1"));
    long foreign = disk.append(id.value(), StoreFixture.BOB, "append", appendOf("x1"));
    StoreFixture restarted = store(disk);

    restarted.store.append(
        restarted.caller(ALICE), id, Append.of(List.of(restarted.message("m2"))));
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(disk.pending(id.value()))
        .extracting(JournalEntry::sequence, JournalEntry::owner)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(foreign, StoreFixture.BOB));
  }

  /** A journaled append of one message {@code id}, as the store records it. */
  private static byte[] appendOf(String id) {
    ChatMessage message =
        new ChatMessage(
            MessageId.of(id),
            Role.USER,
            "text of " + id,
            CLOCK.instant(),
            java.util.Optional.empty());
    return dev.codebasechat.session.internal.SessionCodec.opToJson(
        new dev.codebasechat.session.internal.PendingOp.Append(
            List.of(message), java.util.Optional.empty(), java.util.Optional.empty()));
  }

  /** Alice's session {@code id} holds m1, confirmed and read: the journal keeps a copy of it. */
  private static void withALocalCopyOfM1(StoreFixture f, SessionId id) {
    f.store.append(f.caller(ALICE), id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    f.resolve(f.store.historyAsync(f.caller(ALICE), id));
  }

  @Test
  void aLocalCopyGoingToDisk_holdsUpNeitherTheSessionsWritesNorItsReads() throws Exception {
    SessionId id = sessionId("journal41");
    UnreliableJournal disk = new UnreliableJournal(journal());
    StoreFixture f = store(disk);
    Caller alice = f.caller(ALICE);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    disk.holdCopyWrites();
    // m1's confirmation keeps a copy of the session, which waits on the disk.
    java.util.concurrent.CompletableFuture<Void> delivering =
        java.util.concurrent.CompletableFuture.runAsync(f::drainAll);
    assertThat(disk.awaitCopyWriteHeld(Duration.ofSeconds(20))).isTrue();

    java.util.concurrent.CompletableFuture<SessionRead> meanwhile =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              f.store.append(alice, id, Append.of(List.of(f.message("m2"))));
              return f.store.historyIfCached(alice, id).orElseThrow();
            });

    try {
      assertThat(meanwhile.get(10, java.util.concurrent.TimeUnit.SECONDS).session().messages())
          .extracting(message -> message.id().value())
          .containsExactly("m1", "m2");
    } finally {
      disk.releaseCopies();
      delivering.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    f.drainAll();
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  @Test
  void aReadFromTheLocalCopy_thatRacesTheConfirmationOfAJournaledWrite_stillAnswersThatWrite() {
    SessionId id = sessionId("journal40");
    SqliteJournal disk = journal();
    StoreFixture before = store(disk);
    withALocalCopyOfM1(before, id);
    before.store.close();
    disk.append(id.value(), ALICE, "append", appendOf("m2")); // acknowledged before a restart
    UnreliableJournal racing = new UnreliableJournal(disk);
    StoreFixture restarted = store(racing);
    // The database answers the write-behind but not reads: the read falls back to the local copy.
    fake.wireMock()
        .stubFor(
            com.github.tomakehurst.wiremock.client.WireMock.get(
                    com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(
                        ".*/codebase_chat_sessions"))
                .willReturn(
                    com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withStatus(503)
                        .withHeader("Content-Type", "application/json")
                        .withBody(
                            "{\"code\":\"PGRST000\",\"details\":null,\"hint\":null,"
                                + "\"message\":\"Could not connect to the database\"}")));
    // m2 is confirmed (and released, its copy dropped) after the copy is read, before the answer.
    racing.afterNextLocalCopyRead(
        () -> {
          // On the read's HTTP callback thread: time moves here until the write is released.
          restarted.store.flushAsync(Duration.ofSeconds(5));
          org.awaitility.Awaitility.await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () -> {
                    restarted.scheduler.advance(Duration.ofMillis(100));
                    return disk.pending(id.value()).isEmpty();
                  });
        });

    SessionRead read = restarted.resolve(restarted.store.historyAsync(restarted.caller(ALICE), id));

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(read.session().messages())
        .extracting(message -> message.id().value())
        .containsExactly("m1", "m2");
  }

  @Test
  void
      anAppendToAFoundSession_restoredFromTheJournal_storesNothingIfTheSessionWasDeletedMeanwhile() {
    SessionId id = sessionId("journal22");
    SqliteJournal disk = journal();
    StoreFixture before = store(disk);
    before.store.append(before.caller(ALICE), id, Append.of(List.of(before.message("m1"))));
    before.drainAll();
    fake.goDown(Outage.CONNECTION_REFUSED);
    before.store.appendExisting(before.caller(ALICE), id, Append.of(List.of(before.message("m2"))));
    before.store.close();
    fake.goUp();
    StoreFixture another = anotherInstance();
    another.store.delete(another.caller(ALICE), id);
    another.drainAll();
    another.store.close();

    StoreFixture restarted = store(disk);
    // Alice's next request brings the token her journaled writes wait for.
    restarted.store.append(
        restarted.caller(ALICE), sessionId("journal23"), Append.of(List.of(before.message("n1"))));
    restarted.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
    assertThat(disk.pending()).isEmpty();
    assertThat(restarted.store.setAsideWrites()).isEmpty();
  }

  @Test
  void append_isInTheJournalWhenAcknowledged_andReleasedOnceConfirmed() {
    SqliteJournal journal = journal();
    StoreFixture f = store(journal);

    f.store.append(f.caller(ALICE), sessionId("journal1"), Append.of(List.of(f.message("m1"))));
    assertThat(journal.pending())
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.key()).isEqualTo(sessionId("journal1").value());
              assertThat(entry.owner()).isEqualTo(ALICE);
            });
    f.drainAll();

    assertThat(journal.pending()).isEmpty();
    assertThat(storedIds(sessionId("journal1"))).containsExactly("m1");
  }

  @Test
  void aJournalEntryThatCannotBeRead_isLeftInPlace_andTheStoreStartsAndWrites() {
    SqliteJournal journal = journal();
    String unreadable = sessionId("journal8").value();
    journal.append(unreadable, ALICE, "append", "{not json".getBytes(StandardCharsets.UTF_8));

    StoreFixture f = store(journal);
    List<PendingSession> pendingAtStart = f.store.pendingSessions();
    f.store.append(f.caller(ALICE), sessionId("journal9"), Append.of(List.of(f.message("m1"))));
    f.drainAll();

    assertThat(pendingAtStart).isEmpty();
    assertThat(storedIds(sessionId("journal9"))).containsExactly("m1");
    assertThat(journal.pending()).extracting(JournalEntry::key).containsExactly(unreadable);
  }

  @Test
  void acknowledgedWrites_surviveAStoreThatNeverFlushed_andAreSentOnceByTheNextOne() {
    SessionId id = sessionId("journal2");
    fake.goDown(Outage.CONNECTION_REFUSED);
    SqliteJournal first = journal();
    StoreFixture crashed = store(first);
    crashed.store.append(
        crashed.caller(ALICE),
        id,
        Append.of(List.of(crashed.message("m1"), crashed.message("m2"))));
    crashed.store.append(crashed.caller(ALICE), id, Append.of(List.of(crashed.message("m3"))));
    crashed.store.append(
        crashed.caller(BOB), sessionId("journal3"), Append.of(List.of(crashed.message("b1"))));
    // The process "dies": nothing was flushed; its file lock goes with it.
    first.close();
    fake.goUp();

    StoreFixture restarted = store(journal());
    assertThat(restarted.store.pendingSessions()).hasSize(2);
    restarted.runFor(Duration.ofSeconds(5));
    assertThat(restarted.store.pendingSessions())
        .allSatisfy(p -> assertThat(p.waitingForToken()).isTrue());
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.resolve(restarted.store.listAsync(restarted.caller(BOB), SessionQuery.limit(10)));
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2", "m3");
    assertThat(storedIds(sessionId("journal3"))).containsExactly("b1");
    assertThat(fake.session(sessionId("journal3").value()).orElseThrow().userId()).isEqualTo(BOB);
  }

  @Test
  void aFlushAfterARestart_endsOnceOnlyWritesWaitingForTheirOwnersAreLeft_notAtItsTimeout() {
    SessionId id = sessionId("journal4");
    fake.goDown(Outage.CONNECTION_REFUSED);
    SqliteJournal first = journal();
    StoreFixture crashed = store(first);
    crashed.store.append(crashed.caller(ALICE), id, Append.of(List.of(crashed.message("m1"))));
    first.close();
    fake.goUp();
    StoreFixture restarted = store(journal());
    Instant start = CLOCK.instant();

    FlushReport report = restarted.resolve(restarted.store.flushAsync(Duration.ofMinutes(1)));

    assertThat(Duration.between(start, CLOCK.instant())).isLessThan(Duration.ofSeconds(5));
    assertThat(report.isComplete()).isFalse();
    assertThat(report.pending())
        .singleElement()
        .satisfies(p -> assertThat(p.waitingForToken()).isTrue());
  }

  @Test
  void drainProgressAfterARestart_isPublished_asBacklogConfirmedAndOwnersWaiting() {
    fake.goDown(Outage.CONNECTION_REFUSED);
    SqliteJournal first = journal();
    StoreFixture crashed = store(first);
    crashed.store.append(
        crashed.caller(ALICE),
        sessionId("progress1"),
        Append.of(List.of(crashed.message("m1"), crashed.message("m2"))));
    crashed.store.append(
        crashed.caller(BOB), sessionId("progress2"), Append.of(List.of(crashed.message("b1"))));
    first.close();
    fake.goUp();

    StoreFixture restarted = store(journal());
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    restarted.store.bindTo(registry);
    restarted.runFor(Duration.ofSeconds(5));
    assertThat(registry.get("sessions.replay.writes").gauge().value()).isEqualTo(3.0);
    assertThat(registry.get("sessions.pending.owners.waiting.for.token").gauge().value())
        .isEqualTo(2.0);
    assertThat(registry.get("sessions.confirmed.writes").functionCounter().count()).isZero();

    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.driveUntil(
        () -> restarted.store.pendingSessions().size() == 1, Duration.ofMinutes(1));

    assertThat(registry.get("sessions.confirmed.writes").functionCounter().count()).isEqualTo(2.0);
    assertThat(registry.get("sessions.pending.owners.waiting.for.token").gauge().value())
        .isEqualTo(1.0);
    assertThat(registry.get("sessions.pending.writes").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void replayedWrites_reachTheDatabaseOnce_evenWhenTheyHadAlreadyArrived() {
    SessionId id = sessionId("journal4");
    SqliteJournal first = journal();
    StoreFixture before = store(first);
    fake.loseResponseOfNext(1); // applied, but the store never hears it: stays in the journal
    before.store.append(before.caller(ALICE), id, Append.of(List.of(before.message("m1"))));
    before.runFor(Duration.ofMillis(500));
    first.close(); // dies before the retry

    StoreFixture after = store(journal());
    after.resolve(after.store.listAsync(after.caller(ALICE), SessionQuery.limit(10)));
    after.drainAll();

    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void journalThatCannotWrite_failsTheAppend_andRecordsNothing() throws Exception {
    SqliteJournal journal = journal();
    StoreFixture f = store(journal);
    journal.close();

    assertThatThrownBy(
            () ->
                f.store.append(
                    f.caller(ALICE), sessionId("journal5"), Append.of(List.of(f.message("m1")))))
        .isInstanceOf(SessionStorageException.class)
        .hasMessageContaining("could not be recorded durably");
    assertThat(f.store.pendingSessions()).isEmpty();
    assertThatThrownBy(() -> f.store.create(f.caller(ALICE)))
        .isInstanceOf(SessionStorageException.class);
  }

  @Test
  void journalThatCannotWrite_failsAContextUpdateAClearAndADelete_andChangesNothing() {
    SessionId id = sessionId("journal7");
    fake.seedSession(ALICE, id.value(), "s1", "s2");
    SqliteJournal journal = journal();
    StoreFixture f = store(journal);
    Caller alice = f.caller(ALICE);
    f.store.history(alice, id); // cached: the changes below need no read
    journal.close();

    assertThatThrownBy(
            () -> f.store.updateContext(alice, id, ContextUpdate.none().withRepo("acme/app")))
        .isInstanceOf(SessionStorageException.class)
        .hasMessageContaining("could not be recorded durably");
    assertThatThrownBy(() -> f.store.clear(alice, id)).isInstanceOf(SessionStorageException.class);
    assertThatThrownBy(() -> f.store.delete(alice, id)).isInstanceOf(SessionStorageException.class);

    assertThat(f.store.pendingSessions()).isEmpty();
    SessionRead read = f.store.history(alice, id);
    assertThat(read.session().repo()).isEmpty();
    assertThat(read.session().messages())
        .extracting(message -> message.id().value())
        .containsExactly("s1", "s2");
    assertThat(storedIds(id)).containsExactly("s1", "s2");
  }

  @Test
  void afterARestart_withTheDatabaseAway_theOwnerReadsTheLocalCopy_andNobodyElseDoes() {
    SessionId id = sessionId("journal6");
    fake.seedSession(ALICE, id.value(), "s1", "s2");
    SqliteJournal first = journal();
    StoreFixture before = store(first);
    before.resolve(before.store.historyAsync(before.caller(ALICE), id)); // confirmed copy kept
    before.store.append(before.caller(ALICE), id, Append.of(List.of(before.message("pending"))));
    first.close();
    fake.goDown(Outage.CONNECTION_REFUSED);

    StoreFixture after = store(journal());
    SessionRead read = after.resolve(after.store.historyAsync(after.caller(ALICE), id));
    Throwable other = after.failureOf(after.store.historyAsync(after.caller(BOB), id));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("s1", "s2", "pending");
    assertThat(other).isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void deletedSession_leavesNoLocalCopy() {
    SessionId id = sessionId("journal7");
    fake.seedSession(ALICE, id.value(), "s1");
    SqliteJournal journal = journal();
    StoreFixture f = store(journal);
    f.resolve(f.store.historyAsync(f.caller(ALICE), id));
    assertThat(journal.snapshot(id.value())).isPresent();

    f.resolve(f.store.deleteAsync(f.caller(ALICE), id));
    f.drainAll();

    assertThat(journal.snapshot(id.value())).isEmpty();
  }

  @Test
  void closingDuringAnOutage_keepsTheWritesJournaled_neverSetsThemAside() throws Exception {
    fake.goDown(Outage.CONNECTION_REFUSED);
    SqliteJournal journal = journal();
    try (dev.codebasechat.postgrest.PostgrestClient client =
        dev.codebasechat.postgrest.PostgrestClient.builder()
            .restUrl(fake.restUrl())
            .apiKey(dev.codebasechat.postgrest.ApiKey.of(fake.apiKey()))
            .build()) {
      // A real scheduler, shut down by close() while retries are still being scheduled.
      SessionStore store =
          SessionStore.builder(client)
              .journal(journal)
              .debounce(Duration.ofMillis(1))
              .closeTimeout(Duration.ofMillis(200))
              .build();
      StoreFixture names = anotherInstance();
      for (int i = 0; i < 20; i++) {
        store.append(
            names.caller(ALICE),
            sessionId("closing" + i % 3),
            Append.of(List.of(names.message("m" + i))));
      }

      store.close();

      assertThat(store.setAsideWrites()).isEmpty();
      assertThat(journal.pending()).hasSize(20);
    }
  }

  @Test
  void setAsideWrites_areKeptDurably_andStillReportedAfterARestart() {
    SessionId id = sessionId("journal8");
    fake.seedSession(BOB, id.value(), "bobs");
    SqliteJournal first = journal();
    StoreFixture before = store(first);
    before.store.append(before.caller(ALICE), id, Append.of(List.of(before.message("intruder"))));
    before.drainAll();
    assertThat(before.store.setAsideWrites()).hasSize(1);
    first.close();

    StoreFixture after = store(journal());

    assertThat(after.store.setAsideWrites())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.sessionId()).isEqualTo(id);
              assertThat(w.owner()).isEqualTo(ALICE);
              assertThat(w.messageIds()).extracting(MessageId::value).containsExactly("intruder");
              assertThat(w.reason()).contains("403");
            });
    assertThat(after.store.pendingSessions()).isEmpty();
    assertThat(storedIds(id)).containsExactly("bobs");
  }

  @Test
  void aRefusedWriteTheDiskCannotSetAside_staysPending_andIsSetAsideByTheNextStore() {
    SessionId id = sessionId("journal14");
    fake.seedSession(BOB, id.value(), "bobs");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    journal.failSetAsides();
    StoreFixture first = store(journal);

    first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("intruder"))));
    first.driveUntil(
        () -> first.store.pendingSessions().stream().anyMatch(p -> p.lastFailure().isPresent()),
        Duration.ofMinutes(1));
    List<PendingSession> pendingWhileTheDiskFails = first.store.pendingSessions();
    List<SetAsideWrite> setAsideWhileTheDiskFails = first.store.setAsideWrites();
    first.close();
    StoreFixture restarted = store(disk);
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.drainAll();

    UnreliableJournal.assertOneSessionWaitsForTheDisk(pendingWhileTheDiskFails);
    assertThat(setAsideWhileTheDiskFails).isEmpty();
    assertThat(restarted.store.setAsideWrites())
        .singleElement()
        .satisfies(
            write ->
                assertThat(write.messageIds())
                    .extracting(MessageId::value)
                    .containsExactly("intruder"));
    assertThat(restarted.store.pendingSessions()).isEmpty();
    assertThat(storedIds(id)).containsExactly("bobs");
  }

  /** A write of Alice's that a local copy holding only {@code m1} lacks. */
  enum LaterWrite {
    APPEND,
    CONTEXT,
    CLEAR;

    void apply(StoreFixture f, SessionId id) {
      Caller alice = f.caller(ALICE);
      switch (this) {
        case APPEND -> f.store.append(alice, id, Append.of(List.of(f.message("m2"))));
        case CONTEXT -> f.store.updateContext(alice, id, ContextUpdate.none().withRepo("acme/app"));
        case CLEAR -> f.store.clear(alice, id);
      }
    }

    /** Whether {@code session} shows this write. */
    boolean isShownIn(ChatSession session) {
      return switch (this) {
        case APPEND -> session.messages().size() == 2;
        case CONTEXT -> session.repo().equals(java.util.Optional.of("acme/app"));
        case CLEAR -> session.messages().isEmpty();
      };
    }
  }

  @ParameterizedTest
  @EnumSource(LaterWrite.class)
  void aWriteConfirmedAfterTheSessionLeftTheCache_isNeverMissingFromAReadOfTheLocalCopy(
      LaterWrite write) {
    SessionId id = sessionId("journal15" + write.ordinal());
    SqliteJournal disk = journal();
    StoreFixture first = store(disk);
    withALocalCopyOfM1(first, id);
    CLOCK.advance(SessionStore.DEFAULT_CACHE_IDLE_EXPIRY.plusMinutes(1)); // out of the cache

    write.apply(first, id);
    first.drainAll();
    first.close();
    fake.goDown(Outage.CONNECTION_REFUSED);
    StoreFixture restarted = store(disk);

    assertThat(disk.pending()).isEmpty();
    try {
      SessionRead read =
          restarted.resolve(restarted.store.historyAsync(restarted.caller(ALICE), id));
      assertThat(write.isShownIn(read.session())).as("the local copy shows " + write).isTrue();
    } catch (SessionUnavailableException noCopy) {
      // No copy that shows the write: unavailable, never a history without it.
    }
  }

  @Test
  void appendsOfTwoSessionsConfirmedInOneBatch_whoseOutdatedCopiesTheDiskCannotDrop_stayPending() {
    SessionId one = sessionId("journal17");
    SessionId two = sessionId("journal18");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    StoreFixture first = store(journal);
    for (SessionId id : List.of(one, two)) {
      withALocalCopyOfM1(first, id);
    }
    CLOCK.advance(SessionStore.DEFAULT_CACHE_IDLE_EXPIRY.plusMinutes(1)); // out of the cache
    journal.failLocalCopyDrops();
    fake.clearRequests();

    for (SessionId id : List.of(one, two)) {
      first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("m2"))));
    }
    first.driveUntil(
        () -> first.store.pendingSessions().stream().allMatch(p -> p.lastFailure().isPresent()),
        Duration.ofMinutes(1));
    List<PendingSession> pendingWhileTheCopiesStay = first.store.pendingSessions();
    first.close();
    StoreFixture healed = store(disk);
    healed.resolve(healed.store.listAsync(healed.caller(ALICE), SessionQuery.limit(10)));
    healed.drainAll();

    assertThat(fake.requests(r -> r.isCallOf("append_chat_messages_batch"))).isNotEmpty();
    assertThat(pendingWhileTheCopiesStay)
        .hasSize(2)
        .allSatisfy(p -> assertThat(p.lastFailure().orElseThrow()).contains("disk I/O error"));
    assertThat(storedIds(one)).containsExactly("m1", "m2");
    assertThat(storedIds(two)).containsExactly("m1", "m2");
    assertThat(disk.snapshot(one.value())).isEmpty();
    assertThat(disk.snapshot(two.value())).isEmpty();
    assertThat(disk.pending()).isEmpty();
  }

  @Test
  void anAppendWhoseLocalCopyTheDiskCannotUpdate_isNeverMissingFromAReadOfTheLocalCopy() {
    SessionId id = sessionId("journal16");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    StoreFixture first = store(journal);
    withALocalCopyOfM1(first, id);
    journal.failLocalCopyWrites();

    first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("m2"))));
    first.drainAll();
    first.close();
    fake.goDown(Outage.CONNECTION_REFUSED);
    StoreFixture restarted = store(disk);

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThatThrownBy(
            () -> restarted.resolve(restarted.store.historyAsync(restarted.caller(ALICE), id)))
        .as("the copy with m1 alone is not an answer")
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void anAppendWhoseLocalCopyTheDiskCanNeitherUpdateNorDrop_staysInTheJournal_forReadsOfTheCopy() {
    SessionId id = sessionId("journal17");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    StoreFixture first = store(journal);
    withALocalCopyOfM1(first, id);
    journal.failLocalCopyWrites();
    journal.failLocalCopyDrops();

    first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("m2"))));
    first.drainAll();
    first.close();
    fake.goDown(Outage.CONNECTION_REFUSED);
    StoreFixture restarted = store(disk);
    SessionRead read = restarted.resolve(restarted.store.historyAsync(restarted.caller(ALICE), id));

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .as("the copy with m1 alone is not an answer")
        .containsExactly("m1", "m2");
  }

  /** {@code {"lines":[1,1,…]}} of 100 000 ones: 0.2 MB of JSON text, 1.2 MB as jsonb. */
  private static final String OVER_ONE_MIB_AS_STORED =
      "{\"lines\":[" + String.join(",", java.util.Collections.nCopies(100_000, "1")) + "]}";

  @Test
  void
      aContextUpdateJournaledBeforeSizesCountedAsJsonb_isReadBack_andTheDatabasesRefusalSetsItAside() {
    SessionId id = sessionId("journal9");
    fake.seedSession(ALICE, id.value(), "m1");
    // What an earlier version journaled: it counted the context cache as JSON text.
    SqliteJournal earlier = journal();
    earlier.append(
        id.value(),
        ALICE,
        "context",
        ("{\"context_cache\":" + OVER_ONE_MIB_AS_STORED + "}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    earlier.close();

    StoreFixture restarted = store(journal());
    int pendingAfterRestart = restarted.store.pendingSessions().size();
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.drainAll();

    assertThat(pendingAfterRestart).isEqualTo(1);
    assertThat(restarted.store.setAsideWrites())
        .singleElement()
        .satisfies(write -> assertThat(write.reason()).contains("23514"));
    assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m1");
  }

  @Test
  void aJournaledUpdateThatClearsTheRepoAndFile_stillClearsThemAfterARestart() {
    SessionId id = sessionId("journal11");
    SqliteJournal first = journal();
    StoreFixture crashed = store(first);
    crashed.store.append(crashed.caller(ALICE), id, Append.of(List.of(crashed.message("m1"))));
    crashed.store.updateContext(
        crashed.caller(ALICE),
        id,
        ContextUpdate.none().withRepo("acme/app").withCurrentFile("src/Main.java"));
    crashed.drainAll();
    fake.goDown(Outage.CONNECTION_REFUSED);
    crashed.store.updateContext(
        crashed.caller(ALICE), id, ContextUpdate.none().withoutRepo().withoutCurrentFile());
    // The process "dies" with the update journaled only.
    first.close();
    fake.goUp();

    StoreFixture restarted = store(journal());
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.drainAll();

    FakeSession stored = fake.session(id.value()).orElseThrow();
    assertThat(stored.repo()).isNull();
    assertThat(stored.currentFile()).isNull();
  }

  @Test
  void aConfirmedWriteTheDiskCannotRelease_staysJournaled_andTheNextStoreStoresItOnce() {
    SessionId id = sessionId("journal12");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    StoreFixture first = store(journal);
    journal.failReleases();

    first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    List<PendingSession> pendingAfterConfirmation = first.store.pendingSessions();
    List<JournalEntry> journaledAfterConfirmation = disk.pending();
    first.close();
    StoreFixture restarted = store(disk);
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.drainAll();

    assertThat(pendingAfterConfirmation).isEmpty();
    assertThat(journaledAfterConfirmation)
        .extracting(JournalEntry::key)
        .containsExactly(id.value());
    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(disk.pending()).isEmpty();
  }

  @Test
  void anAppendAndAClearTheDiskCannotRelease_replayedByTheNextStore_leaveTheHistoryCleared() {
    SessionId id = sessionId("journal18");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    StoreFixture first = store(journal);
    journal.failReleases();
    first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    first.store.clear(first.caller(ALICE), id);
    first.drainAll();
    first.close();
    assertThat(disk.pending()).hasSize(2);

    StoreFixture restarted = store(disk);
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.drainAll();

    assertThat(storedIds(id)).isEmpty();
    assertThat(disk.pending()).isEmpty();
  }

  @Test
  void aDeleteWhoseLocalCopyTheDiskCannotDrop_staysPending_soNoRestartAnswersTheDeletedSession() {
    SessionId id = sessionId("journal13");
    fake.seedSession(ALICE, id.value(), "s1");
    SqliteJournal disk = journal();
    UnreliableJournal journal = new UnreliableJournal(disk);
    StoreFixture first = store(journal);
    first.resolve(first.store.historyAsync(first.caller(ALICE), id));
    journal.failLocalCopyDrops();

    first.resolve(first.store.deleteAsync(first.caller(ALICE), id));
    first.runFor(Duration.ofSeconds(5));
    List<PendingSession> pendingWhileTheCopyStays = first.store.pendingSessions();
    first.close();
    fake.goDown(Outage.CONNECTION_REFUSED);
    StoreFixture restarted = store(disk);
    Throwable readInTheOutage =
        catchThrowable(
            () -> restarted.resolve(restarted.store.historyAsync(restarted.caller(ALICE), id)));
    fake.goUp();
    restarted.resolve(restarted.store.listAsync(restarted.caller(ALICE), SessionQuery.limit(10)));
    restarted.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
    UnreliableJournal.assertOneSessionWaitsForTheDisk(pendingWhileTheCopyStays);
    assertThat(readInTheOutage).isInstanceOf(SessionNotFoundException.class);
    assertThat(disk.snapshot(id.value())).isEmpty();
    assertThat(disk.pending()).isEmpty();
  }

  @Test
  void aContextUpdateOverItsLimitAsStored_isRefusedByTheStore_andNothingIsJournaled() {
    SqliteJournal journal = journal();
    StoreFixture f = store(journal);
    SessionId id = sessionId("journal10");
    f.store.append(f.caller(ALICE), id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    ContextUpdate built =
        new ContextUpdate(
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.of(json(OVER_ONE_MIB_AS_STORED)),
            java.util.Optional.empty(),
            java.util.Set.of());

    assertThatThrownBy(() -> f.store.updateContext(f.caller(ALICE), id, built))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("contextCache must be at most 1048576 bytes of JSON as PostgreSQL");
    assertThat(journal.pending()).isEmpty();
  }

  private static com.fasterxml.jackson.databind.JsonNode json(String text) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
