package dev.codebasechat.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
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
  private static final Path README = Path.of("README.md");
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

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
      import dev.codebasechat.sync.*;
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

  private static List<String> javaBlocks() throws IOException {
    Matcher blocks = JAVA_BLOCK.matcher(Files.readString(README, StandardCharsets.UTF_8));
    List<String> found = new ArrayList<>();
    while (blocks.find()) {
      found.add(blocks.group(1));
    }
    return found;
  }

  @Test
  void theReadme_hasJavaBlocksToCheck() throws IOException {
    assertThat(javaBlocks()).hasSizeGreaterThanOrEqualTo(4);
  }

  @Test
  void everyFragment_compilesAsWritten() throws IOException {
    List<String> sources = new ArrayList<>();
    int n = 0;
    for (String block : javaBlocks()) {
      n++;
      if (block.contains("class ") || READERS_OWN.stream().anyMatch(block::contains)) {
        continue; // whole classes are compiled and run below
      }
      if (block.startsWith(ADAPTER_MARK)) {
        continue; // compiled by that adapter module's ReadmeSnippetsTest, on its classpath
      }
      sources.add(
          FRAGMENT_IMPORTS
              + "\nclass ReadmeFragment"
              + n
              + " {\n  void run("
              + GIVEN
              + ") throws Exception {\n"
              + block
              + "\n  }\n}\n");
    }

    assertThat(sources).isNotEmpty();
    assertThat(compile(sources)).as("compiler diagnostics").isEmpty();
  }

  @Test
  void theTestClassItShows_compilesAndPasses() throws Exception {
    String shown =
        javaBlocks().stream()
            .filter(block -> block.contains("class ChatHistoryTest"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the README no longer shows ChatHistoryTest"));

    assertThat(compile(List.of(shown))).as("compiler diagnostics").isEmpty();
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

  /**
   * Compiles {@code sources} into {@link #out}; the errors, one line each (empty when it compiled).
   */
  private List<String> compile(List<String> sources) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Matcher name = Pattern.compile("class (\\w+)").matcher(sources.get(i));
      Path file = out.resolve((name.find() ? name.group(1) : "Snippet" + i) + ".java");
      Files.writeString(file, sources.get(i), StandardCharsets.UTF_8);
      files.add(file);
    }
    try (StandardJavaFileManager fileManager =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of(
              "-d",
              out.toString(),
              "-classpath",
              System.getProperty("java.class.path"),
              "-proc:none",
              "-Xlint:none");
      javac
          .getTask(
              null,
              fileManager,
              diagnostics,
              options,
              null,
              fileManager.getJavaFileObjectsFromPaths(files))
          .call();
    }
    return diagnostics.getDiagnostics().stream()
        .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
        .map(
            d ->
                d.getSource().getName()
                    + ":"
                    + d.getLineNumber()
                    + ": "
                    + d.getMessage(Locale.ROOT))
        .toList();
  }
}
