package dev.codebasechat.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/gateway} (which {@code scripts/serve} runs) builds when it has to and starts Java
 * with the gateway's classpath. Run on a copy of the script in a scratch checkout, with stand-ins
 * for {@code mvn} and {@code java} on the {@code PATH} that say what they were given.
 */
class GatewayScriptTest {
  @TempDir Path checkout;

  private Path bin;

  /** A scratch checkout holding the script, a pom and the gateway's sources. */
  private void scratchCheckout() throws IOException {
    Files.createDirectories(checkout.resolve("scripts"));
    Files.copy(Path.of("scripts/gateway"), checkout.resolve("scripts/gateway"));
    Files.writeString(checkout.resolve("pom.xml"), "<project/>");
    Files.createDirectories(checkout.resolve("gateway/src/main/java"));
    Files.writeString(checkout.resolve("gateway/pom.xml"), "<project/>");
    bin = Files.createDirectories(checkout.resolve("bin"));
    // java: prints its arguments.
    executable("java", "echo \"java $*\"");
  }

  /**
   * A stand-in for {@code mvn} that writes {@code classpath} where {@code -Dmdep.outputFile} says,
   * creates the compiled classes' directory, and exits with {@code exit}: a build of the modules
   * before the gateway writes their classpath there too, before the gateway's.
   */
  private void mvnWriting(String classpath, int exit) throws IOException {
    executable(
        "mvn",
        String.join(
            "\n",
            "echo built >> \"" + checkout.resolve("builds") + "\"",
            "for a in \"$@\"; do case \"$a\" in -Dmdep.outputFile=*) out=\"${a#*=}\";; esac; done",
            "mkdir -p gateway/target/classes",
            "printf %s '" + classpath + "' > \"$out\"",
            "exit " + exit));
  }

  private void executable(String name, String body) throws IOException {
    Path file = bin.resolve(name);
    Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Commands.Result gateway() {
    return Commands.run(
        List.of("bash", checkout.resolve("scripts/gateway").toString(), "--help"),
        Map.of("PATH", bin + ":" + System.getenv("PATH")),
        Duration.ofSeconds(30));
  }

  private long builds() throws IOException {
    Path builds = checkout.resolve("builds");
    return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
  }

  @Test
  void aBuildStoppedPartWay_isBuiltAgainAtTheNextRun_notStartedWithAnotherModulesClasspath()
      throws IOException {
    scratchCheckout();
    mvnWriting("/m2/the-core-modules-classpath.jar", 130);
    assertThat(gateway().exit()).as("the stopped build").isEqualTo(130);

    mvnWriting("/m2/the-gateways-classpath.jar", 0);
    Commands.Result next = gateway();

    assertThat(builds()).isEqualTo(2);
    assertThat(next.out())
        .contains("gateway/target/classes:/m2/the-gateways-classpath.jar")
        .contains("dev.codebasechat.cli.Main --help");
  }

  @Test
  void aCompleteBuild_isNotRepeated_whileNothingChanged() throws IOException {
    scratchCheckout();
    mvnWriting("/m2/the-gateways-classpath.jar", 0);
    gateway();

    Commands.Result again = gateway();

    assertThat(builds()).isEqualTo(1);
    assertThat(again.out()).contains("gateway/target/classes:/m2/the-gateways-classpath.jar");
  }
}
