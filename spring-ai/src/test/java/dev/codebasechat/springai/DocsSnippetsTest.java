package dev.codebasechat.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.readme.JavaBlocks;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.model.ChatModel;

/**
 * The docs' blocks for this module (docs/chat-memory.md) compile exactly as shown against this
 * module's classpath, and run: a chat client answers with the caller's conversation kept in the
 * caller's session.
 */
class DocsSnippetsTest {
  private static final String ARTIFACT = "dev.codebasechat:chat-session-spring-ai";

  @TempDir Path out;
  @TempDir Path data;

  @Test
  void theChatClientShown_answersAndKeepsTheConversationInTheCallersSession() throws Exception {
    Caller alice = new Caller(UUID.randomUUID(), AccessToken.of("alices-token"));
    try (LocalSessionTable table = LocalSessionTable.builder().path(data.resolve("s.db")).build();
        SessionStore store = SessionStore.embedded(table).build();
        URLClassLoader shown = JavaBlocks.compiledBlocks(ARTIFACT, out, "ChatWithMemory")) {
      ChatMemory chatMemory =
          MessageWindowChatMemory.builder()
              .chatMemoryRepository(SessionChatMemoryRepository.over(store))
              .maxMessages(20)
              .build();
      Class<?> type = shown.loadClass("ChatWithMemory");
      Object chat =
          type.getConstructor(ChatModel.class, ChatMemory.class)
              .newInstance(new EchoModel(), chatMemory);
      var ask = type.getMethod("ask", Caller.class, String.class, String.class);

      assertThat((String) ask.invoke(chat, alice, "default", "hello")).contains("hello");

      assertThat(store.list(alice, SessionQuery.limit(10)).sessions())
          .singleElement()
          .satisfies(session -> assertThat(session.messageCount()).isEqualTo(2));
    }
  }
}
