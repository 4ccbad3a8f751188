package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.ManualClock;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OperatorHelpTest {

  @ParameterizedTest
  @ValueSource(strings = {"token", "sessions", "stats", "set-aside", "recover", "drain"})
  void help_ofEachCommand_documentsItsModesAndExitCodes(String command) {
    Cli.Result result = Cli.run(Map.of(), ManualClock.startingAtEpoch2026(), command, "--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .contains("Usage: chat-gateway " + command)
        .contains("Exit codes: 0")
        .contains("mbedded");
  }

  @ParameterizedTest
  @ValueSource(strings = {"token", "sessions", "stats", "set-aside", "recover", "drain"})
  void root_listsEachCommand(String command) {
    Cli.Result result = Cli.run(Map.of(), ManualClock.startingAtEpoch2026());

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("  " + command);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sessions", "stats", "set-aside", "drain"})
  void unknownSetting_exits2NamingIt(String command) {
    Cli.Result result =
        Cli.run(Map.of("GATEWAY_TYPO", "1"), ManualClock.startingAtEpoch2026(), command);

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .isEqualTo(
            "chat-gateway "
                + command
                + ": invalid settings: GATEWAY_TYPO is not a setting this gateway knows"
                + System.lineSeparator());
  }
}
