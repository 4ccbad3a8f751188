package dev.codebasechat.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.ops.PromqlSelectors.Selector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the metric-name check reads out of an expression: metrics, never keywords or labels. */
class PromqlSelectorsTest {

  @Test
  void aggregationWithGrouping_yieldsTheMetricAndItsEqualityMatchers() {
    assertThat(
            PromqlSelectors.of(
                "histogram_quantile(0.99, sum by (le, route) (rate(http_server_requests_seconds_bucket"
                    + "{job=\"$job\", instance=~\"$instance\", route!~\"/healthz|/readyz\","
                    + " cache=\"sessions\"}[$__rate_interval])))"))
        .containsExactly(
            new Selector("http_server_requests_seconds_bucket", Map.of("cache", "sessions")));
  }

  @Test
  void binaryOperatorsAndModifiers_areNotMetrics() {
    assertThat(
            PromqlSelectors.of(
                "gateway_journal_size_bytes > 64 * 1024 * 1024 and gateway_journal_size_bytes >"
                    + " 1.5 * (gateway_journal_size_bytes offset 1h) or on (instance) group_left"
                    + " (job) up == bool 0 unless ignoring(x) vector(1)"))
        .extracting(Selector::metric)
        .containsExactly(
            "gateway_journal_size_bytes",
            "gateway_journal_size_bytes",
            "gateway_journal_size_bytes",
            "up");
  }

  @Test
  void aggregationsWithTheClauseAfter_stringsAndSubqueries_areSkipped() {
    assertThat(
            PromqlSelectors.of(
                "sum(rate(a_total{x='1'}[5m:1m] @ 1609746000)) by (instance) / count without"
                    + " (le) (label_replace(b, \"dst\", \"$1\", \"src\", \"(.*)\"))"))
        .containsExactly(new Selector("a_total", Map.of("x", "1")), new Selector("b", Map.of()));
  }

  @Test
  void nameInsideTheBraces_isTheMetric() {
    assertThat(PromqlSelectors.of("{__name__=\"sessions_pending_writes\", instance=\"gw-1\"}"))
        .containsExactly(new Selector("sessions_pending_writes", Map.of("instance", "gw-1")));
  }

  @Test
  void recordingRuleNamesWithColons_andEscapedQuotes_areRead() {
    assertThat(PromqlSelectors.of("job:requests:rate5m{route=\"a\\\"b\"} > 0"))
        .containsExactly(new Selector("job:requests:rate5m", Map.of("route", "a\"b")));
  }
}
