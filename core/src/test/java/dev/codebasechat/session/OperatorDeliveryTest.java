package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.session.internal.OperatorDelivery;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store given the service key delivers the journaled writes of owners it has no token for (after
 * a restart) without waiting for them, under the drain's rules: only for the journaled owner, never
 * into another user's session, and a refused key leaves the writes waiting for their owner. Over
 * real SQL behind the PostgREST-compatible test server, on a manual clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OperatorDeliveryTest {

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @TempDir Path dir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    supabase.clearFaults();
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private SqliteJournal journal() {
    SqliteJournal journal = SqliteJournal.open(dir.resolve("journal.db"));
    open.add(journal);
    return journal;
  }

  private StoreFixture store(
      Journal journal, java.util.function.UnaryOperator<SessionStore.Builder> more) {
    StoreFixture f =
        new StoreFixture(
            supabase,
            clock,
            builder -> more.apply(builder.journal(journal).closeTimeout(Duration.ofMillis(50))));
    open.add(
        () -> {
          f.store.close();
          f.close();
        });
    return f;
  }

  private StoreFixture storeWithoutJournal() {
    StoreFixture f =
        new StoreFixture(supabase, clock, builder -> builder.closeTimeout(Duration.ofMillis(50)));
    open.add(
        () -> {
          f.store.close();
          f.close();
        });
    return f;
  }

  private PostgrestClient.Builder client() {
    return PostgrestClient.builder()
        .projectUrl(supabase.baseUrl())
        .apiKey(ApiKey.of(supabase.apiKey()));
  }

  private SessionStore.Builder withServiceKey(SessionStore.Builder builder, String key) {
    PostgrestClient operatorClient = client().build();
    open.add(operatorClient);
    return builder.operatorDelivery(operatorClient.operator(ServiceKey.of(key)));
  }

  /** A store started on the journal left behind, given this project's service key. */
  private StoreFixture restartedWithTheServiceKey() {
    return store(journal(), b -> withServiceKey(b, supabase.serviceKey()));
  }

  /** {@code user}'s writes acknowledged during an outage by a store that then stopped. */
  private void backlogOf(UUID user, SessionId id, String... messageIds) {
    SqliteJournal journal = journal();
    StoreFixture first = store(journal, b -> b);
    supabase.goDown(Outage.CONNECTION_REFUSED);
    for (String messageId : messageIds) {
      first.store.append(first.caller(user), id, Append.of(List.of(first.message(messageId))));
    }
    first.store.close();
    supabase.goUp();
    assertThat(journal.pending()).isNotEmpty();
    journal.close(); // the next store opens the file again, as after a restart
  }

  private static List<String> storedIds(SessionId id) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history) m"
            + " where s.session_id = ?",
        id.value());
  }

  @Test
  void restartedWithTheServiceKey_deliversTheBacklog_withoutAnyRequestOfItsOwner() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0001");
    backlogOf(user, id, "m1", "m2");
    supabase.clearRequests();

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(restarted.store.writesDeliveredWithoutOwners()).isEqualTo(2);
    assertThat(restarted.store.writesWaitingForToken()).isZero();
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages")))
        .as("no user's request")
        .isEmpty();
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages_for"))).isNotEmpty();
  }

  @Test
  void
      restartedWithTheServiceKey_whileTheDatabaseIsAway_keepsTheBacklog_andDeliversItOnItsReturn() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0010");
    backlogOf(user, id, "m1", "m2");

    supabase.goDown(Outage.CONNECTION_REFUSED);
    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.driveUntil(
        () -> restarted.store.pendingSessions().stream().anyMatch(p -> p.lastFailure().isPresent()),
        Duration.ofMinutes(1));

    assertThat(restarted.store.pendingSessions())
        .singleElement()
        .satisfies(
            pending -> {
              assertThat(pending.sessionId()).isEqualTo(id);
              assertThat(pending.pendingWrites()).isEqualTo(2);
              assertThat(pending.waitingForToken()).isFalse();
            });
    assertThat(restarted.store.setAsideWrites()).isEmpty();
    assertThat(restarted.store.writesDeliveredWithoutOwners()).isZero();

    supabase.goUp();
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(restarted.store.writesDeliveredWithoutOwners()).isEqualTo(2);
    assertThat(restarted.store.setAsideWrites()).isEmpty();
  }

  @Test
  void aBacklogTheDatabaseRefusesAsFull_isSetAside_andTheOwnersNextAppendIsRefusedAsSessionFull() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0009");
    backlogOf(user, id, "over");
    StoreFixture filler =
        new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE));
    open.add(
        () -> {
          filler.store.close();
          filler.close();
        });
    for (int batch = 0; batch < 40; batch++) { // 20 000 messages, as many as a session holds
      filler.resolve(
          filler.store.appendAsync(
              filler.caller(user), id, Append.of(filler.messages("b" + batch, 500))));
    }

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();
    Throwable refused =
        restarted.failureOf(
            restarted.store.appendAsync(
                restarted.caller(user), id, Append.of(List.of(restarted.message("again")))));

    assertThat(restarted.store.setAsideWrites())
        .singleElement()
        .satisfies(
            write ->
                assertThat(write.messageIds())
                    .extracting(MessageId::value)
                    .containsExactly("over"));
    assertThat(((SessionRejectedException) refused).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(restarted.store.pendingSessions()).isEmpty();
  }

  @Test
  void aBacklogOfAppends_isAppendedForItsOwner_withoutReadingTheRowFirst() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0005");
    backlogOf(user, id, "m1", "m2");
    supabase.clearRequests();

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages_for"))).isNotEmpty();
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).isEmpty();
    assertThat(supabase.requests(r -> r.isOnTable("codebase_chat_sessions")))
        .as("no row read")
        .isEmpty();
  }

  @Test
  void aBacklogDeliveredLate_takesItsPlaceByTimestamp_amongMessagesTheOwnerWroteMeanwhile() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0006");
    backlogOf(user, id, "early-1", "early-2");
    clock.advance(Duration.ofSeconds(5));
    StoreFixture elsewhere = storeWithoutJournal(); // another instance, where the owner went on
    elsewhere.store.append(
        elsewhere.caller(user), id, Append.of(List.of(elsewhere.message("later"))));
    elsewhere.drainAll();

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("early-1", "early-2", "later");
  }

  @Test
  void aBacklogWithAContextChange_isWrittenWholeAtTheVersionRead() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0007");
    SqliteJournal journal = journal();
    StoreFixture first = store(journal, b -> b);
    first.store.append(first.caller(user), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    supabase.goDown(Outage.CONNECTION_REFUSED);
    first.store.append(first.caller(user), id, Append.of(List.of(first.message("m2"))));
    var context =
        first.store.updateContextAsync(
            first.caller(user),
            id,
            ContextUpdate.none()
                .withMetadata(
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                        .objectNode()
                        .put("k", 1)));
    first.driveUntil(context::isDone, Duration.ofMinutes(1));
    assertThat(context).isCompleted();
    first.store.close();
    supabase.goUp();
    journal.close();
    supabase.clearRequests();

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(
            supabase.queryAsOwner(
                "select metadata::text from public.codebase_chat_sessions where session_id = ?",
                id.value()))
        .containsExactly("{\"k\": 1}");
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).isNotEmpty();
  }

  @Test
  void aDeleteDeliveredWithTheServiceKey_whoseLocalCopyTheDiskCannotDrop_staysPendingUntilItCan() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0010");
    SqliteJournal journal = journal();
    StoreFixture first = store(journal, b -> b);
    first.store.append(first.caller(user), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    first.resolve(first.store.historyAsync(first.caller(user), id)); // keeps a local copy
    supabase.goDown(Outage.CONNECTION_REFUSED);
    first.store.delete(first.caller(user), id);
    first.store.close();
    supabase.goUp();
    journal.close();

    SqliteJournal disk = journal();
    UnreliableJournal failingDisk = new UnreliableJournal(disk);
    failingDisk.failLocalCopyDrops();
    StoreFixture restarted = store(failingDisk, b -> withServiceKey(b, supabase.serviceKey()));
    restarted.driveUntil(
        () ->
            restarted.store.pendingSessions().stream()
                .anyMatch(pending -> pending.lastFailure().isPresent()),
        Duration.ofMinutes(1));
    List<PendingSession> pendingWhileTheCopyStays = restarted.store.pendingSessions();
    boolean copyStayed = disk.snapshot(id.value()).isPresent();
    restarted.store.close();
    StoreFixture healed = store(disk, b -> withServiceKey(b, supabase.serviceKey()));
    healed.drainAll();

    assertThat(storedIds(id)).isEmpty();
    assertThat(copyStayed).isTrue();
    UnreliableJournal.assertOneSessionWaitsForTheDisk(pendingWhileTheCopyStays);
    assertThat(disk.snapshot(id.value())).isEmpty();
    assertThat(disk.pending()).isEmpty();
  }

  @Test
  void anAppendDeliveredWithTheServiceKey_isNeverMissingFromAReadOfTheLocalCopy() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0011");
    SqliteJournal journal = journal();
    StoreFixture first = store(journal, b -> b);
    first.store.append(first.caller(user), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    first.resolve(first.store.historyAsync(first.caller(user), id)); // a local copy with m1
    supabase.goDown(Outage.CONNECTION_REFUSED);
    first.store.append(first.caller(user), id, Append.of(List.of(first.message("m2"))));
    first.store.close();
    supabase.goUp();
    journal.close();

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();
    supabase.goDown(Outage.CONNECTION_REFUSED);
    Throwable read =
        catchThrowable(
            () -> restarted.resolve(restarted.store.historyAsync(restarted.caller(user), id)));

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    assertThat(restarted.store.writesDeliveredWithoutOwners()).isEqualTo(1);
    assertThat(read)
        .as("the copy with m1 alone is not an answer")
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void theSameAppendsDeliveredTwice_areStoredOnce() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0008");
    StoreFixture f = storeWithoutJournal();
    PostgrestClient operatorClient = client().build();
    open.add(operatorClient);
    OperatorDelivery delivery =
        new OperatorDelivery(
            operatorClient.operator(ServiceKey.of(supabase.serviceKey())),
            f.store.guard(),
            f.clock);
    List<PendingOp> ops =
        List.of(
            new PendingOp.Append(
                List.of(f.message("m1"), f.message("m2")),
                java.util.Optional.empty(),
                java.util.Optional.empty()));

    OperatorDelivery.Result first = delivery.deliver(id, user, ops).join();
    OperatorDelivery.Result again = delivery.deliver(id, user, ops).join();

    assertThat(first.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(first.freshMessages()).isEqualTo(2);
    assertThat(again.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(again.freshMessages()).isZero();
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  /** {@code owner}'s session {@code id} holding one message, stored in the database. */
  private void storedFor(UUID owner, SessionId id, String messageId) {
    StoreFixture theirs = storeWithoutJournal();
    theirs.store.append(theirs.caller(owner), id, Append.of(List.of(theirs.message(messageId))));
    theirs.drainAll();
    theirs.store.close();
  }

  /** A delivery with this project's service key, for the writes of owners handed to it. */
  private OperatorDelivery serviceKeyDelivery(StoreFixture f) {
    PostgrestClient operatorClient = client().build();
    open.add(operatorClient);
    return new OperatorDelivery(
        operatorClient.operator(ServiceKey.of(supabase.serviceKey())), f.store.guard(), f.clock);
  }

  private static PendingOp.Append appendOf(List<ChatMessage> messages) {
    return new PendingOp.Append(messages, java.util.Optional.empty(), java.util.Optional.empty());
  }

  private static PendingOp.Context metadataOf(String key) {
    return new PendingOp.Context(
        ContextUpdate.none()
            .withMetadata(
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                    .objectNode()
                    .put(key, 1)));
  }

  private static String storedMetadata(SessionId id) {
    return supabase
        .queryAsOwner(
            "select metadata::text from public.codebase_chat_sessions where session_id = ?",
            id.value())
        .get(0);
  }

  @Test
  void wholeWritesForASessionIdAnotherUserHolds_areNeverWritten() {
    UUID owner = supabase.newUser();
    UUID other = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0009");
    StoreFixture f = storeWithoutJournal();
    storedFor(owner, id, "theirs");
    supabase.clearRequests();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f)
            .deliver(id, other, List.of(appendOf(List.of(f.message("intruder"))), metadataOf("k")))
            .join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.OWNED_BY_ANOTHER_USER);
    assertThat(result.reason()).contains(SetAsideWrite.OWNED_BY_ANOTHER_USER);
    assertThat(storedIds(id)).containsExactly("theirs");
    assertThat(storedMetadata(id)).isEqualTo("{}");
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).isEmpty();
  }

  private static SessionId inNamespaceOf(UUID user, String name) {
    return SessionId.of(
        "chat-"
            + dev.codebasechat.schema.SessionTableRules.conversationNamespace(user)
            + "-"
            + name);
  }

  @Test
  void writesForASessionIdInAnotherUsersConversationNamespace_areOwnedByAnotherUser_neverCreated() {
    UUID alice = supabase.newUser();
    UUID bob = supabase.newUser();
    StoreFixture f = storeWithoutJournal();
    OperatorDelivery delivery = serviceKeyDelivery(f);
    SessionId appendsAlone = inNamespaceOf(alice, "squat0001");
    SessionId whole = inNamespaceOf(alice, "squat0002");

    OperatorDelivery.Result appended =
        delivery.deliver(appendsAlone, bob, List.of(appendOf(List.of(f.message("b1"))))).join();
    OperatorDelivery.Result written =
        delivery
            .deliver(whole, bob, List.of(appendOf(List.of(f.message("b2"))), metadataOf("k")))
            .join();

    for (OperatorDelivery.Result result : List.of(appended, written)) {
      assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.OWNED_BY_ANOTHER_USER);
      assertThat(result.reason())
          .contains(dev.codebasechat.schema.SessionTableRules.NAMESPACE_TAKEN);
    }
    assertThat(storedIds(appendsAlone)).isEmpty();
    assertThat(storedIds(whole)).isEmpty();
  }

  @Test
  void restartedWithTheServiceKey_aBacklogInAnotherUsersNamespace_isSetAside_notLeftForItsOwner() {
    UUID alice = supabase.newUser();
    UUID bob = supabase.newUser();
    SessionId id = inNamespaceOf(alice, "squat0003");
    backlogOf(bob, id, "b1");

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.driveUntil(
        () ->
            !restarted.store.setAsideWrites().isEmpty()
                || restarted.store.writesWaitingForToken() > 0,
        Duration.ofMinutes(1));

    assertThat(restarted.store.writesWaitingForToken()).isZero();
    assertThat(restarted.store.setAsideWrites())
        .singleElement()
        .satisfies(
            write -> {
              assertThat(write.sessionId()).isEqualTo(id);
              assertThat(write.reason())
                  .isEqualTo(dev.codebasechat.schema.SessionTableRules.NAMESPACE_TAKEN);
            });
    assertThat(storedIds(id)).isEmpty();
  }

  @Test
  void theSameWholeWritesDeliveredTwice_areStoredOnce_andTheSecondDeliveryWritesNothing() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0010");
    StoreFixture f = storeWithoutJournal();
    OperatorDelivery delivery = serviceKeyDelivery(f);
    List<PendingOp> ops = List.of(appendOf(List.of(f.message("m1"))), metadataOf("k"));

    OperatorDelivery.Result first = delivery.deliver(id, user, ops).join();
    supabase.clearRequests();
    OperatorDelivery.Result again = delivery.deliver(id, user, ops).join();

    assertThat(first.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(first.freshMessages()).isEqualTo(1);
    assertThat(again.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(again.freshMessages()).isZero();
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).isEmpty();
    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(storedMetadata(id)).isEqualTo("{\"k\": 1}");
  }

  @Test
  void aSessionCreatedAndDeletedBeforeReachingTheDatabase_isDeliveredWithoutAWrite() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0011");
    StoreFixture f = storeWithoutJournal();
    supabase.clearRequests();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f)
            .deliver(
                id, user, List.of(appendOf(List.of(f.message("m1"))), PendingOp.Delete.asked()))
            .join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(result.freshMessages()).isZero();
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).isEmpty();
    assertThat(storedIds(id)).isEmpty();
  }

  @Test
  void aClearDeliveredAgain_afterItsFirstDeliveryCommitted_erasesNothingStoredSince() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0013");
    StoreFixture f = storeWithoutJournal();
    storedFor(user, id, "m1");
    OperatorDelivery delivery = serviceKeyDelivery(f);
    List<PendingOp> clear = List.of(PendingOp.Clear.asked());
    assertThat(delivery.deliver(id, user, clear).join().outcome())
        .isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    storedFor(user, id, "m2"); // stored by the owner elsewhere after the clear

    OperatorDelivery.Result again = delivery.deliver(id, user, clear).join();

    assertThat(again.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void aDeleteDeliveredAgain_afterItsFirstDeliveryCommitted_leavesTheSessionStartedAgain() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0014");
    StoreFixture f = storeWithoutJournal();
    storedFor(user, id, "m1");
    OperatorDelivery delivery = serviceKeyDelivery(f);
    List<PendingOp> delete = List.of(PendingOp.Delete.asked());
    assertThat(delivery.deliver(id, user, delete).join().outcome())
        .isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    storedFor(user, id, "m2"); // started again under the same id by its owner

    OperatorDelivery.Result again = delivery.deliver(id, user, delete).join();

    assertThat(again.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void writesAroundAClear_goInTheirOrder_theClearOnItsOwn() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0015");
    StoreFixture f = storeWithoutJournal();
    storedFor(user, id, "m1");
    supabase.clearRequests();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f)
            .deliver(
                id,
                user,
                List.of(
                    appendOf(List.of(f.message("m2"))),
                    PendingOp.Clear.asked(),
                    appendOf(List.of(f.message("m3")))))
            .join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(result.freshMessages()).isEqualTo(1);
    assertThat(storedIds(id)).containsExactly("m3");
    assertThat(supabase.requests(r -> r.isCallOf("clear_chat_history_for"))).hasSize(1);
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages_for"))).hasSize(2);
  }

  @Test
  void writesAroundAClear_deliveredTwice_leaveWhatTheyLeftOnce() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0017");
    StoreFixture f = storeWithoutJournal();
    storedFor(user, id, "m1");
    OperatorDelivery delivery = serviceKeyDelivery(f);
    List<PendingOp> ops =
        List.of(
            appendOf(List.of(f.message("m2"))),
            PendingOp.Clear.asked(),
            appendOf(List.of(f.message("m3"))));

    delivery.deliver(id, user, ops).join();
    OperatorDelivery.Result again = delivery.deliver(id, user, ops).join();

    assertThat(again.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m3");
  }

  @Test
  void aClearOfASessionDeletedSince_thenAnAppend_storesTheAppendInASessionStartedAgain() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0018");
    StoreFixture f = storeWithoutJournal();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f)
            .deliver(id, user, List.of(PendingOp.Clear.asked(), appendOf(List.of(f.message("m5")))))
            .join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m5");
  }

  @Test
  void aClearThatFoundNoSession_deliveredAgainAfterTheSessionWasStarted_erasesNothing() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0020");
    StoreFixture f = storeWithoutJournal();
    OperatorDelivery delivery = serviceKeyDelivery(f);
    List<PendingOp> ops = List.of(PendingOp.Clear.asked(), appendOf(List.of(f.message("m5"))));
    delivery.deliver(id, user, ops).join();
    storedFor(user, id, "m9"); // stored by the owner elsewhere

    OperatorDelivery.Result again = delivery.deliver(id, user, ops).join();

    assertThat(again.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m5", "m9");
  }

  @Test
  void aClearOfASessionDeletedSince_aloneIsGone() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0019");
    StoreFixture f = storeWithoutJournal();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, user, List.of(PendingOp.Clear.asked())).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.GONE);
    assertThat(storedIds(id)).isEmpty();
  }

  @Test
  void aClearOfAnotherUsersSession_isRefusedAsTheirs_andTheirSessionUntouched() {
    UUID owner = supabase.newUser();
    UUID other = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0016");
    StoreFixture f = storeWithoutJournal();
    storedFor(owner, id, "theirs");

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, other, List.of(PendingOp.Clear.asked())).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.OWNED_BY_ANOTHER_USER);
    assertThat(storedIds(id)).containsExactly("theirs");
  }

  @Test
  void appendsOfMoreMessagesThanOneRequestCarries_areWrittenWholeInOneCall() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0012");
    StoreFixture f = storeWithoutJournal();
    List<ChatMessage> first = new ArrayList<>();
    List<ChatMessage> second = new ArrayList<>();
    for (int i = 0; i < PendingOp.MAX_MESSAGES_PER_REQUEST; i++) {
      first.add(f.message("a" + i));
    }
    second.add(f.message("b0"));
    supabase.clearRequests();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, user, List.of(appendOf(first), appendOf(second))).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(result.freshMessages()).isEqualTo(PendingOp.MAX_MESSAGES_PER_REQUEST + 1);
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).hasSize(1);
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages_for"))).isEmpty();
    assertThat(storedIds(id)).hasSize(PendingOp.MAX_MESSAGES_PER_REQUEST + 1).endsWith("b0");
  }

  @Test
  void backlogForASessionIdAnotherUserHolds_isSetAside_andTheirSessionUntouched() {
    UUID owner = supabase.newUser();
    UUID other = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0002");
    storedFor(owner, id, "theirs");
    backlogOf(other, id, "intruder"); // accepted while the database could not say whose id it is

    StoreFixture restarted = restartedWithTheServiceKey();
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("theirs");
    assertThat(restarted.store.setAsideWrites())
        .singleElement()
        .satisfies(
            write -> {
              assertThat(write.owner()).isEqualTo(other);
              assertThat(write.reason()).isEqualTo(SetAsideWrite.OWNED_BY_ANOTHER_USER);
            });
  }

  @Test
  void aServiceKeyTheDatabaseRefuses_leavesTheBacklogWaitingForItsOwner() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0003");
    backlogOf(user, id, "m1");

    StoreFixture restarted =
        store(journal(), b -> withServiceKey(b, "sb_secret_not-this-projects-key-0000"));
    restarted.driveUntil(() -> restarted.store.writesWaitingForToken() == 1, Duration.ofMinutes(1));
    assertThat(storedIds(id)).isEmpty();
    assertThat(restarted.store.writesWaitingForToken()).isEqualTo(1);

    restarted.store.history(restarted.caller(user), id); // the owner comes back with a token
    restarted.drainAll();

    assertThat(storedIds(id)).containsExactly("m1");
    assertThat(restarted.store.writesWaitingForToken()).isZero();
  }

  @Test
  void aWriteSentWithATokenNotOfTheProject_waitsForAnotherToken_neverTheServiceKey() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0005");
    StoreFixture f = restartedWithTheServiceKey();
    Caller forged =
        new Caller(user, dev.codebasechat.postgrest.AccessToken.of(supabase.forgedTokenFor(user)));

    f.store.append(forged, id, Append.of(List.of(f.message("m1"))));
    f.driveUntil(
        () -> f.store.pendingSessions().stream().allMatch(PendingSession::waitingForToken),
        Duration.ofMinutes(1));
    f.store.append(forged, id, Append.of(List.of(f.message("m2")))); // the same token again
    f.driveUntil(
        () -> f.store.pendingSessions().stream().allMatch(PendingSession::waitingForToken),
        Duration.ofMinutes(1));

    assertThat(storedIds(id)).isEmpty();
    assertThat(supabase.requests(r -> r.isCallOf("append_chat_messages_for"))).isEmpty();
    assertThat(f.store.setAsideWrites()).isEmpty();
    assertThat(f.store.writesWaitingForToken()).isEqualTo(2);
  }

  @Test
  void aWriteAcceptedWithATokenThatExpiredSince_waitsForItsOwner_notSetAside() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0006");
    StoreFixture f = restartedWithTheServiceKey();
    Caller expired =
        new Caller(user, dev.codebasechat.postgrest.AccessToken.of(supabase.expiredTokenFor(user)));

    f.store.append(expired, id, Append.of(List.of(f.message("m1"))));
    f.driveUntil(
        () -> f.store.pendingSessions().stream().allMatch(PendingSession::waitingForToken),
        Duration.ofMinutes(1));

    assertThat(f.store.setAsideWrites()).isEmpty();
    assertThat(f.store.writesWaitingForToken()).isEqualTo(1);
  }

  @Test
  void withoutTheServiceKey_theBacklogWaitsForItsOwner_andSaysSo() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("oper0004");
    backlogOf(user, id, "m1", "m2");

    StoreFixture restarted = store(journal(), b -> b);
    restarted.driveUntil(
        () -> restarted.store.pendingSessions().stream().allMatch(PendingSession::waitingForToken),
        Duration.ofMinutes(1));

    assertThat(storedIds(id)).isEmpty();
    assertThat(restarted.store.writesWaitingForToken()).isEqualTo(2);
  }
}
