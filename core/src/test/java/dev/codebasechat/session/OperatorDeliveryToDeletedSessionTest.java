package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.session.internal.OperatorDelivery;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes to a session that must exist (an append to a session found to exist, a context update),
 * delivered with the service key after the session was deleted, as the drain and a store given the
 * service key deliver them: they store nothing, and the delete stands. An append that creates still
 * creates. Over real SQL behind the PostgREST-compatible test server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OperatorDeliveryToDeletedSessionTest {

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

  private StoreFixture store(java.util.function.UnaryOperator<SessionStore.Builder> more) {
    StoreFixture f =
        new StoreFixture(
            supabase, clock, builder -> more.apply(builder.closeTimeout(Duration.ofMillis(50))));
    open.add(
        () -> {
          f.store.close();
          f.close();
        });
    return f;
  }

  private SqliteJournal journal() {
    SqliteJournal journal = SqliteJournal.open(dir.resolve("journal.db"));
    open.add(journal);
    return journal;
  }

  private dev.codebasechat.postgrest.OperatorScope operatorScope() {
    PostgrestClient client =
        PostgrestClient.builder()
            .projectUrl(supabase.baseUrl())
            .apiKey(ApiKey.of(supabase.apiKey()))
            .build();
    open.add(client);
    return client.operator(ServiceKey.of(supabase.serviceKey()));
  }

  private OperatorDelivery serviceKeyDelivery(StoreFixture f) {
    return new OperatorDelivery(operatorScope(), f.store.guard(), f.clock);
  }

  /** {@code user}'s session {@code id}, stored holding m1, then deleted. */
  private StoreFixture storedThenDeleted(UUID user, SessionId id) {
    StoreFixture f = store(b -> b);
    f.store.append(f.caller(user), id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    f.store.delete(f.caller(user), id);
    f.drainAll();
    assertThat(sessionRows(id)).isZero();
    supabase.clearRequests();
    return f;
  }

  private static PendingOp.Append appendToFound(StoreFixture f, String messageId) {
    return appendOf(f, messageId).onlyIfExists();
  }

  private static PendingOp.Append appendOf(StoreFixture f, String messageId) {
    return new PendingOp.Append(List.of(f.message(messageId)), Optional.empty(), Optional.empty());
  }

  private static long sessionRows(SessionId id) {
    return Long.parseLong(
        supabase
            .queryAsOwner(
                "select count(*)::text from public.codebase_chat_sessions where session_id = ?",
                id.value())
            .get(0));
  }

  private static List<String> storedIds(SessionId id) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s,"
            + " jsonb_array_elements(s.conversation_history) m where s.session_id = ?",
        id.value());
  }

  private static List<RecordedRequest> appendsForOwners() {
    return supabase.requests(r -> r.isCallOf("append_chat_messages_for"));
  }

  @Test
  void anAppendToAFoundSession_deliveredAfterItsDelete_storesNothing_andIsGone() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0001");
    StoreFixture f = storedThenDeleted(user, id);

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, user, List.of(appendToFound(f, "m2"))).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.GONE);
    assertThat(result.reason()).contains(OperatorDelivery.DELETED_SINCE);
    assertThat(sessionRows(id)).as("the delete stands").isZero();
    assertThat(appendsForOwners())
        .singleElement()
        .satisfies(call -> assertThat(call.body()).contains("\"p_create\":false"));
  }

  @Test
  void anAppendToAFoundSession_isAppendedWhileTheSessionExists() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0002");
    StoreFixture f = store(b -> b);
    f.store.append(f.caller(user), id, Append.of(List.of(f.message("m1"))));
    f.drainAll();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, user, List.of(appendToFound(f, "m2"))).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(result.freshMessages()).isEqualTo(1);
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  @Test
  void anAppendToAFoundSession_ofAnotherUsersSessionId_isNeverWritten() {
    UUID owner = supabase.newUser();
    UUID other = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0003");
    StoreFixture f = store(b -> b);
    f.store.append(f.caller(owner), id, Append.of(List.of(f.message("theirs"))));
    f.drainAll();

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, other, List.of(appendToFound(f, "intruder"))).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.OWNED_BY_ANOTHER_USER);
    assertThat(result.reason()).contains(SetAsideWrite.OWNED_BY_ANOTHER_USER);
    assertThat(storedIds(id)).containsExactly("theirs");
  }

  @Test
  void wholeWritesToAFoundSession_deliveredAfterItsDelete_storeNothing_andAreGone() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0004");
    StoreFixture f = storedThenDeleted(user, id);
    PendingOp metadata =
        new PendingOp.Context(
            ContextUpdate.none()
                .withMetadata(
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                        .objectNode()
                        .put("k", 1)));

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, user, List.of(appendToFound(f, "m2"), metadata)).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.GONE);
    assertThat(sessionRows(id)).as("the delete stands").isZero();
    assertThat(supabase.requests(r -> r.isCallOf("store_chat_session_for"))).isEmpty();
  }

  @Test
  void anAppendThatCreates_deliveredAfterItsSessionWasDeleted_createsItAgain() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0005");
    StoreFixture f = storedThenDeleted(user, id);

    OperatorDelivery.Result result =
        serviceKeyDelivery(f).deliver(id, user, List.of(appendOf(f, "m2"))).join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m2");
  }

  @Test
  void anAppendThatCreates_afterAClear_ofWritesThatFoundTheSessionDeleted_createsItAgain() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0007");
    StoreFixture f = storedThenDeleted(user, id);

    OperatorDelivery.Result result =
        serviceKeyDelivery(f)
            .deliver(
                id,
                user,
                List.of(appendToFound(f, "m2"), PendingOp.Clear.asked(), appendOf(f, "m3")))
            .join();

    assertThat(result.outcome()).isEqualTo(OperatorDelivery.Outcome.DELIVERED);
    assertThat(storedIds(id)).containsExactly("m3");
  }

  @Test
  void aStoreGivenTheServiceKey_deliversAFoundSessionsJournaledAppend_withoutBringingItBack() {
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("gone0006");
    SqliteJournal journal = journal();
    StoreFixture first = store(b -> b.journal(journal));
    first.store.append(first.caller(user), id, Append.of(List.of(first.message("m1"))));
    first.drainAll();
    supabase.goDown(Outage.CONNECTION_REFUSED);
    first.store.appendExisting(first.caller(user), id, Append.of(List.of(first.message("m2"))));
    first.store.close();
    supabase.goUp();
    journal.close();
    StoreFixture elsewhere = store(b -> b); // the owner deletes it through another instance
    elsewhere.store.delete(elsewhere.caller(user), id);
    elsewhere.drainAll();

    SqliteJournal reopened = journal();
    StoreFixture restarted = store(b -> b.journal(reopened).operatorDelivery(operatorScope()));
    restarted.drainAll();

    assertThat(sessionRows(id)).as("the delete stands").isZero();
    assertThat(restarted.store.writesDeliveredWithoutOwners()).isEqualTo(1);
    assertThat(restarted.store.setAsideWrites()).isEmpty();
    assertThat(restarted.store.pendingSessions()).isEmpty();
  }
}
