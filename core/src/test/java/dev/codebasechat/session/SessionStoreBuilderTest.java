package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.writebehind.FlushConcurrency;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder refuses, with the reason, every option that does not apply to the store it builds,
 * instead of ignoring it; and the store stamps messages made without a time with its own clock.
 */
class SessionStoreBuilderTest {

  @TempDir Path dir;

  private LocalSessionTable table;
  private PostgrestClient client;

  @BeforeEach
  void open() {
    table = LocalSessionTable.builder().path(dir.resolve("sessions.db")).build();
    client =
        PostgrestClient.builder()
            .restUrl("http://127.0.0.1:9/rest/v1")
            .apiKey(ApiKey.of("sb_publishable_builder_test_key_0000"))
            .build();
  }

  @AfterEach
  void close() {
    table.close();
    client.close();
  }

  @Test
  @SuppressWarnings("NullAway") // what a caller without null checks might pass
  void aNullOption_isRefusedAtOnce_namingIt_ratherThanBuildingAStoreWithoutIt() {
    SessionStore.Builder builder = SessionStore.builder(client);

    assertThatThrownBy(() -> builder.journal(null)).hasMessage("journal");
    assertThatThrownBy(() -> builder.acknowledgement(null)).hasMessage("acknowledgement");
    assertThatThrownBy(() -> builder.clock(null)).hasMessage("clock");
    assertThatThrownBy(() -> builder.scheduler(null)).hasMessage("scheduler");
    assertThatThrownBy(() -> builder.resilience(null)).hasMessage("resilience");
    assertThatThrownBy(() -> builder.flushConcurrency(null)).hasMessage("flushConcurrency");
    assertThatThrownBy(() -> builder.operatorDelivery(null)).hasMessage("operatorDelivery");
  }

  @Test
  void embedded_refusesEveryOptionOfTheDatabaseOrTheWriteBehind_namingItAndWhy() {
    SessionStore.Builder embedded = SessionStore.embedded(table);

    try (SqliteJournal journal = SqliteJournal.open(dir.resolve("j.db"))) {
      assertRefused(b -> b.journal(journal), embedded, "journal");
    }
    assertRefused(b -> b.acknowledgement(Acknowledgement.DATABASE), embedded, "acknowledgement");
    assertRefused(b -> b.cacheFreshness(Duration.ZERO), embedded, "cacheFreshness");
    assertRefused(b -> b.debounce(Duration.ofMillis(5)), embedded, "debounce");
    assertRefused(b -> b.maxWait(Duration.ofMillis(5)), embedded, "maxWait");
    assertRefused(b -> b.flushConcurrency(FlushConcurrency.fixed(2)), embedded, "flushConcurrency");
    assertRefused(b -> b.databaseTimeout(Duration.ofSeconds(1)), embedded, "databaseTimeout");
    assertRefused(b -> b.resilience(Resilience.defaults()), embedded, "resilience");
    assertRefused(
        b -> b.localCopyRetention(Duration.ofDays(1), 1024), embedded, "localCopyRetention");
    assertRefused(
        b -> b.operatorDelivery(client.operator(ServiceKey.of(serviceRoleJwt()))),
        embedded,
        "operatorDelivery");
  }

  @Test
  void embeddedRefusal_saysWhyTheOptionDoesNotApply() {
    try (SqliteJournal journal = SqliteJournal.open(dir.resolve("j.db"))) {
      assertThatThrownBy(() -> SessionStore.embedded(table).journal(journal))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "journal does not apply to an embedded store: the embedded table is itself durable");
    }
  }

  @Test
  void databaseAcknowledgement_refusesTheJournalAndTheWriteBehindsOptions_atBuild() {
    SessionStore.Builder builder =
        SessionStore.builder(client)
            .debounce(Duration.ofMillis(100))
            .acknowledgement(Acknowledgement.DATABASE);

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("debounce does not apply with Acknowledgement.DATABASE");
  }

  @Test
  void aMaxWaitShorterThanTheDebounce_isRefusedAtBuild_namingBoth() {
    SessionStore.Builder builder =
        SessionStore.builder(client)
            .debounce(Duration.ofMillis(500))
            .maxWait(Duration.ofMillis(100));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait must be at least debounce (PT0.5S) but was PT0.1S");
  }

  @Test
  void optionsOutOfRange_areRefused_namingTheOptionAndTheValue() {
    SessionStore.Builder builder = SessionStore.builder(client);

    assertThatThrownBy(() -> builder.cacheFreshness(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cacheFreshness must not be negative but was PT-0.001S");
    assertThatThrownBy(() -> builder.cacheMaximumWeightBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cacheMaximumWeightBytes must be positive but was 0");
    assertThatThrownBy(() -> builder.maxMessagesPerAppend(1001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxMessagesPerAppend must be between 1 and 1000 but was 1001");
    assertThatThrownBy(() -> builder.localCopyRetention(Duration.ofDays(1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("localCopyRetention maxBytes must be positive but was 0");
    assertThatThrownBy(() -> builder.closeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("closeTimeout must be positive but was PT0S");
  }

  @Test
  void aNegativeNumberOfLastMessages_andAContextUpdateChangingNothing_areRefused() {
    try (SessionStore store = SessionStore.embedded(table).build()) {
      Caller alice = new Caller(UUID.randomUUID(), AccessToken.of("a-token"));
      SessionId id = store.create(alice);

      assertThatThrownBy(() -> store.lastMessages(alice, id, -1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("n must not be negative but was -1");
      assertThatThrownBy(() -> store.updateContext(alice, id, ContextUpdate.none()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a context update must change at least one field");
    }
  }

  @Test
  void localCopyRetention_withoutAJournal_isRefusedAtBuild() {
    SessionStore.Builder builder =
        SessionStore.builder(client).localCopyRetention(Duration.ofDays(1), 1024);

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("localCopyRetention needs a journal: only a journal keeps local copies");
  }

  @Test
  void messagesWithoutATime_areStampedWithTheStoresClock_andKeepAGivenTime() {
    ManualClock clock = ManualClock.startingAtEpoch2026();
    try (SessionStore store = SessionStore.embedded(table).clock(clock).build()) {
      Caller alice = new Caller(UUID.randomUUID(), AccessToken.of("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"));
      SessionId id = store.create(alice);
      ChatMessage given =
          ChatMessage.assistant("given").withTimestamp(clock.instant().minusSeconds(5));
      clock.advance(Duration.ofSeconds(3));

      store.append(alice, id, Append.of(ChatMessage.user("stamped"), given));

      assertThat(store.history(alice, id).session().messages())
          .extracting(ChatMessage::content, ChatMessage::timestamp)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("given", given.timestamp()),
              org.assertj.core.groups.Tuple.tuple("stamped", clock.instant()));
    }
  }

  @Test
  void createAsync_ofAFreshSession_completesWithItsId_andTheSessionIsEmpty() {
    try (SessionStore store = SessionStore.embedded(table).build()) {
      Caller alice = new Caller(UUID.randomUUID(), AccessToken.of("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"));

      SessionId id = store.createAsync(alice).join();

      assertThat(store.history(alice, id).session().messages()).isEmpty();
    }
  }

  private static void assertRefused(
      Consumer<SessionStore.Builder> option, SessionStore.Builder builder, String name) {
    assertThatThrownBy(() -> option.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " does not apply to an embedded store: ");
  }

  private static String serviceRoleJwt() {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString(
            "{\"alg\":\"HS256\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(
            "{\"role\":\"service_role\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        + ".c2ln";
  }
}
