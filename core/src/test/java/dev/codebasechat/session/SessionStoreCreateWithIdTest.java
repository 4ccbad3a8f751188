package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SessionStore#create(Caller, SessionId)}: a caller-chosen id, created in the database at
 * once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionStoreCreateWithIdTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final StoreFixture f =
      new StoreFixture(fake, CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(100)));
  private final SessionStore store = f.store;

  @AfterEach
  void close() {
    store.close();
    f.close();
  }

  @Test
  void create_newId_existsInTheDatabaseBeforeItReturns_andIsHeld() {
    SessionId id = sessionId("chosen01");

    assertThat(store.create(f.caller(ALICE), id)).isEqualTo(id);

    assertThat(fake.session(id.value()).orElseThrow().userId()).isEqualTo(ALICE);
    SessionRead read = store.history(f.caller(ALICE), id);
    assertThat(read.session().messageCount()).isZero();
    assertThat(read.source()).isEqualTo(ReadSource.CACHE);
    assertThat(fake.countRequests("/rest/v1/codebase_chat_sessions")).isZero();
  }

  @Test
  void create_idOfAnotherUser_isNotFoundAndChangesNothing() {
    SessionId id = sessionId("taken001");
    fake.seedSession(ALICE, id.value(), "m1");

    assertThatThrownBy(() -> store.create(f.caller(BOB), id))
        .isInstanceOf(SessionNotFoundException.class);

    assertThat(fake.session(id.value()).orElseThrow().userId()).isEqualTo(ALICE);
    assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m1");
    assertThat(store.pendingSessions()).isEmpty();
  }

  @Test
  void create_existingSessionOfTheCaller_keepsItsMessages_andDownloadsNothing() {
    SessionId id = sessionId("mine0001");
    fake.seedSession(ALICE, id.value(), "m1", "m2");

    store.create(f.caller(ALICE), id);

    assertThat(fake.countRequests("/rest/v1/codebase_chat_sessions")).isZero();
    SessionRead read = store.history(f.caller(ALICE), id);
    assertThat(read.session().messages())
        .extracting(m -> m.id().value())
        .containsExactly("m1", "m2");
  }

  @Test
  void create_rightAfterTheCallersPendingDelete_createsItAgain_empty() {
    SessionId id = sessionId("again001");
    Caller alice = f.caller(ALICE);
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    store.delete(alice, id);

    store.create(alice, id);
    SessionRead read = store.history(alice, id);
    f.drainAll();

    assertThat(read.session().messageCount()).isZero();
    assertThat(fake.session(id.value()).orElseThrow().messageIds()).isEmpty();
    assertThat(store.history(alice, id).session().messageCount()).isZero();
  }

  @Test
  void create_databaseDown_isUnavailableAndRecordsNothing() {
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    SessionId id = sessionId("down0001");

    assertThat(f.failureOf(store.createAsync(f.caller(ALICE), id)))
        .isInstanceOf(SessionUnavailableException.class);

    assertThat(store.pendingSessions()).isEmpty();
  }

  @Test
  void create_embedded_idOfAnotherUser_isNotFound(@TempDir Path dir) {
    try (LocalSessionTable table =
            LocalSessionTable.builder().path(dir.resolve("sessions.db")).build();
        SessionStore embedded = SessionStore.embedded(table).build()) {
      SessionId id = sessionId("local001");
      embedded.create(f.caller(ALICE), id);
      embedded.append(f.caller(ALICE), id, Append.of(List.of(f.message("m1"))));

      assertThatThrownBy(() -> embedded.create(f.caller(BOB), id))
          .isInstanceOf(SessionNotFoundException.class);
      assertThat(embedded.history(f.caller(ALICE), id).session().messageCount()).isEqualTo(1);
    }
  }
}
