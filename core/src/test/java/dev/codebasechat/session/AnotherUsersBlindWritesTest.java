package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.Outage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Writes another user sends to a session id this process cannot place yet (after a restart nothing
 * of Alice's session is cached and no owner is remembered, so Bob's append is accepted and the
 * database refuses it later): what this process holds of Alice's session is hers, and neither Bob's
 * refused writes nor their answers change it or tell Bob anything of it.
 */
class AnotherUsersBlindWritesTest extends OnJournaledStores {

  /** A store restarted over a journal that keeps a local copy of Alice's {@code id} holding m1. */
  private StoreFixture restartedWithAlicesCopyOfM1(SessionId id) {
    SqliteJournal disk = journal();
    StoreFixture before = store(disk);
    before.store.append(before.caller(ALICE), id, Append.of(List.of(before.message("m1"))));
    before.drainAll();
    before.resolve(before.store.historyAsync(before.caller(ALICE), id));
    before.store.close();
    return store(disk);
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(message -> message.id().value()).toList();
  }

  @Test
  void anotherUsersDelete_thatDeletedNothing_leavesTheOwnersLocalCopy() {
    SessionId id = sessionId("blind01");
    StoreFixture f = restartedWithAlicesCopyOfM1(id);
    f.store.append(f.caller(BOB), id, Append.of(List.of(f.message("b1"))));
    f.store.delete(f.caller(BOB), id);
    f.drainAll();
    fake.goDown(Outage.CONNECTION_REFUSED);

    SessionRead read = f.resolve(f.store.historyAsync(f.caller(ALICE), id));

    assertThat(ids(read)).containsExactly("m1");
    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void anotherUsersRefusedAppend_leavesTheOwnersCachedCopy_andHisNextAppendIsRefusedAtOnce() {
    SessionId id = sessionId("blind02");
    StoreFixture f = restartedWithAlicesCopyOfM1(id);
    f.store.append(f.caller(BOB), id, Append.of(List.of(f.message("b1"))));
    f.resolve(f.store.historyAsync(f.caller(ALICE), id)); // cached, hers
    f.drainAll(); // Bob's append is refused by the database and set aside

    assertThatThrownBy(() -> f.store.append(f.caller(BOB), id, Append.of(List.of(f.message("b2")))))
        .isInstanceOf(SessionNotFoundException.class);
    assertThat(f.store.historyIfCached(f.caller(ALICE), id))
        .map(AnotherUsersBlindWritesTest::ids)
        .contains(List.of("m1"));
  }

  @Test
  void aSessionDeletedElsewhere_thenStartedByAnotherUser_answersHisCount_notTheDeletedOnes() {
    SessionId id = sessionId("blind03");
    fake.seedSession(ALICE, id.value(), "m1", "m2", "m3");
    StoreFixture f = store(journal());
    f.store.create(f.caller(ALICE), id); // the database answers that it holds 3 messages
    f.resolve(f.store.historyAsync(f.caller(ALICE), id));
    StoreFixture another = anotherInstance();
    another.store.delete(another.caller(ALICE), id);
    another.drainAll();
    CLOCK.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> f.store.history(f.caller(ALICE), id))
        .isInstanceOf(SessionNotFoundException.class);

    AppendReceipt receipt = f.store.append(f.caller(BOB), id, Append.of(List.of(f.message("b1"))));

    assertThat(receipt.messageCount()).isEqualTo(1);
  }

  @Test
  void aDeleteThatDeletedTheCallersRow_dropsWhatIsHeldOfAnEarlierOwnersSession_itOutdated() {
    SessionId id = sessionId("blind04");
    StoreFixture f = store(journal());
    f.store.append(f.caller(BOB), id, Append.of(List.of(f.message("b1"))));
    f.drainAll();
    f.resolve(f.store.historyAsync(f.caller(BOB), id)); // cached here, Bob's
    StoreFixture another = anotherInstance();
    another.store.delete(another.caller(BOB), id);
    another.drainAll();
    another.store.append(another.caller(ALICE), id, Append.of(List.of(another.message("a1"))));
    another.drainAll();

    f.store.delete(f.caller(ALICE), id, java.util.UUID.randomUUID());

    fake.goDown(Outage.CONNECTION_REFUSED);

    assertThat(f.failureOf(f.store.historyAsync(f.caller(BOB), id)))
        .as("not Bob's deleted session from what this store held of it")
        .isInstanceOf(SessionUnavailableException.class);
  }
}
