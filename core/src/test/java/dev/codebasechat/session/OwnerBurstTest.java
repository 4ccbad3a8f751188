package dev.codebasechat.session;

import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.testing.AnswerHold;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.writebehind.FlushConcurrency;
import java.nio.file.Path;
import java.sql.SQLException;
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
 * Bursts: the writes of several sessions of one owner that fall due together leave in one request
 * ({@code append_chat_messages_batch}, with the owner's token), on real SQL behind the
 * PostgREST-compatible test server; the failure paths of that request on the fake.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnerBurstTest {

  private static final String BATCH = "POST /rest/v1/rpc/append_chat_messages_batch";
  private static final String SINGLE = "POST /rest/v1/rpc/append_chat_messages";

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private static final ManualClock FAKE_CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(FAKE_CLOCK).build();

  private final List<StoreFixture> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    supabase.clearFaults();
    for (StoreFixture f : open) {
      f.store.close();
      f.close();
    }
  }

  private StoreFixture onSql() {
    StoreFixture f =
        new StoreFixture(
            supabase,
            ManualClock.startingAtEpoch2026(),
            builder -> builder.closeTimeout(Duration.ofMillis(50)));
    open.add(f);
    return f;
  }

  private StoreFixture onFake() {
    StoreFixture f =
        new StoreFixture(fake, FAKE_CLOCK, builder -> builder.closeTimeout(Duration.ofMillis(50)));
    open.add(f);
    return f;
  }

  /** A store on the fake that flushes one session (or one owner's batch) at a time. */
  private StoreFixture onFakeOneFlushAtATime() {
    StoreFixture f =
        new StoreFixture(
            fake,
            FAKE_CLOCK,
            builder ->
                builder
                    .flushConcurrency(FlushConcurrency.fixed(1))
                    .closeTimeout(Duration.ofMillis(50)));
    open.add(f);
    return f;
  }

  private static void assertOneRequestInFlightForAWhile(AnswerHold hold) {
    await("one request in flight, and only one, for a while")
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> hold.waiting() == 1);
  }

  private static String storedIds(SessionId id) throws SQLException {
    return String.valueOf(
        supabase
            .database()
            .valueAsOwner(
                "select string_agg(m.value ->> 'id', ',' order by m.ordinality)"
                    + " from public.codebase_chat_sessions s,"
                    + " jsonb_array_elements(s.conversation_history) with ordinality m"
                    + " where s.session_id = ?",
                id.value()));
  }

  private static long count(List<String> sent, String request) {
    return sent.stream().filter(request::equals).count();
  }

  private static List<SessionId> sessions(String prefix, int n) {
    List<SessionId> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(sessionId(prefix + UUID.randomUUID().toString().substring(0, 8) + i));
    }
    return ids;
  }

  @Test
  void sessionsOfOneOwnerDueTogether_goInOneRequestPerOwner() throws SQLException {
    StoreFixture f = onSql();
    Caller alice = f.caller(supabase.newUser());
    Caller bob = f.caller(supabase.newUser());
    List<SessionId> alices = sessions("alice", 5);
    List<SessionId> bobs = sessions("bob", 2);
    for (SessionId id : alices) {
      f.store.append(alice, id, Append.of(List.of(f.message(id.value().substring(19) + "-1"))));
    }
    for (SessionId id : bobs) {
      f.store.append(bob, id, Append.of(List.of(f.message(id.value().substring(19) + "-1"))));
    }

    f.drainAll();

    assertThat(count(f.sent, BATCH)).isEqualTo(2);
    assertThat(count(f.sent, SINGLE)).isZero();
    for (SessionId id : alices) {
      assertThat(storedIds(id)).isEqualTo(id.value().substring(19) + "-1");
    }
    assertThat(
            supabase
                .database()
                .valueAsOwner(
                    "select count(*) from public.codebase_chat_sessions where user_id = ?",
                    bob.userId()))
        .isEqualTo(2L);
  }

  @Test
  void aSessionDueAlone_isWrittenAsBefore() throws SQLException {
    StoreFixture f = onSql();
    Caller alice = f.caller(supabase.newUser());
    SessionId first = sessions("lone", 1).get(0);
    SessionId later = sessions("late", 1).get(0);
    f.store.append(alice, first, Append.of(List.of(f.message("a1"))));
    f.advanceMillis(300);
    f.store.append(alice, later, Append.of(List.of(f.message("b1"))));

    f.drainAll();

    assertThat(count(f.sent, SINGLE)).isEqualTo(2);
    assertThat(count(f.sent, BATCH)).isZero();
    assertThat(storedIds(later)).isEqualTo("b1");
  }

  @Test
  void anAppendTheDatabaseRefuses_isSetAsideAlone_andTheOthersOfItsRequestAreConfirmed()
      throws SQLException {
    StoreFixture f = onSql();
    Caller owner = f.caller(supabase.newUser());
    Caller intruder = f.caller(supabase.newUser());
    SessionId taken = sessions("taken", 1).get(0);
    f.store.append(owner, taken, Append.of(List.of(f.message("o1"))));
    f.drainAll();
    StoreFixture other = onSql();
    List<SessionId> own = sessions("own", 2);

    other.store.append(intruder, taken, Append.of(List.of(other.message("x1"))));
    for (SessionId id : own) {
      other.store.append(intruder, id, Append.of(List.of(other.message("y1"))));
    }
    other.drainAll();

    assertThat(count(other.sent, BATCH)).isEqualTo(1);
    assertThat(other.store.setAsideWrites())
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.sessionId()).isEqualTo(taken);
              assertThat(entry.reason()).contains("42501").contains("does not own");
            });
    assertThat(storedIds(taken)).isEqualTo("o1");
    for (SessionId id : own) {
      assertThat(storedIds(id)).isEqualTo("y1");
    }
    assertThat(other.store.pendingSessions()).isEmpty();
  }

  @Test
  void aBacklogOfOneOwnerAfterARestart_leavesInOneRequest_onceTheOwnerIsBack(@TempDir Path dir)
      throws SQLException {
    UUID user = supabase.newUser();
    List<SessionId> ids = sessions("back", 4);
    ManualClock clock = ManualClock.startingAtEpoch2026();
    SqliteJournal journal = SqliteJournal.open(dir.resolve("journal.db"));
    StoreFixture first =
        new StoreFixture(
            supabase, clock, b -> b.journal(journal).closeTimeout(Duration.ofMillis(50)));
    supabase.goDown(Outage.CONNECTION_REFUSED);
    for (SessionId id : ids) {
      first.store.append(first.caller(user), id, Append.of(List.of(first.message("m1"))));
    }
    first.store.close();
    first.close();
    supabase.goUp();
    journal.close(); // as after a restart: the tokens died with the process, the writes did not
    try (SqliteJournal reopened = SqliteJournal.open(dir.resolve("journal.db"))) {
      StoreFixture restarted =
          new StoreFixture(
              supabase, clock, b -> b.journal(reopened).closeTimeout(Duration.ofMillis(50)));
      open.add(restarted);

      restarted.resolve(restarted.store.historyAsync(restarted.caller(user), ids.get(0)));
      restarted.drainAll();

      assertThat(count(restarted.sent, BATCH)).isEqualTo(1);
      assertThat(count(restarted.sent, SINGLE)).isZero();
      for (SessionId id : ids) {
        assertThat(storedIds(id)).isEqualTo("m1");
      }
      restarted.store.close();
    }
  }

  @Test
  void aBatchThatFails_isSentAgain_andStoresEachMessageOnce() {
    StoreFixture f = onFake();
    Caller alice = f.caller(UUID.randomUUID());
    List<SessionId> ids = sessions("retry", 3);
    for (SessionId id : ids) {
      f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    }
    fake.failNext(1, Outage.DATABASE_UNAVAILABLE);

    f.drainAll();

    assertThat(count(f.sent, BATCH)).isEqualTo(2);
    for (SessionId id : ids) {
      assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m1");
    }
  }

  @Test
  void aBatchRefusedForItsToken_leavesEachSessionWaitingForTheOwner_untilANewToken() {
    StoreFixture f = onFake();
    UUID owner = UUID.randomUUID();
    Caller expired = new Caller(owner, AccessToken.of(fake.expiredTokenFor(owner)));
    List<SessionId> ids = sessions("expired", 3);
    for (SessionId id : ids) {
      f.store.append(expired, id, Append.of(List.of(f.message("m1"))));
    }

    f.driveUntil(() -> f.store.writesWaitingForToken() == 3, Duration.ofMinutes(1));
    long batchesRefused = count(f.sent, BATCH);
    f.store.append(f.caller(owner), ids.get(0), Append.of(List.of(f.message("m2"))));
    f.drainAll();

    assertThat(batchesRefused).isEqualTo(1);
    assertThat(f.store.writesWaitingForToken()).isZero();
    assertThat(fake.session(ids.get(0).value()).orElseThrow().messageIds())
        .containsExactly("m1", "m2");
    for (SessionId id : ids.subList(1, 3)) {
      assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m1");
    }
    assertThat(f.store.setAsideWrites()).isEmpty();
  }

  @Test
  void writesThatCannotBeBatched_ofOneOwnersSessions_stayWithinTheFlushConcurrency() {
    StoreFixture f = onFakeOneFlushAtATime();
    Caller alice = f.caller(StoreFixture.ALICE);
    List<SessionId> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(f.store.create(alice));
    }
    f.drainAll();

    try (AnswerHold hold = fake.holdAnswers()) {
      for (SessionId id : ids) {
        var unused = f.store.clearAsync(alice, id); // a clear cannot go in a batch of appends
      }
      f.advanceMillis(600);

      assertOneRequestInFlightForAWhile(hold);
    }
    f.drainAll();
  }

  @Test
  void appendsOfOneOwnerTooManyForOneRequest_stayWithinTheFlushConcurrency() {
    StoreFixture f = onFakeOneFlushAtATime();
    Caller alice = f.caller(StoreFixture.ALICE);
    List<SessionId> ids =
        List.of(StoreFixture.sessionId("full0001"), StoreFixture.sessionId("full0002"));

    try (AnswerHold hold = fake.holdAnswers()) {
      for (SessionId id : ids) { // 600 messages each: the two do not fit in one request of 1 000
        f.store.append(alice, id, Append.of(f.messages(id.value() + "-a", 300)));
        f.store.append(alice, id, Append.of(f.messages(id.value() + "-b", 300)));
      }
      f.advanceMillis(600);

      assertOneRequestInFlightForAWhile(hold);
    }
    f.drainAll();
    assertThat(ids)
        .allSatisfy(
            id -> assertThat(fake.session(id.value()).orElseThrow().messageCount()).isEqualTo(600));
  }

  @Test
  void aDatabaseWithoutTheBatchFunction_getsOneRequestPerSession_fromThenOn() {
    StoreFixture f = onFake();
    Caller alice = f.caller(UUID.randomUUID());
    // PostgREST's answer for a function it does not know (the migration not applied).
    fake.wireMock()
        .stubFor(
            WireMock.post(WireMock.urlPathEqualTo("/rest/v1/rpc/append_chat_messages_batch"))
                .atPriority(1)
                .willReturn(
                    WireMock.aResponse()
                        .withStatus(404)
                        .withHeader("Content-Type", "application/json; charset=utf-8")
                        .withBody(
                            "{\"code\":\"PGRST202\",\"details\":\"Searched for the function"
                                + " public.append_chat_messages_batch with parameter p_appends\","
                                + "\"hint\":null,\"message\":\"Could not find the function"
                                + " public.append_chat_messages_batch(p_appends) in the schema"
                                + " cache\"}")));
    List<SessionId> first = sessions("nofn", 3);
    for (SessionId id : first) {
      f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    }
    f.drainAll();
    List<SessionId> second = sessions("nofn", 3);
    for (SessionId id : second) {
      f.store.append(alice, id, Append.of(List.of(f.message("m1"))));
    }
    f.drainAll();

    assertThat(count(f.sent, BATCH)).isEqualTo(1);
    assertThat(count(f.sent, SINGLE)).isEqualTo(6);
    assertThat(f.store.setAsideWrites()).isEmpty();
    for (SessionId id : first) {
      assertThat(fake.session(id.value()).orElseThrow().messageIds()).containsExactly("m1");
    }
  }
}
