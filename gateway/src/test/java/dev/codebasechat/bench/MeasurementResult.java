package dev.codebasechat.bench;

import java.util.List;
import java.util.Map;

/**
 * What one measurement found, in the shape the report renders and the raw JSON keeps.
 *
 * @param id short name, also the child JVM's result file name
 * @param title the wording of the measurement
 * @param setup how it was measured (sizes, pacing, what plays the database), one paragraph
 * @param tables results side by side
 * @param goals each goal of the issue, the figure, and whether it was met
 * @param notes what the figures mean, where a goal was missed by how much and why
 * @param charts charts to draw from the figures
 * @param figures the raw numbers behind the tables, by name (units in the name)
 */
public record MeasurementResult(
    String id,
    String title,
    String setup,
    List<ResultTable> tables,
    List<GoalCheck> goals,
    List<String> notes,
    List<Chart> charts,
    Map<String, Double> figures) {

  /** A table: a caption, a header, rows of already formatted cells. */
  public record ResultTable(String caption, List<String> header, List<List<String>> rows) {
    public ResultTable {
      for (List<String> row : rows) {
        if (row.size() != header.size()) {
          throw new IllegalArgumentException(
              "row " + row + " has " + row.size() + " cells but the header has " + header.size());
        }
      }
    }
  }

  /** A goal of the issue next to the measured figure. */
  public record GoalCheck(String goal, String figure, Verdict verdict, String note) {}

  public enum Verdict {
    MET,
    MISSED,
    NOT_MEASURED;

    static Verdict of(boolean met) {
      return met ? MET : MISSED;
    }
  }

  /**
   * A grouped bar chart: one group per category, one bar per series.
   *
   * @param file file name under the chart directory, e.g. {@code bytes.svg}
   * @param logScale whether the value axis is logarithmic (for ratios of 100x and more)
   */
  public record Chart(
      String file,
      String title,
      String unit,
      boolean logScale,
      List<String> categories,
      List<Series> series) {
    public Chart {
      for (Series s : series) {
        if (s.values().size() != categories.size()) {
          throw new IllegalArgumentException(
              "series "
                  + s.name()
                  + " has "
                  + s.values().size()
                  + " values for "
                  + categories.size()
                  + " categories");
        }
      }
    }
  }

  /** One bar per category; NaN draws no bar (not measured). */
  public record Series(String name, List<Double> values) {}
}
