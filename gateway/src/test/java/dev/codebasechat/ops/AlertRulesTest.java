package dev.codebasechat.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the dashboard's queries, read by Prometheus's own parser and evaluator:
 * {@code promtool check rules} on the rules, {@code promtool test rules} on their unit tests (each
 * alert shown firing by at least one of them), and every dashboard query parsed the same way.
 * Skipped, with a message saying so, where promtool is not installed.
 */
class AlertRulesTest {

  @Test
  void alertRules_passPromtoolCheck() {
    Commands.Result check = Promtool.run("check", "rules", OpsFiles.ALERTS.toString());

    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output())
        .contains("SUCCESS: " + OpsFiles.alertNames().size() + " rules found");
  }

  @Test
  void alertRules_passTheirUnitTests() {
    Commands.Result test = Promtool.run("test", "rules", OpsFiles.ALERT_TESTS.toString());

    assertThat(test.exit()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void everyAlert_isShownFiringByAUnitTest() {
    Set<String> firing = new HashSet<>();
    for (JsonNode test : OpsFiles.read(OpsFiles.ALERT_TESTS).path("tests")) {
      for (JsonNode expectation : test.path("alert_rule_test")) {
        if (!expectation.path("exp_alerts").isEmpty()) {
          firing.add(expectation.path("alertname").asText());
        }
      }
    }

    assertThat(OpsFiles.alertNames())
        .containsExactlyInAnyOrder(
            "GatewayDatabaseUnreachable",
            "GatewayPendingWritesStale",
            "GatewayWritesSetAside",
            "GatewayJournalGrowing",
            "GatewayHighErrorRatio",
            "GatewayNotReady");
    assertThat(firing).containsExactlyInAnyOrderElementsOf(OpsFiles.alertNames());
  }

  /**
   * Each panel query, its Grafana variables given values, as a recording rule: promtool parses it
   * with Prometheus's parser and names the panel of one it cannot read.
   */
  @Test
  void dashboardQueries_parseAsPromql(@TempDir Path dir) throws IOException {
    List<OpsFiles.Query> queries = OpsFiles.dashboardQueries();
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < queries.size(); i++) {
      rules
          .append("      # ")
          .append(queries.get(i).where())
          .append("\n      - record: dashboard:query_")
          .append(i)
          .append("\n        expr: ")
          .append(
              OpsFiles.JSON.writeValueAsString(
                  OpsFiles.withVariablesResolved(queries.get(i).expr())))
          .append('\n');
    }
    Path file = dir.resolve("dashboard-queries.yml");
    Files.writeString(file, rules, StandardCharsets.UTF_8);

    Commands.Result check = Promtool.run("check", "rules", file.toString());

    assertThat(check.exit()).as(check.output() + "\n" + rules).isZero();
    assertThat(check.output()).contains("SUCCESS: " + queries.size() + " rules found");
  }
}
