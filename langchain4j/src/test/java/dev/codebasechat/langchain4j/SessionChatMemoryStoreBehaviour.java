package dev.codebasechat.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.memory.SessionStores;
import dev.codebasechat.memory.StoredMessage;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseUnderTest;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.CustomMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link SessionChatMemoryStore} promises, as LangChain4j uses it; run against FakeSupabase
 * and against PostgreSQL with the project's migrations behind the PostgREST-compatible server.
 */
abstract class SessionChatMemoryStoreBehaviour {
  private static final Duration FLUSH = Duration.ofSeconds(20);

  abstract SupabaseUnderTest supabase();

  private SessionStores stores;
  private SessionStore sessions;
  private SessionChatMemoryStore store;
  private Caller alice;

  @BeforeEach
  void openStore() {
    stores = new SessionStores(supabase());
    sessions = stores.open();
    store = SessionChatMemoryStore.over(sessions, Clock.systemUTC());
    alice = stores.newCaller();
  }

  @AfterEach
  void closeStores() throws Exception {
    stores.close();
  }

  private ChatMemory windowOf(int maxMessages, String memoryId) {
    return MessageWindowChatMemory.builder()
        .id(memoryId)
        .maxMessages(maxMessages)
        .chatMemoryStore(store)
        .build();
  }

  @Test
  void theWindowIsAView_messagesThatFellOutStayInTheHistory() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory = windowOf(3, "default");
      for (int i = 1; i <= 5; i++) {
        memory.add(UserMessage.from("question " + i));
      }

