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

  @Test
  void appendExisting_afterAConfirmedDelete_failsAsMissing_andCreatesNothing() {
    SessionId id = deletedSession("gone0001", true);

    Throwable failure =
        f.failureOf(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m2")))));
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(id.value())).isEmpty();
  }

  @Test
  void appendExisting_afterAPendingDelete_failsAsMissing_andCreatesNothing() {
    SessionId id = deletedSession("gone0002", false);

    Throwable failure =
        f.failureOf(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m2")))));
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(id.value())).isEmpty();
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
    SessionId id = RACED;
    f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    // The delete is found to be the owner's and records itself, its journal write held (with the
    // session's lock); the append is found to exist meanwhile and waits for the lock.
    journal.hold();
    CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> f.store.delete(alice, id));
    assertThat(journal.awaitEntered(Duration.ofSeconds(10))).isTrue();
    CompletableFuture<AppendReceipt> append = new CompletableFuture<>();
    Thread appender =
        new Thread(
            () ->
                f.store
                    .appendExistingAsync(alice, id, Append.of(List.of(f.message("m2"))))
                    .whenComplete(
                        (receipt, failure) -> {
                          if (failure != null) {
                            append.completeExceptionally(failure);
                          } else {
                            append.complete(receipt);
                          }
                        }));
    appender.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> appender.getState() == Thread.State.WAITING);

    journal.release();
    delete.get(10, TimeUnit.SECONDS);
    Throwable failure = f.failureOf(append);
    f.drainAll();

    assertThat(failure).isInstanceOf(SessionNotFoundException.class);
    assertThat(fake.session(id.value())).isEmpty();
  }
}
