package dev.codebasechat.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * {@code docs/testing.md} shows complete tests a user copies into a project: each section's Java
 * blocks (the service under test and its test classes) compile as written, and every test class
 * they show runs and passes, the fake's on {@code FakeSupabase} and the SQL one on {@code
 * SupabaseTestServer}.
 */
class TestingDocTest {
  private static final Path DOC = Path.of("docs", "testing.md");

  @TempDir Path out;

  @Test
  void everySectionsTests_compileAsShown_andPass() throws Exception {
    Map<String, List<String>> sections = JavaBlocks.bySection(DOC);

    assertThat(sections)
        .containsKeys("Against the fake (in memory)", "Against real SQL (the PostgreSQL backend)");
    for (Map.Entry<String, List<String>> section : sections.entrySet()) {
      Path classes = Files.createDirectories(out.resolve("section" + section.getKey().hashCode()));
      assertThat(JavaBlocks.compile(section.getValue(), classes))
          .as("compiler diagnostics of %s", section.getKey())
          .isEmpty();
      List<String> tests =
          section.getValue().stream()
              .map(JavaBlocks::className)
              .filter(name -> name.endsWith("Test"))
              .toList();
      assertThat(tests).as("test classes of %s", section.getKey()).isNotEmpty();
      try (URLClassLoader loader =
          new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String test : tests) {
          request.selectors(selectClass(loader.loadClass(test)));
        }
        TestExecutionSummary summary = run(request.build());

        assertThat(summary.getFailures()).as("failures in %s", section.getKey()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).as(section.getKey()).isPositive();
      }
    }
  }

  private static TestExecutionSummary run(LauncherDiscoveryRequest request) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(request, listener);
    return listener.getSummary();
  }
}
