package dev.codebasechat.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The README's Java blocks compile as written against this build, and the complete test class it
 * shows runs and passes. A fragment is compiled as the body of a method whose parameters are the
 * names the README leaves to the reader ({@code userJwt}, {@code clock}, …); a block that names the
 * reader's own classes ({@code MyService}) is left out, and said so in {@link #READERS_OWN}.
 */
class ReadmeJavaSnippetsTest {

  /** Blocks that use classes of the reader's own service, which this build does not have. */
  private static final List<String> READERS_OWN = List.of("MyService");

  /** The first line of a block of an adapter module, e.g. {@code // chat-session-spring-ai}. */
  static final String ADAPTER_MARK = "// chat-session-";

  private static final String FRAGMENT_IMPORTS =
      """
      import com.fasterxml.jackson.databind.JsonNode;
      import dev.codebasechat.auth.*;
      import dev.codebasechat.postgrest.*;
      import dev.codebasechat.session.*;
      import dev.codebasechat.embedded.*;
      import dev.codebasechat.journal.*;
      import dev.codebasechat.resilience.*;
      import dev.codebasechat.sqlite.*;
      import dev.codebasechat.writebehind.*;
      import java.net.URI;
      import java.nio.file.Path;
      import java.time.*;
      import java.util.*;
      """;

  /** What a fragment may use without declaring it: the values the README leaves to the reader. */
  private static final String GIVEN =
      "String anonOrPublishableKey, String publishableKey, String userJwt, String sessionId, UUID verifiedUserId,"
          + " Clock clock, String header";

  @TempDir Path out;

  @Test
  void theReadme_hasJavaBlocksToCheck() throws IOException {
    assertThat(JavaBlocks.inReadme()).hasSizeGreaterThanOrEqualTo(4);
  }

  @Test
  void everyFragment_compilesAsWritten() throws IOException {
    List<String> sources = new ArrayList<>();
    int n = 0;
    for (String block : JavaBlocks.inReadme()) {
      n++;
      if (block.contains("class ") || READERS_OWN.stream().anyMatch(block::contains)) {
        continue; // whole classes are compiled and run below
      }
      if (block.startsWith(ADAPTER_MARK)) {
        continue; // compiled by that adapter module's ReadmeSnippetsTest, on its classpath
      }
      sources.add(JavaBlocks.asMethodBody("ReadmeFragment" + n, FRAGMENT_IMPORTS, GIVEN, block));
    }

    assertThat(sources).isNotEmpty();
    assertThat(JavaBlocks.compile(sources, out)).as("compiler diagnostics").isEmpty();
  }

  @Test
  void theTestClassItShows_compilesAndPasses() throws Exception {
    String shown =
        JavaBlocks.inReadme().stream()
            .filter(block -> block.contains("class ChatHistoryTest"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the README no longer shows ChatHistoryTest"));

    assertThat(JavaBlocks.compile(List.of(shown), out)).as("compiler diagnostics").isEmpty();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
      Class<?> test = loader.loadClass("ChatHistoryTest");
      SummaryGeneratingListener listener = new SummaryGeneratingListener();
      Launcher launcher = LauncherFactory.create();
      launcher.execute(
          LauncherDiscoveryRequestBuilder.request().selectors(selectClass(test)).build(), listener);
      TestExecutionSummary summary = listener.getSummary();

      assertThat(summary.getFailures()).as("failures").isEmpty();
      assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    }
  }
}
