package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sync and async forms of the store's operations match: what one takes, the other takes. */
class StoreOperationFormsTest {

  @RegisterExtension static final FakeSupabase supabase = FakeSupabase.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final StoreFixture f = new StoreFixture(supabase, clock, builder -> builder);

  @AfterEach
  void close() {
    f.store.close();
    f.close();
  }

  @Test
  void theBlockingAppend_movesRepoAndCurrentFileAsTheAsyncOneDoes() {
    UUID user = UUID.randomUUID();
    SessionId id = StoreFixture.sessionId("forms001");

    f.store.append(
        f.caller(user),
        id,
        Append.of(List.of(f.message("m1"))).withRepo("acme/api").withCurrentFile("src/a.ts"));
    f.drainAll();

    assertThat(supabase.session(id.value()).orElseThrow().repo()).isEqualTo("acme/api");
    assertThat(f.store.history(f.caller(user), id).session().currentFile()).contains("src/a.ts");
  }

  @Test
  void listOfOneRepo_andOfEvery_withoutAnOptionalArgument() {
    UUID user = UUID.randomUUID();
    supabase.seedSession(user, StoreFixture.sessionId("forms002").value(), "m1");
    f.resolve(
        f.store.appendAsync(
            f.caller(user),
            StoreFixture.sessionId("forms003"),
            Append.of(List.of(f.message("m1"))).withRepo("acme/web")));
    f.drainAll();

    SessionPage every = f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(10)));
    SessionPage web =
        f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(10).repo("acme/web")));

    assertThat(every.sessions()).hasSize(2);
    assertThat(web.sessions())
        .extracting(summary -> summary.id().value())
        .containsExactly("chat-1767225600000-forms003");
  }

  @Test
  void aSessionWrittenHereButNotConfirmed_isListedFirst_onTheFirstPageOnly() {
    UUID user = UUID.randomUUID();
    supabase.seedSession(user, StoreFixture.sessionId("forms004").value(), "m1");
    SessionId written = StoreFixture.sessionId("forms005");
    f.resolve(
        f.store.appendAsync(
            f.caller(user), written, Append.of(List.of(f.message("m2"))).withRepo("acme/web")));

    SessionPage first = f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(1)));
    SessionPage second =
        f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(1).offset(1)));
    SessionPage otherRepo =
        f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(10).repo("acme/api")));
    SessionPage ofAnotherUser =
        f.blocking(() -> f.store.list(f.caller(UUID.randomUUID()), SessionQuery.limit(10)));

    assertThat(supabase.session(written.value())).isEmpty();
    assertThat(first.sessions())
        .extracting(SessionSummary::id)
        .containsExactly(written, StoreFixture.sessionId("forms004"));
    assertThat(first.sessions().get(0).messageCount()).isEqualTo(1);
    assertThat(second.sessions()).isEmpty();
    assertThat(otherRepo.sessions()).isEmpty();
    assertThat(ofAnotherUser.sessions()).isEmpty();
    f.drainAll();
    assertThat(f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(10))).sessions())
        .extracting(SessionSummary::id)
        .containsExactlyInAnyOrder(written, StoreFixture.sessionId("forms004"));
  }

  @Test
  void historyAsyncOfASessionDeletedByAPendingWrite_failsItsFuture_ratherThanThrowing() {
    UUID user = UUID.randomUUID();
    SessionId id = StoreFixture.sessionId("forms006");
    f.resolve(f.store.appendAsync(f.caller(user), id, Append.of(List.of(f.message("m1")))));
    f.drainAll();
    f.resolve(f.store.historyAsync(f.caller(user), id)); // held from here on
    f.resolve(f.store.deleteAsync(f.caller(user), id)); // pending, not yet sent

    var read = f.store.historyAsync(f.caller(user), id);

    assertThat(read).isCompletedExceptionally();
    assertThatThrownBy(read::join).hasCauseInstanceOf(SessionNotFoundException.class);
    f.drainAll();
  }

  @Test
  void aMessageWithTheCallersOwnId_isOneCall() {
    ChatMessage message =
        ChatMessage.of(Role.USER, "hello")
            .withId(MessageId.of("client-42"))
            .withTimestamp(Clock.fixed(clock.instant(), clock.getZone()).instant());

    assertThat(message.id().value()).isEqualTo("client-42");
    assertThat(message.timestamp()).isEqualTo(clock.instant());
    assertThat(message.code()).isEmpty();
  }
}
