package dev.codebasechat.session;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.codebasechat.session.StoreFixture.ALICE;
import static dev.codebasechat.session.StoreFixture.BOB;
import static dev.codebasechat.session.StoreFixture.sessionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.PostgrestResponses;
import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.testing.AnswerHold;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.Outage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Outages, slow and flapping databases, refused tokens and permanent refusals. */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionStoreResilienceTest {

  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final List<StoreFixture> fixtures = new ArrayList<>();
  private final StoreFixture f = fixture(Duration.ofSeconds(5));
  private final SessionStore store = f.store;
  private final Caller alice = f.caller(ALICE);
  private final Caller bob = f.caller(BOB);

  private StoreFixture fixture(Duration readTimeout) {
    StoreFixture fixture =
        new StoreFixture(
            fake, CLOCK, readTimeout, builder -> builder.closeTimeout(Duration.ofMillis(100)));
    fixtures.add(fixture);
    return fixture;
  }

  @AfterEach
  void close() {
    fake.clearFaults();
    for (StoreFixture fixture : fixtures) {
      fixture.store.close();
      fixture.close();
    }
  }

  private List<String> storedIds(SessionId id) {
    return fake.session(id.value()).map(FakeSession::messageIds).orElse(List.of());
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(m -> m.id().value()).toList();
  }

  @Test
  void databaseDownForAWhile_thenBack_everythingArrivesOnceInOrder() {
    SessionId id = sessionId("outage01");
    fake.goDown(Outage.CONNECTION_REFUSED);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      store.append(alice, id, Append.of(List.of(f.message("m" + i))));
      expected.add("m" + i);
      f.runFor(Duration.ofMillis(700));
    }
    assertThat(store.pendingSessions())
        .singleElement()
        .satisfies(p -> assertThat(p.pendingWrites()).isEqualTo(30));

    fake.goUp();
    f.drainAll();

    assertThat(storedIds(id)).containsExactlyElementsOf(expected);
  }

  @Test
  void databaseDown_ownerReadsHisCachedCopy_markedLocal() {
    SessionId id = sessionId("outage02");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(store.historyAsync(alice, id));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    store.guard().circuitBreaker().transitionToOpenState();

    SessionRead read = f.resolve(store.historyAsync(alice, id));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(read.pendingWrites()).isEqualTo(1);
    assertThat(ids(read)).containsExactly("s1", "m1");
  }

  @Test
  void databaseDown_cacheMiss_ownerGetsUnavailable_notAnEmptyHistory() {
    SessionId id = sessionId("outage03");
    fake.seedSession(ALICE, id.value(), "s1");
    fake.goDown(Outage.CONNECTION_RESET);

    assertThatThrownBy(() -> f.resolve(store.historyAsync(alice, id)))
        .isInstanceOf(SessionUnavailableException.class)
        .hasMessageContaining("temporarily unavailable");
  }

  @Test
  void databaseDown_otherUserAskingForACachedSession_getsUnavailable_neverTheData() {
    SessionId id = sessionId("outage04");
    fake.seedSession(ALICE, id.value(), "secret");
    f.resolve(store.historyAsync(alice, id)); // cached, owned by Alice
    store.append(alice, id, Append.of(List.of(f.message("pending-secret"))));
    fake.goDown(Outage.DATABASE_UNAVAILABLE);

    assertThatThrownBy(() -> f.resolve(store.historyAsync(bob, id)))
        .isInstanceOf(SessionUnavailableException.class);
    store.guard().circuitBreaker().transitionToOpenState();
    assertThatThrownBy(() -> f.resolve(store.historyAsync(bob, id)))
        .isInstanceOf(SessionUnavailableException.class);
    assertThatThrownBy(() -> f.resolve(store.historyAsync(bob, sessionId("outage99"))))
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void databaseDown_locallyCreatedSession_isReadableByItsOwnerOnly() {
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    SessionId id = store.create(alice);
    store.append(alice, id, Append.of(List.of(f.message("m1"))));

    SessionRead own = f.resolve(store.historyAsync(alice, id));

    // Held since its creation: answered from memory without asking the database.
    assertThat(own.source()).isEqualTo(ReadSource.CACHE);
    assertThat(ids(own)).containsExactly("m1");
    assertThatThrownBy(() -> f.resolve(store.historyAsync(bob, id)))
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void databaseDown_appendsAreStillAcknowledged() {
    fake.goDown(Outage.CONNECTION_REFUSED);
    store.guard().circuitBreaker().transitionToOpenState();

    AppendReceipt receipt =
        store.append(alice, sessionId("outage05"), Append.of(List.of(f.message("m1"))));

    assertThat(receipt.accepted()).isEqualTo(1);
  }

  @Test
  void slowDatabase_timeoutsOpenTheBreaker_thenReadsFailFastWithoutTheNetwork() {
    StoreFixture slow = fixture(Duration.ofSeconds(1));
    SessionId id = sessionId("slow0001");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(slow.store.historyAsync(alice, id)); // cached
    try (AnswerHold hold = fake.holdAnswers()) { // answered only once every read has timed out
      for (int i = 0; i < 4; i++) {
        Throwable failure =
            slow.failureOf(slow.store.historyAsync(alice, sessionId("slow000" + (i + 2))));
        assertThat(failure).isInstanceOf(SessionUnavailableException.class);
      }
      hold.release();
      await("the held answers gone")
          .atMost(Duration.ofSeconds(10))
          .until(() -> hold.waiting() == 0);
    }
    assertThat(slow.store.breakerState()).isEqualTo(BreakerState.OPEN);
    // WireMock records a held request when it answers it, after the hold let it go.
    await("every request sent recorded")
        .atMost(Duration.ofSeconds(10))
        .until(() -> fake.requests().size() == f.sent.size() + slow.sent.size());
    long before = fake.requests().size();

    SessionRead read = slow.resolve(slow.store.historyAsync(alice, id));
    Throwable miss = slow.failureOf(slow.store.historyAsync(alice, sessionId("slow0009")));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(miss).isInstanceOf(SessionUnavailableException.class);
    assertThat(fake.requests()).hasSize((int) before);
  }

  @Test
  void aRecoverThatFailsInAnOutage_leavesTheOwnersCachedAnswer() {
    SessionId id = sessionId("recov001");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(store.historyAsync(alice, id));
    fake.goDown(Outage.DATABASE_UNAVAILABLE);

    Throwable failure = f.failureOf(store.recoverAsync(alice, id));
    SessionRead read = f.resolve(store.historyAsync(alice, id));

    assertThat(failure).isInstanceOf(SessionUnavailableException.class);
    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(ids(read)).containsExactly("s1");
  }

  @Test
  void anotherUsersRecover_ofTheOwnersSessionId_leavesTheOwnersCachedCopy() {
    SessionId id = sessionId("recov002");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(store.historyAsync(alice, id));

    assertThat(f.failureOf(store.recoverAsync(bob, id)))
        .isInstanceOf(SessionNotFoundException.class);
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    f.advanceMillis(2_000); // past the cache freshness: the read asks the database first
    SessionRead read = f.resolve(store.historyAsync(alice, id));

    assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
    assertThat(ids(read)).containsExactly("s1");
  }

  @Test
  void aStaleCopyTheChangesCannotUpdate_isReadWhole_withinWhatIsLeftOfTheDatabaseTimeout() {
    SessionId id = sessionId("stale001");
    StoreFixture other = fixture(Duration.ofSeconds(5));
    ChatMessage m1 = f.message("m1");
    // Another instance adds a message of the same instant: only the database knows their order,
    // so the changes cannot be laid over the copy and the session is read whole.
    ChatMessage m2 = other.message("m2");
    store.append(alice, id, Append.of(List.of(m1)));
    f.drainAll();
    other.store.append(alice, id, Append.of(List.of(m2)));
    other.drainAll();
    f.advanceMillis(1_500); // the copy is no longer fresh
    fake.wireMock()
        .stubFor(
            com.github.tomakehurst.wiremock.client.WireMock.get(
                    urlPathEqualTo("/rest/v1/codebase_chat_sessions"))
                .atPriority(1)
                .willReturn(
                    com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withFixedDelay(4_000))); // the whole read hangs
    CompletableFuture<SessionRead> read;
    try (AnswerHold hold = fake.holdAnswers()) {
      read = store.historyAsync(alice, id);
      await("the changes asked").atMost(Duration.ofSeconds(10)).until(() -> hold.waiting() == 1);
      f.advanceMillis(250); // the database takes 250 ms to say what changed
    }
    await("the whole read in flight, cut at what is left of 2 s")
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                f.http.dispatcher().runningCallsCount() == 1
                    && f.scheduler.nextDelay().filter(d -> d.toMillis() <= 1_750).isPresent());

    f.advanceMillis(1_750);

    assertThat(read).isCompletedExceptionally();
    assertThat(f.failureOf(read)).isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void aReadCutByTheDatabaseTimeout_cancelsItsHttpCall() {
    SessionId id = sessionId("cut00001");
    fake.seedSession(ALICE, id.value(), "s1");
    try (AnswerHold hold = fake.holdAnswers()) {
      CompletableFuture<SessionRead> read = store.historyAsync(alice, id);
      await("the read in flight").atMost(Duration.ofSeconds(10)).until(() -> hold.waiting() == 1);

      f.scheduler.advance(Duration.ofSeconds(3)); // past the database timeout (2 s)

      assertThat(read).isCompletedExceptionally();
      await("the HTTP call cancelled, not left to its read timeout (5 s)")
          .atMost(Duration.ofSeconds(2))
          .until(() -> f.http.dispatcher().runningCallsCount() == 0);
    }
  }

  @Test
  void flappingDatabase_everyMessageArrivesExactlyOnce() {
    SessionId id = sessionId("flap0001");
    fake.flapping(Outage.CONNECTION_RESET);
    for (int i = 0; i < 20; i++) {
      store.append(alice, id, Append.of(List.of(f.message("m" + i))));
      f.runFor(Duration.ofMillis(300));
    }

    f.drainAll();
    fake.stopFlapping();

    assertThat(storedIds(id)).hasSize(20).doesNotHaveDuplicates();
    assertThat(storedIds(id))
        .containsExactlyElementsOf(
            java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
  }

  @Test
  void unavailableWithRetryAfter_isNotRetriedBeforeIt() {
    SessionId id = sessionId("retryaf1");
    fake.retryAfter(Duration.ofSeconds(30));
    fake.failNext(1, Outage.DATABASE_UNAVAILABLE);
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.runFor(Duration.ofMillis(500)); // first attempt: 503, Retry-After 30 s

    f.runFor(Duration.ofSeconds(29));
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(1);
    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(2);
    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void lostResponse_isRetried_withTheSameMessageIds_andStoresNothingTwice() throws Exception {
    SessionId id = sessionId("lost0001");
    fake.loseResponseOfNext(1);
    store.append(alice, id, Append.of(List.of(f.message("m1"), f.message("m2"))));

    f.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2");
    List<String> bodies =
        fake.requests(r -> r.isCallOf("append_chat_messages")).stream()
            .map(dev.codebasechat.testing.RecordedRequest::body)
            .toList();
    assertThat(bodies).hasSizeGreaterThanOrEqualTo(2);
    for (String body : bodies) {
      JsonNode messages = JSON.readTree(body).path("p_messages");
      List<String> sent = new ArrayList<>();
      messages.forEach(m -> sent.add(m.path("id").asText()));
      assertThat(sent).containsExactly("m1", "m2");
    }
  }

  @Test
  void lostAnswerOfAClear_sentAgain_keepsWhatAnotherInstanceStoredInBetween() {
    SessionId id = sessionId("clrlost1");
    StoreFixture other = fixture(Duration.ofSeconds(5));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    fake.loseResponseOfNext(1);
    store.clear(alice, id);
    // The clear is applied and its answer lost; the retry waits out its backoff.
    f.driveUntil(
        () -> fake.countRequests(".*/rpc/clear_chat_history") == 1, Duration.ofSeconds(10));
    other.store.append(alice, id, Append.of(List.of(other.message("m2"))));
    other.drainAll();

    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/clear_chat_history")).isEqualTo(2);
    assertThat(storedIds(id)).containsExactly("m2");
    assertThat(ids(f.resolve(store.historyAsync(alice, id)))).containsExactly("m2");
  }

  @Test
  void lostAnswerOfADelete_sentAgain_keepsTheSessionAnotherInstanceStartedAgainUnderTheId() {
    SessionId id = sessionId("dellost1");
    StoreFixture other = fixture(Duration.ofSeconds(5));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    fake.loseResponseOfNext(1);
    store.delete(alice, id);
    // The delete is applied and its answer lost; the retry waits out its backoff.
    f.driveUntil(
        () -> fake.countRequests(".*/rpc/delete_chat_session") == 1, Duration.ofSeconds(10));
    other.store.append(alice, id, Append.of(List.of(other.message("m2"))));
    other.drainAll();

    f.drainAll();

    assertThat(fake.countRequests(".*/rpc/delete_chat_session")).isEqualTo(2);
    assertThat(storedIds(id)).containsExactly("m2");
    assertThat(ids(f.resolve(store.historyAsync(alice, id)))).containsExactly("m2");
  }

  @Test
  void expiredTokenMidStream_writesWaitForTheOwnersNextToken_andAreReported() {
    SessionId id = sessionId("expire01");
    Caller shortLived =
        new Caller(ALICE, AccessToken.of(fake.tokenFor(ALICE, Duration.ofSeconds(10))));
    store.append(shortLived, id, Append.of(List.of(f.message("m1"))));
    f.drainAll();
    store.append(shortLived, id, Append.of(List.of(f.message("m2"))));
    CLOCK.advance(Duration.ofMinutes(5)); // the token expires before the flush
    f.runFor(Duration.ofSeconds(5));

    assertThat(store.pendingSessions())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.waitingForToken()).isTrue();
              assertThat(p.lastFailure())
                  .hasValueSatisfying(reason -> assertThat(reason).contains("401"));
            });
    assertThat(store.breakerState()).isEqualTo(BreakerState.CLOSED);
    long attempts = fake.countRequests(".*/rpc/append_chat_messages");
    f.runFor(Duration.ofMinutes(10));
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(attempts);

    Caller renewed = f.caller(ALICE);
    store.append(renewed, id, Append.of(List.of(f.message("m3"))));
    f.drainAll();

    assertThat(storedIds(id)).containsExactly("m1", "m2", "m3");
  }

  @Test
  void expiredToken_onRead_isPassedOn_notMaskedByTheCache() {
    SessionId id = sessionId("expire02");
    fake.seedSession(ALICE, id.value(), "s1");
    Caller expired = new Caller(ALICE, AccessToken.of(fake.expiredTokenFor(ALICE)));

    assertThatThrownBy(() -> f.resolve(store.historyAsync(expired, id)))
        .isInstanceOf(SessionAccessException.class)
        .satisfies(
            e ->
                assertThat(((SessionAccessException) e).reason())
                    .isEqualTo(SessionAccessException.Reason.UNAUTHENTICATED));
    assertThat(store.breakerState()).isEqualTo(BreakerState.CLOSED);
  }

  @Test
  void forbiddenRead_isPassedOn() {
    fake.wireMock()
        .stubFor(
            com.github.tomakehurst.wiremock.client.WireMock.get(
                    urlPathEqualTo("/rest/v1/codebase_chat_sessions"))
                .atPriority(1)
                .willReturn(PostgrestResponses.rlsViolation403("codebase_chat_sessions")));

    assertThatThrownBy(() -> f.resolve(store.historyAsync(alice, sessionId("forbid01"))))
        .isInstanceOf(SessionAccessException.class)
        .satisfies(
            e ->
                assertThat(((SessionAccessException) e).reason())
                    .isEqualTo(SessionAccessException.Reason.FORBIDDEN));
  }

  @Test
  void conflictOnWrite_isSetAside_withTheReason_andNotRetried() {
    SessionId id = sessionId("conflic1");
    fake.wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/rpc/append_chat_messages"))
                .atPriority(1)
                .willReturn(
                    PostgrestResponses.uniqueViolation409(
                        "codebase_chat_sessions_session_id_key", "session_id", id.value())));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    // Another owner's session: due together with alice's, it still goes in a request of its own.
    store.append(bob, sessionId("conflic2"), Append.of(List.of(f.message("other"))));

    f.drainAll();

    assertThat(store.setAsideWrites())
        .hasSize(2)
        .first()
        .satisfies(w -> assertThat(w.reason()).contains("409").contains("23505"));
    assertThat(fake.countRequests(".*/rpc/append_chat_messages")).isEqualTo(2);
    assertThat(store.pendingSessions()).isEmpty();
  }

  @Test
  void aProxysErrorPage_answeringAnAppend_keepsItPending_andItIsStoredOnTheNextTry() {
    SessionId id = sessionId("proxy001");
    fake.wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/rpc/append_chat_messages"))
                .atPriority(1)
                .inScenario("one proxy error")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willSetStateTo("answered")
                .willReturn(PostgrestResponses.upstreamDown(500)));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));
    store.append(alice, id, Append.of(List.of(f.message("m2"))));

    f.drainAll();

    assertThat(store.setAsideWrites()).isEmpty();
    assertThat(storedIds(id)).containsExactly("m1", "m2");
  }

  /** Refusals of the whole project for a while (Supabase's statuses), not of one request. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments>
      projectWideRefusals() {
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of(
            "organisation restricted",
            com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                .withStatus(402)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"exceed_egress_quota\"}")),
        org.junit.jupiter.params.provider.Arguments.of(
            "rate limited by db_pre_request", PostgrestResponses.rateLimitedByPreRequest()),
        org.junit.jupiter.params.provider.Arguments.of(
            "database in read-only mode", PostgrestResponses.readOnlyDatabase()));
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("projectWideRefusals")
  void aProjectWideRefusal_ofAnAppend_keepsItPending_andItIsStoredOnceItEnds(
      String refusal, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
    SessionId id = sessionId("project1");
    fake.wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/rpc/append_chat_messages"))
                .atPriority(1)
                .inScenario(refusal)
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willSetStateTo("ended")
                .willReturn(answer));
    store.append(alice, id, Append.of(List.of(f.message("m1"))));

    f.drainAll();

    assertThat(store.setAsideWrites()).isEmpty();
    assertThat(storedIds(id)).containsExactly("m1");
  }

  @Test
  void permanentFailure_ofOneWrite_doesNotBlockTheSessionsLaterWrites() {
    SessionId id = sessionId("perm0001");
    fake.seedSession(ALICE, id.value(), "s1");
    f.resolve(store.clearAsync(alice, id));
    fake.wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/rpc/clear_chat_history"))
                .atPriority(1)
                .willReturn(
                    PostgrestResponses.error(
                        PostgrestResponses.Version.V13,
                        400,
                        "22023",
                        "p_session_id must match",
                        null,
                        null)));
    store.append(alice, id, Append.of(List.of(f.message("after"))));

    f.drainAll();

    assertThat(store.setAsideWrites())
        .extracting(SetAsideWrite::operation)
        .containsExactly("clear");
    assertThat(storedIds(id)).containsExactly("s1", "after");
  }

  /** A store whose cache holds only a few sessions: the others are evicted. */
  private StoreFixture withACacheOfAFewSessions() {
    return withACacheOfAFewSessions(builder -> builder);
  }

  private StoreFixture withACacheOfAFewSessions(
      java.util.function.UnaryOperator<SessionStore.Builder> more) {
    StoreFixture tiny =
        new StoreFixture(
            fake,
            CLOCK,
            builder ->
                more.apply(
                    builder.cacheMaximumWeightBytes(4_000).closeTimeout(Duration.ofMillis(100))));
    fixtures.add(tiny);
    return tiny;
  }

  @Test
  void evictionUnderPressure_neverDropsUnconfirmedMessages() {
    StoreFixture tiny = withACacheOfAFewSessions();
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    for (int s = 0; s < 30; s++) {
      SessionId id = sessionId("evict" + String.format("%03d", s));
      fake.seedSession(ALICE, id.value(), "seed");
      tiny.store.append(alice, id, Append.of(tiny.messages("m", 5)));
    }
    assertThat(tiny.store.cachedSessions()).isLessThan(30);

    fake.goUp();
    tiny.drainAll();

    for (int s = 0; s < 30; s++) {
      assertThat(storedIds(sessionId("evict" + String.format("%03d", s))))
          .containsExactly("seed", "m-0", "m-1", "m-2", "m-3", "m-4");
    }
  }

  @Test
  void sessionsCreatedDuringAnOutage_andEvicted_areReadByTheirOwnerFromWhatIsPending() {
    // The breaker stays open however much fake time the reads take: a session still cached is
    // then answered as a degraded (LOCAL) answer too, whatever the write-behind's timers did
    // meanwhile.
    StoreFixture tiny =
        withACacheOfAFewSessions(
            builder ->
                builder.resilience(
                    dev.codebasechat.resilience.Resilience.builder()
                        .jitter(0)
                        .maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(100))
                        .minimumCalls(4)
                        .slidingWindow(8)
                        .openDuration(Duration.ofHours(1))
                        .build()));
    Caller owner = tiny.caller(ALICE);
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    List<SessionId> created = new ArrayList<>();
    for (int s = 0; s < 30; s++) {
      SessionId id = tiny.store.create(owner);
      tiny.store.append(owner, id, Append.of(tiny.messages("m", 5)));
      created.add(id);
    }
    assertThat(tiny.store.cachedSessions()).isLessThan(30);

    for (SessionId id : created) {
      SessionRead read = tiny.resolve(tiny.store.historyAsync(owner, id));

      assertThat(read.source()).isEqualTo(ReadSource.LOCAL);
      assertThat(ids(read)).containsExactly("m-0", "m-1", "m-2", "m-3", "m-4");
    }
    assertThat(tiny.failureOf(tiny.store.historyAsync(tiny.caller(BOB), created.get(0))))
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void twoStores_interleavingAppendsToOneSession_endWithTheDatabasesHistory() {
    StoreFixture other = fixture(Duration.ofSeconds(5));
    SessionId id = sessionId("shared01");
    fake.seedSession(ALICE, id.value(), "seed");
    f.resolve(store.historyAsync(alice, id));
    other.resolve(other.store.historyAsync(alice, id));

    for (int i = 0; i < 10; i++) {
      store.append(alice, id, Append.of(List.of(f.message("a" + i))));
      other.store.append(alice, id, Append.of(List.of(other.message("b" + i))));
      f.runFor(Duration.ofMillis(300));
      other.runFor(Duration.ofMillis(1));
    }
    f.drainAll();
    other.drainAll();

    List<String> database = storedIds(id);
    assertThat(database).hasSize(21).doesNotHaveDuplicates();
    assertThat(new HashSet<>(database)).containsAll(List.of("a0", "a9", "b0", "b9", "seed"));
    assertThat(ids(f.resolve(store.historyAsync(alice, id)))).containsExactlyElementsOf(database);
    assertThat(ids(other.resolve(other.store.historyAsync(alice, id))))
        .containsExactlyElementsOf(database);
  }

  @Test
  void flush_duringOutage_reportsWhatIsPendingAndWhy() {
    fake.goDown(Outage.DATABASE_UNAVAILABLE);
    store.append(
        alice, sessionId("report01"), Append.of(List.of(f.message("m1"), f.message("m2"))));

    var report = store.flushAsync(Duration.ofSeconds(3));
    f.driveUntil(report::isDone, Duration.ofSeconds(10));

    FlushReport result = report.join();
    assertThat(result.isComplete()).isFalse();
    assertThat(result.pendingWrites()).isEqualTo(2);
    assertThat(result.pending())
        .singleElement()
        .satisfies(p -> assertThat(p.lastFailure()).isPresent());
  }
}
