package dev.codebasechat.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.memory.SessionStores;
import dev.codebasechat.memory.StoredMessage;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseUnderTest;
import java.net.URI;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.InMemoryChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeTypeUtils;
import reactor.core.publisher.Hooks;

/**
 * What {@link SessionChatMemoryRepository} promises, as Spring AI uses it; run against FakeSupabase
 * and against PostgreSQL with the project's migrations behind the PostgREST-compatible server.
 */
abstract class SessionChatMemoryRepositoryBehaviour {
  private static final Duration FLUSH = Duration.ofSeconds(20);

  abstract SupabaseUnderTest supabase();

  private SessionStores stores;
  private SessionStore sessions;
  private SessionChatMemoryRepository repository;
  private Caller alice;

  @BeforeEach
  void openStore() {
    stores = new SessionStores(supabase());
    sessions = stores.open();
    repository = SessionChatMemoryRepository.over(sessions, Clock.systemUTC());
    alice = stores.newCaller();
  }

  @AfterEach
  void closeStores() throws Exception {
    stores.close();
  }

  private static ChatMemory windowOf(int maxMessages, ChatMemoryRepository repository) {
    return MessageWindowChatMemory.builder()
        .chatMemoryRepository(repository)
        .maxMessages(maxMessages)
        .build();
  }

