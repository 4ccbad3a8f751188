package dev.codebasechat.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operations files beside the gateway (tests run in the repository's root): the alert rules,
 * their promtool tests and the Grafana dashboard, and the PromQL expressions they query.
 */
final class OpsFiles {
  static final Path ALERTS = Path.of("gateway/ops/prometheus/chat-gateway-alerts.yml");
  static final Path ALERT_TESTS = Path.of("gateway/ops/prometheus/chat-gateway-alerts.test.yml");
  static final Path DASHBOARD = Path.of("gateway/ops/grafana/chat-gateway-dashboard.json");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  /** Grafana's {@code label_values(<selector>, <label>)} variable query. */
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)");

  /** An expression and where it comes from (an alert's name, a panel's title). */
  record Query(String where, String expr) {}

  private OpsFiles() {}

  static JsonNode read(Path file) {
    try {
      return (file.toString().endsWith(".json") ? JSON : YAML).readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every rule's expression, named by its alert (or recorded series). */
  static List<Query> ruleQueries() {
    List<Query> queries = new ArrayList<>();
    for (JsonNode group : read(ALERTS).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name =
            rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
        queries.add(new Query("alert " + name, rule.path("expr").asText()));
      }
    }
    return queries;
  }

  /** The names of the alerts the rules define. */
  static List<String> alertNames() {
    return ruleQueries().stream()
        .filter(q -> q.where().startsWith("alert "))
        .map(q -> q.where().substring("alert ".length()))
        .toList();
  }

  /**
   * Every panel target's expression (rows' nested panels included) and the selectors of the
   * template variables' {@code label_values} queries.
   */
  static List<Query> dashboardQueries() {
    JsonNode dashboard = read(DASHBOARD);
    List<Query> queries = new ArrayList<>();
    collectPanels(dashboard.path("panels"), queries);
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      JsonNode query = variable.path("query");
      String text = query.isObject() ? query.path("query").asText() : query.asText();
      Matcher labelValues = LABEL_VALUES.matcher(text);
      if (variable.path("type").asText().equals("query") && labelValues.matches()) {
        queries.add(new Query("variable $" + variable.path("name").asText(), labelValues.group(1)));
      }
    }
    return queries;
  }

  private static void collectPanels(JsonNode panels, List<Query> queries) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        if (target.hasNonNull("expr")) {
          queries.add(
              new Query(
                  "panel \"" + panel.path("title").asText() + "\"", target.path("expr").asText()));
        }
      }
      collectPanels(panel.path("panels"), queries);
    }
  }

  /**
   * {@code expr} with Grafana's variables replaced by values Prometheus accepts, so that promtool
   * can parse a panel's query: ranges become {@code 5m}, other variables match anything.
   */
  static String withVariablesResolved(String expr) {
    return expr.replace("$__rate_interval", "5m")
        .replace("$__interval", "1m")
        .replace("$__range", "1h")
        .replaceAll("\\$\\{?[a-zA-Z_][a-zA-Z0-9_]*}?", ".*");
  }
}
