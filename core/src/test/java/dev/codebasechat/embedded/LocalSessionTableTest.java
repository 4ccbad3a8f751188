package dev.codebasechat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable.AppendResult;
import dev.codebasechat.embedded.LocalSessionTable.RowVersion;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LocalSessionTableTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID MALLORY = UUID.fromString("00000000-0000-0000-0000-00000000000f");
  private static final String SESSION = "chat-1705622400000-abc123xyz";
  private static final String OTHER_SESSION = "chat-1705622400001-def456uvw";

  @TempDir Path dir;
  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final List<LocalSessionTable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(LocalSessionTable::close);
  }

  private LocalSessionTable open() {
    LocalSessionTable table =
        LocalSessionTable.builder()
            .path(dir.resolve("sessions.db"))
            .durability(Durability.PROCESS_CRASH_SAFE)
            .clock(clock)
            .build();
    opened.add(table);
    return table;
  }

  private static List<Long> counts(AppendResult result) {
    return List.of((long) result.appended(), (long) result.messageCount(), result.version());
  }

  private static ObjectNode message(String id) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", id);
    message.put("role", "user");
    message.put("content", "text of " + id);
    message.put("timestamp", "2026-01-01T00:00:00.000Z");
    return message;
  }

  private static ArrayNode messages(String... ids) {
    ArrayNode array = JSON.createArrayNode();
    for (String id : ids) {
      array.add(message(id));
    }
    return array;
  }

  private static List<String> historyIds(ObjectNode row) {
    List<String> ids = new ArrayList<>();
    row.get("conversation_history").forEach(message -> ids.add(message.get("id").asText()));
    return ids;
  }

  private static AppendResult append(
      LocalSessionTable table, UUID owner, String session, String... ids) {
    return table.append(owner, session, messages(ids), Optional.empty(), Optional.empty());
  }

  @Test
  void append_newSession_createsItOwnedByCaller() {
    LocalSessionTable table = open();

    AppendResult result =
        table.append(
            ALICE, SESSION, messages("m1", "m2"), Optional.of("repo"), Optional.of("a.java"));

    assertThat(result).extracting(LocalSessionTableTest::counts).isEqualTo(List.of(2L, 2L, 1L));
    ObjectNode row = table.fetch(ALICE, SESSION).orElseThrow();
    assertThat(row.get("session_id").asText()).isEqualTo(SESSION);
    assertThat(row.get("user_id").asText()).isEqualTo(ALICE.toString());
    assertThat(row.get("repo").asText()).isEqualTo("repo");
    assertThat(row.get("current_file").asText()).isEqualTo("a.java");
    assertThat(row.get("conversation_history")).isEqualTo(messages("m1", "m2"));
    assertThat(row.get("context_cache")).isEqualTo(JSON.createObjectNode());
    assertThat(row.get("metadata")).isEqualTo(JSON.createObjectNode());
    assertThat(row.get("message_count").asInt()).isEqualTo(2);
    assertThat(row.get("version").asLong()).isEqualTo(1);
    assertThat(row.get("last_activity").asText()).isEqualTo("2026-01-01T00:00:00.000000+00:00");
  }

  @Test
  void list_andListAll_refuseANegativeLimitOrOffset() {
    LocalSessionTable table = open();

    assertThatThrownBy(() -> table.list(ALICE, -1, 0, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit and offset must not be negative but were -1 and 0");
    assertThatThrownBy(() -> table.listAll(Optional.empty(), 10, -5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit and offset must not be negative but were 10 and -5");
  }

  @Test
  void append_idsAlreadyStoredOrRepeatedInBatch_storesEachOnce() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1", "m2");

    AppendResult result = append(table, ALICE, SESSION, "m2", "m3", "m3", "m1", "m4");

    assertThat(result).extracting(LocalSessionTableTest::counts).isEqualTo(List.of(2L, 4L, 2L));
    assertThat(historyIds(table.fetch(ALICE, SESSION).orElseThrow()))
        .containsExactly("m1", "m2", "m3", "m4");
  }

  @Test
  void append_retryOfSameBatch_changesNothingNotEvenTheVersion() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    AppendResult retry = append(table, ALICE, SESSION, "m1");

    assertThat(retry).extracting(LocalSessionTableTest::counts).isEqualTo(List.of(0L, 1L, 1L));
  }

  @Test
  void append_ofTextPostgresqlCannotStore_isRefusedNamingTheMessage_andStoresNothing() {
    LocalSessionTable table = open();
    ArrayNode batch = messages("m1", "m2");
    ((ObjectNode) batch.get(1)).put("content", "a\u0000b");

    assertThatThrownBy(
            () -> table.append(ALICE, SESSION, batch, Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "p_messages[1] holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store");
    assertThat(table.fetch(ALICE, SESSION)).isEmpty();
  }

  @Test
  void append_sessionOfAnotherUser_throwsIdTakenAndChangesNothing() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    assertThatThrownBy(() -> append(table, MALLORY, SESSION, "evil"))
        .isInstanceOf(SessionIdTakenException.class)
        .hasMessageNotContaining(ALICE.toString());
    assertThat(historyIds(table.fetch(ALICE, SESSION).orElseThrow())).containsExactly("m1");
  }

  @Test
  void fetch_sessionOfAnotherUser_isEmpty() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    assertThat(table.fetch(MALLORY, SESSION)).isEmpty();
  }

  @Test
  void updateContext_sessionOfAnotherUser_isEmptyAndChangesNothing() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    assertThat(table.updateContext(MALLORY, SESSION, JSON.createObjectNode().put("repo", "x")))
        .isEmpty();
    assertThat(table.fetch(ALICE, SESSION).orElseThrow().get("repo").isNull()).isTrue();
  }

  @Test
  void clear_sessionOfAnotherUser_isEmptyAndKeepsHistory() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    assertThat(table.clear(MALLORY, SESSION)).isEmpty();
    assertThat(historyIds(table.fetch(ALICE, SESSION).orElseThrow())).containsExactly("m1");
  }

  @Test
  void delete_sessionOfAnotherUser_isFalseAndKeepsIt() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    assertThat(table.delete(MALLORY, SESSION)).isFalse();
    assertThat(table.fetch(ALICE, SESSION)).isPresent();
  }

  @Test
  void list_otherUsersSessions_areNeitherListedNorCounted() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    LocalSessionTable.Page page = table.list(MALLORY, 10, 0, Optional.empty());

    assertThat(page.rows()).isEmpty();
    assertThat(page.total()).isZero();
  }

  @Test
  void updateContext_ownSession_replacesFieldsAndBumpsVersion() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");
    ObjectNode patch = JSON.createObjectNode();
    patch.put("current_file", "b.java");
    patch.putObject("context_cache").put("files", 3);

    Optional<RowVersion> result = table.updateContext(ALICE, SESSION, patch);

    assertThat(result)
        .map(v -> List.of(v.version(), (long) v.messageCount()))
        .contains(List.of(2L, 1L));
    ObjectNode row = table.fetch(ALICE, SESSION).orElseThrow();
    assertThat(row.get("current_file").asText()).isEqualTo("b.java");
    assertThat(row.get("context_cache").get("files").asInt()).isEqualTo(3);
  }

  @Test
  void updateContext_unknownField_isRefusedNamingIt() {
    LocalSessionTable table = open();

    assertThatThrownBy(
            () -> table.updateContext(ALICE, SESSION, JSON.createObjectNode().put("user_id", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user_id");
  }

  @Test
  void clear_ownSession_emptiesHistoryThenAppendStartsAgain() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1", "m2");

    assertThat(table.clear(ALICE, SESSION))
        .map(v -> List.of(v.version(), (long) v.messageCount()))
        .contains(List.of(2L, 0L));
    assertThat(historyIds(table.fetch(ALICE, SESSION).orElseThrow())).isEmpty();
    assertThat(append(table, ALICE, SESSION, "m1"))
        .extracting(LocalSessionTableTest::counts)
        .isEqualTo(List.of(1L, 1L, 3L));
  }

  @Test
  void delete_ownSession_removesItAndItsMessages() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1");

    assertThat(table.delete(ALICE, SESSION)).isTrue();
    assertThat(table.fetch(ALICE, SESSION)).isEmpty();
    assertThat(table.delete(ALICE, SESSION)).isFalse();
    // The id is free again, for anyone.
    assertThat(append(table, MALLORY, SESSION, "n1"))
        .extracting(LocalSessionTableTest::counts)
        .isEqualTo(List.of(1L, 1L, 1L));
  }

  @Test
  void list_manySessions_newestFirstWithPagingAndTotal() {
    LocalSessionTable table = open();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = "chat-170562240000" + i + "-session" + i;
      ids.add(id);
      table.append(
          ALICE, id, messages("m"), Optional.of(i % 2 == 0 ? "even" : "odd"), Optional.empty());
      clock.advance(Duration.ofSeconds(1));
    }

    LocalSessionTable.Page first = table.list(ALICE, 2, 0, Optional.empty());
    LocalSessionTable.Page second = table.list(ALICE, 2, 2, Optional.empty());
    LocalSessionTable.Page even = table.list(ALICE, 10, 0, Optional.of("even"));

    assertThat(first.total()).isEqualTo(5);
    assertThat(first.rows())
        .extracting(row -> row.get("session_id").asText())
        .containsExactly(ids.get(4), ids.get(3));
    assertThat(second.rows())
        .extracting(row -> row.get("session_id").asText())
        .containsExactly(ids.get(2), ids.get(1));
    assertThat(even.total()).isEqualTo(3);
    assertThat(even.rows())
        .extracting(row -> row.get("session_id").asText())
        .containsExactly(ids.get(4), ids.get(2), ids.get(0));
    assertThat(first.rows().get(0).fieldNames())
        .toIterable()
        .containsExactly(
            "session_id", "repo", "current_file", "message_count", "last_activity", "created_at");
  }

  @Test
  void reopen_afterClose_keepsSessionsAndMessages() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "m1", "m2");
    append(table, ALICE, OTHER_SESSION, "x");
    ObjectNode before = table.fetch(ALICE, SESSION).orElseThrow();
    table.close();

    LocalSessionTable reopened = open();

    assertThat(reopened.fetch(ALICE, SESSION)).contains(before);
    assertThat(reopened.list(ALICE, 10, 0, Optional.empty()).total()).isEqualTo(2);
    assertThat(append(reopened, ALICE, SESSION, "m2", "m3").appended()).isEqualTo(1);
  }

  @Test
  void append_malformedSessionIdOrMessage_isRefusedNamingTheArgument() {
    LocalSessionTable table = open();
    ArrayNode noId = JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user"));

    assertThatThrownBy(() -> append(table, ALICE, "../etc/passwd", "m1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("p_session_id");
    assertThatThrownBy(() -> table.append(ALICE, SESSION, noId, Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("messages[0].id");
  }

  @Test
  void open_fileOfSchemaVersion1_addsTheHistorySize_andItsLimitHoldsAtOnce() throws Exception {
    Path file = dir.resolve("v1.db");
    try (java.sql.Connection sqlite = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement statement = sqlite.createStatement()) {
      // The file as version 1 wrote it: no history_bytes, one session holding one message.
      statement.execute(
          "CREATE TABLE sessions (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE,"
              + " user_id TEXT NOT NULL, repo TEXT, current_file TEXT, context_cache TEXT NOT NULL DEFAULT '{}',"
              + " metadata TEXT NOT NULL DEFAULT '{}', message_count INTEGER NOT NULL DEFAULT 0,"
              + " version INTEGER NOT NULL DEFAULT 0, last_activity INTEGER NOT NULL, created_at INTEGER NOT NULL,"
              + " updated_at INTEGER NOT NULL)");
      statement.execute(
          "CREATE INDEX sessions_user_activity ON sessions (user_id, last_activity DESC)");
      statement.execute(
          "CREATE TABLE messages (session INTEGER NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL,"
              + " body TEXT NOT NULL, PRIMARY KEY (session, seq), UNIQUE (session, message_id)) WITHOUT ROWID");
      String big =
          "{\"id\":\"m1\",\"role\":\"user\",\"content\":\""
              + "x".repeat(16_000_000)
              + "\",\"timestamp\":\"2025-01-18T12:00:00Z\"}";
      statement.execute(
          "INSERT INTO sessions (id, session_id, user_id, message_count, version, last_activity, created_at,"
              + " updated_at) VALUES (1, '"
              + SESSION
              + "', '"
              + ALICE
              + "', 1, 1, 0, 0, 0)");
      try (java.sql.PreparedStatement insert =
          sqlite.prepareStatement("INSERT INTO messages VALUES (1, 1, 'm1', ?)")) {
        insert.setString(1, big);
        insert.executeUpdate();
      }
      statement.execute("PRAGMA application_id=" + LocalSessionTable.APPLICATION_ID);
      statement.execute("PRAGMA user_version=1");
    }
    LocalSessionTable table = LocalSessionTable.builder().path(file).clock(clock).build();
    opened.add(table);
    ArrayNode oneMore =
        JSON.createArrayNode()
            .add(
                JSON.createObjectNode()
                    .put("id", "m2")
                    .put("role", "user")
                    .put("content", "y".repeat(900_000))
                    .put("timestamp", "2025-01-18T12:00:00Z"));

    assertThatThrownBy(
            () -> table.append(ALICE, SESSION, oneMore, Optional.empty(), Optional.empty()))
        .isInstanceOf(TableConstraintException.class)
        .hasMessageContaining("codebase_chat_sessions_history_max_bytes");
    assertThat(table.fetch(ALICE, SESSION).orElseThrow().get("message_count").asInt()).isEqualTo(1);
  }

  @Test
  void open_journalFile_isRefused() {
    Path file = dir.resolve("journal.db");
    SqliteJournal.open(file).close();

    assertThatThrownBy(() -> LocalSessionTable.builder().path(file).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("application_id");
  }

  @Test
  void appendFromEightThreads_overlappingIds_storesEachIdOnce() throws Exception {
    LocalSessionTable table = open();
    int threads = 8;
    int ids = 60;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t * 5;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int appended = 0;
                  // Each thread sends ids offset..offset+39 in batches of 4, overlapping its
                  // neighbours'.
                  for (int i = 0; i < 40; i += 4) {
                    String[] batch = new String[4];
                    for (int j = 0; j < 4; j++) {
                      batch[j] = "m" + ((offset + i + j) % ids);
                    }
                    appended += append(table, ALICE, SESSION, batch).appended();
                  }
                  return appended;
                }));
      }
      start.countDown();
      int appended = 0;
      for (Future<Integer> result : results) {
        appended += result.get(30, TimeUnit.SECONDS);
      }

      ObjectNode row = table.fetch(ALICE, SESSION).orElseThrow();
      List<String> stored = historyIds(row);
      assertThat(stored).doesNotHaveDuplicates().hasSize(ids);
      assertThat(appended).isEqualTo(ids);
      assertThat(row.get("message_count").asInt()).isEqualTo(ids);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void fetch_historyOfManyMessages_keepsAppendOrder() {
    LocalSessionTable table = open();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      append(table, ALICE, SESSION, "a" + i, "b" + i);
      expected.add("a" + i);
      expected.add("b" + i);
    }

    JsonNode row = table.fetch(ALICE, SESSION).orElseThrow();

    assertThat(historyIds((ObjectNode) row)).containsExactlyElementsOf(expected);
  }

  @Test
  void listAll_seesEveryOwnersSessionsNewestFirstWithOwnerAndHistorySize() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "a1", "a2");
    clock.advance(java.time.Duration.ofMinutes(1));
    append(table, MALLORY, OTHER_SESSION, "m1");

    LocalSessionTable.Page page = table.listAll(Optional.empty(), 10, 0);

    assertThat(page.total()).isEqualTo(2);
    assertThat(page.rows())
        .extracting(row -> row.get("session_id").asText())
        .containsExactly(OTHER_SESSION, SESSION);
    assertThat(page.rows().get(0).get("user_id").asText()).isEqualTo(MALLORY.toString());
    long historyBytes =
        table.fetch(ALICE, SESSION).orElseThrow().get("conversation_history").toString().length();
    assertThat(page.rows().get(1).get("history_bytes").asLong()).isEqualTo(historyBytes);
    assertThat(table.listAll(Optional.of(ALICE), 10, 0).rows()).hasSize(1);
  }

  @Test
  void listAll_emptySession_hasTheSizeOfAnEmptyArray() {
    LocalSessionTable table = open();
    table.append(ALICE, SESSION, messages(), Optional.empty(), Optional.empty());

    assertThat(table.listAll(Optional.empty(), 10, 0).rows().get(0).get("history_bytes").asLong())
        .isEqualTo(2);
  }

  @Test
  void totals_countSessionsActiveOnesAndMessagesOfEveryOwner() {
    LocalSessionTable table = open();
    append(table, ALICE, SESSION, "a1", "a2");
    clock.advance(java.time.Duration.ofHours(2));
    append(table, MALLORY, OTHER_SESSION, "m1");

    LocalSessionTable.Totals totals =
        table.totals(Optional.empty(), clock.instant().minus(java.time.Duration.ofHours(1)));

    assertThat(totals).isEqualTo(new LocalSessionTable.Totals(2, 1, 3));
    assertThat(
            table.totals(Optional.of(ALICE), clock.instant().minus(java.time.Duration.ofHours(1))))
        .isEqualTo(new LocalSessionTable.Totals(1, 0, 2));
  }
}
