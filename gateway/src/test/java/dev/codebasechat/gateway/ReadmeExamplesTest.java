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
 * The "try it" blocks of the README and of docs/http-api.md, run as written with bash and curl
 * against a gateway on the embedded default; and the examples the docs show as test files are those
 * files. Two substitutions only: the port (the README says 8080, the test takes a free one) and the
 * token, which comes from the same {@code token} subcommand run in-process instead of through
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
    StringBuilder documents = new StringBuilder(Files.readString(Path.of("README.md")));
    try (var docs = Files.list(Path.of("docs"))) {
      for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        documents.append('\n').append(Files.readString(doc, StandardCharsets.UTF_8));
      }
    }
    Matcher example =
        Pattern.compile("<!-- example: (\\S+) -->\n```java\n(.*?)\n```", Pattern.DOTALL)
            .matcher(documents);
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
                          && !line.startsWith("/** The example")
                          && !line.contains("README-EXAMPLE-"))
              .collect(java.util.stream.Collectors.joining("\n"))
              .replaceAll("\n{3,}", "\n\n")
              .strip();
      assertThat(example.group(2).strip()).as(example.group(1)).isEqualTo(expected);
    }
    assertThat(found).as("examples in the README and the docs").isPositive();
  }

  @Test
  void theThreeCurlCallsOfTheHttpApiDoc_workAsWritten() throws Exception {
    assumeThat(onPath("curl")).as("curl is installed").isTrue();
    String block =
        firstBashBlock(Files.readString(Path.of("docs/http-api.md"), StandardCharsets.UTF_8));
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

  @Test
  void theCurlCallOfTheReadme_createsASession() throws Exception {
    assumeThat(onPath("curl")).as("curl is installed").isTrue();
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    String block = firstBashBlock(readme.substring(readme.indexOf("\n## The gateway")));
    Matcher tokenCommand = TOKEN_LINE.matcher(block);
    assertThat(tokenCommand.find()).as("the block mints its token with the token command").isTrue();
    Map<String, String> environment = Map.of("DATA_DIR", dataDir.toString());
    gateway =
        Gateway.builder(Settings.fromEnvironment(environment)).host("127.0.0.1").port(0).start();
    String token = runTokenCommand(environment, tokenCommand.group(1));

    List<JsonNode> answers =
        runBash(
            tokenCommand
                .replaceFirst(Matcher.quoteReplacement("$README_TOKEN"))
                .replace("localhost:8080", "localhost:" + gateway.port()),
            token);

    assertThat(answers)
        .singleElement()
        .satisfies(
            created -> {
              assertThat(created.path("id").asText()).startsWith("chat-");
              assertThat(created.path("repo").asText()).isEqualTo("acme/app");
            });
  }

  /** The first bash block of {@code document}. */
  private static String firstBashBlock(String document) {
    int start = document.indexOf("```bash\n");
    assertThat(start).as("a bash block").isNotNegative();
    int end = document.indexOf("\n```", start + 8);
    return document.substring(start + "```bash\n".length(), end + 1);
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
