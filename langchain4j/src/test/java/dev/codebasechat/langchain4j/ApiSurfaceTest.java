package dev.codebasechat.langchain4j;

import dev.codebasechat.apisurface.ApiSurface;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The adapter's public API is its checked-in API file: a change of it shows in review. */
class ApiSurfaceTest {

  @Test
  void adapter_publicApi_isTheCheckedInOne() throws IOException {
    ApiSurface.assertMatches(
        SessionChatMemoryStore.class, Path.of("langchain4j/api/chat-session-langchain4j.api"));
  }
}
