package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.testing.ManualClock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionValuesTest {

  private final ManualClock clock = ManualClock.startingAtEpoch2026();

  @Test
  void sessionId_acceptsTheOriginalClientsFormat() {
    assertThat(SessionId.of("chat-1705622400000-abc123xyz").value())
        .isEqualTo("chat-1705622400000-abc123xyz");
  }

  @Test
  void sessionId_generated_carriesTheTimeAnd26RandomCharacters() {
    SessionId id = SessionId.generate(clock);

    assertThat(id.value()).startsWith("chat-" + clock.millis() + "-");
    assertThat(id.value().substring(id.value().lastIndexOf('-') + 1))
        .hasSize(26)
        .matches("[a-z2-7]{26}");
  }

  @Test
  void sessionId_generated_isUniqueAcrossManyDraws() {
    Set<SessionId> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(SessionId.generate(clock));
    }
    assertThat(ids).hasSize(10_000);
  }

  @Test
  void sessionId_rejectsOtherShapes_withoutEchoingControlCharacters() {
    for (String bad :
        new String[] {
          "",
          "chat-",
          "chat-1-abc",
          "chat-x-abcdef",
          "session-1-abcdef",
          "chat-1-abcdef/../x",
          "chat-1-abc def",
          "chat-12345678901234567-abcdef",
          "CHAT-1-abcdef"
        }) {
      assertThatThrownBy(() -> SessionId.of(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "session id must look like chat-<epochMillis>-<6..40 letters or digits>");
    }
    assertThatThrownBy(() -> SessionId.of("chat-1-abcdef\n\u0000"))
        .hasMessageContaining("\\u000a")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> SessionId.of("x".repeat(10_000)))
        .hasMessageContaining("…")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(250));
  }

  @Test
  void messageId_acceptsUuidsAndRejectsOtherCharacters() {
    assertThat(MessageId.random().value()).matches(MessageId.FORMAT);
    assertThatThrownBy(() -> MessageId.of("a b"))
        .hasMessageContaining("1..64 characters from [A-Za-z0-9_-]");
    assertThatThrownBy(() -> MessageId.of("x".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MessageId.of("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void role_parsesWireNames_andNamesTheAcceptedOnes() {
    assertThat(Role.fromWireName("assistant")).isEqualTo(Role.ASSISTANT);
    assertThatThrownBy(() -> Role.fromWireName("admin"))
        .hasMessage("role must be one of user, assistant, system, tool but was \"admin\"");
  }

  @Test
  void chatMessage_rejectsOversizedContent() {
    assertThatThrownBy(
            () ->
                new ChatMessage(
                    MessageId.of("m"),
                    Role.USER,
                    "x".repeat(ChatMessage.MAX_CONTENT_LENGTH + 1),
                    Instant.EPOCH,
                    Optional.empty()))
        .hasMessage("message content must be at most 200000 characters but was 200001");
  }

  @Test
  void chatMessage_contentLength_countsCharactersNotUtf16Units() {
    String emoji = "\uD83D\uDE00"; // one character, two UTF-16 units
    String longest = emoji.repeat(ChatMessage.MAX_CONTENT_LENGTH);

    assertThat(ChatMessage.of(Role.USER, longest).withTimestamp(clock.instant()).content())
        .isEqualTo(longest);
    assertThatThrownBy(
            () -> ChatMessage.of(Role.USER, longest + emoji).withTimestamp(clock.instant()))
        .hasMessage("message content must be at most 200000 characters but was 200001");
  }

  @Test
  void chatMessage_nullJsonCode_isNoCode() {
    ChatMessage message =
        new ChatMessage(
            MessageId.of("m"),
            Role.USER,
            "x",
            Instant.EPOCH,
            Optional.of(JsonNodeFactory.instance.nullNode()));
    assertThat(message.code()).isEmpty();
  }

  @Test
  void aMessagesCode_isACopy_aNodeChangedAfterwardsLeavesTheMessageAsItWas() {
    com.fasterxml.jackson.databind.node.ObjectNode node =
        JsonNodeFactory.instance.objectNode().put("lang", "java");
    ChatMessage message = ChatMessage.of(Role.ASSISTANT, "x").withCode(node);

    node.put("lang", "changed");

    assertThat(message.code().orElseThrow().path("lang").asText()).isEqualTo("java");
  }

  @Test
  void contextNames_withAnUnpairedSurrogate_areRefused_aPairIsKept() {
    assertThatThrownBy(() -> ContextUpdate.none().withRepo("acme\uD800"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("repo holds an unpaired UTF-16 surrogate, which is not Unicode text");
    assertThatThrownBy(() -> ContextUpdate.none().withCurrentFile("a\uDC00.java"))
        .hasMessage("currentFile holds an unpaired UTF-16 surrogate, which is not Unicode text");
    assertThatThrownBy(
            () ->
                Append.of(ChatMessage.of(Role.USER, "x").withTimestamp(Instant.EPOCH))
                    .withRepo("acme\uD800"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ContextUpdate.none().withRepo("acme\uD83D\uDE00").repo())
        .contains("acme\uD83D\uDE00");
  }

  @Test
  void contextUpdate_rejectsNonObjectsAndControlCharacters() {
    assertThatThrownBy(
            () -> ContextUpdate.none().withContextCache(JsonNodeFactory.instance.arrayNode()))
        .hasMessage("contextCache must be a JSON object but was ARRAY");
    assertThatThrownBy(() -> ContextUpdate.none().withRepo("a\u0007b"))
        .hasMessage("repo must not contain control characters");
    assertThatThrownBy(() -> ContextUpdate.none().withCurrentFile(""))
        .hasMessage("currentFile must be 1..4096 characters but was 0");
    assertThatThrownBy(() -> ContextUpdate.none().withRepo("r".repeat(513)))
        .hasMessage("repo must be 1..512 characters but was 513");
    var big = JsonNodeFactory.instance.objectNode().put("k", "x".repeat(70_000));
    assertThatThrownBy(() -> ContextUpdate.none().withMetadata(big))
        .hasMessageStartingWith("metadata must be at most 65536 bytes of JSON");
    assertThat(ContextUpdate.none().withContextCache(big).contextCache()).isPresent();
  }

  @Test
  void contextUpdate_lengths_countCharactersNotUtf16Units() {
    String emoji = "\uD83D\uDE00"; // one character, two UTF-16 units

    assertThat(ContextUpdate.none().withRepo(emoji.repeat(300)).repo()).contains(emoji.repeat(300));
    assertThat(ContextUpdate.none().withRepo(emoji.repeat(512)).repo()).isPresent();
    assertThat(ContextUpdate.none().withCurrentFile(emoji.repeat(4_096)).currentFile()).isPresent();
    assertThatThrownBy(() -> ContextUpdate.none().withRepo(emoji.repeat(513)))
        .hasMessage("repo must be 1..512 characters but was 513");
    assertThatThrownBy(() -> ContextUpdate.none().withCurrentFile(emoji.repeat(4_097)))
        .hasMessage("currentFile must be 1..4096 characters but was 4097");
    assertThat(ContextUpdate.MAX_REPO_LENGTH).isEqualTo(SessionTableRules.MAX_REPO_LENGTH);
    assertThat(ContextUpdate.MAX_FILE_LENGTH).isEqualTo(SessionTableRules.MAX_CURRENT_FILE_LENGTH);
  }

  @Test
  void contextUpdate_laterFieldsWin() {
    ContextUpdate merged =
        ContextUpdate.none()
            .withRepo("a")
            .withCurrentFile("f")
            .then(ContextUpdate.none().withRepo("b"));
    assertThat(merged.repo()).contains("b");
    assertThat(merged.currentFile()).contains("f");
  }

  @Test
  void contextUpdate_aLaterClear_winsOverAnEarlierValue() {
    ContextUpdate merged =
        ContextUpdate.none().withRepo("a").then(ContextUpdate.none().withoutRepo());

    assertThat(merged.repo()).isEmpty();
    assertThat(merged.repoAfter(Optional.of("before"))).isEmpty();
  }

  @Test
  void contextUpdate_aLaterValue_winsOverAnEarlierClear() {
    ContextUpdate merged =
        ContextUpdate.none().withoutCurrentFile().then(ContextUpdate.none().withCurrentFile("g"));

    assertThat(merged.currentFileAfter(Optional.of("before"))).contains("g");
  }

  @Test
  void contextUpdate_anEarlierClear_staysWhenTheLaterUpdateLeavesTheFieldAlone() {
    ContextUpdate merged =
        ContextUpdate.none()
            .withoutRepo()
            .withoutCurrentFile()
            .then(ContextUpdate.none().withMetadata(JsonNodeFactory.instance.objectNode()));

    assertThat(merged.repoAfter(Optional.of("before"))).isEmpty();
    assertThat(merged.currentFileAfter(Optional.of("before"))).isEmpty();
    assertThat(merged.metadata()).isPresent();
  }

  @Test
  void contextUpdate_aFieldBothSetAndCleared_isRefused() {
    assertThatThrownBy(
            () ->
                new ContextUpdate(
                    Optional.of("a"),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Set.of(ContextUpdate.TextField.REPO)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a field cannot be both set and cleared");
  }

  @Test
  void aMessageWithoutContent_isRefused_namingWhatIsMissing() {
    assertThatThrownBy(() -> ChatMessage.user(nullContent()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("a message's content must not be null: an empty text is \"\"");
  }

  @Test
  void aNullSessionIdOrMessageId_isRefused_sayingWhich() {
    assertThatThrownBy(() -> SessionId.of(nullContent()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("a session id must not be null");
    assertThatThrownBy(() -> MessageId.of(nullContent()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("a message id must not be null");
  }

  /** A null that NullAway lets through, as a caller without it could pass one. */
  @SuppressWarnings("NullAway")
  private static String nullContent() {
    return null;
  }

  @Test
  void session_lastMessages_returnsTheTailOrAll() {
    ChatSession session =
        new PendingOp.Append(
                java.util.List.of(
                    ChatMessage.of(Role.USER, "a").withTimestamp(clock.instant()),
                    ChatMessage.of(Role.USER, "b").withTimestamp(clock.instant())),
                Optional.empty(),
                Optional.empty())
            .applyTo(ChatSession.empty(SessionId.of("chat-1-abcdef"), java.util.UUID.randomUUID()));
    assertThat(session.lastMessages(1)).extracting(ChatMessage::content).containsExactly("b");
    assertThat(session.lastMessages(5)).hasSize(2);
    assertThatThrownBy(() -> session.lastMessages(-1))
        .hasMessage("n must not be negative but was -1");
  }

  @Test
  void session_withAdded_leavesOutAnIdItHolds_whenAFewAreAdded() {
    ChatMessage first = ChatMessage.user("a").withTimestamp(clock.instant());
    ChatMessage second = ChatMessage.user("b").withTimestamp(clock.instant());
    ChatSession session =
        ChatSession.empty(SessionId.of("chat-1-abcdef"), java.util.UUID.randomUUID())
            .withAdded(java.util.List.of(first, second));

    ChatSession again = session.withAdded(java.util.List.of(first, first, second));

    assertThat(again.messages()).containsExactly(first, second);
  }

  @Test
  void session_withAdded_leavesOutHeldAndRepeatedIds_whenManyAreAdded() {
    ChatMessage held = ChatMessage.user("held").withTimestamp(clock.instant());
    ChatSession session =
        ChatSession.empty(SessionId.of("chat-1-abcdef"), java.util.UUID.randomUUID())
            .withAdded(java.util.List.of(held));
    java.util.List<ChatMessage> batch = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(ChatMessage.user("m" + i).withTimestamp(clock.instant()));
    }
    java.util.List<ChatMessage> sent = new java.util.ArrayList<>(batch);
    sent.add(held);
    sent.add(batch.get(3));

    ChatSession after = session.withAdded(sent);

    java.util.List<ChatMessage> expected = new java.util.ArrayList<>(java.util.List.of(held));
    expected.addAll(batch);
    assertThat(after.messages()).containsExactlyElementsOf(expected);
  }

  @Test
  void session_withAdded_placesAnEarlierMessageAfterThoseNotLater() {
    Instant t = clock.instant();
    ChatMessage late = ChatMessage.user("late").withTimestamp(t.plusSeconds(2));
    ChatMessage same = ChatMessage.user("same").withTimestamp(t.plusSeconds(1));
    ChatMessage early = ChatMessage.user("early").withTimestamp(t.plusSeconds(1));
    ChatSession session =
        ChatSession.empty(SessionId.of("chat-1-abcdef"), java.util.UUID.randomUUID())
            .withAdded(java.util.List.of(same, late));

    ChatSession after = session.withAdded(java.util.List.of(early));

    assertThat(after.messages()).containsExactly(same, early, late);
  }

  @Test
  void chatMessage_madeByRole_hasAFreshIdAndNoTimeUntilAStoreStampsIt() {
    ChatMessage made = ChatMessage.user("hi");

    assertThat(made.role()).isEqualTo(Role.USER);
    assertThat(made.isStamped()).isFalse();
    assertThat(ChatMessage.assistant("a").id()).isNotEqualTo(ChatMessage.assistant("a").id());
    assertThat(made.withTimestamp(clock.instant()).isStamped()).isTrue();
    assertThat(made.withId(MessageId.of("m1")).id()).isEqualTo(MessageId.of("m1"));
  }

  @Test
  void sessionQuery_refusesALimitOutsideItsBoundsAndANegativeOffset() {
    assertThatThrownBy(() -> SessionQuery.limit(0))
        .hasMessage("limit must be between 1 and 200 but was 0");
    assertThatThrownBy(() -> SessionQuery.limit(201))
        .hasMessage("limit must be between 1 and 200 but was 201");
    assertThatThrownBy(() -> SessionQuery.limit(5).offset(-1))
        .hasMessage("offset must not be negative but was -1");
    assertThat(SessionQuery.limit(5).offset(10).repo("acme/app").repo()).contains("acme/app");
  }

  @Test
  void append_refusesAContextMoveTheDatabaseWouldRefuse() {
    Append append = Append.of(ChatMessage.user("x"));

    assertThatThrownBy(() -> append.withRepo(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("repo must be 1..512 characters");
    assertThat(append.withCurrentFile("pom.xml").currentFile()).contains("pom.xml");
  }

  @Test
  void contextUpdate_countsTheContextCacheAsPostgresqlStoresIt_notAsJsonText() {
    // 100 000 small numbers: 0.2 MB of JSON text, 1.2 MB of jsonb.
    var numbers = JsonNodeFactory.instance.objectNode();
    numbers.putArray("lines").addAll(java.util.Collections.nCopies(100_000, ONE));

    assertThat(numbers.toString().length()).isLessThan(SessionTableRules.MAX_CONTEXT_CACHE_BYTES);
    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(numbers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "contextCache must be at most 1048576 bytes of JSON as PostgreSQL stores it (jsonb)"
                + " but takes 1200028");
  }

  @Test
  void contextUpdate_acceptsAContextCacheLongerAsJsonTextThanAsStored() {
    // 250 000 booleans: 1.25 MB of JSON text, 1 000 024 bytes of jsonb.
    var flags = JsonNodeFactory.instance.objectNode();
    flags.putArray("seen").addAll(java.util.Collections.nCopies(250_000, TRUE));

    assertThat(flags.toString().length()).isGreaterThan(SessionTableRules.MAX_CONTEXT_CACHE_BYTES);
    assertThat(ContextUpdate.none().withContextCache(flags).contextCache()).contains(flags);
  }

  /** An array holding an array ... {@code depth} arrays in all. */
  private static com.fasterxml.jackson.databind.node.ArrayNode nestedArrays(int depth) {
    var outer = JsonNodeFactory.instance.arrayNode();
    var inner = outer;
    for (int level = 1; level < depth; level++) {
      inner = inner.addArray();
    }
    return outer;
  }

  @Test
  void valuesNestedDeeperThanTheLibraryReadsBack_areRefused_atTheLimitTaken() {
    int limit = dev.codebasechat.schema.PgJsonb.MAX_NESTING_DEPTH;
    var atTheLimit = JsonNodeFactory.instance.objectNode().set("k", nestedArrays(limit - 1));
    var deeper = JsonNodeFactory.instance.objectNode().set("k", nestedArrays(limit));

    assertThat(ContextUpdate.none().withMetadata(atTheLimit).metadata()).contains(atTheLimit);
    assertThatThrownBy(() -> ContextUpdate.none().withMetadata(deeper))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metadata nests objects and arrays more than 512 deep");
    assertThatThrownBy(
            () ->
                Append.of(
                    ChatMessage.of(Role.USER, "x")
                        .withTimestamp(Instant.EPOCH)
                        .withCode(nestedArrays(limit))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("messages[0] nests objects and arrays more than 512 deep");
  }

  @Test
  void contextUpdate_refusesWhatJsonbCannotStore() {
    var nul = JsonNodeFactory.instance.objectNode().put("k", "a\u0000b");
    var surrogateKey = JsonNodeFactory.instance.objectNode().put("\uD800", "x");
    var notANumber = JsonNodeFactory.instance.objectNode().put("k", Double.NaN);

    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(nul))
        .hasMessage(
            "contextCache holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store");
    assertThatThrownBy(() -> ContextUpdate.none().withMetadata(surrogateKey))
        .hasMessage(
            "metadata has a key that holds an unpaired UTF-16 surrogate, which is not"
                + " Unicode text");
    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(notANumber))
        .hasMessageStartingWith("contextCache holds NaN, which PostgreSQL's jsonb cannot store");
  }

  @Test
  void append_refusesAMessageLargerThanTheTableStoresIt_namingItsPosition() {
    var code =
        JsonNodeFactory.instance.arrayNode().addAll(java.util.Collections.nCopies(90_000, ONE));
    ChatMessage small = ChatMessage.user("hi");
    ChatMessage withCode = ChatMessage.assistant("see the attachment").withCode(code);

    assertThat(code.toString().length()).isLessThan(200_000);
    assertThatThrownBy(() -> Append.of(small, withCode))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "messages[1] must be at most 1048576 bytes of JSON as PostgreSQL stores it (jsonb)"
                + " but takes ");
  }

  @Test
  void contextUpdate_refusesAnUnpairedSurrogateAtTheEndOfALongText() {
    var cut = JsonNodeFactory.instance.objectNode().put("k", "x".repeat(1023) + "\uD83D");
    var paired = JsonNodeFactory.instance.objectNode().put("k", "x".repeat(1023) + "\uD83D\uDE00");

    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(cut))
        .hasMessage("contextCache holds an unpaired UTF-16 surrogate, which is not Unicode text");
    assertThat(ContextUpdate.none().withContextCache(paired).contextCache()).contains(paired);
  }

  @Test
  void contextUpdate_refusesANumberPostgresqlsNumericCannotHold() {
    var tooPrecise =
        JsonNodeFactory.instance.objectNode().put("n", new java.math.BigDecimal("1e-16384"));
    var atTheLimit =
        JsonNodeFactory.instance.objectNode().put("n", new java.math.BigDecimal("1e-16383"));

    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(tooPrecise))
        .hasMessage(
            "contextCache holds a number PostgreSQL's numeric cannot hold (at most 131072 digits"
                + " before the decimal point and 16383 after)");
    assertThat(ContextUpdate.none().withContextCache(atTheLimit).contextCache()).isPresent();
  }

  @Test
  void append_refusesAMessageWhoseContentJsonbCannotStore() {
    ChatMessage nul = ChatMessage.user("before\u0000after");

    assertThatThrownBy(() -> Append.of(nul))
        .hasMessage(
            "messages[0] holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store");
  }

  @Test
  void append_refusesAnAttachmentHoldingAJavaObject_andCountsBinaryDataAsItsBase64Text() {
    var javaObject = JsonNodeFactory.instance.objectNode().putPOJO("object", new Object());
    var binary = JsonNodeFactory.instance.binaryNode(new byte[] {1, 2, 3});

    assertThatThrownBy(() -> Append.of(ChatMessage.assistant("x").withCode(javaObject)))
        .hasMessageStartingWith("messages[0] holds a node that is not a JSON value");
    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(javaObject))
        .hasMessageStartingWith("contextCache holds a node that is not a JSON value");
    assertThat(dev.codebasechat.schema.PgJsonb.text(binary)).isEqualTo("\"AQID\"");
    assertThat(dev.codebasechat.schema.PgJsonb.storedSize(binary))
        .isEqualTo(
            dev.codebasechat.schema.PgJsonb.storedSize(JsonNodeFactory.instance.textNode("AQID")));
  }

  @Test
  void append_refusesAMessageWrittenAtATimeTheTableCannotHold() {
    ChatMessage yearZero =
        ChatMessage.user("x").withTimestamp(Instant.parse("0000-12-31T23:59:59Z"));
    ChatMessage year10000 =
        ChatMessage.user("x").withTimestamp(Instant.parse("+10000-01-01T00:00:00Z"));
    ChatMessage first = ChatMessage.user("x").withTimestamp(Timestamps.EARLIEST);
    ChatMessage last =
        ChatMessage.user("x").withTimestamp(Instant.parse("9999-12-31T23:59:59.9999999Z"));

    assertThatThrownBy(() -> Append.of(first, yearZero))
        .hasMessage("messages[1].timestamp must be within the years 0001 to 9999 (UTC)");
    assertThatThrownBy(() -> Append.of(year10000))
        .hasMessage("messages[0].timestamp must be within the years 0001 to 9999 (UTC)");
    assertThat(Append.of(first, last).messages()).hasSize(2);
  }

  private static final com.fasterxml.jackson.databind.JsonNode ONE =
      JsonNodeFactory.instance.numberNode(1);
  private static final com.fasterxml.jackson.databind.JsonNode TRUE =
      JsonNodeFactory.instance.booleanNode(true);

  @Test
  void aCallerWithoutUserOrToken_isRefusedNamingWhatIsMissing() {
    AccessToken token = AccessToken.of("header.payload.signature");

    assertThatThrownBy(() -> new Caller(null, token))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("userId must not be null: the verified token's sub");
    assertThatThrownBy(() -> new Caller(java.util.UUID.randomUUID(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("token must not be null: the user's access token");
  }

  @Test
  void nullContextValues_areRefusedSayingHowToClearOrEmpty() {
    assertThatThrownBy(() -> ContextUpdate.none().withRepo(null))
        .hasMessage("repo must not be null: withoutRepo() clears it");
    assertThatThrownBy(() -> ContextUpdate.none().withCurrentFile(null))
        .hasMessage("currentFile must not be null: withoutCurrentFile() clears it");
    assertThatThrownBy(() -> ContextUpdate.none().withContextCache(null))
        .hasMessage("contextCache must not be null: an empty object empties it");
    assertThatThrownBy(() -> ContextUpdate.none().withMetadata(null))
        .hasMessage("metadata must not be null: an empty object empties it");
  }

  @Test
  void anAppendMovingToANullRepoOrFile_isRefusedSayingItLeavesThemWithoutOne() {
    Append append = Append.of(ChatMessage.user("hello"));

    assertThatThrownBy(() -> append.withRepo(null))
        .hasMessage("repo must not be null: an append without one leaves it");
    assertThatThrownBy(() -> append.withCurrentFile(null))
        .hasMessage("currentFile must not be null: an append without one leaves it");
  }
}
