package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session another client stored in a form the library does not take (here a message of 300 000
 * characters, which the table holds and {@link ChatMessage} does not) is the database's answer the
 * library cannot use: a {@link SessionRejectedException.Reason#DATABASE_ERROR} naming what, not an
 * {@link IllegalArgumentException} as if the caller had sent it, and other sessions are unaffected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnreadableStoredSessionTest {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final StoreFixture fixture = new StoreFixture(supabase, clock, b -> b);

  @AfterEach
  void close() {
    fixture.store.close();
    fixture.close();
  }

  @Test
  void readingASessionHoldingAMessageLongerThanTheLibraryTakes_isADatabaseError_namingIt() {
    Caller alice = fixture.caller(StoreFixture.ALICE);
    SessionId unreadable = StoreFixture.sessionId("unreadable1");
    SessionId fine = StoreFixture.sessionId("readable01");
    ArrayNode messages = new ObjectMapper().createArrayNode();
    messages
        .addObject()
        .put("id", "pasted-file")
        .put("role", "user")
        .put("content", "x".repeat(300_000))
        .put("timestamp", "2026-01-01T00:00:00Z");
    supabase.seedSession(StoreFixture.ALICE, unreadable.value(), messages);
    supabase.seedSession(StoreFixture.ALICE, fine.value(), "m1");

    Throwable failure = fixture.failureOf(fixture.store.historyAsync(alice, unreadable));
    SessionRead other = fixture.resolve(fixture.store.historyAsync(alice, fine));

    assertThat(failure).isInstanceOf(SessionRejectedException.class);
    assertThat(((SessionRejectedException) failure).reason())
        .isEqualTo(SessionRejectedException.Reason.DATABASE_ERROR);
    assertThat(failure)
        .hasMessage(
            "the database holds session "
                + unreadable.value()
                + " in a form this library cannot read: message 0 (pasted-file): message content"
                + " must be at most 200000 characters but was 300000");
    assertThat(failure.getCause()).isInstanceOf(IllegalArgumentException.class);
    assertThat(other.session().messageCount()).isEqualTo(1);
  }

  /** {@code failure} is the database's answer the library cannot use, its message so begun. */
  private static void assertDatabaseError(Throwable failure, String messageStart) {
    assertThat(failure)
        .isInstanceOfSatisfying(
            SessionRejectedException.class,
            rejected ->
                assertThat(rejected.reason())
                    .isEqualTo(SessionRejectedException.Reason.DATABASE_ERROR))
        .hasMessageStartingWith(messageStart);
  }

  /** The head read of {@code id} answered with {@code body} (a proxy's or another server's). */
  private com.github.tomakehurst.wiremock.stubbing.StubMapping headAnswered(
      SessionId id, String body) {
    return supabase
        .wireMock()
        .stubFor(
            TableStubs.selectOf(dev.codebasechat.session.internal.SessionCodec.HEAD_COLUMNS)
                .withQueryParam(
                    "session_id",
                    com.github.tomakehurst.wiremock.client.WireMock.equalTo("eq." + id.value()))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson(body)));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "[{\"session_id\":\"x\"}]",
        "{\"session_id\":5}",
        "{\"session_id\":\"chat-1767225600000-headbad1\",\"user_id\":\"not-a-uuid\"}"
      })
  void aHeadReadAnsweredInAnotherForm_isADatabaseError_notTheCallersMistake(String body) {
    Caller alice = fixture.caller(StoreFixture.ALICE);
    SessionId id = StoreFixture.sessionId("headbad1");
    var stub = headAnswered(id, body);
    try {
      Throwable failure =
          fixture.failureOf(
              fixture.store.appendExistingAsync(
                  alice, id, Append.of(java.util.List.of(fixture.message("m1")))));

      assertDatabaseError(
          failure,
          "the database holds session " + id.value() + " in a form this library cannot read: ");
    } finally {
      supabase.wireMock().removeStub(stub);
    }
  }

  @Test
  void aSessionListHoldingAnIdTheLibraryDoesNotTake_isADatabaseError_notTheCallersMistake() {
    Caller alice = fixture.caller(StoreFixture.ALICE);
    var stub =
        supabase
            .wireMock()
            .stubFor(
                TableStubs.selectOf(dev.codebasechat.session.internal.SessionCodec.SUMMARY_COLUMNS)
                    .willReturn(
                        com.github.tomakehurst.wiremock.client.WireMock.okJson(
                                "[{\"session_id\":\"not-a-session-id\",\"message_count\":1}]")
                            .withHeader("Content-Range", "0-0/1")));
    try {
      Throwable failure = fixture.failureOf(fixture.store.listAsync(alice, SessionQuery.limit(10)));

      assertDatabaseError(
          failure, "the database answered the session list in a form this library cannot read: ");
    } finally {
      supabase.wireMock().removeStub(stub);
    }
  }

  @Test
  void aSessionHoldingAKeyLongerThanJacksonsDefaultLimit_isRead() {
    Caller alice = fixture.caller(StoreFixture.ALICE);
    SessionId id = StoreFixture.sessionId("longkey1");
    String key = "k".repeat(60_000);
    ArrayNode messages = new ObjectMapper().createArrayNode();
    var message =
        messages
            .addObject()
            .put("id", "m1")
            .put("role", "user")
            .put("content", "see the code")
            .put("timestamp", "2026-01-01T00:00:00Z");
    message.putObject("code").put(key, true);
    supabase.seedSession(StoreFixture.ALICE, id.value(), messages);

    SessionRead read = fixture.resolve(fixture.store.historyAsync(alice, id));

    assertThat(read.session().messages().get(0).code().orElseThrow().has(key)).isTrue();
  }

  @Test
  void
      anAnswerNestedDeeperThanTheLibraryReads_isADatabaseError_askedOnce_andTheBreakerStaysClosed() {
    Caller alice = fixture.caller(StoreFixture.ALICE);
    SessionId id = StoreFixture.sessionId("deepread");
    var stub =
        supabase
            .wireMock()
            .stubFor(
                TableStubs.selectOf(dev.codebasechat.session.internal.SessionCodec.SESSION_COLUMNS)
                    .willReturn(
                        com.github.tomakehurst.wiremock.client.WireMock.okJson(
                            "[".repeat(1_001) + "]".repeat(1_001))));
    try {
      for (int read = 0; read < 6; read++) {
        Throwable failure = fixture.failureOf(fixture.store.historyAsync(alice, id));

        assertDatabaseError(failure, "request for session " + id.value() + " failed: ");
        assertThat(failure).hasMessageContaining("answered JSON this library does not read");
      }

      assertThat(supabase.countRequests(".*/codebase_chat_sessions")).isEqualTo(6);
      assertThat(fixture.store.breakerState())
          .isEqualTo(dev.codebasechat.resilience.BreakerState.CLOSED);
    } finally {
      supabase.wireMock().removeStub(stub);
    }
  }
}
