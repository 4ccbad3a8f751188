package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.journal.SqliteJournal;
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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two stores on one database, as two gateway instances behind a load balancer: a write confirmed
 * through one is seen in reads through the other once the freshness bound has passed, at the cost
 * of what changed; the history is in timestamp order whichever instance wrote what, and when. Over
 * real SQL (the migrations behind the PostgREST-compatible test server), on a manual clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrossInstanceFreshnessTest {
  private static final Duration BOUND = Duration.ofSeconds(1);

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final List<StoreFixture> fixtures = new ArrayList<>();

  @AfterEach
  void closeStores() {
    supabase.clearFaults();
    fixtures.forEach(
        f -> {
          f.store.close();
          f.close();
        });
  }

  private StoreFixture instance(Duration freshness) {
    return instance(freshness, UnaryOperator.identity());
  }

  private StoreFixture instance(Duration freshness, UnaryOperator<SessionStore.Builder> more) {
    StoreFixture f =
        new StoreFixture(
            supabase,
            clock,
            builder ->
                more.apply(
                    builder
                        .cacheFreshness(freshness)
                        .databaseTimeout(Duration.ofSeconds(2))
                        .closeTimeout(Duration.ofMillis(100))));
    fixtures.add(f);
    return f;
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(m -> m.id().value()).toList();
  }

  private static List<String> storedIds(SessionId id) {
    return supabase.queryAsOwner(
        "select m ->> 'id' from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history) m"
            + " where s.session_id = ?",
        id.value());
  }

  private static List<RecordedRequest> historyDownloads(SessionId id) {
    return supabase.requests(
        r ->
            r.method().equals("GET")
                && r.query().contains("conversation_history")
                && r.query().contains(id.value()));
  }

  /** A session held by {@code reader} (it read it) after {@code writer} stored {@code first}. */
  private SessionId heldBy(
      StoreFixture reader, StoreFixture writer, UUID user, String suffix, String first) {
    SessionId id = StoreFixture.sessionId(suffix);
    writer.store.append(writer.caller(user), id, Append.of(List.of(writer.message(first))));
    writer.drainAll();
    assertThat(ids(reader.store.history(reader.caller(user), id))).containsExactly(first);
    return id;
  }

  /** Deletes {@code id} through {@code writer}, then stores {@code messages} there, one a write. */
  private static void deletedAndStartedAgain(
      StoreFixture writer, UUID user, SessionId id, String... messages) {
    writer.store.delete(writer.caller(user), id);
    writer.drainAll();
    for (String message : messages) {
      writer.store.append(writer.caller(user), id, Append.of(List.of(writer.message(message))));
      writer.drainAll();
    }
  }

  @Test
  void writeThroughAnotherInstance_isSeenOnceTheBoundHasPassed_withoutDownloadingTheHistory() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "fresh001", "m1");
    clock.advance(Duration.ofMillis(10));
    two.store.append(two.caller(user), id, Append.of(List.of(two.message("m2"))));
    two.drainAll();
    supabase.clearRequests();

    SessionRead withinBound = one.store.history(one.caller(user), id);
    clock.advance(BOUND);
    SessionRead afterBound = one.store.history(one.caller(user), id);

    assertThat(ids(withinBound)).containsExactly("m1");
    assertThat(ids(afterBound)).containsExactly("m1", "m2");
    assertThat(afterBound.source()).isEqualTo(ReadSource.DATABASE);
    assertThat(supabase.requests(r -> r.isCallOf("chat_session_changes"))).hasSize(1);
    assertThat(historyDownloads(id)).isEmpty();
  }

  @Test
  void aSessionDeletedAndStartedAgainThroughAnotherInstance_isReadAsTheNewOne_atTheSameVersion() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "again001", "old1");
    deletedAndStartedAgain(two, user, id, "new1");
    clock.advance(BOUND);

    SessionRead read = one.store.history(one.caller(user), id);

    assertThat(ids(read)).containsExactly("new1");
  }

  @Test
  void aSessionDeletedAndStartedAgainThroughAnotherInstance_isReadAsTheNewOne_pastTheVersionHeld() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "again002", "old1");
    deletedAndStartedAgain(two, user, id, "new1", "new2", "new3");
    clock.advance(BOUND);

    SessionRead read = one.store.history(one.caller(user), id);

    assertThat(ids(read)).containsExactly("new1", "new2", "new3");
  }

  @Test
  void freshnessZero_revalidatesEveryRead() {
    StoreFixture one = instance(Duration.ZERO);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "fresh002", "m1");
    two.store.append(two.caller(user), id, Append.of(List.of(two.message("m2"))));
    two.drainAll();

    assertThat(ids(one.store.history(one.caller(user), id))).containsExactly("m1", "m2");
  }

  @Test
  void revalidatingAnUnchangedSession_costsAFewHundredBytesWhateverItsHistory() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("fresh003");
    two.store.append(two.caller(user), id, Append.of(two.messages("long", 200)));
    two.drainAll();
    one.store.history(one.caller(user), id);
    clock.advance(BOUND);
    supabase.clearRequests();

    SessionRead read = one.store.history(one.caller(user), id);

    assertThat(read.session().messageCount()).isEqualTo(200);
    assertThat(supabase.requests(r -> r.isCallOf("chat_session_changes")))
        .singleElement()
        .satisfies(call -> assertThat(call.bytesSent()).isLessThan(600));
  }

  @Test
  void clearThroughAnotherInstance_isSeen() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "fresh004", "m1");
    two.store.clear(two.caller(user), id);
    two.drainAll();
    clock.advance(BOUND);

    assertThat(ids(one.store.history(one.caller(user), id))).isEmpty();
  }

  @Test
  void deleteThroughAnotherInstance_makesTheSessionMissingHere() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "fresh005", "m1");
    two.store.delete(two.caller(user), id);
    two.drainAll();
    clock.advance(BOUND);

    assertThatThrownBy(() -> one.store.history(one.caller(user), id))
        .isInstanceOf(SessionNotFoundException.class);
    assertThat(one.store.cachedSessions()).isZero();
  }

  @Test
  void deleteThroughAnotherInstance_whoseLocalCopyHereTheDiskCannotDrop_stillMakesItMissingHere(
      @TempDir Path dir) {
    try (SqliteJournal disk = SqliteJournal.open(dir.resolve("journal.db"))) {
      UnreliableJournal journal = new UnreliableJournal(disk);
      StoreFixture one = instance(BOUND, builder -> builder.journal(journal));
      StoreFixture two = instance(BOUND);
      UUID user = supabase.newUser();
      SessionId id = heldBy(one, two, user, "fresh012", "m1");
      journal.failLocalCopyDrops();
      two.store.delete(two.caller(user), id);
      two.drainAll();
      clock.advance(BOUND);

      assertThatThrownBy(() -> one.store.history(one.caller(user), id))
          .isInstanceOf(SessionNotFoundException.class);
      assertThat(one.store.cachedSessions()).isZero();
      assertThat(disk.snapshot(id.value())).as("left, with a warning").isPresent();
      one.store.close();
    }
  }

  @Test
  void sessionCreatedHere_readBeforeItsCreationReachedTheDatabase_isAnsweredAndStaysCached() {
    StoreFixture one = instance(Duration.ZERO); // every read asks the database what changed
    UUID user = supabase.newUser();
    SessionId id = one.store.create(one.caller(user)); // journaled: no row yet

    SessionRead read = one.blocking(() -> one.store.history(one.caller(user), id));

    assertThat(read.session().messages()).isEmpty();
    assertThat(one.store.cachedSessions()).isEqualTo(1);
    one.drainAll();
    assertThat(one.blocking(() -> one.store.history(one.caller(user), id)).source())
        .isEqualTo(ReadSource.DATABASE);
  }

  @Test
  void contextChangedThroughAnotherInstance_isSeen() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "fresh006", "m1");
    two.store.updateContext(
        two.caller(user),
        id,
        new ContextUpdate(
            Optional.of("acme/api"), Optional.empty(), Optional.empty(), Optional.empty()));
    two.drainAll();
    clock.advance(BOUND);

    SessionRead read = one.store.history(one.caller(user), id);

    assertThat(read.session().repo()).contains("acme/api");
    assertThat(ids(read)).containsExactly("m1");
  }

  @Test
  void databaseDownWhenRevalidating_answersTheHeldCopy() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(one, two, user, "fresh007", "m1");
    clock.advance(BOUND);
    supabase.goDown(Outage.CONNECTION_REFUSED);

    SessionRead read = one.store.history(one.caller(user), id);

    assertThat(ids(read)).containsExactly("m1");
    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
  }

  @Test
  void aHangingDatabase_costsOneRevalidationWait_notOnePerRead() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId first = heldBy(one, two, user, "fresh009", "m1");
    SessionId second = heldBy(one, two, user, "fresh010", "n1");
    clock.advance(BOUND);
    supabase.goDown(Outage.NO_ANSWER);

    SessionRead waited =
        one.resolve(one.store.historyAsync(one.caller(user), first)); // waits the 300 ms
    java.util.concurrent.CompletableFuture<SessionRead> next =
        one.store.historyAsync(one.caller(user), second);

    assertThat(waited.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(next).isDone(); // answered from memory at once, no time moved
    assertThat(ids(next.join())).containsExactly("n1");
    assertThat(next.join().source()).isEqualTo(ReadSource.LOCAL);
  }

  @Test
  void aReadOfASessionDeletedHere_whileTheDatabaseIsSuspect_failsItsFuture_andThrowsNothing() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId first = heldBy(one, two, user, "fresh021", "m1");
    SessionId deleted = heldBy(one, two, user, "fresh022", "n1");
    clock.advance(BOUND);
    supabase.goDown(Outage.CONNECTION_REFUSED);
    one.store.history(one.caller(user), first); // the check fails: the database is suspect
    one.store.delete(one.caller(user), deleted);

    java.util.concurrent.CompletableFuture<SessionRead> read =
        one.store.historyAsync(one.caller(user), deleted);

    assertThat(one.failureOf(read)).isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void anotherUsersSession_isNotRevealedByRevalidation() {
    StoreFixture one = instance(Duration.ZERO);
    UUID alice = supabase.newUser();
    UUID mallory = supabase.newUser();
    SessionId id = heldBy(one, one, alice, "fresh008", "m1");

    assertThatThrownBy(() -> one.store.history(one.caller(mallory), id))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void messagesSentAlternatelyThroughTwoInstances_areStoredAndReadInAcknowledgementOrder() {
    StoreFixture one = instance(BOUND);
    StoreFixture two = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = StoreFixture.sessionId("order001");
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      StoreFixture through = i % 2 == 0 ? one : two;
      String messageId = "turn-" + i;
      through.store.append(
          through.caller(user), id, Append.of(List.of(through.message(messageId))));
      sent.add(messageId);
      clock.advance(Duration.ofMillis(10));
    }
    one.drainAll();
    two.drainAll();
    clock.advance(BOUND);

    assertThat(storedIds(id)).containsExactlyElementsOf(sent);
    assertThat(ids(one.store.history(one.caller(user), id))).containsExactlyElementsOf(sent);
    assertThat(ids(two.store.history(two.caller(user), id))).containsExactlyElementsOf(sent);
  }

  @Test
  void writeDeliveredLate_landsByItsTimestamp_andHoldersLearnOfIt() {
    StoreFixture late = instance(BOUND);
    StoreFixture prompt = instance(BOUND);
    UUID user = supabase.newUser();
    SessionId id = heldBy(prompt, prompt, user, "order002", "m0");
    clock.advance(Duration.ofMillis(10));
    late.store.appendExisting(
        late.caller(user), id, Append.of(List.of(late.message("acknowledged-first"))));
    clock.advance(Duration.ofMillis(10));
    prompt.store.append(
        prompt.caller(user), id, Append.of(List.of(prompt.message("acknowledged-second"))));
    prompt.drainAll(); // the second is stored first
    late.drainAll();
    clock.advance(BOUND);

    assertThat(storedIds(id)).containsExactly("m0", "acknowledged-first", "acknowledged-second");
    assertThat(ids(prompt.store.history(prompt.caller(user), id)))
        .containsExactly("m0", "acknowledged-first", "acknowledged-second");
  }

  @Test
  void aWriteConfirmedForTheSessionsNewOwner_neverLandsInACopyOfItsFormerOwnersSession() {
    UUID alice = supabase.newUser();
    UUID bob = supabase.newUser();
    SessionId id = StoreFixture.sessionId("reowned01");
    StoreFixture one = instance(Duration.ofMinutes(5));
    StoreFixture two = instance(BOUND);
    two.store.append(two.caller(alice), id, Append.of(List.of(two.message("a1"))));
    two.drainAll();
    supabase.goDown(Outage.CONNECTION_REFUSED);
    // Accepted: instance one cannot ask whose session this is; it stays pending there.
    one.store.append(one.caller(bob), id, Append.of(List.of(one.message("b1"))));
    supabase.goUp();
    one.store.history(one.caller(alice), id); // instance one caches Alice's session
    two.store.delete(two.caller(alice), id);
    two.drainAll();
    two.store.append(two.caller(bob), id, Append.of(List.of(two.message("b0"))));
    two.drainAll();

    one.drainAll(); // Bob's b1 is stored: the session id is his now

    assertThat(storedIds(id)).containsExactlyInAnyOrder("b0", "b1");
    Throwable read =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                assertThat(ids(one.store.history(one.caller(alice), id)))
                    .as("Alice's read through instance one")
                    .doesNotContain("b0", "b1"));
    assertThat(read).isInstanceOf(SessionNotFoundException.class);
  }
}
