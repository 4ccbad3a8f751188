package com.example.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.langchain4j.SessionChatMemoryStore;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.springai.SessionChatMemoryAutoConfiguration;
import dev.codebasechat.springai.SessionChatMemoryRepository;
import dev.codebasechat.testing.FakeSupabase;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.content.Media;
import org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.MimeTypeUtils;

/** The adapters on LangChain4j 1.23 and on Spring AI 2.0 with Spring Boot 4. */
class NewerFrameworksTest {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  private final PostgrestClient client =
      PostgrestClient.builder().projectUrl(supabase.baseUrl()).apiKey(ApiKey.of(supabase.apiKey())).build();
  private final SessionStore sessions = SessionStore.builder(client).build();

  @AfterEach
  void close() {
    sessions.close();
    client.close();
  }

  private static Caller newCaller() {
    UUID user = UUID.randomUUID();
    return new Caller(user, AccessToken.of(supabase.tokenFor(user)));
  }

  @Test
  void langChain4j123sAsyncMethods_reachTheStore_throughTheInterface() throws Exception {
    ChatMemoryStore store = SessionChatMemoryStore.over(sessions);
    try (CallerContext.Binding bound = CallerContext.bind(newCaller())) {
      store.updateMessagesAsync("default", List.of(UserMessage.from("hi"), AiMessage.from("hello"))).get();
      assertThat(store.getMessagesAsync("default").get())
          .containsExactly(UserMessage.from("hi"), AiMessage.from("hello"));
      store.deleteMessagesAsync("default").get();
      assertThat(store.getMessages("default")).isEmpty();
    }
  }

  private static java.net.URL toUrl(String text) {
    try {
      return URI.create(text).toURL();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void springAi2OnBoot4_takesTheSessionRepository_andKeepsEveryMessageType() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(ChatMemoryAutoConfiguration.class, SessionChatMemoryAutoConfiguration.class))
        .withBean(SessionStore.class, () -> sessions)
        .withPropertyValues("codebasechat.chat-memory.max-messages=10")
        .run(
            context -> {
              assertThat(context.getBean(ChatMemoryRepository.class))
                  .isInstanceOf(SessionChatMemoryRepository.class);
              ChatMemory memory = context.getBean(ChatMemory.class);
              List<Message> all =
                  List.of(
                      SystemMessage.builder().text("Be brief.").build(),
                      org.springframework.ai.chat.messages.UserMessage.builder()
                          .text("What is this?")
                          .media(
                              List.of(
                                  Media.builder()
                                      .mimeType(MimeTypeUtils.IMAGE_PNG)
                                      .data(URI.create("https://example.com/a.png"))
                                      .build()))
                          .metadata(Map.of("client", "web"))
                          .build(),
                      AssistantMessage.builder()
                          .content("Looking.")
                          .toolCalls(
                              List.of(new AssistantMessage.ToolCall("c1", "function", "read", "{}")))
                          .build(),
                      ToolResponseMessage.builder()
                          .responses(List.of(new ToolResponseMessage.ToolResponse("c1", "read", "text")))
                          .build(),
                      // Media and nothing else beyond the text: kept too, whatever 2.0's
                      // builder took (a URI, any text, a URL object).
                      org.springframework.ai.chat.messages.UserMessage.builder()
                          .text("And this?")
                          .media(
                              List.of(
                                  Media.builder()
                                      .mimeType(MimeTypeUtils.IMAGE_PNG)
                                      .data(URI.create("https://example.com/b.png"))
                                      .build(),
                                  Media.builder()
                                      .mimeType(MimeTypeUtils.IMAGE_PNG)
                                      .data("https://example.com/my c.png")
                                      .build(),
                                  Media.builder()
                                      .mimeType(MimeTypeUtils.IMAGE_PNG)
                                      .data(toUrl("https://example.com/d.png"))
                                      .build()))
                          .build());
              try (CallerContext.Binding bound = CallerContext.bind(newCaller())) {
                memory.add("default", all);
                assertThat(memory.get("default")).isEqualTo(all);
                assertThat(((org.springframework.ai.chat.messages.UserMessage) memory.get("default").get(4)).getMedia())
                    .extracting(Media::getData)
                    .containsExactly(
                        "https://example.com/b.png",
                        "https://example.com/my c.png",
                        "https://example.com/d.png");
              }
            });
  }
}
