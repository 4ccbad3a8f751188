package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
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
 * A clear or delete its caller names (the id chosen when the user asks for it, sent again with
 * every try after a lost answer): a try sent again does not clear what was stored since, nor delete
 * a session started again under the id; it answers as the first did.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CallerNamedWritesTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  @TempDir Path dir;

  private final List<AutoCloseable> opened = new ArrayList<>();
  private final StoreFixture f = fixture(builder -> builder);
  private final Caller alice = f.caller(ALICE);

  private StoreFixture fixture(java.util.function.UnaryOperator<SessionStore.Builder> options) {
    StoreFixture fixture =
        new StoreFixture(
            fake, CLOCK, builder -> options.apply(builder.closeTimeout(Duration.ofMillis(100))));
    opened.add(fixture);
    opened.add(fixture.store);
    return fixture;
  }

  @AfterEach
  void close() throws Exception {
    fake.clearFaults();
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private List<String> storedIds(SessionId id) {
    return fake.session(id.value()).map(FakeSession::messageIds).orElse(List.of());
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(m -> m.id().value()).toList();
  }

  @Test
  void aClearSentAgain_keepsWhatWasStoredSince_andAnswersTheSessionAsItIsNow() {
    SessionId id = sessionId("named001");
    UUID clearId = UUID.randomUUID();
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.clear(alice, id, clearId);
    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));

    SessionRead again = f.store.clear(alice, id, clearId);
    f.drainAll();

    assertThat(ids(again)).containsExactly("m2");
    assertThat(storedIds(id)).containsExactly("m2");
    assertThat(fake.countRequests(".*/rpc/clear_chat_history")).isEqualTo(1);
  }

  @Test
  void aClearSentAgainToAnotherInstance_keepsWhatWasStoredSince_theDatabaseKnowsItsId() {
    SessionId id = sessionId("named002");
    UUID clearId = UUID.randomUUID();
    StoreFixture other = fixture(builder -> builder);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.clear(alice, id, clearId);
    f.drainAll();
    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));
    f.drainAll();

    other.store.clear(other.caller(ALICE), id, clearId);
    other.drainAll();

    assertThat(storedIds(id)).containsExactly("m2");
    assertThat(ids(other.resolve(other.store.historyAsync(other.caller(ALICE), id))))
        .containsExactly("m2");
  }

  @Test
  void aDeleteSentAgain_keepsTheSessionStartedAgainUnderTheId() {
    SessionId id = sessionId("named003");
    UUID deleteId = UUID.randomUUID();
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.delete(alice, id, deleteId);
    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));

    f.store.delete(alice, id, deleteId);
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("m2");
    assertThat(ids(f.resolve(f.store.historyAsync(alice, id)))).containsExactly("m2");
  }

  @Test
  void aDeleteSentAgainToAnotherInstance_keepsTheSessionStartedAgainUnderTheId() {
    SessionId id = sessionId("named004");
    UUID deleteId = UUID.randomUUID();
    StoreFixture other = fixture(builder -> builder);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.delete(alice, id, deleteId);
    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));
    f.drainAll();

    other.store.delete(other.caller(ALICE), id, deleteId);
    other.drainAll();

    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void aDeleteSentAgainToAnotherInstance_afterTheFirstReachedTheDatabase_succeedsAsItDid() {
    SessionId id = sessionId("named013");
    UUID deleteId = UUID.randomUUID();
    StoreFixture other = fixture(builder -> builder);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.delete(alice, id, deleteId);
    f.drainAll();

    other.resolve(other.store.deleteAsync(other.caller(ALICE), id, deleteId));

    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void aDeleteSentAgainAfterARestart_whileTheFirstIsStillJournaled_succeeds_andIsDeliveredOnce() {
    SessionId id = sessionId("named023");
    UUID deleteId = UUID.randomUUID();
    Path journalFile = dir.resolve("journal.db");
    dev.codebasechat.journal.SqliteJournal firstJournal =
        dev.codebasechat.journal.SqliteJournal.open(journalFile);
    StoreFixture first = fixture(builder -> builder.journal(firstJournal));
    first.store.append(first.caller(ALICE), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    fake.goDown(dev.codebasechat.testing.Outage.CONNECTION_REFUSED);
    first.store.delete(first.caller(ALICE), id, deleteId); // journaled; the answer is lost
    first.store.close();
    firstJournal.close();
    dev.codebasechat.journal.SqliteJournal journal =
        dev.codebasechat.journal.SqliteJournal.open(journalFile);
    opened.add(journal);
    StoreFixture restarted = fixture(builder -> builder.journal(journal));

    restarted.resolve(restarted.store.deleteAsync(restarted.caller(ALICE), id, deleteId));
    fake.goUp();
    restarted.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
    assertThat(fake.countRequests(".*/rpc/delete_chat_session")).isEqualTo(1);
  }

  @Test
  void anotherNamedDelete_ofASessionDeletedHere_whileTheDatabaseIsAway_isUnavailable_notNotFound() {
    SessionId id = sessionId("named024");
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    fake.goDown(dev.codebasechat.testing.Outage.CONNECTION_REFUSED);
    f.store.delete(alice, id, UUID.randomUUID()); // acknowledged, waiting for the database

    // Its id cannot be recorded now: answered 404, a try of it sent after the session is started
    // again would delete that session.
    Throwable second = f.failureOf(f.store.deleteAsync(alice, id, UUID.randomUUID()));

    assertThat(second).isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void aClearSentAgainToAnotherInstance_holdingAMessageNotSentYet_storesThatMessage() {
    SessionId id = sessionId("named021");
    UUID clearId = UUID.randomUUID();
    StoreFixture other = fixture(builder -> builder);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.clear(alice, id, clearId); // applied; its answer is lost
    f.drainAll();
    Caller there = other.caller(ALICE);
    other.store.append(there, id, Append.of(List.of(other.message("m2")))); // waits: debounce

    other.store.clear(there, id, clearId); // the lost clear, sent again there
    other.drainAll();

    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void aDeleteSentAgain_whoseQuestionToTheDatabaseIsRefused_failsThisTryAlone_andTheNextSucceeds() {
    SessionId id = sessionId("named027");
    UUID deleteId = UUID.randomUUID();
    StoreFixture other = fixture(builder -> builder);
    other.store.append(other.caller(ALICE), id, Append.of(List.of(other.message("m1"))));
    other.store.delete(other.caller(ALICE), id, deleteId); // applied; its answer is lost
    other.drainAll();
    var refused =
        fake.wireMock()
            .stubFor(
                com.github.tomakehurst.wiremock.client.WireMock.post(
                        com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                            "/rest/v1/rpc/delete_chat_session"))
                    .atPriority(1)
                    .willReturn(
                        com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                            .withStatus(401)
                            .withHeader("Content-Type", "application/json")
                            .withBody(
                                "{\"code\":\"PGRST301\",\"details\":null,\"hint\":null,"
                                    + "\"message\":\"JWT expired\"}")));

    Throwable first = f.failureOf(f.store.deleteAsync(alice, id, deleteId));
    fake.wireMock().removeStub(refused);
    f.resolve(f.store.deleteAsync(alice, id, deleteId));

    assertThat(first).isInstanceOf(SessionAccessException.class);
    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void aNamedDeleteThatFoundNothing_sentAgainAfterTheSessionIsStartedAgain_deletesNothing() {
    SessionId id = sessionId("named014");
    UUID deleteId = UUID.randomUUID();
    assertThatThrownBy(() -> f.store.delete(alice, id, deleteId))
        .isInstanceOf(SessionNotFoundException.class);
    StoreFixture other = fixture(builder -> builder);
    other.store.append(other.caller(ALICE), id, Append.of(List.of(other.message("m1"))));
    other.drainAll();

    // Answered as the first try was (SessionStore.delete's contract).
    assertThatThrownBy(() -> f.store.delete(alice, id, deleteId))
        .isInstanceOf(SessionNotFoundException.class);
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void aClearAndADeleteUnderOneId_areTwoWrites() {
    SessionId id = sessionId("named015");
    UUID writeId = UUID.randomUUID();
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.clear(alice, id, writeId);

    f.store.delete(alice, id, writeId);
    f.drainAll();

    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void acknowledgedByTheDatabase_aClearSentAgainToAnotherInstance_answersWhatWasStoredSince() {
    StoreFixture first = fixture(builder -> builder.acknowledgement(Acknowledgement.DATABASE));
    StoreFixture other = fixture(builder -> builder.acknowledgement(Acknowledgement.DATABASE));
    SessionId id = sessionId("named016");
    UUID clearId = UUID.randomUUID();
    Caller caller = first.caller(ALICE);
    first.resolve(first.store.appendAsync(caller, id, Append.of(List.of(first.message("m1")))));
    first.resolve(first.store.clearAsync(caller, id, clearId));
    first.resolve(first.store.appendAsync(caller, id, Append.of(List.of(first.message("m2")))));

    SessionRead again = other.resolve(other.store.clearAsync(other.caller(ALICE), id, clearId));

    assertThat(ids(again)).containsExactly("m2");
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void theSameIdFromAnotherUser_isTheirOwnClear() {
    SessionId alices = sessionId("named005");
    SessionId bobs = sessionId("named006");
    Caller bob = f.caller(BOB);
    UUID clearId = UUID.randomUUID();
    f.store.append(alice, alices, Append.of(List.of(f.message("a1"))));
    f.store.append(bob, bobs, Append.of(List.of(f.message("b1"))));
    f.store.clear(alice, alices, clearId);

    SessionRead bobsClear = f.store.clear(bob, bobs, clearId);
    f.drainAll();

    assertThat(ids(bobsClear)).isEmpty();
    assertThat(storedIds(bobs)).isEmpty();
  }

  @Test
  void aFirstTryThatFailed_isNotRemembered_theNextTryClears() {
    SessionId id = sessionId("named007");
    UUID clearId = UUID.randomUUID();
    assertThatThrownBy(() -> f.store.clear(alice, id, clearId))
        .isInstanceOf(SessionNotFoundException.class);
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));

    SessionRead cleared = f.store.clear(alice, id, clearId);

    assertThat(ids(cleared)).isEmpty();
  }

  @Test
  void afterAnHour_anIdIsForgottenHere_andTheDatabaseStillKnowsIt() {
    SessionId id = sessionId("named008");
    UUID clearId = UUID.randomUUID();
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.store.clear(alice, id, clearId);
    f.drainAll();
    f.store.append(alice, id, Append.of(List.of(f.message("m2"))));
    f.drainAll();
    CLOCK.advance(Duration.ofMinutes(61));

    f.store.clear(f.caller(ALICE), id, clearId);
    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/clear_chat_history")).isEqualTo(2);
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void acknowledgedByTheDatabase_aClearSentAgain_keepsWhatWasStoredSince() {
    StoreFixture direct = fixture(builder -> builder.acknowledgement(Acknowledgement.DATABASE));
    Caller caller = direct.caller(ALICE);
    SessionId id = sessionId("named009");
    UUID clearId = UUID.randomUUID();
    direct.resolve(direct.store.appendAsync(caller, id, Append.of(List.of(direct.message("m1")))));
    direct.resolve(direct.store.clearAsync(caller, id, clearId));
    direct.resolve(direct.store.appendAsync(caller, id, Append.of(List.of(direct.message("m2")))));

    SessionRead again = direct.resolve(direct.store.clearAsync(caller, id, clearId));

    assertThat(ids(again)).containsExactly("m2");
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void embedded_aClearSentAgain_keepsWhatWasStoredSince() {
    SessionStore store = embeddedStore();
    Caller caller = EmbeddedSessionStoreTest.caller(ALICE);
    SessionId id = sessionId("named010");
    UUID clearId = UUID.randomUUID();
    store.append(caller, id, Append.of(List.of(f.message("m1"))));
    store.clear(caller, id, clearId);
    store.append(caller, id, Append.of(List.of(f.message("m2"))));

    SessionRead again = store.clear(caller, id, clearId);

    assertThat(ids(again)).containsExactly("m2");
    assertThat(ids(store.history(caller, id))).containsExactly("m2");
  }

  @Test
  void embedded_aDeleteSentAgain_keepsTheSessionStartedAgainUnderTheId() {
    SessionStore store = embeddedStore();
    Caller caller = EmbeddedSessionStoreTest.caller(ALICE);
    SessionId id = sessionId("named011");
    UUID deleteId = UUID.randomUUID();
    store.append(caller, id, Append.of(List.of(f.message("m1"))));
    store.delete(caller, id, deleteId);
    store.append(caller, id, Append.of(List.of(f.message("m2"))));

    store.delete(caller, id, deleteId);

    assertThat(ids(store.history(caller, id))).containsExactly("m2");
  }

  @Test
  void
      embedded_aNamedDeleteThatFoundNothing_sentAgainAfterTheSessionIsStartedAgain_deletesNothing() {
    SessionStore store = embeddedStore();
    Caller caller = EmbeddedSessionStoreTest.caller(ALICE);
    SessionId id = sessionId("named026");
    UUID deleteId = UUID.randomUUID();
    assertThatThrownBy(() -> store.delete(caller, id, deleteId))
        .isInstanceOf(SessionNotFoundException.class);
    store.append(caller, id, Append.of(List.of(f.message("m1"))));

    assertThatThrownBy(() -> store.delete(caller, id, deleteId))
        .isInstanceOf(SessionNotFoundException.class);

    assertThat(ids(store.history(caller, id))).containsExactly("m1");
  }

  /** A store over an embedded table of its own, closed after the test. */
  private SessionStore embeddedStore() {
    LocalSessionTable table =
        LocalSessionTable.builder().path(dir.resolve("sessions.db")).clock(CLOCK).build();
    opened.add(table);
    SessionStore store = SessionStore.embedded(table).clock(CLOCK).build();
    opened.add(store);
    return store;
  }

  @Test
  void aMissingId_isRefused() {
    SessionId id = sessionId("named012");
    assertThatThrownBy(() -> f.store.clearAsync(alice, id, nullId()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clearId");
    assertThatThrownBy(() -> f.store.deleteAsync(alice, id, nullId()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("deleteId");
    assertThat(fake.session(id.value())).isEmpty();
  }

  @SuppressWarnings("NullAway")
  private static UUID nullId() {
    return null;
  }
}
