package dev.codebasechat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Series;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkReportTest {
  private static final String DOCUMENT =
      "# Benchmarks\n\nintro\n\n"
          + BenchmarkReport.BEGIN
          + "\nold figures\n"
          + BenchmarkReport.END
          + "\n\n## Earlier section\n\nkept\n";

  @Test
  void replaceGenerated_rewritesOnlyBetweenTheMarkers() {
    String updated = BenchmarkReport.replaceGenerated(DOCUMENT, "new figures\n");

    assertThat(updated)
        .isEqualTo(
            "# Benchmarks\n\nintro\n\n"
                + BenchmarkReport.BEGIN
                + "\nnew figures\n"
                + BenchmarkReport.END
                + "\n\n## Earlier section\n\nkept\n");
  }

  @Test
  void replaceGenerated_twice_givesTheSameDocument() {
    String once = BenchmarkReport.replaceGenerated(DOCUMENT, "figures\n");

    assertThat(BenchmarkReport.replaceGenerated(once, "figures\n")).isEqualTo(once);
  }

  @Test
  void replaceGenerated_withoutMarkers_isRefusedNamingThem() {
    assertThatThrownBy(() -> BenchmarkReport.replaceGenerated("# Benchmarks\n", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(BenchmarkReport.BEGIN);
  }

  @Test
  void replaceGenerated_markersInTheWrongOrder_isRefused() {
    String reversed = BenchmarkReport.END + "\n" + BenchmarkReport.BEGIN + "\n";

    assertThatThrownBy(() -> BenchmarkReport.replaceGenerated(reversed, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void table_cellWithPipeOrLineBreak_cannotBreakTheTable() {
    String md =
        BenchmarkReport.table(
            new ResultTable(
                "caption", List.of("a", "b"), List.of(List.of("x | y", "line\nbreak"))));

    assertThat(md).contains("| x \\| y | line break |");
    assertThat(md).contains("|---|---:|");
  }

  @Test
  void table_rowWithTooFewCells_isRefused() {
    assertThatThrownBy(() -> new ResultTable("c", List.of("a", "b"), List.of(List.of("only one"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 1 cells but the header has 2");
  }

  @Test
  void markdown_listsEveryGoalWithItsVerdict_andLinksTheCharts() {
    MeasurementResult result =
        new MeasurementResult(
            "bytes",
            "1. Bytes",
            "setup text",
            List.of(new ResultTable("t", List.of("a"), List.of(List.of("1")))),
            List.of(
                new GoalCheck("goal A", "3×", Verdict.MET, ""),
                new GoalCheck("goal B", "9×", Verdict.MISSED, "because")),
            List.of("a note"),
            List.of(
                new Chart(
                    "bytes.svg",
                    "Bytes chart",
                    "bytes",
                    true,
                    List.of("c"),
                    List.of(new Series("s", List.of(1.0))))),
            Map.of());
    Machine machine = new Machine(2, "OpenJDK 17", "Linux", "2026-11-24 08:00 UTC", 1.5);

    String md =
        new BenchmarkReport(machine, "scripts/bench", 600, List.of(result), "docs/bench")
            .markdown();

    assertThat(md).contains("| 1 | goal A | 3× | met |");
    assertThat(md).contains("| 1 | goal B | 9× | **missed** |");
    assertThat(md).contains("- **goal B** — **missed**: because");
    assertThat(md).contains("![Bytes chart](docs/bench/bytes.svg)");
    assertThat(md).contains("2 cores, OpenJDK 17").contains("Whole run: 10.0 min");
  }
}
