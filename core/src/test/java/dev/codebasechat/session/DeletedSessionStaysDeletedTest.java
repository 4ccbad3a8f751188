package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A deleted session stays deleted for the writes that act only on an existing session ({@link
 * SessionStore#appendExisting}, a context update, a clear): they fail as for a missing session and
 * never bring it back, whether the delete is still pending or already confirmed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeletedSessionStaysDeletedTest {
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  /** The session whose journal records the race test holds. */
  private static final SessionId RACED = sessionId("gone0005");

  private final SqliteJournal disk =
      SqliteJournal.builder()
          .path(
              java.nio.file.Path.of(
                  System.getProperty("java.io.tmpdir"),
                  "deleted-" + java.util.UUID.randomUUID() + ".db"))
          .clock(CLOCK)
          .build();
  private final UnreliableJournal journal = new UnreliableJournal(disk, RACED.value());
  private final StoreFixture f =
      new StoreFixture(
          fake, CLOCK, builder -> builder.journal(journal).closeTimeout(Duration.ofMillis(100)));
  private final Caller alice = f.caller(ALICE);

  @AfterEach
  void close() {
    f.store.close();
    f.close();
    disk.close();
  }

  private SessionId deletedSession(String suffix, boolean confirmed) {
    SessionId id = sessionId(suffix);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    f.store.delete(alice, id);
    if (confirmed) {
      f.drainAll();
      assertThat(fake.session(id.value())).isEmpty();
    }
    return id;
  }

  /** What appending m2 to {@code id} only if it exists fails with; the writes drained after. */
  private Throwable appendExistingFailure(SessionId id) {
    Throwable failure =
        f.failureOf(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m2")))));
    f.drainAll();
    return failure;
  }

  @Test
  void appendExisting_afterAConfirmedDelete_failsAsMissing_andCreatesNothing() {
    SessionId id = deletedSession("gone0001", true);

    Throwable failure = appendExistingFailure(id);

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void appendExisting_afterAPendingDelete_failsAsMissing_andCreatesNothing() {
    SessionId id = deletedSession("gone0002", false);

    Throwable failure = appendExistingFailure(id);

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(id.value())).isEmpty();
  }

  /** {@code ids} deleted through another instance of the store (its own cache and outboxes). */
  private static void deletedThroughAnotherInstance(SessionId... ids) {
    StoreFixture there = new StoreFixture(fake, CLOCK, builder -> builder);
    try {
      for (SessionId id : ids) {
        there.store.delete(there.caller(ALICE), id);
      }
      there.drainAll();
    } finally {
      there.store.close();
      there.close();
    }
  }

  @Test
  void appendExisting_waitingInTheJournal_whileAnotherInstanceDeletes_storesNothingOnDelivery() {
    SessionId id = sessionId("gone0007");
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    f.store.appendExisting(alice, id, Append.of(List.of(f.message("m2"))));

    deletedThroughAnotherInstance(id);
    f.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
    assertThat(f.failureOf(f.store.historyAsync(alice, id)))
        .isInstanceOf(SessionNotFoundException.class);
    assertThat(f.store.pendingSessions()).isEmpty();
    assertThat(f.store.setAsideWrites()).isEmpty();
  }

  @Test
  void appendsExisting_deliveredTogether_storeNothingInTheOneAnotherInstanceDeleted() {
    SessionId kept = sessionId("gone0008");
    SessionId deleted = sessionId("gone0009");
    for (SessionId id : List.of(kept, deleted)) {
      f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    }
    f.drainAll();
    for (SessionId id : List.of(kept, deleted)) {
      f.store.appendExisting(alice, id, Append.of(List.of(f.message("m2"))));
    }

    deletedThroughAnotherInstance(deleted);
    f.sent.clear();
    f.drainAll();

    assertThat(f.sent).containsExactly("POST /rest/v1/rpc/append_chat_messages_batch");
    assertThat(fake.session(deleted.value())).isEmpty();
    assertThat(fake.session(kept.value()).orElseThrow().messageIds()).containsExactly("m1", "m2");
    assertThat(f.store.pendingSessions()).isEmpty();
    assertThat(f.store.setAsideWrites()).isEmpty();
  }

  @Test
  void aContextUpdate_afterAConfirmedDelete_failsAsMissing_andCreatesNothing() {
    SessionId id = deletedSession("gone0003", true);

    Throwable failure =
        f.failureOf(
            f.store.updateContextAsync(alice, id, ContextUpdate.none().withRepo("acme/app")));
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void append_afterAConfirmedDelete_createsTheSessionAnew() {
    SessionId id = deletedSession("gone0004", true);

    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));
    f.drainAll();

    assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m2");
  }

  @Test
  void appendExisting_foundBeforeADeleteRecordedFirst_failsAsMissing_andNeverBringsItBack()
      throws Exception {
    Throwable failure =
        f.failureOf(
            raceAfterADeleteRecordedFirst(
                () ->
                    f.store.appendExistingAsync(
                        alice, RACED, Append.of(List.of(f.message("m2"))))));
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(RACED.value())).isEmpty();
  }

  /**
   * Runs {@code change} of the raced session while a delete of it records itself first: the delete
   * is found to be the owner's and records itself, its journal write held (with the session's lock)
   * until {@code change}, found to exist meanwhile, waits for the lock. What {@code change}
   * completed with.
   */
  private CompletableFuture<?> raceAfterADeleteRecordedFirst(
      java.util.function.Supplier<CompletableFuture<?>> change) throws Exception {
    f.store.append(alice, RACED, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    journal.hold();
    CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> f.store.delete(alice, RACED));
    assertThat(journal.awaitEntered(Duration.ofSeconds(10))).isTrue();
    CompletableFuture<Object> changed = new CompletableFuture<>();
    Thread changer =
        new Thread(
            () ->
                change
                    .get()
                    .whenComplete(
                        (result, failure) -> {
                          if (failure != null) {
                            changed.completeExceptionally(failure);
                          } else {
                            changed.complete(result);
                          }
                        }));
    changer.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> changer.getState() == Thread.State.WAITING);
    journal.release();
    delete.get(10, TimeUnit.SECONDS);
    return changed;
  }

  @Test
  void aContextUpdate_foundBeforeADeleteRecordedFirst_failsAsMissing() throws Exception {
    Throwable failure =
        f.failureOf(
            raceAfterADeleteRecordedFirst(
                () ->
                    f.store.updateContextAsync(
                        alice, RACED, ContextUpdate.none().withRepo("acme/app"))));
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(RACED.value())).isEmpty();
  }

  @Test
  void aClear_foundBeforeADeleteRecordedFirst_failsAsMissing() throws Exception {
    Throwable failure =
        f.failureOf(raceAfterADeleteRecordedFirst(() -> f.store.clearAsync(alice, RACED)));
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(RACED.value())).isEmpty();
  }

  /**
   * The head read this test slows down: the first one of the session, answered with the row as the
   * database holds it now, {@code delayMillis} later; later reads go to the backend.
   */
  private static com.github.tomakehurst.wiremock.stubbing.StubMapping slowFirstHeadRead(
      SessionId id, int delayMillis) {
    dev.codebasechat.testing.FakeSession row = fake.session(id.value()).orElseThrow();
    String head =
        "{\"session_id\":\""
            + row.sessionId()
            + "\",\"user_id\":\""
            + row.userId()
            + "\",\"repo\":null,\"current_file\":null,\"context_cache\":{},\"metadata\":{},"
            + "\"message_count\":"
            + row.messageCount()
            + ",\"version\":"
            + row.version()
            + ",\"last_activity\":\""
            + Timestamps.format(row.lastActivity().toInstant())
            + "\",\"history_bytes\":"
            + row.historyBytes()
            + "}";
    return fake.wireMock()
        .stubFor(
            TableStubs.selectOf(dev.codebasechat.session.internal.SessionCodec.HEAD_COLUMNS)
                .inScenario("slow head")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willSetStateTo("read")
                .willReturn(
                    com.github.tomakehurst.wiremock.client.WireMock.okJson(head)
                        .withFixedDelay(delayMillis)));
  }

  private static boolean firstHeadReadArrived() {
    return fake.wireMock().getAllScenarios().getScenarios().stream()
        .anyMatch(s -> s.getName().equals("slow head") && s.getState().equals("read"));
  }

  @Test
  void appendExisting_whoseHeadReadOutlastsAConfirmedDelete_neverBringsTheSessionBack() {
    SessionId id = sessionId("gone0006");
    fake.seedSession(ALICE, id.value(), "m1"); // in the database; nothing here knows it
    var slowHead = slowFirstHeadRead(id, 2_000);
    try {
      CompletableFuture<AppendReceipt> append =
          f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m2"))));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(DeletedSessionStaysDeletedTest::firstHeadReadArrived);

      // While the append's head read is answered slowly: the delete (its head read answered at
      // once) is recorded, sent after the debounce window, and confirmed.
      f.store.delete(alice, id);
      f.advanceMillis(dev.codebasechat.writebehind.internal.WritePacer.DEFAULT_DEBOUNCE.toMillis());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> fake.session(id.value()).isEmpty() && f.store.pendingSessions().isEmpty());
      Throwable failure = f.resolve(append.handle((receipt, e) -> e));
      f.drainAll();

      // On a machine slower than the head read's 2 s, the append may land before the delete is
      // confirmed, and go with the session. Either way the session stays deleted.
      assertThat(fake.session(id.value())).isEmpty();
      if (failure != null) {
        assertThat(dev.codebasechat.internal.FutureResults.unwrap(failure))
            .isInstanceOf(SessionNotFoundException.class);
      }
    } finally {
      fake.wireMock().removeStub(slowHead);
      fake.wireMock().resetScenarios();
    }
  }
}
