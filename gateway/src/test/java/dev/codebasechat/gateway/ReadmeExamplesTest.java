package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.codebasechat.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README's "try it" block, run as written with bash and curl against a gateway on the embedded
 * default. Two substitutions only: the port (the README says 8080, the test takes a free one) and
 * the token, which comes from the same {@code token} subcommand run in-process instead of through
 * {@code scripts/gateway} (that script would start a Maven build inside the test run).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeExamplesTest {
  private static final Pattern TOKEN_LINE =
      Pattern.compile("\\$\\(scripts/gateway token --user ([0-9a-f-]{36})\\)");

  @TempDir Path dataDir;

  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /**
   * Every Java block the README introduces with {@code <!-- example: <file> -->} is that file (a
   * test the build compiles and runs), without its package line, class comment and markers.
   */
  @Test
  void readmeJavaExamples_areTheTestFilesTheyName() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    Matcher example =
        Pattern.compile("<!-- example: (\\S+) -->\n```java\n(.*?)\n```", Pattern.DOTALL)
            .matcher(readme);
    int found = 0;
    while (example.find()) {
      found++;
      String source = Files.readString(Path.of(example.group(1)), StandardCharsets.UTF_8);
      String expected =
          source
              .lines()
              .filter(
                  line ->
                      !line.startsWith("package ")
                          && !line.startsWith("/** The README")
                          && !line.contains("README-EXAMPLE-"))
              .collect(java.util.stream.Collectors.joining("\n"))
              .replaceAll("\n{3,}", "\n\n")
              .strip();
      assertThat(example.group(2).strip()).as(example.group(1)).isEqualTo(expected);
    }
    assertThat(found).as("examples in the README").isPositive();
  }

  @Test
  void theThreeCurlCallsOfTheReadme_workAsWritten() throws Exception {
    assumeThat(onPath("curl")).as("curl is installed").isTrue();
    String block = tryItBlock(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8));
    Matcher tokenCommand = TOKEN_LINE.matcher(block);
    assertThat(tokenCommand.find()).as("the block mints its token with the token command").isTrue();
    assertThat(block.split("\ncurl ", -1)).as("three curl calls").hasSize(4);
    Map<String, String> environment = Map.of("DATA_DIR", dataDir.toString());
    gateway =
        Gateway.builder(Settings.fromEnvironment(environment)).host("127.0.0.1").port(0).start();
    String token = runTokenCommand(environment, tokenCommand.group(1));

    String script =
        tokenCommand
            .replaceFirst(Matcher.quoteReplacement("$README_TOKEN"))
            .replace("localhost:8080", "localhost:" + gateway.port());
    List<JsonNode> answers = runBash(script, token);

    assertThat(answers).hasSize(3);
    assertThat(answers.get(0).path("success").asBoolean()).isTrue();
    assertThat(answers.get(0).path("count").asInt()).isEqualTo(1);
    assertThat(answers.get(1).path("history").get(0).path("content").asText())
        .isEqualTo("How do I read a file in Java?");
    assertThat(answers.get(1).path("count").asInt()).isEqualTo(1);
    assertThat(answers.get(2).path("sessions")).hasSize(1);
    assertThat(answers.get(2).path("sessions").get(0).path("id").asText())
        .isEqualTo(answers.get(0).path("sessionId").asText());
  }

  /** The first bash block of the README's Gateway section. */
  private static String tryItBlock(String readme) {
    int section = readme.indexOf("\n## Gateway");
    assertThat(section).as("README has a Gateway section").isPositive();
    int start = readme.indexOf("```bash\n", section);
    int end = readme.indexOf("\n```", start + 8);
    assertThat(start).isPositive();
    return readme.substring(start + "```bash\n".length(), end + 1);
  }

  private static String runTokenCommand(Map<String, String> environment, String user) {
    StringWriter out = new StringWriter();
    CommandLine commandLine = Main.commandLine(environment, Clock.systemUTC());
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(new StringWriter()));
    assertThat(commandLine.execute("token", "--user", user)).isZero();
    return dev.codebasechat.testing.TestSecrets.register(out.toString().strip());
  }

  private static List<JsonNode> runBash(String script, String token)
      throws IOException, InterruptedException {
    ProcessBuilder bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script);
    bash.environment().put("README_TOKEN", token);
    bash.redirectErrorStream(false);
    Process process = bash.start();
    byte[] stdout = process.getInputStream().readAllBytes();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("bash exit; stderr: %s", stderr).isZero();
    try (MappingIterator<JsonNode> values =
        GatewayClient.JSON.readerFor(JsonNode.class).readValues(stdout)) {
      return values.readAll();
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
