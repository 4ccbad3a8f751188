package dev.codebasechat.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.gateway.Gateway;
import dev.codebasechat.gateway.Settings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's two scripts, run with bash as the image runs them (its {@code ENTRYPOINT} and {@code
 * HEALTHCHECK}) without building the image: the entry point with this JVM and this test's class
 * path in place of the image's, the health check against a real gateway. The image itself is tested
 * by {@code ContainerImageIT} where podman can build it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImageScriptsTest {
  private static final Path ENTRY_POINT = Path.of("gateway/image/chat-gateway");
  private static final Path HEALTHCHECK = Path.of("gateway/image/healthcheck");

  @TempDir Path dir;

  private record Run(int exit, String out) {}

  private static Run bash(Path script, Map<String, String> environment, String... arguments)
      throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("JAVA_OPTS"); // unless the test sets it
    builder.environment().putAll(environment);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), out);
  }

  /** The entry point with this JVM and this test's class path in place of the image's. */
  private Path entryPointHere() throws IOException {
    String script =
        Files.readString(ENTRY_POINT)
            .replace(
                "/opt/java/bin/java",
                Path.of(System.getProperty("java.home"), "bin", "java").toString())
            .replace(
                "/opt/chat-gateway/lib/*:/opt/chat-gateway/app/*",
                System.getProperty("java.class.path"));
    return Files.writeString(dir.resolve("chat-gateway"), script);
  }

  @Test
  void entryPoint_startsTheCommandLine() throws Exception {
    Run help = bash(entryPointHere(), Map.of(), "--help");

    assertThat(help.exit()).as(help.out()).isZero();
    assertThat(help.out()).contains("Usage: chat-gateway");
  }

  @Test
  void entryPoint_passesJavaOptsToTheJvm() throws Exception {
    Run help = bash(entryPointHere(), Map.of("JAVA_OPTS", "-XshowSettings:properties"), "--help");

    assertThat(help.exit()).as(help.out()).isZero();
    assertThat(help.out()).contains("Property settings:", "Usage: chat-gateway");
  }

  @Test
  void healthcheck_passesForAServingGateway_andFailsWhereNothingListens() throws Exception {
    int unused;
    try (ServerSocket socket = new ServerSocket(0)) {
      unused = socket.getLocalPort();
    }
    try (Gateway gateway =
        Gateway.builder(Settings.fromEnvironment(Map.of("DATA_DIR", dir.toString())))
            .host("127.0.0.1")
            .port(0)
            .start()) {

      Run serving = bash(HEALTHCHECK, Map.of("PORT", Integer.toString(gateway.port())));
      Run nothing = bash(HEALTHCHECK, Map.of("PORT", Integer.toString(unused)));

      assertThat(serving.exit()).as(serving.out()).isZero();
      assertThat(nothing.exit()).isNotZero();
    }
  }
}
