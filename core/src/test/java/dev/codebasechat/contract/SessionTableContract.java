package dev.codebasechat.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.contract.ChatTable.Appended;
import dev.codebasechat.contract.ChatTable.Listing;
import dev.codebasechat.contract.ChatTable.Refusal;
import dev.codebasechat.contract.ChatTable.Refused;
import dev.codebasechat.contract.ChatTable.Versioned;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every implementation of the session table does, written once: the SQL functions and policies
 * of {@code supabase/migrations} (through the PostgREST-compatible test server), {@code
 * LocalSessionTable} (the embedded default) and {@code FakeSupabase} (the WireMock fake users test
 * against) must all pass it. The SQL is the reference: where the others differed, they were made to
 * agree with it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class SessionTableContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger IDS = new AtomicInteger();

  /**
   * How PostgREST renders timestamptz in a UTC session: up to microseconds, trailing zeros dropped.
   */
  private static final Pattern POSTGREST_TIME =
      Pattern.compile(
          "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?\\+00:00$");

  /** The implementation under test, fresh for each test or shared with unique users. */
  abstract ChatTable table();

  static String newSessionId() {
    return String.format("chat-1737201600000-contract%06d", IDS.incrementAndGet());
  }

  static ObjectNode message(String id) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("role", "user")
        .put("content", "message " + id)
        .put("timestamp", "2025-01-18T12:00:00.000Z");
  }

  static ArrayNode messages(String... ids) {
    ArrayNode array = JSON.createArrayNode();
    for (String id : ids) {
      array.add(message(id));
    }
    return array;
  }

  private Appended append(UUID owner, String id, ArrayNode messages) {
    return table().append(owner, id, messages, Optional.empty(), Optional.empty());
  }

  private List<String> storedIds(UUID owner, String id) {
    List<String> ids = new ArrayList<>();
    table()
        .fetch(owner, id)
        .orElseThrow()
        .get("conversation_history")
        .forEach(m -> ids.add(m.get("id").asText()));
    return ids;
  }

  private JsonNode row(UUID owner, String id) {
    return table().fetch(owner, id).orElseThrow();
  }

  private static Refusal refusalOf(Runnable operation) {
    Refused refused = catchThrowableOfType(Refused.class, operation::run);
    assertThat(refused).as("the operation must be refused").isNotNull();
    return refused.kind;
  }

  // ------------------------------------------------------------------ create

  @Test
  void append_ofNoMessages_createsAnEmptySessionOfTheOwnerAtVersionZero() {
    UUID owner = table().newUser();
    String id = newSessionId();

    Appended created = append(owner, id, messages());

    assertThat(created).isEqualTo(new Appended(0, 0, 0, true));
    JsonNode row = row(owner, id);
    assertThat(row.get("user_id").asText()).isEqualTo(owner.toString());
    assertThat(row.get("conversation_history")).isEqualTo(JSON.createArrayNode());
    assertThat(row.get("context_cache")).isEqualTo(JSON.createObjectNode());
    assertThat(row.get("metadata")).isEqualTo(JSON.createObjectNode());
    assertThat(row.get("repo").isNull()).isTrue();
    assertThat(row.get("current_file").isNull()).isTrue();
  }

  @Test
  void append_creatingWithRepoAndFile_storesThemAtVersionZero() {
    UUID owner = table().newUser();
    String id = newSessionId();

    Appended created =
        table().append(owner, id, messages(), Optional.of("acme/web"), Optional.of("src/App.tsx"));

    assertThat(created.version()).isZero();
    assertThat(row(owner, id).get("repo").asText()).isEqualTo("acme/web");
    assertThat(row(owner, id).get("current_file").asText()).isEqualTo("src/App.tsx");
  }

  // ------------------------------------------------------------------ append

  @Test
  void append_storesMessagesInOrderAndMovesTheVersionByOne() {
    UUID owner = table().newUser();
    String id = newSessionId();

    Appended appended = append(owner, id, messages("m1", "m2", "m3"));

    assertThat(appended).isEqualTo(new Appended(3, 3, 1, true));
    assertThat(storedIds(owner, id)).containsExactly("m1", "m2", "m3");
    assertThat(row(owner, id).get("message_count").asInt()).isEqualTo(3);
  }

  @Test
  void history_isInTimestampOrder_thenArrivalOrder_whateverOrderTheAppendsCameIn() {
    UUID owner = table().newUser();
    String id = newSessionId();
    ArrayNode later = messages("late");
    ((ObjectNode) later.get(0)).put("timestamp", "2025-01-18T12:00:02Z");
    ArrayNode earlier = messages("early", "tie");
    ((ObjectNode) earlier.get(0)).put("timestamp", "2025-01-18T12:00:01Z");
    ((ObjectNode) earlier.get(1)).put("timestamp", "2025-01-18T12:00:02Z");

    append(owner, id, later);
    append(owner, id, earlier);

    assertThat(storedIds(owner, id)).containsExactly("early", "late", "tie");
  }

  @Test
  void append_skipsIdsAlreadyStoredOrRepeatedInTheBatch() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a", "b"));

    Appended second = append(owner, id, messages("b", "c", "a", "d", "d"));

    assertThat(second).isEqualTo(new Appended(2, 4, 2, false));
    assertThat(storedIds(owner, id)).containsExactly("a", "b", "c", "d");
  }

  @Test
  void append_ofOnlyKnownIds_changesNothingNotEvenTheActivityTime() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));
    String before = row(owner, id).get("last_activity").asText();
    table().tick();

    Appended again = append(owner, id, messages("a"));

    assertThat(again).isEqualTo(new Appended(0, 1, 1, false));
    assertThat(row(owner, id).get("last_activity").asText()).isEqualTo(before);
  }

  @Test
  void append_withOnlyANewRepo_movesTheVersion() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));

    Appended moved =
        table().append(owner, id, messages(), Optional.of("acme/api"), Optional.empty());

    assertThat(moved).isEqualTo(new Appended(0, 1, 2, false));
    assertThat(row(owner, id).get("repo").asText()).isEqualTo("acme/api");
  }

  @Test
  void append_keepsEveryFieldOfAMessageAsGiven() {
    UUID owner = table().newUser();
    String id = newSessionId();
    ObjectNode full =
        message("m1").put("role", "assistant").put("content", "Ünïcödé ✓ \"quoted\"\nline two");
    full.putObject("code").put("language", "java").put("text", "class A {}");
    full.putObject("metadata").put("model", "m").putArray("tags").add("x");
    ArrayNode batch = JSON.createArrayNode().add(full);

    append(owner, id, batch);

    assertThat(row(owner, id).get("conversation_history").get(0)).isEqualTo(full);
  }

  @Test
  void append_ofAMessageOf300000Characters_isStored() {
    UUID owner = table().newUser();
    String id = newSessionId();
    ArrayNode batch =
        JSON.createArrayNode().add(message("big").put("content", "x".repeat(300_000)));

    append(owner, id, batch);

    assertThat(row(owner, id).get("conversation_history").get(0).get("content").asText())
        .hasSize(300_000);
  }

  @Test
  void append_ofAMessageOverOneMebibyte_isRefusedAsInvalid_andStoresNothing() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));
    ArrayNode batch =
        JSON.createArrayNode().add(message("big").put("content", "x".repeat(1_500_000)));

    assertThat(refusalOf(() -> append(owner, id, batch))).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(storedIds(owner, id)).containsExactly("a");
  }

  @Test
  void append_ofMoreThan1000Messages_isRefusedAsInvalid() {
    UUID owner = table().newUser();
    String id = newSessionId();
    ArrayNode batch = JSON.createArrayNode();
    for (int i = 0; i < 1001; i++) {
      batch.add(message("m" + i));
    }

    assertThat(refusalOf(() -> append(owner, id, batch))).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(table().fetch(owner, id)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "[{\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]|[0].id",
        "[{\"id\":\"has space\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]|[0].id",
        "[{\"id\":\"m1\",\"role\":\"robot\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]|[0].role",
        "[{\"id\":\"m1\",\"role\":\"user\",\"content\":7,\"timestamp\":\"2025-01-18T12:00:00Z\"}]|[0].content",
        "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"yesterday\"}]|[0].timestamp",
        "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-02-30T00:00:00Z\"}]|[0].timestamp",
        "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"},{\"id\":\"m2\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00+16:00\"}]|[1].timestamp",
        "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\",\"mood\":1}]|[0] has a field",
        "[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\",\"metadata\":[]}]|[0].metadata",
        "[{\"id\":\"ok\",\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"},\"text\"]|[1]",
        "{\"id\":\"m1\"}|must be a JSON array"
      })
  void append_ofAMalformedBatch_isRefusedAsInvalidNamingPositionAndField_andStoresNothing(
      String caseText) throws Exception {
    String[] parts = caseText.split("\\|");
    JsonNode batch = JSON.readTree(parts[0]);
    UUID owner = table().newUser();
    String id = newSessionId();

    Refused refused =
        catchThrowableOfType(
            Refused.class,
            () -> table().append(owner, id, batch, Optional.empty(), Optional.empty()));

    assertThat(refused).isNotNull();
    assertThat(refused.kind).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(refused.getMessage()).contains(parts[1]);
    assertThat(table().fetch(owner, id)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "session-1",
        "chat-abc-defghi",
        "chat-1737201600000-ab",
        "chat-1737201600000-abc def",
        ""
      })
  void append_toAMalformedSessionId_isRefusedAsInvalid(String sessionId) {
    UUID owner = table().newUser();

    assertThat(refusalOf(() -> append(owner, sessionId, messages("a"))))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
  }

  @Test
  void append_beyond20000Messages_isRefusedByTheLimit_andStoresNothingOfTheBatch() {
    UUID owner = table().newUser();
    String id = newSessionId();
    for (int batch = 0; batch < 20; batch++) {
      ArrayNode thousand = JSON.createArrayNode();
      for (int i = 0; i < 1000; i++) {
        thousand.add(
            JSON.createObjectNode()
                .put("id", "b" + batch + "m" + i)
                .put("role", "user")
                .put("content", "")
                .put("timestamp", "2025-01-18T12:00:00Z"));
      }
      append(owner, id, thousand);
    }

    assertThat(refusalOf(() -> append(owner, id, messages("one-more", "and-another"))))
        .isEqualTo(Refusal.CONSTRAINT);
    assertThat(row(owner, id).get("message_count").asInt()).isEqualTo(20_000);
    assertThat(row(owner, id).get("version").asLong()).isEqualTo(20);
  }

  @Test
  void append_beyond16MebibytesOfHistory_isRefusedByTheLimit_andStoresNothingOfTheBatch() {
    UUID owner = table().newUser();
    String id = newSessionId();
    // Random text: a size limit must hold whatever compression could make of the value.
    java.util.Random random = new java.util.Random(16);
    byte[] bytes = new byte[750_000];
    for (int i = 0; i < 16; i++) {
      random.nextBytes(bytes);
      String content = java.util.Base64.getEncoder().encodeToString(bytes); // 1 000 000 characters
      append(owner, id, JSON.createArrayNode().add(message("big" + i).put("content", content)));
    }
    random.nextBytes(bytes);
    ArrayNode seventeenth =
        JSON.createArrayNode()
            .add(
                message("big16")
                    .put("content", java.util.Base64.getEncoder().encodeToString(bytes)));

    assertThat(refusalOf(() -> append(owner, id, seventeenth))).isEqualTo(Refusal.CONSTRAINT);
    assertThat(
            table().list(owner, 1, 0, Optional.empty()).rows().get(0).get("message_count").asInt())
        .isEqualTo(16);
  }

  @Test
  void append_beyond16MebibytesOfHistoryAsJsonbText_isRefused_whateverTheJsonItWasSentAs() {
    UUID owner = table().newUser();
    String id = newSessionId();
    // 1e300 is sent as 1.0E300 and printed by numeric as 301 digits: a message of 20 000 of them
    // is about 6 MB of history (as the migrations count it) though its JSON is a tenth of that.
    ArrayNode numbers = JSON.createArrayNode();
    for (int i = 0; i < 20_000; i++) {
      numbers.add(1e300);
    }
    for (int i = 0; i < 2; i++) {
      ObjectNode message = message("numbers" + i);
      message.set("code", numbers);
      append(owner, id, JSON.createArrayNode().add(message));
    }
    ObjectNode third = message("numbers2");
    third.set("code", numbers);

    assertThat(refusalOf(() -> append(owner, id, JSON.createArrayNode().add(third))))
        .isEqualTo(Refusal.CONSTRAINT);
    assertThat(row(owner, id).get("message_count").asInt()).isEqualTo(2);
  }

  @Test
  void append_ofADecimalBeyondADoublesRange_isReadBackAsTheSameNumber() {
    UUID owner = table().newUser();
    String id = newSessionId();
    java.math.BigDecimal huge = new java.math.BigDecimal("1.5E+400");
    ObjectNode message = message("huge");
    message.putObject("code").put("n", huge);

    append(owner, id, JSON.createArrayNode().add(message));

    JsonNode stored = row(owner, id).get("conversation_history").get(0).get("code").get("n");
    assertThat(stored.isNumber()).as("a number, not " + stored).isTrue();
    assertThat(stored.decimalValue()).isEqualByComparingTo(huge);
  }

  @Test
  void append_withARepoOver512Characters_isRefusedByTheLimit() {
    UUID owner = table().newUser();
    String id = newSessionId();

    assertThat(
            refusalOf(
                () ->
                    table()
                        .append(
                            owner,
                            id,
                            messages("a"),
                            Optional.of("r".repeat(513)),
                            Optional.empty())))
        .isEqualTo(Refusal.CONSTRAINT);
    assertThat(table().fetch(owner, id)).isEmpty();
  }

  @Test
  void append_toAnotherUsersSession_isRefusedAsTaken_andChangesNothing() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    append(alice, id, messages("a"));

    assertThat(refusalOf(() -> append(bob, id, messages("b")))).isEqualTo(Refusal.ID_TAKEN);
    assertThat(storedIds(alice, id)).containsExactly("a");
    assertThat(row(alice, id).get("version").asLong()).isEqualTo(1);
  }

  /** A session id in {@code owner}'s conversation namespace, as the chat-memory adapters make. */
  private static String inNamespaceOf(UUID owner) {
    return "chat-"
        + dev.codebasechat.schema.SessionTableRules.conversationNamespace(owner)
        + "-contract"
        + String.format("%06d", IDS.incrementAndGet());
  }

  @Test
  void append_underAnotherUsersConversationNamespace_isRefusedAsTaken_andCreatesNothing() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String alices = inNamespaceOf(alice);

    assertThat(refusalOf(() -> append(bob, alices, messages("b")))).isEqualTo(Refusal.ID_TAKEN);
    assertThat(table().fetch(bob, alices)).isEmpty();
    assertThat(append(alice, alices, messages("a"))).isEqualTo(new Appended(1, 1, 1, true));
  }

  @Test
  void append_toTheOwnersSessionInTheirNamespace_storesAsAnyAppend_andAnotherUserIsRefused() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String alices = inNamespaceOf(alice);
    append(alice, alices, messages("a"));

    Appended more = append(alice, alices, messages("b"));

    assertThat(more).isEqualTo(new Appended(1, 2, 2, false));
    assertThat(refusalOf(() -> append(bob, alices, messages("c")))).isEqualTo(Refusal.ID_TAKEN);
    assertThat(storedIds(alice, alices)).containsExactly("a", "b");
  }

  // ------------------------------------------------------------------ append to an existing
  // session

  @Test
  void appendExisting_toTheOwnersSession_storesAsAppendDoes() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));

    assertThat(table().appendExisting(owner, id, messages("a", "b"), Optional.of("repo-2")))
        .contains(new Appended(1, 2, 2, false));
    assertThat(storedIds(owner, id)).containsExactly("a", "b");
    assertThat(row(owner, id).get("repo").asText()).isEqualTo("repo-2");
  }

  @Test
  void appendExisting_toAMissingSession_isEmpty_andCreatesNothing() {
    UUID owner = table().newUser();
    String id = newSessionId();

    assertThat(table().appendExisting(owner, id, messages("a"), Optional.empty())).isEmpty();
    assertThat(table().fetch(owner, id)).isEmpty();
  }

  @Test
  void appendExisting_toADeletedSession_isEmpty_andDoesNotBringItBack() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));
    table().delete(owner, id);

    assertThat(table().appendExisting(owner, id, messages("b"), Optional.empty())).isEmpty();
    assertThat(table().fetch(owner, id)).isEmpty();
    assertThat(table().list(owner, 10, 0, Optional.empty()).total()).isZero();
  }

  @Test
  void appendExisting_toAnotherUsersSession_isEmptyAsForAMissingOne_andChangesNothing() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    append(alice, id, messages("a"));

    assertThat(table().appendExisting(bob, id, messages("b"), Optional.empty())).isEmpty();
    assertThat(storedIds(alice, id)).containsExactly("a");
    assertThat(row(alice, id).get("version").asLong()).isEqualTo(1);
  }

  @Test
  void appendExisting_checksWhatAppendChecks() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));

    assertThat(
            refusalOf(
                () ->
                    table().appendExisting(owner, id, messages("b"), Optional.of("r".repeat(513)))))
        .isEqualTo(Refusal.CONSTRAINT);
    assertThat(
            refusalOf(
                () ->
                    table()
                        .appendExisting(
                            owner, "not-a-session-id", messages("b"), Optional.empty())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(storedIds(owner, id)).containsExactly("a");
  }

  // ------------------------------------------------------------------ fetch

  @Test
  void fetch_answersThePostgrestRowShape() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));

    JsonNode row = row(owner, id);

    List<String> fields = new ArrayList<>();
    row.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "session_id",
            "user_id",
            "repo",
            "current_file",
            "conversation_history",
            "context_cache",
            "metadata",
            "message_count",
            "version",
            "last_activity");
    assertThat(row.get("message_count").isInt()).isTrue();
    assertThat(row.get("version").isIntegralNumber()).isTrue();
    assertThat(row.get("last_activity").asText()).matches(POSTGREST_TIME);
  }

  @Test
  void fetch_ofAnotherUsersSessionOrAMissingOne_isEmpty() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    append(alice, id, messages("a"));

    assertThat(table().fetch(bob, id)).isEmpty();
    assertThat(table().fetch(alice, newSessionId())).isEmpty();
  }

  // ------------------------------------------------------------------ context

  @Test
  void updateContext_replacesTheGivenFieldsOnly_andMovesTheVersion() throws Exception {
    UUID owner = table().newUser();
    String id = newSessionId();
    table().append(owner, id, messages("a"), Optional.of("acme/web"), Optional.of("a.ts"));

    Optional<Versioned> updated =
        table()
            .updateContext(
                owner,
                id,
                JSON.readTree("{\"context_cache\":{\"files\":[\"a.ts\"]},\"metadata\":{\"k\":1}}"));

    assertThat(updated).contains(new Versioned(2, 1));
    JsonNode row = row(owner, id);
    assertThat(row.get("context_cache")).isEqualTo(JSON.readTree("{\"files\":[\"a.ts\"]}"));
    assertThat(row.get("metadata")).isEqualTo(JSON.readTree("{\"k\":1}"));
    assertThat(row.get("repo").asText()).isEqualTo("acme/web");
    assertThat(row.get("current_file").asText()).isEqualTo("a.ts");
    assertThat(storedIds(owner, id)).containsExactly("a");
  }

  @Test
  void updateContext_withNull_clearsTheField() throws Exception {
    UUID owner = table().newUser();
    String id = newSessionId();
    table().append(owner, id, messages(), Optional.of("acme/web"), Optional.empty());

    table().updateContext(owner, id, JSON.readTree("{\"repo\":null}"));

    assertThat(row(owner, id).get("repo").isNull()).isTrue();
  }

  @Test
  void updateContext_ofAnotherUsersSession_isEmpty_andChangesNothing() throws Exception {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    table().append(alice, id, messages(), Optional.of("acme/web"), Optional.empty());

    assertThat(table().updateContext(bob, id, JSON.readTree("{\"repo\":\"stolen\"}"))).isEmpty();
    assertThat(row(alice, id).get("repo").asText()).isEqualTo("acme/web");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "context_cache|big",
        "metadata|big",
        "context_cache|\"text\"",
        "metadata|[1]",
        "repo|long",
        "current_file|long"
      })
  void updateContext_breakingAColumnsCheck_isRefusedByTheConstraint_andChangesNothing(
      String caseText) {
    String[] parts = caseText.split("\\|");
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));
    ObjectNode patch = JSON.createObjectNode();
    switch (parts[1]) {
      case "big" ->
          patch
              .putObject(parts[0])
              .put("blob", "x".repeat(parts[0].equals("metadata") ? 70_000 : 1_100_000));
      case "long" -> patch.put(parts[0], "p".repeat(parts[0].equals("repo") ? 513 : 4097));
      default -> patch.set(parts[0], parse(parts[1]));
    }

    assertThat(refusalOf(() -> table().updateContext(owner, id, patch)))
        .isEqualTo(Refusal.CONSTRAINT);
    assertThat(row(owner, id).get("version").asLong()).isEqualTo(1);
  }

  @Test
  void updateContext_ofAColumnUsersMayNotWrite_isRefused_andChangesNothing() throws Exception {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a"));

    // The database refuses the column grant (42501); the local table refuses the argument.
    assertThat(refusalOf(() -> table().updateContext(owner, id, parse("{\"version\":99}"))))
        .isIn(Refusal.FORBIDDEN, Refusal.INVALID_ARGUMENT);
    assertThat(row(owner, id).get("version").asLong()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ clear and delete

  @Test
  void clear_emptiesTheHistory_keepsTheContext_andMovesTheVersion() throws Exception {
    UUID owner = table().newUser();
    String id = newSessionId();
    table().append(owner, id, messages("a", "b"), Optional.of("acme/web"), Optional.empty());

    Optional<Versioned> cleared = table().clear(owner, id);

    assertThat(cleared).contains(new Versioned(2, 0));
    assertThat(row(owner, id).get("conversation_history")).isEqualTo(JSON.createArrayNode());
    assertThat(row(owner, id).get("message_count").asInt()).isZero();
    assertThat(row(owner, id).get("repo").asText()).isEqualTo("acme/web");
  }

  @Test
  void clear_ofAnEmptySession_stillMovesTheVersion() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages());

    assertThat(table().clear(owner, id)).contains(new Versioned(1, 0));
    assertThat(table().clear(owner, id)).contains(new Versioned(2, 0));
  }

  @Test
  void append_afterClear_acceptsTheIdsItHeldBefore() {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages("a", "b"));
    table().clear(owner, id);

    Appended again = append(owner, id, messages("b", "a"));

    assertThat(again.appended()).isEqualTo(2);
    assertThat(storedIds(owner, id)).containsExactly("b", "a");
  }

  @Test
  void clearAndDelete_ofAnotherUsersSession_areNoOps() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    append(alice, id, messages("a"));

    assertThat(table().clear(bob, id)).isEmpty();
    assertThat(table().delete(bob, id)).isFalse();
    assertThat(storedIds(alice, id)).containsExactly("a");
  }

  @Test
  void delete_removesTheSession_andFreesItsId() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    append(alice, id, messages("a"));

    assertThat(table().delete(alice, id)).isTrue();
    assertThat(table().fetch(alice, id)).isEmpty();
    assertThat(table().delete(alice, id)).isFalse();
    assertThat(append(bob, id, messages("b"))).isEqualTo(new Appended(1, 1, 1, true));
  }

  // ------------------------------------------------------------------ listing

  @Test
  void list_isNewestActivityFirst_withTheTotal() {
    UUID owner = table().newUser();
    String first = newSessionId();
    String second = newSessionId();
    String third = newSessionId();
    append(owner, first, messages("a"));
    table().tick();
    append(owner, second, messages("a"));
    table().tick();
    append(owner, third, messages("a"));
    table().tick();
    append(owner, first, messages("b"));

    Listing listing = table().list(owner, 10, 0, Optional.empty());

    assertThat(listing.total()).isEqualTo(3);
    assertThat(listing.rows())
        .extracting(r -> r.get("session_id").asText())
        .containsExactly(first, third, second);
  }

  @Test
  void list_pagesWithLimitAndOffset_andAnOffsetPastTheEndIsAnEmptyPage() {
    UUID owner = table().newUser();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(newSessionId());
      append(owner, ids.get(i), messages());
      table().tick();
    }

    Listing middle = table().list(owner, 2, 1, Optional.empty());
    Listing past = table().list(owner, 2, 9, Optional.empty());

    assertThat(middle.total()).isEqualTo(5);
    assertThat(middle.rows())
        .extracting(r -> r.get("session_id").asText())
        .containsExactly(ids.get(3), ids.get(2));
    assertThat(past.rows()).isEmpty();
    assertThat(past.total()).isEqualTo(5);
  }

  @Test
  void list_showsOnlyTheOwnersSessions_andFiltersByRepo() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String web = newSessionId();
    String api = newSessionId();
    table().append(alice, web, messages(), Optional.of("acme/web"), Optional.empty());
    table().append(alice, api, messages(), Optional.of("acme/api"), Optional.empty());
    append(bob, newSessionId(), messages());

    assertThat(table().list(alice, 10, 0, Optional.of("acme/web")).rows())
        .extracting(r -> r.get("session_id").asText())
        .containsExactly(web);
    assertThat(table().list(alice, 10, 0, Optional.empty()).total()).isEqualTo(2);
    assertThat(table().list(bob, 10, 0, Optional.empty()).total()).isEqualTo(1);
  }

  @Test
  void list_rowsHaveTheSummaryShape() {
    UUID owner = table().newUser();
    String id = newSessionId();
    table().append(owner, id, messages("a", "b"), Optional.of("acme/web"), Optional.of("a.ts"));

    JsonNode row = table().list(owner, 10, 0, Optional.empty()).rows().get(0);

    List<String> fields = new ArrayList<>();
    row.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "session_id", "repo", "current_file", "message_count", "last_activity", "created_at");
    assertThat(row.get("message_count").asInt()).isEqualTo(2);
    assertThat(row.get("created_at").asText()).matches(POSTGREST_TIME);
  }

  // ------------------------------------------------------------------ versions and time

  @Test
  void everyChange_movesTheActivityTime_andTheCreationTimeStays() throws Exception {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages());
    String created =
        table().list(owner, 1, 0, Optional.empty()).rows().get(0).get("created_at").asText();
    Set<String> activity = new HashSet<>();
    activity.add(row(owner, id).get("last_activity").asText());

    for (Runnable change :
        List.<Runnable>of(
            () -> append(owner, id, messages("a")),
            () -> table().updateContext(owner, id, parse("{\"repo\":\"r\"}")),
            () -> table().clear(owner, id))) {
      table().tick();
      change.run();
      activity.add(row(owner, id).get("last_activity").asText());
    }

    assertThat(activity).hasSize(4);
    assertThat(table().list(owner, 1, 0, Optional.empty()).rows().get(0).get("created_at").asText())
        .isEqualTo(created);
    assertThat(row(owner, id).get("version").asLong()).isEqualTo(3);
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentAppendsToOneSession_loseAndDuplicateNothing() throws Exception {
    UUID owner = table().newUser();
    String id = newSessionId();
    append(owner, id, messages());
    int writers = 6;
    int appendsEach = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        Callable<Integer> work =
            () -> {
              start.await();
              int appended = 0;
              for (int i = 0; i < appendsEach; i++) {
                // Every writer also sends one id all others send: it must be stored once.
                appended +=
                    append(
                            owner,
                            id,
                            messages(
                                "w" + writer + "-" + i,
                                "w" + writer + "-" + i + "b",
                                "shared-" + i))
                        .appended();
              }
              return appended;
            };
        results.add(pool.submit(work));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> result : results) {
        total += result.get(60, TimeUnit.SECONDS);
      }

      List<String> stored = storedIds(owner, id);
      assertThat(stored).doesNotHaveDuplicates().hasSize(writers * appendsEach * 2 + appendsEach);
      assertThat(total).isEqualTo(stored.size());
      assertThat(row(owner, id).get("version").asLong()).isEqualTo(writers * appendsEach);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentFirstAppendsOfTwoUsers_leaveTheIdToOneOfThem() throws Exception {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = newSessionId();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch start = new CountDownLatch(1);
    try {
      Future<Optional<Refusal>> a = pool.submit(() -> attempt(start, alice, id));
      Future<Optional<Refusal>> b = pool.submit(() -> attempt(start, bob, id));
      start.countDown();
      List<Optional<Refusal>> outcomes =
          List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));

      assertThat(outcomes)
          .containsExactlyInAnyOrder(Optional.empty(), Optional.of(Refusal.ID_TAKEN));
      UUID winner = outcomes.get(0).isEmpty() ? alice : bob;
      assertThat(storedIds(winner, id)).containsExactly("first");
    } finally {
      pool.shutdownNow();
    }
  }

  private Optional<Refusal> attempt(CountDownLatch start, UUID owner, String id)
      throws InterruptedException {
    start.await();
    try {
      append(owner, id, messages("first"));
      return Optional.empty();
    } catch (Refused refused) {
      return Optional.of(refused.kind);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ append of several sessions

  private static ChatTable.BatchAppend batchAppend(String sessionId, ArrayNode messages) {
    return new ChatTable.BatchAppend(sessionId, messages, Optional.empty());
  }

  @Test
  void appendBatch_storesEachAppendAsAppendWould_creatingMissingSessions() {
    UUID owner = table().newUser();
    String existing = newSessionId();
    String fresh = newSessionId();
    append(owner, existing, messages("e1"));

    Map<String, ChatTable.BatchAnswer> answers =
        table()
            .appendBatch(
                owner,
                List.of(
                    batchAppend(fresh, messages("f1", "f2")),
                    batchAppend(existing, messages("e2"))));

    assertThat(answers.get(existing).stored()).contains(new Appended(1, 2, 2, false));
    assertThat(answers.get(fresh).stored()).contains(new Appended(2, 2, 1, true));
    assertThat(storedIds(owner, existing)).containsExactly("e1", "e2");
    assertThat(storedIds(owner, fresh)).containsExactly("f1", "f2");
    assertThat(row(owner, fresh).get("user_id").asText()).isEqualTo(owner.toString());
  }

  @Test
  void appendBatch_sentAgain_storesNothingTwice() {
    UUID owner = table().newUser();
    String a = newSessionId();
    String b = newSessionId();
    List<ChatTable.BatchAppend> request =
        List.of(batchAppend(a, messages("a1")), batchAppend(b, messages("b1")));
    table().appendBatch(owner, request);

    Map<String, ChatTable.BatchAnswer> again = table().appendBatch(owner, request);

    assertThat(again.get(a).stored()).contains(new Appended(0, 1, 1, false));
    assertThat(again.get(b).stored()).contains(new Appended(0, 1, 1, false));
    assertThat(storedIds(owner, a)).containsExactly("a1");
  }

  @Test
  void appendBatch_sessionOfAnotherUser_isRefusedAlone_andChangesNothingOfIt() {
    UUID owner = table().newUser();
    UUID other = table().newUser();
    String owned = newSessionId();
    String own = newSessionId();
    append(owner, owned, messages("m1"));

    Map<String, ChatTable.BatchAnswer> answers =
        table()
            .appendBatch(
                other,
                List.of(batchAppend(owned, messages("intruder")), batchAppend(own, messages("x"))));

    assertThat(answers.get(owned).refused()).contains(Refusal.ID_TAKEN);
    assertThat(storedIds(owner, owned)).containsExactly("m1");
    assertThat(row(owner, owned).get("version").asLong()).isEqualTo(1L);
    assertThat(answers.get(own).stored()).contains(new Appended(1, 1, 1, true));
  }

  @Test
  void appendBatch_sessionInAnotherUsersConversationNamespace_isRefusedAlone_andCreatesNothing() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String alices = inNamespaceOf(alice);
    String bobs = newSessionId();

    Map<String, ChatTable.BatchAnswer> answers =
        table()
            .appendBatch(
                bob,
                List.of(batchAppend(bobs, messages("b1")), batchAppend(alices, messages("x"))));

    assertThat(answers.get(alices).refused()).contains(Refusal.ID_TAKEN);
    assertThat(table().fetch(alice, alices)).isEmpty();
    assertThat(answers.get(bobs).stored()).contains(new Appended(1, 1, 1, true));
    assertThat(storedIds(bob, bobs)).containsExactly("b1");
  }

  @Test
  void appendBatch_anAppendThatDoesNotCreate_toAMissingOrAnotherUsersSession_isMissingAlone() {
    UUID owner = table().newUser();
    UUID other = table().newUser();
    String existing = newSessionId();
    String deleted = newSessionId();
    String othersSession = newSessionId();
    String never = newSessionId();
    append(owner, existing, messages("e1"));
    append(owner, deleted, messages("d1"));
    table().delete(owner, deleted);
    append(other, othersSession, messages("o1"));

    Map<String, ChatTable.BatchAnswer> answers =
        table()
            .appendBatch(
                owner,
                List.of(
                    new ChatTable.BatchAppend(existing, messages("e2"), Optional.empty(), false),
                    new ChatTable.BatchAppend(deleted, messages("d2"), Optional.empty(), false),
                    new ChatTable.BatchAppend(
                        othersSession, messages("x"), Optional.empty(), false),
                    new ChatTable.BatchAppend(never, messages("n1"), Optional.empty(), false)));

    assertThat(answers.get(existing).stored()).contains(new Appended(1, 2, 2, false));
    assertThat(answers.get(deleted)).isEqualTo(ChatTable.BatchAnswer.MISSING);
    assertThat(answers.get(othersSession)).isEqualTo(ChatTable.BatchAnswer.MISSING);
    assertThat(answers.get(never)).isEqualTo(ChatTable.BatchAnswer.MISSING);
    assertThat(table().fetch(owner, deleted)).isEmpty();
    assertThat(table().fetch(owner, never)).isEmpty();
    assertThat(storedIds(other, othersSession)).containsExactly("o1");
  }

  @Test
  void appendBatch_anAppendBreakingALimit_isRefusedAlone_andCreatesNothing() {
    UUID owner = table().newUser();
    String tooLong = newSessionId();
    String fine = newSessionId();

    Map<String, ChatTable.BatchAnswer> answers =
        table()
            .appendBatch(
                owner,
                List.of(
                    new ChatTable.BatchAppend(
                        tooLong, messages("t1"), Optional.of("r".repeat(513))),
                    batchAppend(fine, messages("f1"))));

    assertThat(answers.get(tooLong).refused()).contains(Refusal.CONSTRAINT);
    assertThat(table().fetch(owner, tooLong)).isEmpty();
    assertThat(storedIds(owner, fine)).containsExactly("f1");
  }
}
