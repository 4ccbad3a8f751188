package dev.codebasechat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.Series;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {

  @Test
  void render_isWellFormedSvgWithOneBarPerMeasuredValue() throws Exception {
    Chart chart =
        new Chart(
            "c.svg",
            "Title <&>",
            "ms",
            false,
            List.of("one", "two"),
            List.of(new Series("a", List.of(1.0, 2.0)), new Series("b", List.of(3.0, Double.NaN))));

    Document svg = parse(SvgChart.render(chart));

    assertThat(svg.getDocumentElement().getTagName()).isEqualTo("svg");
    // background + 3 bars + 2 legend swatches
    assertThat(svg.getElementsByTagName("rect").getLength()).isEqualTo(6);
    assertThat(SvgChart.render(chart)).contains("Title &lt;&amp;&gt;").contains(">n/m<");
  }

  @Test
  void render_labelsWideBars_butNotBarsTooNarrowForALabel() {
    List<String> minutes =
        java.util.stream.IntStream.rangeClosed(1, 15).mapToObj(i -> "" + i).toList();
    Series narrow = new Series("n", java.util.Collections.nCopies(15, 1.25));
    Chart wide =
        new Chart(
            "w.svg", "t", "u", false, List.of("one"), List.of(new Series("a", List.of(1.25))));
    Chart crowded =
        new Chart("n.svg", "t", "u", false, minutes, java.util.Collections.nCopies(6, narrow));

    assertThat(SvgChart.render(wide)).contains(">1.3</text>");
    assertThat(SvgChart.render(crowded)).doesNotContain(">1.3</text>").contains("n: 1.3</title>");
  }

  @Test
  void logAxis_spansWholePowersOfTen_andPlacesValuesByTheirLogarithm() {
    SvgChart.Axis axis = SvgChart.Axis.log(List.of(150.0, 20_000.0));

    assertThat(axis.min()).isEqualTo(100);
    assertThat(axis.max()).isEqualTo(100_000);
    assertThat(axis.position(1_000)).isEqualTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(axis.ticks()).containsExactly(100.0, 1_000.0, 10_000.0, 100_000.0);
  }

  @Test
  void linearAxis_startsAtZero_andEndsAtANiceRoundValue() {
    SvgChart.Axis axis = SvgChart.Axis.linear(List.of(3.0, 7.3));

    assertThat(axis.min()).isZero();
    assertThat(axis.max()).isEqualTo(10);
    assertThat(axis.position(5)).isEqualTo(0.5);
  }

  @Test
  void label_usesShortUnits() {
    assertThat(SvgChart.label(4_564_766)).isEqualTo("4.6M");
    assertThat(SvgChart.label(93_263)).isEqualTo("93.3k");
    assertThat(SvgChart.label(515)).isEqualTo("515");
    assertThat(SvgChart.label(0.042)).isEqualTo("0.0420");
  }

  private static Document parse(String xml) throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }
}
