package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drain} draws its bar only when standard error is a terminal: asked of real processes whose
 * standard error is and is not the terminal their other streams are on (util-linux's {@code script}
 * gives them one).
 */
@Timeout(60)
class StandardErrorTest {
  private static final Path SCRIPT = Path.of("/usr/bin/script");

  @TempDir Path dir;

  /** Whether the probe, run on a terminal through {@code shellRedirection}, saw one on stderr. */
  private String probeOnATerminal(String shellRedirection) throws Exception {
    assumeTrue(
        Files.isExecutable(SCRIPT)
            && new ProcessBuilder(SCRIPT.toString(), "-qec", "true", "/dev/null")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectErrorStream(true)
                    .start()
                    .waitFor()
                == 0,
        "util-linux's script is not installed or cannot open a terminal here");
    Path answer = dir.resolve("answer");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command =
        String.join(
            " ",
            "'" + java + "'",
            "-cp",
            "'" + System.getProperty("java.class.path") + "'",
            TerminalProbe.class.getName(),
            "'" + answer + "'",
            shellRedirection);
    Process process =
        new ProcessBuilder(List.of(SCRIPT.toString(), "-qec", command, "/dev/null"))
            .redirectOutput(dir.resolve("script.out").toFile())
            .redirectErrorStream(true)
            .start();
    assertThat(process.waitFor(50, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("script.out"))).isZero();
    return Files.readString(answer);
  }

  @Test
  void standardErrorRedirectedToAFile_isNoTerminal_evenWithStandardOutputOnOne() throws Exception {
    assertThat(probeOnATerminal("2>'" + dir.resolve("drain.log") + "'")).isEqualTo("false");
  }

  @Test
  void standardErrorOnTheTerminal_isOne_evenWithStandardOutputPiped() throws Exception {
    assertThat(probeOnATerminal("| cat >/dev/null")).isEqualTo("true");
  }

  @Test
  void thisTestsStandardError_aPipeToTheBuild_isNoTerminal() {
    assertThat(StandardError.isTerminal()).isFalse();
  }

  @Test
  void terminalDevices_areTold_fromFilesAndPipes() {
    assertThat(StandardError.isTerminalDevice("/dev/pts/3")).isTrue();
    assertThat(StandardError.isTerminalDevice("/dev/tty1")).isTrue();
    assertThat(StandardError.isTerminalDevice("/var/log/drain.log")).isFalse();
    assertThat(StandardError.isTerminalDevice("pipe:[123456]")).isFalse();
    assertThat(StandardError.isTerminalDevice("/dev/null")).isFalse();
  }
}
