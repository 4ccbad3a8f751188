package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default: the store over this process's own SQLite file, no Supabase at all. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EmbeddedSessionStoreTest {

  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");

  @TempDir Path dir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private LocalSessionTable table;
  private SessionStore store;

  private SessionStore open() {
    table = LocalSessionTable.builder().path(dir.resolve("sessions.db")).clock(clock).build();
    store = SessionStore.embedded(table).clock(clock).build();
    return store;
  }

  private void restart() {
    store.close();
    table.close();
    open();
  }

  @AfterEach
  void close() {
    store.close();
    table.close();
  }

  /** A caller as the gateway verified it: the embedded store does not read the token. */
  static Caller caller(UUID user) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String payload = "{\"sub\":\"" + user + "\",\"role\":\"authenticated\"}";
    return new Caller(
        user,
        AccessToken.of(
            b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8))
                + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + ".c2ln"));
  }

  private ChatMessage message(String id) {
    return new ChatMessage(
        MessageId.of(id), Role.USER, "text " + id, clock.instant(), Optional.empty());
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(m -> m.id().value()).toList();
  }

  @Test
  void fullTable_writesFailWithSessionStorageException_recordNothing_andResumeWhenPagesAreFree() {
    table =
        LocalSessionTable.builder()
            .path(dir.resolve("sessions.db"))
            .clock(clock)
            .maxPageCount(32)
            .build();
    store = SessionStore.embedded(table).clock(clock).build();
    Caller alice = caller(ALICE);
    SessionId spare = store.create(alice);
    store.append(alice, spare, Append.of(List.of(big("s1"), big("s2"))));
    SessionId id = store.create(alice);
    List<String> acknowledged = new java.util.ArrayList<>();
    RuntimeException refused = null;
    for (int i = 0; i < 500 && refused == null; i++) {
      try {
        store.append(alice, id, Append.of(List.of(big("m" + i))));
        acknowledged.add("m" + i);
      } catch (RuntimeException e) {
        refused = e;
      }
    }

    assertThat(refused)
        .isInstanceOf(SessionStorageException.class)
        .hasMessageContaining("could not be recorded durably");
    assertThatThrownBy(() -> store.append(alice, id, Append.of(List.of(big("again")))))
        .isInstanceOf(SessionStorageException.class);
    assertThat(ids(store.history(alice, id))).isEqualTo(acknowledged);

    store.delete(alice, spare);
    store.append(alice, id, Append.of(List.of(big("after"))));

    List<String> expected = new java.util.ArrayList<>(acknowledged);
    expected.add("after");
    assertThat(ids(store.history(alice, id))).isEqualTo(expected);
    restart();
    assertThat(ids(store.history(alice, id))).isEqualTo(expected);
  }

  private ChatMessage big(String id) {
    return new ChatMessage(
        MessageId.of(id), Role.USER, "x".repeat(6_000), clock.instant(), Optional.empty());
  }

  @Test
  void aReadTheTableCannotAnswer_failsWithSessionUnavailable_andAListToo() {
    open();
    Caller alice = caller(ALICE);
    SessionId id = store.create(alice);
    store.append(alice, id, Append.of(List.of(message("m1"))));
    restart();

    table.close();

    assertThatThrownBy(() -> store.history(alice, id))
        .isInstanceOf(SessionUnavailableException.class);
    assertThatThrownBy(() -> store.list(alice, SessionQuery.limit(20)))
        .isInstanceOf(SessionUnavailableException.class);
  }

  @Test
  void aCreateUnderAChosenId_theTableCannotRecord_failsWithSessionStorage_asEveryWriteDoes() {
    open();
    Caller alice = caller(ALICE);
    table.close();

    assertThatThrownBy(() -> store.create(alice, SessionId.of("chat-1737201600000-chosen01")))
        .isInstanceOf(SessionStorageException.class);
    assertThatThrownBy(() -> store.create(alice)).isInstanceOf(SessionStorageException.class);
  }

  @Test
  void aReadTheTableCannotAnswer_isLogged_namingTheFileAndTheReason() {
    open();
    Caller alice = caller(ALICE);
    SessionId id = store.create(alice);
    restart();
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(
                dev.codebasechat.session.internal.LocalSessionBackend.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      table.close();

      assertThatThrownBy(() -> store.history(alice, id))
          .isInstanceOf(SessionUnavailableException.class);

      assertThat(logs.list)
          .singleElement()
          .satisfies(
              event -> {
                assertThat(event.getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
                assertThat(event.getFormattedMessage())
                    .contains("could not read session " + id.value())
                    .contains("CLOSED")
                    .contains("sessions.db");
              });
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Test
  void createAppendReadRestartRead_keepsEverything() {
    open();
    Caller alice = caller(ALICE);
    SessionId id = store.create(alice);
    store.append(alice, id, Append.of(List.of(message("m1"), message("m2"))));

    restart();
    SessionRead read = store.history(alice, id);

    assertThat(ids(read)).containsExactly("m1", "m2");
    assertThat(read.source()).isEqualTo(ReadSource.DATABASE);
    assertThat(read.pendingWrites()).isZero();
  }

  @Test
  void append_isDurableWhenAcknowledged_withNothingPending() {
    open();
    AppendReceipt receipt =
        store.append(
            caller(ALICE), SessionId.of("chat-1-abcdef"), Append.of(List.of(message("m1"))));

    assertThat(receipt.pendingWrites()).isZero();
    assertThat(store.pendingSessions()).isEmpty();
    assertThat(table.fetch(ALICE, "chat-1-abcdef")).isPresent();
  }

  @Test
  void append_repeatingAnIdWithinOneAppend_countsTheRepeatAsADuplicate() {
    open();
    SessionId id = SessionId.of("chat-1-repeat");

    AppendReceipt receipt =
        store.append(
            caller(ALICE), id, Append.of(List.of(message("m1"), message("m2"), message("m1"))));

    assertThat(receipt.accepted()).isEqualTo(2);
    assertThat(receipt.duplicates()).isEqualTo(1);
    assertThat(ids(store.history(caller(ALICE), id))).containsExactly("m1", "m2");
  }

  @Test
  void append_sameIdTwice_isStoredOnce() {
    open();
    SessionId id = SessionId.of("chat-1-dedupe");
    store.append(caller(ALICE), id, Append.of(List.of(message("m1"))));

    AppendReceipt again =
        store.append(caller(ALICE), id, Append.of(List.of(message("m1"), message("m2"))));

    assertThat(again.accepted()).isEqualTo(1);
    assertThat(again.duplicates()).isEqualTo(1);
    assertThat(ids(store.history(caller(ALICE), id))).containsExactly("m1", "m2");
  }

  @Test
  void otherUser_cannotReadAppendClearOrDelete_andNothingChanges() {
    open();
    SessionId id = SessionId.of("chat-1-private");
    store.append(caller(ALICE), id, Append.of(List.of(message("secret"))));
    Caller bob = caller(BOB);

    assertThatThrownBy(() -> store.history(bob, id)).isInstanceOf(SessionNotFoundException.class);
    assertThatThrownBy(() -> store.append(bob, id, Append.of(List.of(message("x")))))
        .isInstanceOf(SessionNotFoundException.class);
    assertThatThrownBy(() -> store.clear(bob, id)).isInstanceOf(SessionNotFoundException.class);
    assertThatThrownBy(() -> store.delete(bob, id)).isInstanceOf(SessionNotFoundException.class);
    restart();

    assertThat(ids(store.history(caller(ALICE), id))).containsExactly("secret");
  }

  @Test
  void clearAndDelete_arePersisted() {
    open();
    Caller alice = caller(ALICE);
    SessionId kept = SessionId.of("chat-1-cleared");
    SessionId gone = SessionId.of("chat-1-deleted");
    store.append(alice, kept, Append.of(List.of(message("m1"))));
    store.append(alice, gone, Append.of(List.of(message("m1"))));

    assertThat(store.clear(alice, kept).session().messages()).isEmpty();
    store.delete(alice, gone);
    restart();

    assertThat(store.history(alice, kept).session().messages()).isEmpty();
    assertThatThrownBy(() -> store.history(alice, gone))
        .isInstanceOf(SessionNotFoundException.class);
  }

  @Test
  void updateContext_isPersisted() {
    open();
    Caller alice = caller(ALICE);
    SessionId id = store.create(alice);

    store.updateContext(
        alice, id, ContextUpdate.none().withRepo("acme/api").withCurrentFile("A.java"));
    restart();

    ChatSession session = store.history(alice, id).session();
    assertThat(session.repo()).contains("acme/api");
    assertThat(session.currentFile()).contains("A.java");
  }

  @Test
  void aContextCacheWithANumberOfThousandsOfDigits_isReadBackAsStored() {
    open();
    Caller alice = caller(ALICE);
    SessionId id = store.create(alice);
    var cache =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
            .objectNode()
            .put("n", new java.math.BigInteger("9".repeat(5_000)));

    store.updateContext(alice, id, ContextUpdate.none().withContextCache(cache));
    restart();

    assertThat(store.history(alice, id).session().contextCache()).isEqualTo(cache);
  }

  @Test
  void list_showsOnlyTheCallersSessions_newestFirst() {
    open();
    store.append(caller(ALICE), SessionId.of("chat-1-firstone"), Append.of(List.of(message("a"))));
    clock.advance(Duration.ofSeconds(1));
    store.append(
        caller(ALICE),
        SessionId.of("chat-1-second"),
        Append.of(List.of(message("a"), message("b"))));
    store.append(caller(BOB), SessionId.of("chat-1-bobsone"), Append.of(List.of(message("x"))));

    SessionPage page = store.list(caller(ALICE), SessionQuery.limit(10));

    assertThat(page.sessions())
        .extracting(s -> s.id().value())
        .containsExactly("chat-1-second", "chat-1-firstone");
    assertThat(page.sessions()).extracting(SessionSummary::messageCount).containsExactly(2, 1);
    assertThat(page.total()).hasValue(2);
  }
}