      assertThat(memory.messages())
          .containsExactly(
              UserMessage.from("question 3"),
              UserMessage.from("question 4"),
              UserMessage.from("question 5"));
      assertThat(store.getMessages("default")).hasSize(3);
      assertThat(store.history("default")).hasSize(5);
    }
  }

  @Test
  void aWindowOfMoreNewMessagesThanOneAppendTakes_isSavedWhole_andReadsBackEqual() {
    try (var bound = CallerContext.bind(alice)) {
      List<dev.langchain4j.data.message.ChatMessage> imported = new java.util.ArrayList<>();
      for (int i = 0; i < 1_201; i++) {
        imported.add(
            i % 2 == 0 ? UserMessage.from("question " + i) : AiMessage.from("answer " + i));
      }

      store.updateMessages("imported", imported);
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryStore restarted = SessionChatMemoryStore.over(stores.open());
      assertThat(restarted.getMessages("imported")).isEqualTo(imported);
    }
  }

  @Test
  void aShorterListWritesNoDeletion_andTheHistoryOutlivesARestart() {
    try (var bound = CallerContext.bind(alice)) {
      store.updateMessages("default", List.of(UserMessage.from("a"), AiMessage.from("b")));
      store.updateMessages("default", List.of(AiMessage.from("b")));
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryStore restarted = SessionChatMemoryStore.over(stores.open());
      assertThat(restarted.getMessages("default")).containsExactly(AiMessage.from("b"));
      assertThat(restarted.history("default"))
          .extracting(StoredMessage::message)
          .containsExactly(UserMessage.from("a"), AiMessage.from("b"));
    }
  }

  @Test
  void theSystemMessageStaysFirst_whileTheTailMoves() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory =
          MessageWindowChatMemory.builder()
              .id("default")
              .maxMessages(3)
              .alwaysKeepSystemMessageFirst(true)
              .chatMemoryStore(store)
              .build();
      memory.add(UserMessage.from("one"));
      memory.add(SystemMessage.from("be brief"));
      memory.add(UserMessage.from("two"));
      memory.add(UserMessage.from("three"));

      assertThat(memory.messages())
          .containsExactly(
              SystemMessage.from("be brief"), UserMessage.from("two"), UserMessage.from("three"));
      assertThat(store.history("default")).hasSize(4);
    }
  }

  @Test
  void aSystemMessageChangedBack_isFirstAgain_asInLangChain4jsInMemoryStore() {
    ChatMemoryStore reference = new InMemoryChatMemoryStore();
    try (var bound = CallerContext.bind(alice)) {
      for (ChatMemoryStore each : List.of(store, reference)) {
        ChatMemory memory =
            MessageWindowChatMemory.builder()
                .id("default")
                .maxMessages(4)
                .alwaysKeepSystemMessageFirst(true)
                .chatMemoryStore(each)
                .build();
        memory.add(SystemMessage.from("answer in English"));
        memory.add(UserMessage.from("one"));
        memory.add(SystemMessage.from("answer in French"));
        memory.add(UserMessage.from("two"));
        memory.add(SystemMessage.from("answer in English"));
      }

      assertThat(store.getMessages("default"))
          .first()
          .isEqualTo(SystemMessage.from("answer in English"));
      assertThat(store.getMessages("default")).isEqualTo(reference.getMessages("default"));
    }
  }

  @Test
  void aWindowSavedBackToAnEarlierOne_readsAsSaved() {
    List<dev.langchain4j.data.message.ChatMessage> first = List.of(SystemMessage.from("A"));
    List<dev.langchain4j.data.message.ChatMessage> second = List.of(SystemMessage.from("B"));
    try (var bound = CallerContext.bind(alice)) {
      store.updateMessages("default", first);
      store.updateMessages("default", second);

      store.updateMessages("default", first);

      assertThat(store.getMessages("default")).isEqualTo(first);
    }
  }

  @Test
  void everyMessageType_readsBackEqual_withStableIdsAndTimes() {
    List<dev.langchain4j.data.message.ChatMessage> all =
        List.of(
            SystemMessage.from("You answer questions about this repository."),
            UserMessage.from(
                "alice",
                List.of(
                    TextContent.from("What does this diagram show?"),
                    ImageContent.from("https://example.com/diagram.png"))),
            AiMessage.from(
                "Let me look.",
                List.of(
                    ToolExecutionRequest.builder()
                        .id("call-1")
                        .name("readFile")
                        .arguments("{\"path\":\"src/Auth.java\"}")
                        .build())),
            ToolExecutionResultMessage.from("call-1", "readFile", "class Auth {}"),
            AiMessage.from("It shows the auth flow."),
            CustomMessage.from(Map.of("kind", "citation", "file", "src/Auth.java")));
    try (var bound = CallerContext.bind(alice)) {
      store.updateMessages("c-1", all);
      List<StoredMessage<dev.langchain4j.data.message.ChatMessage>> first =
          store.windowEntries("c-1");
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryStore restarted = SessionChatMemoryStore.over(stores.open());
      List<StoredMessage<dev.langchain4j.data.message.ChatMessage>> again =
          restarted.windowEntries("c-1");

      assertThat(again).extracting(StoredMessage::message).containsExactlyElementsOf(all);
      assertThat(again).isEqualTo(first);
    }
  }

  @Test
  void anAiMessageOfToolCallsAlone_withoutText_readsBackEqual() {
    AiMessage toolCalls =
        AiMessage.from(
            List.of(
                ToolExecutionRequest.builder()
                    .id("call-2")
                    .name("listFiles")
                    .arguments("{}")
                    .build()));
    List<dev.langchain4j.data.message.ChatMessage> all =
        List.of(UserMessage.from("Which files are there?"), toolCalls);
    try (var bound = CallerContext.bind(alice)) {
      store.updateMessages("c-5", all);
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      List<dev.langchain4j.data.message.ChatMessage> again =
          SessionChatMemoryStore.over(stores.open()).getMessages("c-5");

      assertThat(again).containsExactlyElementsOf(all);
      assertThat(((AiMessage) again.get(1)).text()).isNull();
    }
  }

  /** A value with no JSON form: nothing to write. */
  static final class Opaque {}

  /** An attribute value of a model provider's own class, as Anthropic's server tool results. */
  record ServerToolResult(String type, String toolUseId, List<String> content) {}

  @Test
  void anAnswerWithAttributesOfAProvidersOwnClasses_isKept_withThemAsTheirJsonForm() {
    AiMessage answer =
        AiMessage.builder()
            .text("Here is the chart.")
            .attributes(
                Map.of(
                    "generated_images",
                    List.of(
                        dev.langchain4j.data.image.Image.builder()
                            .url("https://example.com/chart.png")
                            .build()),
                    "server_tool_results",
                    List.of(new ServerToolResult("web_search", "srv-1", List.of("a", "b")))))
            .build();
    List<dev.langchain4j.data.message.ChatMessage> window =
        List.of(UserMessage.from("Draw the chart"), answer);
    try (var bound = CallerContext.bind(alice)) {
      store.updateMessages("default", window);
      store.updateMessages("default", window);

      AiMessage read = (AiMessage) store.getMessages("default").get(1);
      assertThat(read.text()).isEqualTo("Here is the chart.");
      assertThat(read.attributes().get("generated_images"))
          .isEqualTo(List.of(Map.of("url", "https://example.com/chart.png")));
      assertThat(read.attributes().get("server_tool_results"))
          .isEqualTo(
              List.of(
                  Map.of(
                      "type", "web_search", "toolUseId", "srv-1", "content", List.of("a", "b"))));
      assertThat(store.history("default")).hasSize(2);
    }
  }

  @Test
  void aMessageLangChain4jCannotSerialize_isRefused_namingTheValue_andNothingIsWritten() {
    dev.langchain4j.data.message.ChatMessage odd =
        CustomMessage.from(Map.of("handle", new Opaque()));
    try (var bound = CallerContext.bind(alice)) {
      assertThatThrownBy(() -> store.updateMessages("c-6", List.of(UserMessage.from("a"), odd)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "this CUSTOM message cannot be stored: LangChain4j's serializer cannot write its"
                  + " value under \"handle\"");

      assertThat(store.history("c-6")).isEmpty();
      assertThat(store.memoryIds()).isEmpty();
    }
  }

  @Test
  void theSameTurnSavedTwice_byTwoInstances_isStoredOnce() {
    SessionChatMemoryStore other = SessionChatMemoryStore.over(stores.open());
    try (var bound = CallerContext.bind(alice)) {
      List<dev.langchain4j.data.message.ChatMessage> turn =
          List.of(UserMessage.from("hello"), AiMessage.from("hi"));
      store.updateMessages("default", turn);
      other.updateMessages("default", turn);
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryStore reader = SessionChatMemoryStore.over(stores.open());
      assertThat(reader.history("default")).hasSize(2);
    }
  }

  @Test
  void sayingTheSameThingAgain_isANewMessage() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory = windowOf(10, "default");
      memory.add(UserMessage.from("ok"));
      memory.add(AiMessage.from("sure"));
      memory.add(UserMessage.from("ok"));

      assertThat(store.history("default")).hasSize(3);
      assertThat(store.history("default")).extracting(StoredMessage::id).doesNotHaveDuplicates();
    }
  }

  @Test
  void deleteMessages_deletesTheWholeConversation() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory = windowOf(2, "default");
      memory.add(UserMessage.from("one"));
      memory.add(UserMessage.from("two"));
      memory.add(UserMessage.from("three"));

      memory.clear();

      assertThat(store.getMessages("default")).isEmpty();
      assertThat(store.history("default")).isEmpty();
      assertThat(store.memoryIds()).doesNotContain("default");
    }
  }

  @Test
  void deletingAConversationThatDoesNotExist_doesNothing() {
    try (var bound = CallerContext.bind(alice)) {
      store.deleteMessages("never-used");
      assertThat(store.getMessages("never-used")).isEmpty();
    }
  }

  @Test
  void theSameMemoryIdOfTwoUsers_isTwoConversations() {
    Caller bob = stores.newCaller();
    try (var bound = CallerContext.bind(alice)) {
      store.updateMessages("default", List.of(UserMessage.from("alice's question")));
    }
    try (var bound = CallerContext.bind(bob)) {
      assertThat(store.getMessages("default")).isEmpty();
      store.updateMessages("default", List.of(UserMessage.from("bob's question")));
      assertThat(store.memoryIds()).containsExactly("default");
    }
    try (var bound = CallerContext.bind(alice)) {
      assertThat(store.getMessages("default"))
          .containsExactly(UserMessage.from("alice's question"));
    }
  }

  @Test
  void memoryIdsThatAreUuidsInEitherCase_orHexDigits_areConversations_listedAsGiven() {
    List<String> memoryIds =
        List.of(
            "3F2B8C1E-9D4A-4F6B-8E2D-1A2B3C4D5E6F",
            "3f2b8c1e-9d4a-4f6b-8e2d-1a2b3c4d5e6f",
            "3f2b8c1e9d4a4f6b8e2d1a2b3c4d5e6f");
    try (var bound = CallerContext.bind(alice)) {
      for (String memoryId : memoryIds) {
        store.updateMessages(memoryId, List.of(UserMessage.from("asked under " + memoryId)));
      }

      assertThat(store.memoryIds()).containsExactlyInAnyOrderElementsOf(memoryIds);
      for (String memoryId : memoryIds) {
        assertThat(store.getMessages(memoryId))
            .containsExactly(UserMessage.from("asked under " + memoryId));
      }
    }
  }

  @Test
  void anotherUsersSessionId_readsAsAMissingConversation_andCannotBeWritten() {
    SessionId alicesSession = sessions.create(alice);
    sessions.append(
        alice,
        alicesSession,
        Append.of(
            List.of(
                ChatMessage.of(Role.USER, "secret").withTimestamp(Clock.systemUTC().instant()))));
    assertThat(sessions.flush(FLUSH).isComplete()).isTrue();
    Caller mallory = stores.newCaller();
    SessionChatMemoryStore fresh = SessionChatMemoryStore.over(stores.open());

    try (var bound = CallerContext.bind(mallory)) {
      assertThat(fresh.getMessages(alicesSession.value())).isEmpty();
      assertThat(fresh.memoryIds()).isEmpty();
      assertThatThrownBy(
              () ->
                  fresh.updateMessages(
                      alicesSession.value(), List.of(UserMessage.from("mine now"))))
          .isInstanceOf(SessionNotFoundException.class);
    }
    try (var bound = CallerContext.bind(alice)) {
      assertThat(store.getMessages(alicesSession.value()))
          .containsExactly(UserMessage.from("secret"));
    }
  }

  @Test
  void aGatewaySession_isAConversationUnderItsOwnId() {
    SessionId id = sessions.create(alice);
    sessions.append(
        alice,
        id,
        Append.of(
            List.of(
                ChatMessage.of(Role.USER, "from the web")
                    .withTimestamp(Clock.systemUTC().instant()))));
    try (var bound = CallerContext.bind(alice)) {
      assertThat(store.getMessages(id.value())).containsExactly(UserMessage.from("from the web"));
      assertThat(store.memoryIds()).containsExactly(id.value());
    }
  }

  @Test
  void withoutABoundCaller_everyCallFails_andSaysWhatToDo() {
    assertThatThrownBy(() -> store.getMessages("default"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("CallerContext.bind");
    assertThatThrownBy(() -> store.updateMessages("default", List.of(UserMessage.from("x"))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aConversationIdTooLongToName_isRefused_andNothingIsWritten() {
    try (var bound = CallerContext.bind(alice)) {
      String tooLong = "x".repeat(29);
      assertThatThrownBy(() -> store.updateMessages(tooLong, List.of(UserMessage.from("x"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at most 28 bytes");
      assertThat(store.memoryIds()).isEmpty();
    }
  }

  @Test
  void theAsyncMethods_withoutABoundCaller_failTheirFutures_sayingWhatToDo() {
    CompletableFuture<List<dev.langchain4j.data.message.ChatMessage>> read =
        store.getMessagesAsync("default");
    CompletableFuture<Void> saved =
        store.updateMessagesAsync("default", List.of(UserMessage.from("x")));
    CompletableFuture<Void> deleted = store.deleteMessagesAsync("default");

    for (CompletableFuture<?> future : List.of(read, saved, deleted)) {
      assertThat(future)
          .failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOf(IllegalStateException.class)
          .withMessageContaining("CallerContext.bind");
    }
  }

  @Test
  void theAsyncSave_ofAConversationIdTooLongToName_failsItsFuture_andWritesNothing() {
    try (var bound = CallerContext.bind(alice)) {
      CompletableFuture<Void> saved =
          store.updateMessagesAsync("x".repeat(29), List.of(UserMessage.from("x")));

      assertThat(saved)
          .failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOf(IllegalArgumentException.class)
          .withMessageContaining("at most 28 bytes");
      assertThat(store.memoryIds()).isEmpty();
    }
  }

  @Test
  void aTurnSavedByAnInstanceWhoseClockIsBehind_stillEndsTheWindowAndTheHistory() {
    SessionStore aheadSessions = stores.open();
    SessionChatMemoryStore ahead =
        SessionChatMemoryStore.over(
            aheadSessions, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(30)));
    SessionChatMemoryStore behind = SessionChatMemoryStore.over(stores.open(), Clock.systemUTC());
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory first =
          MessageWindowChatMemory.builder()
              .id("skew")
              .maxMessages(3)
              .chatMemoryStore(ahead)
              .build();
      first.add(SystemMessage.from("be brief"));
      first.add(UserMessage.from("q1"));
      first.add(AiMessage.from("a1"));
      assertThat(aheadSessions.flush(FLUSH).isComplete()).isTrue();

      ChatMemory second =
          MessageWindowChatMemory.builder()
              .id("skew")
              .maxMessages(3)
              .chatMemoryStore(behind)
              .build();
      second.add(UserMessage.from("q2"));
      second.add(AiMessage.from("a2"));

      assertThat(behind.getMessages("skew"))
          .containsExactly(
              SystemMessage.from("be brief"), UserMessage.from("q2"), AiMessage.from("a2"));
      assertThat(behind.history("skew").stream().map(StoredMessage::message).toList())
          .containsExactly(
              SystemMessage.from("be brief"),
              UserMessage.from("q1"),
              AiMessage.from("a1"),
              UserMessage.from("q2"),
              AiMessage.from("a2"));
      // Strictly later, each: a tie would make every other instance read the whole history again.
      List<java.time.Instant> times =
          behind.history("skew").stream().map(StoredMessage::timestamp).toList();
      for (int i = 1; i < times.size(); i++) {
        assertThat(times.get(i)).as("message %d", i).isAfter(times.get(i - 1));
      }
    }
  }

  @Test
  void theAsyncMethods_readTheCallerWhenCalled_andCompleteOnAnyThread() throws Exception {
    CompletableFuture<Void> saved;
    try (var bound = CallerContext.bind(alice)) {
      saved = store.updateMessagesAsync("default", List.of(UserMessage.from("async")));
    }
    saved.get();
    try (var bound = CallerContext.bind(alice)) {
      assertThat(store.getMessagesAsync("default").get())
          .containsExactly(UserMessage.from("async"));
      store.deleteMessagesAsync("default").get();
      assertThat(store.getMessages("default")).isEmpty();
    }
  }

  @Test
  void aWrappedExecutor_carriesTheCallerToAnotherThread() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<List<dev.langchain4j.data.message.ChatMessage>> read;
      try (var bound = CallerContext.bind(alice)) {
        store.updateMessages("default", List.of(UserMessage.from("here")));
        read =
            CompletableFuture.supplyAsync(
                () -> store.getMessages("default"), CallerContext.wrap(pool));
      }
      assertThat(read.get()).containsExactly(UserMessage.from("here"));
      assertThat(pool.submit(CallerContext::current).get()).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  interface Assistant {
    String chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String text);
  }

  interface StreamingAssistant {
    dev.langchain4j.service.TokenStream chat(
        @MemoryId String conversation, @dev.langchain4j.service.UserMessage String text);
  }

  /**
   * A streaming model that answers on a thread of its own, as an HTTP client's callback does, and
   * keeps what a callback threw.
   */
  static final class ThreadedStreamingModel
      implements dev.langchain4j.model.chat.StreamingChatModel {
    final CompletableFuture<Throwable> thrownByCallback = new CompletableFuture<>();

    @Override
    public void doChat(
        ChatRequest request,
        dev.langchain4j.model.chat.response.StreamingChatResponseHandler handler) {
      String question =
          ((UserMessage) request.messages().get(request.messages().size() - 1)).singleText();
      Thread answering =
          new Thread(
              () -> {
                try {
                  handler.onPartialResponse("answer to ");
                  handler.onPartialResponse(question);
                  handler.onCompleteResponse(
                      ChatResponse.builder()
                          .aiMessage(AiMessage.from("answer to " + question))
                          .build());
                } catch (RuntimeException e) {
                  thrownByCallback.complete(e);
                }
              },
              "model-callback");
      answering.start();
    }
  }

  private StreamingAssistant streamingAssistant(
      dev.langchain4j.model.chat.StreamingChatModel model) {
    return AiServices.builder(StreamingAssistant.class)
        .streamingChatModel(model)
        .chatMemoryProvider(
            id ->
                MessageWindowChatMemory.builder()
                    .id(id)
                    .maxMessages(10)
                    .chatMemoryStore(store)
                    .build())
        .build();
  }

  /** The whole streamed answer, or the failure the stream ended with. */
  private static CompletableFuture<String> streamed(dev.langchain4j.service.TokenStream stream) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    StringBuilder tokens = new StringBuilder();
    stream
        .onPartialResponse(tokens::append)
        .onCompleteResponse(response -> answer.complete(tokens.toString()))
        .onError(answer::completeExceptionally)
        .start();
    return answer;
  }

  @Test
  void aStreamingAiService_overAModelCarryingTheCaller_keepsTheAnswerGivenOnTheModelsThread()
      throws Exception {
    StreamingAssistant assistant =
        streamingAssistant(SessionChatMemoryStore.carryingTheCaller(new ThreadedStreamingModel()));
    CompletableFuture<String> answer;
    try (var bound = CallerContext.bind(alice)) {
      answer = streamed(assistant.chat("default", "q1"));
    }

    assertThat(answer.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("answer to q1");
    try (var bound = CallerContext.bind(alice)) {
      assertThat(store.getMessages("default"))
          .containsExactly(UserMessage.from("q1"), AiMessage.from("answer to q1"));
    }
  }

  @Test
  void aStreamingAiService_overAModelNotCarryingTheCaller_keepsNoAnswer_andSaysWhatToDo()
      throws Exception {
    ThreadedStreamingModel model = new ThreadedStreamingModel();
    StreamingAssistant assistant = streamingAssistant(model);
    try (var bound = CallerContext.bind(alice)) {
      streamed(assistant.chat("default", "q1"));
    }

    assertThat(model.thrownByCallback.get(20, java.util.concurrent.TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SessionChatMemoryStore.carryingTheCaller(model)");
    try (var bound = CallerContext.bind(alice)) {
      assertThat(store.getMessages("default")).containsExactly(UserMessage.from("q1"));
    }
  }

  /** A model that answers with how many messages it was shown and the last question. */
  static final class CountingModel implements ChatModel {
    final List<Integer> seen = new ArrayList<>();

    @Override
    public ChatResponse doChat(ChatRequest request) {
      seen.add(request.messages().size());
      String question =
          ((UserMessage) request.messages().get(request.messages().size() - 1)).singleText();
      return ChatResponse.builder().aiMessage(AiMessage.from("answer to " + question)).build();
    }
  }

  private Assistant assistant(CountingModel model, int window) {
    return assistant(model, window, store);
  }

  private static Assistant assistant(CountingModel model, int window, ChatMemoryStore memories) {
    return AiServices.builder(Assistant.class)
        .chatModel(model)
        .chatMemoryProvider(
            id ->
                MessageWindowChatMemory.builder()
                    .id(id)
                    .maxMessages(window)
                    .chatMemoryStore(memories)
                    .build())
        .build();
  }

  private static void converse(Assistant assistant) {
    assistant.chat("repo-a", "q1");
    assistant.chat("repo-b", "other");
    assistant.chat("repo-a", "q2");
    assistant.chat("repo-a", "q3");
    assistant.chat("repo-a", "q4");
  }

  @Test
  void anAiService_seesWhatLangChain4jsInMemoryStoreWouldShowIt_perMemoryId() {
    CountingModel inMemory = new CountingModel();
    InMemoryChatMemoryStore floor = new InMemoryChatMemoryStore();
    converse(assistant(inMemory, 4, floor));
    CountingModel durable = new CountingModel();

    try (var bound = CallerContext.bind(alice)) {
      converse(assistant(durable, 4));

      assertThat(durable.seen).isEqualTo(inMemory.seen);
      assertThat(store.getMessages("repo-a")).isEqualTo(floor.getMessages("repo-a"));
      assertThat(store.history("repo-a")).hasSize(8);
      assertThat(store.memoryIds()).containsExactlyInAnyOrder("repo-a", "repo-b");
    }
  }

  @Test
  void aDatabaseOutageMidConversation_losesNothing_andTheNextTurnStillGetsTheWindow() {
    CountingModel model = new CountingModel();
    Assistant assistant = assistant(model, 10);
    try (var bound = CallerContext.bind(alice)) {
      assistant.chat("default", "before the outage");
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      supabase().goDown(Outage.DATABASE_UNAVAILABLE);
      String answer = assistant.chat("default", "during the outage");
      assertThat(answer).isEqualTo("answer to during the outage");
      supabase().goUp();
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryStore restarted = SessionChatMemoryStore.over(stores.open());
      assertThat(restarted.getMessages("default"))
          .containsExactly(
              UserMessage.from("before the outage"),
              AiMessage.from("answer to before the outage"),
              UserMessage.from("during the outage"),
              AiMessage.from("answer to during the outage"));
    } finally {
      supabase().goUp();
    }
  }

  @Test
  void aMessageWrittenByTheGateway_afterTheWindow_joinsTheWindow() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory = windowOf(2, "default");
      memory.add(UserMessage.from("one"));
      memory.add(UserMessage.from("two"));
      memory.add(UserMessage.from("three"));
      SessionId id = sessionOf("default");
      sessions.append(
          alice,
          id,
          Append.of(
              List.of(
                  ChatMessage.of(Role.ASSISTANT, "from the web")
                      .withId(MessageId.random())
                      .withTimestamp(Clock.systemUTC().instant()))));

      assertThat(store.getMessages("default"))
          .containsExactly(
              UserMessage.from("two"), UserMessage.from("three"), AiMessage.from("from the web"));
    }
  }

  private SessionId sessionOf(String conversation) {
    return dev.codebasechat.memory.ConversationIds.sessionOf(alice.userId(), conversation);
  }
}
