package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the secret scan's summary is written, so that test JVMs side by side each keep theirs. */
class SuiteLogSummaryTest {

  @Test
  void theSummary_isNamedAfterTheSuiteLog_nextToIt() {
    assertThat(SuiteLogSummary.summaryFile("target/test-logs/suite-2.log", "target/test-logs"))
        .contains(Path.of("target/test-logs/suite-2.scan-summary.txt"));
  }

  @Test
  void withoutASuiteLog_theSummaryGoesToTheLogsDirectory() {
    assertThat(SuiteLogSummary.summaryFile("", "target/test-logs"))
        .contains(Path.of("target/test-logs/scan-summary.txt"));
  }

  @Test
  void withNeither_thereIsNoSummaryFile() {
    assertThat(SuiteLogSummary.summaryFile(" ", "")).isEmpty();
  }
}
