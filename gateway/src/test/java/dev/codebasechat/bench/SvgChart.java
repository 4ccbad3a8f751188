package dev.codebasechat.bench;

import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link Chart} as a grouped bar chart in SVG: one group per category, one bar per series,
 * value labels on the bars wide enough for one, a linear or logarithmic value axis, a legend. Plain
 * SVG 1.1 that GitHub renders; no dependency.
 */
final class SvgChart {
  static final int WIDTH = 760;
  private static final int TOP = 48;
  private static final int LEFT = 76;
  private static final int RIGHT = 16;
  private static final int PLOT_HEIGHT = 240;

  /**
   * Bars narrower than this carry no value label (it would overlap its neighbours'); their tooltip
   * still gives the value.
   */
  static final double MIN_LABELLED_BAR = 14;

  private static final String[] COLORS = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"
  };

  private SvgChart() {}

  static String render(Chart chart) {
    List<Double> all = new ArrayList<>();
    chart
        .series()
        .forEach(s -> s.values().stream().filter(v -> !v.isNaN() && v > 0).forEach(all::add));
    Axis axis = chart.logScale() ? Axis.log(all) : Axis.linear(all);
    int categories = chart.categories().size();
    boolean slanted = categories > 4 || chart.categories().stream().anyMatch(c -> c.length() > 18);
    int labelSpace = slanted ? 130 : 40;
    int legendTop = TOP + PLOT_HEIGHT + labelSpace;
    int height = legendTop + 22 * ((chart.series().size() + 2) / 3) + 8;
    double groupWidth = (double) (WIDTH - LEFT - RIGHT) / categories;
    double barWidth = Math.min(48, groupWidth * 0.8 / chart.series().size());
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n",
            WIDTH,
            height,
            WIDTH,
            height));
    svg.append(
        String.format(
            Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
            LEFT,
            escape(chart.title())));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"38\" fill=\"#555\">%s</text>%n",
            LEFT,
            escape(chart.unit())));
    for (double tick : axis.ticks()) {
      double y = TOP + PLOT_HEIGHT - axis.position(tick) * PLOT_HEIGHT;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
              LEFT,
              WIDTH - RIGHT,
              y,
              y));
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n",
              LEFT - 6,
              y + 4,
              label(tick)));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
            LEFT,
            WIDTH - RIGHT,
            TOP + PLOT_HEIGHT,
            TOP + PLOT_HEIGHT));
    for (int c = 0; c < categories; c++) {
      double groupLeft = LEFT + c * groupWidth;
      double barsLeft = groupLeft + (groupWidth - barWidth * chart.series().size()) / 2;
      for (int s = 0; s < chart.series().size(); s++) {
        double value = chart.series().get(s).values().get(c);
        double x = barsLeft + s * barWidth;
        if (Double.isNaN(value)) {
          svg.append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#999\">n/m</text>%n",
                  x + barWidth / 2,
                  TOP + PLOT_HEIGHT - 4));
          continue;
        }
        double h = Math.max(1, axis.position(value) * PLOT_HEIGHT);
        double y = TOP + PLOT_HEIGHT - h;
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>%n",
                x + 1,
                y,
                barWidth - 2,
                h,
                COLORS[s % COLORS.length],
                escape(chart.series().get(s).name()),
                label(value)));
        if (barWidth >= MIN_LABELLED_BAR) {
          svg.append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\">%s</text>%n",
                  x + barWidth / 2,
                  y - 3,
                  label(value)));
        }
      }
      double cx = groupLeft + groupWidth / 2;
      if (slanted) {
        svg.append(
            String.format(
                Locale.ROOT,
                "<text transform=\"translate(%.1f,%d) rotate(-35)\" text-anchor=\"end\">%s</text>%n",
                cx,
                TOP + PLOT_HEIGHT + 14,
                escape(chart.categories().get(c))));
      } else {
        svg.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                cx,
                TOP + PLOT_HEIGHT + 16,
                escape(chart.categories().get(c))));
      }
    }
    for (int s = 0; s < chart.series().size(); s++) {
      Series series = chart.series().get(s);
      int x = LEFT + (s % 3) * 220;
      int y = legendTop + (s / 3) * 22;
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
              x,
              y,
              COLORS[s % COLORS.length]));
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\">%s</text>%n",
              x + 18,
              y + 10,
              escape(series.name())));
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** Maps values to [0, 1] of the plot height. */
  record Axis(boolean log, double min, double max) {
    static Axis linear(List<Double> values) {
      double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
      return new Axis(false, 0, niceCeiling(max));
    }

    static Axis log(List<Double> values) {
      double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
      double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(10);
      double low = Math.pow(10, Math.floor(Math.log10(min)));
      double high = Math.pow(10, Math.ceil(Math.log10(max)));
      return new Axis(true, low, high > low ? high : low * 10);
    }

    double position(double value) {
      if (log) {
        return (Math.log10(Math.max(value, min)) - Math.log10(min))
            / (Math.log10(max) - Math.log10(min));
      }
      return value / max;
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      if (log) {
        for (double t = min; t <= max * 1.0001; t *= 10) {
          ticks.add(t);
        }
      } else {
        for (int i = 0; i <= 5; i++) {
          ticks.add(max * i / 5);
        }
      }
      return ticks;
    }
  }

  static double niceCeiling(double value) {
    if (value <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= value) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  static String label(double value) {
    double abs = Math.abs(value);
    if (abs >= 1e9) {
      return trim(value / 1e9) + "G";
    }
    if (abs >= 1e6) {
      return trim(value / 1e6) + "M";
    }
    if (abs >= 1e4) {
      return trim(value / 1e3) + "k";
    }
    if (abs >= 100 || value == Math.rint(value)) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    return abs >= 1
        ? String.format(Locale.ROOT, "%.1f", value)
        : String.format(Locale.ROOT, "%.3g", value);
  }

  private static String trim(double value) {
    return value >= 100
        ? String.format(Locale.ROOT, "%.0f", value)
        : String.format(Locale.ROOT, "%.1f", value);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
