package dev.codebasechat.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code /metrics} answer in Prometheus's text format, read into its samples: for each sample
 * name (histograms' {@code _bucket}, {@code _count} and {@code _sum}, counters' {@code _total}, as
 * they appear) the label sets it was exported with.
 */
record MetricsScrape(Map<String, List<Map<String, String>>> samples) {

  static MetricsScrape parse(String text) {
    Map<String, List<Map<String, String>>> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      boolean labelled = brace >= 0 && brace < space;
      String name = line.substring(0, labelled ? brace : space);
      Map<String, String> labels = labelled ? labels(line, brace) : Map.of();
      samples.computeIfAbsent(name, n -> new ArrayList<>()).add(labels);
    }
    return new MetricsScrape(samples);
  }

  /** {@code name="value",...} from the brace at {@code from}, escapes resolved. */
  private static Map<String, String> labels(String line, int from) {
    Map<String, String> labels = new LinkedHashMap<>();
    int at = from + 1;
    while (line.charAt(at) != '}') {
      int equals = line.indexOf('=', at);
      String label = line.substring(at, equals).trim();
      at = equals + 2; // past ="
      StringBuilder value = new StringBuilder();
      while (line.charAt(at) != '"') {
        char c = line.charAt(at++);
        if (c == '\\') {
          char escaped = line.charAt(at++);
          c = escaped == 'n' ? '\n' : escaped;
        }
        value.append(c);
      }
      at++; // closing quote
      labels.put(label, value.toString());
      if (line.charAt(at) == ',') {
        at++;
      }
    }
    return labels;
  }

  boolean has(String sample) {
    return samples.containsKey(sample);
  }

  /** Whether some series of {@code sample} carries every one of {@code labels}. */
  boolean hasSeries(String sample, Map<String, String> labels) {
    return samples.getOrDefault(sample, List.of()).stream()
        .anyMatch(series -> series.entrySet().containsAll(labels.entrySet()));
  }
}
