package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.auth.LocalJwtSecret;
import dev.codebasechat.auth.SupabaseJwtVerifier;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.testing.TestSecrets;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TOKEN=$(scripts/gateway token --user <uuid>)} as a real process: standard output carries
 * the token and nothing else (logs go to standard error), with the main code's own logging setup.
 */
@Timeout(60)
class TokenProcessTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");

  @TempDir Path dataDir;

  private record Run(int exitCode, String out, String err) {}

  private Run run(String... args) throws Exception {
    // The main classes and their dependencies, without the tests' logging configuration.
    String classpath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.endsWith("test-classes"))
            .collect(Collectors.joining(File.pathSeparator));
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classpath,
                Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder
        .environment()
        .keySet()
        .removeIf(name -> name.startsWith("SUPABASE_") || name.startsWith("GATEWAY_"));
    builder.environment().put("DATA_DIR", dataDir.toString());
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    TestSecrets.assertNoSecretIn(
        err, "chat-gateway " + String.join(" ", args) + " (standard error)");
    return new Run(process.exitValue(), out, err);
  }

  @Test
  void token_asAProcess_printsOnlyTheTokenOnStandardOutput() throws Exception {
    LocalJwtSecret.loadOrCreate(dataDir); // as the gateway's first start makes it
    Run run = run("token", "--user", ALICE.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\R");
    SupabaseJwtVerifier verifier =
        SupabaseJwtVerifier.builder()
            .jwtSecret(LocalJwtSecret.loadOrCreate(dataDir).value())
            .issuer(Settings.EMBEDDED_TOKEN_ISSUER)
            .build();
    assertThat(verifier.verify(run.out().strip()).userId()).isEqualTo(ALICE);
    assertThat(run.err()).doesNotContain(run.out().strip());
  }

  @Test
  void token_asAProcessWithoutTheGatewaysSecret_exits1_printsNoToken_andCreatesNoSecret()
      throws Exception {
    Run run = run("token", "--user", ALICE.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains("no JWT secret at " + dataDir.resolve(LocalJwtSecret.FILE_NAME).toAbsolutePath())
        .contains("DATA_DIR=");
    assertThat(dataDir.resolve(LocalJwtSecret.FILE_NAME)).doesNotExist();
  }

  @Test
  void token_badUuidAsAProcess_exits2WithNothingOnStandardOutput() throws Exception {
    Run run = run("token", "--user", "nobody");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("nobody").doesNotContain("\tat ");
  }
}