  @Test
  void anotherUserCannotTakeTheSessionOfAUsersConversationFirst() {
    Caller bob = stores.newCaller();
    SessionStore bobsGateway = stores.open();
    String alicesDefault =
        dev.codebasechat.memory.ConversationIds.sessionOf(alice.userId(), "default").value();
    try (var bound = CallerContext.bind(bob)) {
      catchThrowable(
          () ->
              SessionChatMemoryRepository.over(bobsGateway, Clock.systemUTC())
                  .saveAll(alicesDefault, List.of(new UserMessage("mine now"))));
      bobsGateway.flush(FLUSH);
    }

    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("default", List.of(new UserMessage("hello")));
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      assertThat(
              stores
                  .open()
                  .recover(alice, SessionId.of(alicesDefault))
                  .session()
                  .messages()
                  .stream()
                  .map(ChatMessage::content)
                  .toList())
          .containsExactly("hello");
    }
  }

  @Test
  void theWindowIsAView_messagesThatFellOutStayInTheHistory() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory = windowOf(3, repository);
      for (int i = 1; i <= 5; i++) {
        memory.add("default", new UserMessage("question " + i));
      }

      assertThat(memory.get("default"))
          .containsExactly(
              new UserMessage("question 3"),
              new UserMessage("question 4"),
              new UserMessage("question 5"));
      assertThat(repository.history("default")).hasSize(5);
    }
  }

  @Test
  void aWindowEndingInAMessageThatFellOut_readsAsSaved_asInSpringAIsInMemoryRepository() {
    List<Message> four =
        List.of(
            new UserMessage("hi"),
            new AssistantMessage("hello"),
            new UserMessage("hi"),
            new AssistantMessage("hello"));
    ChatMemoryRepository reference = new InMemoryChatMemoryRepository();
    try (var bound = CallerContext.bind(alice)) {
      for (ChatMemoryRepository each : List.of(repository, reference)) {
        each.saveAll("default", four);
        each.saveAll("default", four.subList(0, 3));
        each.saveAll("default", four);
      }

      assertThat(repository.findByConversationId("default"))
          .isEqualTo(reference.findByConversationId("default"))
          .hasSize(4);
    }
  }

  @Test
  void savingAnEmptyList_emptiesTheWindow_andDeletesNothing() {
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("default", List.of(new UserMessage("a"), new AssistantMessage("b")));
      repository.saveAll("default", List.of());

      assertThat(repository.findByConversationId("default")).isEmpty();
      assertThat(repository.history("default")).hasSize(2);
      assertThat(repository.findConversationIds()).containsExactly("default");
    }
  }

  @Test
  void everyMessageType_readsBackEqual_withStableIdsAndTimes() {
    Media diagram =
        Media.builder()
            .mimeType(MimeTypeUtils.IMAGE_PNG)
            .data(URI.create("https://example.com/diagram.png"))
            .name("diagram")
            .build();
    Media bytes =
        Media.builder()
            .mimeType(MimeTypeUtils.IMAGE_PNG)
            .data(new ByteArrayResource(new byte[] {1, 2, 3}))
            .name("pixels")
            .build();
    List<Message> all =
        List.of(
            SystemMessage.builder().text("You answer questions about this repository.").build(),
            UserMessage.builder()
                .text("What does this diagram show?")
                .media(List.of(diagram, bytes))
                .metadata(Map.of("client", "web", "attempt", 2))
                .build(),
            AssistantMessage.builder()
                .content("Let me look.")
                .properties(Map.of("finishReason", "TOOL_CALLS"))
                .toolCalls(
                    List.of(
                        new AssistantMessage.ToolCall(
                            "call-1", "function", "readFile", "{\"path\":\"src/Auth.java\"}")))
                .build(),
            ToolResponseMessage.builder()
                .responses(
                    List.of(
                        new ToolResponseMessage.ToolResponse(
                            "call-1", "readFile", "class Auth {}")))
                .build(),
            new AssistantMessage("It shows the auth flow."));
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("c-1", all);
      List<StoredMessage<Message>> first = repository.windowEntries("c-1");
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryRepository restarted = SessionChatMemoryRepository.over(stores.open());
      List<StoredMessage<Message>> again = restarted.windowEntries("c-1");

      assertThat(again).extracting(StoredMessage::message).containsExactlyElementsOf(all);
      assertThat(again)
          .extracting(StoredMessage::id)
          .isEqualTo(first.stream().map(StoredMessage::id).toList());
      assertThat(again)
          .extracting(StoredMessage::timestamp)
          .isEqualTo(first.stream().map(StoredMessage::timestamp).toList());
      UserMessage user = (UserMessage) again.get(1).message();
      assertThat(user.getMedia())
          .extracting(Media::getName, Media::getMimeType)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("diagram", MimeTypeUtils.IMAGE_PNG),
              org.assertj.core.groups.Tuple.tuple("pixels", MimeTypeUtils.IMAGE_PNG));
      assertThat(user.getMedia().get(0).getData()).isEqualTo("https://example.com/diagram.png");
      assertThat(user.getMedia().get(1).getDataAsByteArray()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void mediaDataAsAnyText_orAUrlObject_readsBackAsItsText() throws Exception {
    String withABlank = "https://example.com/my diagram.png";
    String base64 =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    URL url = URI.create("https://example.com/chart.png").toURL();
    Message sent =
        UserMessage.builder()
            .text("Compare these.")
            .media(
                List.of(
                    Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(withABlank).build(),
                    Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(base64).build(),
                    Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(url).build()))
            .build();
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("default", List.of(sent));
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      List<Message> read =
          SessionChatMemoryRepository.over(stores.open()).findByConversationId("default");

      assertThat(((UserMessage) read.get(0)).getMedia())
          .extracting(Media::getData)
          .containsExactly(withABlank, base64, "https://example.com/chart.png");
    }
  }

  @Test
  void mediaDataOfAnotherClass_isRefused_namingTheMedia_andNothingOfTheWindowIsWritten() {
    Media odd =
        Media.builder()
            .mimeType(MimeTypeUtils.IMAGE_PNG)
            .data(Integer.valueOf(7))
            .name("seven")
            .build();
    Message sent = UserMessage.builder().text("b").media(List.of(odd)).build();
    try (var bound = CallerContext.bind(alice)) {
      assertThatThrownBy(() -> repository.saveAll("default", List.of(new UserMessage("a"), sent)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "media \"seven\" cannot be stored: its data is a java.lang.Integer; Spring AI's"
                  + " media data is a URL, a string or bytes");

      assertThat(repository.history("default")).isEmpty();
      assertThat(repository.findConversationIds()).isEmpty();
    }
  }

  @Test
  void aToolCallWithoutText_aSystemMessageWithMetadata_andMediaWithAnId_readBackEqual() {
    Media withId =
        Media.builder()
            .mimeType(MimeTypeUtils.IMAGE_PNG)
            .data(URI.create("https://example.com/screen.png"))
            .id("file-123")
            .build();
    List<Message> all =
        List.of(
            SystemMessage.builder()
                .text("You answer questions about this repository.")
                .metadata(Map.of("prompt", "v2"))
                .build(),
            UserMessage.builder().text("What is on this screen?").media(List.of(withId)).build(),
            // As models answer a tool call: no text at all, which is not the empty text.
            AssistantMessage.builder()
                .toolCalls(
                    List.of(new AssistantMessage.ToolCall("call-2", "function", "listFiles", "{}")))
                .build());
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("c-3", all);
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      List<Message> again =
          SessionChatMemoryRepository.over(stores.open()).findByConversationId("c-3");

      assertThat(again).hasSize(3);
      assertThat(again.get(0)).isEqualTo(all.get(0));
      assertThat(again.get(0).getMetadata()).containsEntry("prompt", "v2");
      assertThat(again.get(2)).isEqualTo(all.get(2));
      assertThat(((UserMessage) again.get(1)).getMedia())
          .singleElement()
          .satisfies(media -> assertThat(media.getId()).isEqualTo("file-123"));
      assertThat(again.get(2).getText()).isNull();
    }
  }

  @Test
  void aUserMessageWithTheSameTextAndAnotherImage_isANewMessage_notTheOneStored() {
    Media before =
        Media.builder()
            .mimeType(MimeTypeUtils.IMAGE_PNG)
            .data(URI.create("https://example.com/v1.png"))
            .build();
    Media after =
        Media.builder()
            .mimeType(MimeTypeUtils.IMAGE_PNG)
            .data(URI.create("https://example.com/v2.png"))
            .build();
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll(
          "c-4",
          List.of(UserMessage.builder().text("Is this right?").media(List.of(before)).build()));

      repository.saveAll(
          "c-4",
          List.of(UserMessage.builder().text("Is this right?").media(List.of(after)).build()));
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      List<Message> again =
          SessionChatMemoryRepository.over(stores.open()).findByConversationId("c-4");
      assertThat(again)
          .singleElement()
          .satisfies(
              message ->
                  assertThat(((UserMessage) message).getMedia())
                      .extracting(Media::getData)
                      .containsExactly("https://example.com/v2.png"));
    }
  }

  @Test
  void theSameConversationIdOfTwoUsers_isTwoConversations_andEachListsOnlyItsOwn() {
    Caller bob = stores.newCaller();
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("default", List.of(new UserMessage("alice's question")));
      repository.saveAll("alice-only", List.of(new UserMessage("more")));
    }
    try (var bound = CallerContext.bind(bob)) {
      assertThat(repository.findByConversationId("default")).isEmpty();
      repository.saveAll("default", List.of(new UserMessage("bob's question")));
      assertThat(repository.findConversationIds()).containsExactly("default");
    }
    try (var bound = CallerContext.bind(alice)) {
      assertThat(repository.findByConversationId("default"))
          .containsExactly(new UserMessage("alice's question"));
      assertThat(repository.findConversationIds())
          .containsExactlyInAnyOrder("default", "alice-only");
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
    SessionChatMemoryRepository fresh = SessionChatMemoryRepository.over(stores.open());

    try (var bound = CallerContext.bind(mallory)) {
      assertThat(fresh.findByConversationId(alicesSession.value())).isEmpty();
      assertThat(fresh.findConversationIds()).isEmpty();
      assertThatThrownBy(
              () -> fresh.saveAll(alicesSession.value(), List.of(new UserMessage("mine now"))))
          .isInstanceOf(SessionNotFoundException.class);
      fresh.deleteByConversationId(alicesSession.value());
    }
    try (var bound = CallerContext.bind(alice)) {
      assertThat(repository.findByConversationId(alicesSession.value()))
          .containsExactly(new UserMessage("secret"));
    }
  }

  @Test
  void clear_deletesTheWholeConversation() {
    try (var bound = CallerContext.bind(alice)) {
      ChatMemory memory = windowOf(2, repository);
      memory.add(
          "default",
          List.of(new UserMessage("one"), new UserMessage("two"), new UserMessage("three")));

      memory.clear("default");

      assertThat(repository.history("default")).isEmpty();
      assertThat(repository.findConversationIds()).isEmpty();
    }
  }

  /** A message type of the application's own, which the repository does not know how to keep. */
  static final class Annotation extends org.springframework.ai.chat.messages.AbstractMessage {
    Annotation() {
      super(org.springframework.ai.chat.messages.MessageType.SYSTEM, "note", Map.of());
    }
  }

  /** A model provider's assistant message, with what it adds: its reasoning. */
  static final class ReasoningAssistantMessage extends AssistantMessage {
    final String reasoning;

    ReasoningAssistantMessage(String text, String reasoning) {
      super(text);
      this.reasoning = reasoning;
    }
  }

  @Test
  void aProvidersSubclassOfAnAssistantMessage_isKeptAsAnAssistantMessage_once() {
    List<Message> window =
        List.of(
            new UserMessage("Why?"),
            new ReasoningAssistantMessage("Because it is cached.", "the cache holds it"));
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("default", window);
      repository.saveAll("default", window);

      assertThat(repository.findByConversationId("default"))
          .containsExactly(new UserMessage("Why?"), new AssistantMessage("Because it is cached."));
      assertThat(repository.history("default")).hasSize(2);
    }
  }

  @Test
  void aMessageOfAnUnknownClass_isRefused_namingIt_andNothingOfTheWindowIsWritten() {
    try (var bound = CallerContext.bind(alice)) {
      assertThatThrownBy(
              () -> repository.saveAll("default", List.of(new UserMessage("a"), new Annotation())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Annotation.class.getName())
          .hasMessageContaining("cannot be stored");

      assertThat(repository.history("default")).isEmpty();
      assertThat(repository.findConversationIds()).isEmpty();
    }
  }

  /** Usage figures, as a model might put them in an answer's metadata. */
  record Usage(int prompt, int completion) {}

  /** A value with no JSON form: nothing to write. */
  static final class Opaque {}

  @Test
  void metadataWithADateAndARecord_isStoredAsTheirJsonForms() {
    Message answer =
        AssistantMessage.builder()
            .content("Done.")
            .properties(
                Map.of(
                    "created",
                    java.time.Instant.parse("2026-01-18T12:00:00Z"),
                    "usage",
                    new Usage(12, 3)))
            .build();
    try (var bound = CallerContext.bind(alice)) {
      repository.saveAll("c-5", List.of(answer));
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      Message again =
          SessionChatMemoryRepository.over(stores.open()).findByConversationId("c-5").get(0);

      assertThat(again.getMetadata())
          .containsEntry("created", "2026-01-18T12:00:00Z")
          .containsEntry("usage", Map.of("prompt", 12, "completion", 3));
    }
  }

  @Test
  void aMetadataValueWithoutAJsonForm_isRefused_namingItsKey_andNothingOfTheWindowIsWritten() {
    Message odd = UserMessage.builder().text("b").metadata(Map.of("handle", new Opaque())).build();
    try (var bound = CallerContext.bind(alice)) {
      assertThatThrownBy(() -> repository.saveAll("default", List.of(new UserMessage("a"), odd)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "the message's metadata value under \"handle\" (a " + Opaque.class.getName() + ")")
          .hasMessageContaining("has no JSON form, so the message cannot be stored")
          .hasMessageNotContaining("FAIL_ON_EMPTY_BEANS");

      assertThat(repository.history("default")).isEmpty();
      assertThat(repository.findConversationIds()).isEmpty();
    }
  }

  @Test
  void nullsAndBlankIds_areRefusedAsSpringAIsOwnRepositoryRefusesThem_andNothingIsWritten() {
    ChatMemoryRepository springAis = new InMemoryChatMemoryRepository();
    List<Message> withANull = Arrays.asList(new UserMessage("a"), null);
    Map<String, Consumer<ChatMemoryRepository>> calls = new LinkedHashMap<>();
    calls.put("findByConversationId(null)", r -> r.findByConversationId(null));
    calls.put("findByConversationId(\" \")", r -> r.findByConversationId(" "));
    calls.put("saveAll(null, messages)", r -> r.saveAll(null, List.of(new UserMessage("a"))));
    calls.put("saveAll(id, null)", r -> r.saveAll("default", null));
    calls.put("saveAll(id, [message, null])", r -> r.saveAll("default", withANull));
    calls.put("deleteByConversationId(null)", r -> r.deleteByConversationId(null));

    try (var bound = CallerContext.bind(alice)) {
      calls.forEach(
          (call, action) -> {
            Throwable expected = catchThrowable(() -> action.accept(springAis));
            assertThat(expected).as(call).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> action.accept(repository))
                .as(call)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(expected.getMessage());
          });
      assertThatThrownBy(() -> repository.history(null))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(repository.findConversationIds()).isEmpty();
    }
  }

  @Test
  void withoutABoundCaller_everyCallFails_andSaysWhatToDo() {
    assertThatThrownBy(() -> repository.findConversationIds())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("CallerContext.bind");
    assertThatThrownBy(() -> repository.saveAll("default", List.of(new UserMessage("x"))))
        .isInstanceOf(IllegalStateException.class);
  }

  private static ChatClient clientOver(
      org.springframework.ai.chat.model.ChatModel model, ChatMemory memory) {
    return ChatClient.builder(model)
        .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build())
        .build();
  }

  private static void converse(ChatClient client) {
    for (String question : List.of("q1", "q2", "q3", "q4")) {
      client
          .prompt()
          .user(question)
          .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "repo-a"))
          .call()
          .content();
    }
  }

  @Test
  void aChatClient_showsTheModelWhatSpringAIsInMemoryRepositoryWould() {
    EchoModel floorModel = new EchoModel();
    InMemoryChatMemoryRepository floor = new InMemoryChatMemoryRepository();
    converse(clientOver(floorModel, windowOf(4, floor)));
    EchoModel model = new EchoModel();

    try (var bound = CallerContext.bind(alice)) {
      converse(clientOver(model, windowOf(4, repository)));

      assertThat(model.prompts).isEqualTo(floorModel.prompts);
      assertThat(repository.findByConversationId("repo-a"))
          .isEqualTo(floor.findByConversationId("repo-a"));
      assertThat(repository.history("repo-a")).hasSize(8);
    }
  }

  @Test
  void aStreamReturnedUnsubscribed_withTheCallerInItsContext_savesTheAnswerGivenOnTheModelsThread()
      throws Exception {
    EchoModel echo = new EchoModel();
    // Answers on a thread of its own, as a model's HTTP client does.
    org.springframework.ai.chat.model.ChatModel model =
        new org.springframework.ai.chat.model.ChatModel() {
          @Override
          public org.springframework.ai.chat.model.ChatResponse call(
              org.springframework.ai.chat.prompt.Prompt prompt) {
            return echo.call(prompt);
          }

          @Override
          public reactor.core.publisher.Flux<org.springframework.ai.chat.model.ChatResponse> stream(
              org.springframework.ai.chat.prompt.Prompt prompt) {
            return echo.stream(prompt)
                .subscribeOn(reactor.core.scheduler.Schedulers.newSingle("http-io"));
          }
        };
    ChatClient client = clientOver(model, windowOf(10, repository));
    Hooks.enableAutomaticContextPropagation();
    try {
      // What a controller returns: built where the caller is known, subscribed later elsewhere.
      reactor.core.publisher.Flux<String> answer =
          client
              .prompt()
              .user("stream it")
              .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "returned"))
              .stream()
              .content()
              .contextWrite(reactor.util.context.Context.of(CallerContextAccessor.KEY, alice));

      List<String> parts =
          java.util.concurrent.CompletableFuture.supplyAsync(
                  () -> answer.collectList().block(Duration.ofSeconds(20)))
              .get(30, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(String.join("", parts)).isEqualTo("answer to stream it");
      try (var bound = CallerContext.bind(alice)) {
        assertThat(repository.findByConversationId("returned"))
            .containsExactly(
                new UserMessage("stream it"), new AssistantMessage("answer to stream it"));
      }
    } finally {
      Hooks.disableAutomaticContextPropagation();
    }
  }

  @Test
  void aStreamedAnswer_isSavedAsTheCaller_onReactorsThread() {
    EchoModel model = new EchoModel();
    ChatClient client = clientOver(model, windowOf(10, repository));
    Hooks.enableAutomaticContextPropagation();
    try (var bound = CallerContext.bind(alice)) {
      List<String> parts =
          client
              .prompt()
              .user("stream it")
              .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "streamed"))
              .stream()
              .content()
              .contextCapture()
              .collectList()
              .block(Duration.ofSeconds(20));

      assertThat(String.join("", parts)).isEqualTo("answer to stream it");
      assertThat(repository.findByConversationId("streamed"))
          .containsExactly(
              new UserMessage("stream it"), new AssistantMessage("answer to stream it"));
    } finally {
      Hooks.disableAutomaticContextPropagation();
    }
  }

  @Test
  void aDatabaseOutageMidConversation_losesNothing_andTheNextTurnStillGetsTheWindow() {
    EchoModel model = new EchoModel();
    ChatClient client = clientOver(model, windowOf(10, repository));
    try (var bound = CallerContext.bind(alice)) {
      client
          .prompt()
          .user("before")
          .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "c"))
          .call()
          .content();
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      supabase().goDown(Outage.DATABASE_UNAVAILABLE);
      String answer =
          client
              .prompt()
              .user("during")
              .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "c"))
              .call()
              .content();
      assertThat(answer).isEqualTo("answer to during");
      assertThat(model.promptSizes()).containsExactly(1, 3);
      supabase().goUp();
      assertThat(sessions.flush(FLUSH).isComplete()).isTrue();

      SessionChatMemoryRepository restarted = SessionChatMemoryRepository.over(stores.open());
      assertThat(restarted.findByConversationId("c"))
          .containsExactly(
              new UserMessage("before"),
              new AssistantMessage("answer to before"),
              new UserMessage("during"),
              new AssistantMessage("answer to during"));
    } finally {
      supabase().goUp();
    }
  }
}
