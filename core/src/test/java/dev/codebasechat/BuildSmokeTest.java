package dev.codebasechat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BuildSmokeTest {
  @Test
  void runsOnJava17OrNewer() {
    assertThat(Runtime.version().feature()).isGreaterThanOrEqualTo(17);
  }
}
