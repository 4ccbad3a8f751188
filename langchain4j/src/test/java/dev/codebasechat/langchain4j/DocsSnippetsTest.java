package dev.codebasechat.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.readme.JavaBlocks;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import dev.langchain4j.model.chat.ChatModel;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs' blocks for this module (docs/chat-memory.md) compile exactly as shown against this
 * module's classpath, and run: an assistant answers with the caller's conversation kept in the
 * caller's session.
 */
class DocsSnippetsTest {
  private static final String ARTIFACT = "dev.codebasechat:chat-session-langchain4j";

  @TempDir Path out;
  @TempDir Path data;

  @Test
  void theAssistantShown_answersAndKeepsTheConversationInTheCallersSession() throws Exception {
    Caller alice = new Caller(UUID.randomUUID(), AccessToken.of("alices-token"));
    try (LocalSessionTable table = LocalSessionTable.builder().path(data.resolve("s.db")).build();
        SessionStore store = SessionStore.embedded(table).build();
        URLClassLoader shown = JavaBlocks.compiledBlocks(ARTIFACT, out, "AssistantWithMemory")) {
      Class<?> type = shown.loadClass("AssistantWithMemory");
      Object assistant =
          type.getConstructor(SessionStore.class, ChatModel.class)
              .newInstance(store, new SessionChatMemoryStoreBehaviour.CountingModel());
      var ask = type.getMethod("ask", Caller.class, String.class, String.class);

      assertThat(ask.invoke(assistant, alice, "default", "hello")).isEqualTo("answer to hello");
      assertThat(ask.invoke(assistant, alice, "default", "again")).isEqualTo("answer to again");

      assertThat(store.list(alice, SessionQuery.limit(10)).sessions())
          .singleElement()
          .satisfies(session -> assertThat(session.messageCount()).isEqualTo(4));
    }
  }
}
