package dev.codebasechat.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.readme.JavaBlocks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's blocks for this module compile as written, against this module's classpath. */
class ReadmeSnippetsTest {
  private static final String MARK = "// chat-session-langchain4j\n";
  private static final String IMPORTS =
      """
      import dev.codebasechat.langchain4j.*;
      import dev.codebasechat.memory.*;
      import dev.codebasechat.session.*;
      import dev.langchain4j.memory.chat.MessageWindowChatMemory;
      import dev.langchain4j.model.chat.ChatModel;
      import dev.langchain4j.service.*;
      import dev.langchain4j.store.memory.chat.ChatMemoryStore;
      """;
  private static final String GIVEN =
      "SessionStore sessions, ChatModel model, Caller caller, String conversationId, String question";

  @TempDir Path out;

  @Test
  void theBlocksForThisModule_compileAsWritten() throws IOException {
    List<String> sources = JavaBlocks.markedAsMethodBodies(MARK, IMPORTS, GIVEN);

    assertThat(sources).isNotEmpty();
    assertThat(JavaBlocks.compile(sources, out)).as("compiler diagnostics").isEmpty();
  }
}
