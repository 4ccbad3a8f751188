package dev.codebasechat.session;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A read that asks the database whether its cached copy is current, and gets no answer in time,
 * answers what this process holds: that answer shows every write acknowledged before the read, also
 * when the database confirmed one of them meanwhile and the copy went with the confirmation.
 */
class ReadsOvertakenByConfirmationsTest {
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final StoreFixture f =
      new StoreFixture(
          fake,
          CLOCK,
          builder -> builder.debounce(Duration.ofMillis(50)).closeTimeout(Duration.ofMillis(100)));

  @AfterEach
  void close() {
    f.store.close();
    f.close();
  }

  /** The database answers whether a session changed only after {@code delay} of real time. */
  private static void changesAnsweredAfter(Duration delay) {
    fake.wireMock()
        .stubFor(
            any(urlPathEqualTo("/rest/v1/rpc/chat_session_changes"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(503).withFixedDelay((int) delay.toMillis())));
  }

  /**
   * Alice's session {@code id}, holding m1, cached here and no longer fresh: a read asks the
   * database whether it changed.
   */
  private Caller heldButNoLongerFresh(SessionId id) {
    fake.seedSession(ALICE, id.value(), "m1");
    Caller alice = f.caller(ALICE);
    f.resolve(f.store.historyAsync(alice, id));
    f.advanceMillis(2_000);
    return alice;
  }

  @Test
  void aDeleteConfirmedWhileTheReadWaitedForTheDatabase_isNotFound_notTheDeletedHistory() {
    SessionId id = sessionId("overtaken1");
    Caller alice = heldButNoLongerFresh(id);
    f.store.delete(alice, id); // acknowledged, pending
    changesAnsweredAfter(Duration.ofSeconds(3));

    CompletableFuture<SessionRead> read = f.store.historyAsync(alice, id);
    f.advanceMillis(60); // the delete goes out, and is confirmed
    await().atMost(Duration.ofSeconds(10)).until(() -> f.store.pendingSessions().isEmpty());
    f.advanceMillis(400); // the read's question times out

    assertThat(fake.session(id.value())).isEmpty();
    assertThat(f.failureOf(read)).isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void anAppendConfirmedWhileTheReadWaitedForTheDatabase_isInTheAnswer() {
    SessionId id = sessionId("overtaken2");
    Caller alice = heldButNoLongerFresh(id);
    f.store.appendExisting(alice, id, Append.of(List.of(f.message("m2"))));
    changesAnsweredAfter(Duration.ofSeconds(3));

    CompletableFuture<SessionRead> read = f.store.historyAsync(alice, id);
    f.advanceMillis(60);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.store.pendingSessions().isEmpty());
    f.advanceMillis(400);

    assertThat(f.resolve(read).session().messages())
        .extracting(message -> message.id().value())
        .containsExactly("m1", "m2");
  }

  @Test
  void aDeleteConfirmedWhileTheReadWaited_withTheSessionStartedAgainSince_isTheNewSession() {
    SessionId id = sessionId("overtaken3");
    Caller alice = heldButNoLongerFresh(id);
    f.store.delete(alice, id);
    f.store.append(alice, id, Append.of(List.of(f.message("n1")))); // starts it again
    changesAnsweredAfter(Duration.ofSeconds(3));

    CompletableFuture<SessionRead> read = f.store.historyAsync(alice, id);
    f.advanceMillis(60); // the delete goes out and is confirmed; the append waits its turn
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> f.store.pendingSessions().stream().allMatch(p -> p.pendingWrites() == 1));
    f.advanceMillis(400);

    assertThat(f.resolve(read).session().messages())
        .extracting(message -> message.id().value())
        .containsExactly("n1");
  }
}
