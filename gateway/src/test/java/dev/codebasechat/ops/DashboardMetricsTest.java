package dev.codebasechat.ops;

import static dev.codebasechat.ops.ChatCalls.awaitNothingPending;
import static dev.codebasechat.ops.ChatCalls.createSession;
import static dev.codebasechat.ops.ChatCalls.expect;
import static dev.codebasechat.ops.ChatCalls.get;
import static dev.codebasechat.ops.ChatCalls.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codebasechat.e2e.GatewayProcess;
import dev.codebasechat.gateway.Gateway;
import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.ops.OpsFiles.Query;
import dev.codebasechat.ops.PromqlSelectors.Selector;
import dev.codebasechat.testing.SupabaseTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the dashboard and the alert rules query is in the {@code /metrics} of a running
 * gateway: one in Supabase mode with a journal (the mode that exports every meter) over the
 * PostgREST-compatible test server, after chat traffic that touched every route family, a
 * revalidation, a confirmed write and a GC. For each selector of each query: the metric exists
 * under that exact sample name (a histogram's {@code _bucket}, {@code _count}, {@code _sum} as
 * exported) and some series carries the label values its {@code label="value"} matchers require. A
 * renamed metric or label value fails it, naming the query. And {@code gateway_ready} reads 1, not
 * NaN, after the GC (a gauge whose state object only it holds loses it to the first collection).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardMetricsTest {
  /** Series Prometheus makes itself for each target, not the gateway. */
  private static final Set<String> MADE_BY_PROMETHEUS =
      Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");

  /** Labels Prometheus attaches to every series it scrapes (the target's), absent from /metrics. */
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance");

  private final SupabaseTestServer supabase = SupabaseTestServer.create();
  private Gateway gateway;
  private MetricsScrape scrape;
  private String readyValue;

  @BeforeAll
  void scrapeAGatewayThatServedChatTraffic(@TempDir Path dataDir) {
    supabase.start();
    // The environment the end-to-end tests run gateways with, in process here.
    Map<String, String> env = new HashMap<>(GatewayProcess.supabaseMode(supabase, dataDir));
    env.put("GATEWAY_DEBOUNCE_MS", "20");
    env.put("GATEWAY_CACHE_FRESHNESS_MS", "200");
    gateway = Gateway.builder(Settings.fromEnvironment(env)).host("127.0.0.1").port(0).start();
    GatewayClient client = new GatewayClient(gateway.port());
    String token = supabase.tokenFor(supabase.newUser());
    String id = createSession(client, token);
    for (int i = 0; i < 3; i++) {
      expect(200, client.post("/v1/sessions/" + id + "/messages", token, message("m" + i)));
    }
    String compat = "chat-1737201600000-dashboard01";
    expect(
        200,
        client.post(
            "/api/codebase/chat", token, "{\"sessionId\":\"" + compat + "\",\"message\":\"hi\"}"));
    awaitNothingPending(client);
    // A read of a held copy older than the freshness bound revalidates it: the revalidation meters.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              expect(200, client.get("/v1/sessions/" + id, token));
              return scrape(client)
                  .hasSeries(
                      "postgrest_requests_seconds_count", Map.of("table", "chat_session_changes"));
            });
    expect(200, client.get("/api/codebase/chat?sessionId=" + compat, token));
    expect(200, client.get("/v1/sessions", token));
    expect(404, client.get("/v1/sessions/chat-1737201600000-nosuchone01", token));
    // The GC meters appear with the first collection after the gateway started.
    System.gc();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> scrape(client).has("jvm_gc_pause_seconds_count"));
    String text = get(client, "/metrics").text();
    scrape = MetricsScrape.parse(text);
    readyValue =
        text.lines()
            .filter(l -> l.startsWith("gateway_ready "))
            .findFirst()
            .orElse("")
            .replace("gateway_ready ", "");
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    supabase.close();
  }

  @Test
  void everyMetricTheAlertRulesQuery_isExported() {
    List<Query> queries = OpsFiles.ruleQueries();

    assertThat(selectors(queries)).hasSizeGreaterThanOrEqualTo(queries.size());
    assertThat(problems(queries, scrape)).isEmpty();
  }

  @Test
  void everyMetricTheDashboardQueries_isExported() {
    List<Query> queries = OpsFiles.dashboardQueries();

    assertThat(selectors(queries)).hasSizeGreaterThanOrEqualTo(queries.size());
    assertThat(problems(queries, scrape)).isEmpty();
  }

  /** Scraped after a full GC: a gauge whose state the GC took would read NaN. */
  @Test
  void gatewayReady_isOneWhileServing_afterAGarbageCollection() {
    assertThat(readyValue).isEqualTo("1.0");
  }

  @Test
  void aRenamedMetricOrLabelValue_isReportedWithItsQuery() {
    List<Query> renamed =
        List.of(
            new Query("panel \"renamed\"", "rate(sessions_confirmed_writes[5m])"),
            new Query("alert Renamed", "gateway_ready{job=\"x\"} == 0"),
            new Query(
                "panel \"label\"",
                "sum(rate(postgrest_requests_seconds_count{table=\"chat_session_changez\"}[1m]))"),
            new Query(
                "panel \"database percentiles\"",
                "histogram_quantile(0.5, rate(postgrest_requests_seconds_bucket[5m]))"));

    assertThat(problems(renamed, scrape))
        .containsExactly(
            "panel \"renamed\": no metric sessions_confirmed_writes",
            "panel \"label\": no series postgrest_requests_seconds_count{table=chat_session_changez}",
            "panel \"database percentiles\": no metric postgrest_requests_seconds_bucket");
  }

  private static List<Selector> selectors(List<Query> queries) {
    return queries.stream().flatMap(q -> PromqlSelectors.of(q.expr()).stream()).toList();
  }

  /** What the queries read that the scrape lacks, one line per selector, naming the query. */
  static List<String> problems(List<Query> queries, MetricsScrape scrape) {
    Set<String> problems = new LinkedHashSet<>();
    for (Query query : queries) {
      for (Selector selector : PromqlSelectors.of(query.expr())) {
        String metric = selector.metric();
        Map<String, String> required =
            selector.equalLabels().entrySet().stream()
                .filter(e -> !TARGET_LABELS.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        if (MADE_BY_PROMETHEUS.contains(metric)) {
          continue;
        }
        if (!scrape.has(metric)) {
          problems.add(query.where() + ": no metric " + metric);
        } else if (!scrape.hasSeries(metric, required)) {
          problems.add(
              query.where()
                  + ": no series "
                  + metric
                  + required.entrySet().stream()
                      .map(e -> e.getKey() + "=" + e.getValue())
                      .sorted()
                      .collect(Collectors.joining(",", "{", "}")));
        }
      }
    }
    return List.copyOf(problems);
  }

  private static MetricsScrape scrape(GatewayClient client) {
    Answer metrics = get(client, "/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    return MetricsScrape.parse(metrics.text());
  }
}
