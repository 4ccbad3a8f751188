package dev.codebasechat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DistributionTest {

  @Test
  void percentile_nearestRank_isAnObservedSample() {
    long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};

    assertThat(Distribution.percentile(sorted, 50)).isEqualTo(50);
    assertThat(Distribution.percentile(sorted, 99)).isEqualTo(100);
    assertThat(Distribution.percentile(sorted, 10)).isEqualTo(10);
    assertThat(Distribution.percentile(sorted, 11)).isEqualTo(20);
  }

  @Test
  void percentile_of100Samples_p99IsThe99thSample() {
    long[] sorted = new long[100];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = i + 1;
    }

    assertThat(Distribution.percentile(sorted, 99)).isEqualTo(99);
    assertThat(Distribution.percentile(sorted, 100)).isEqualTo(100);
  }

  @Test
  void percentile_outsideZeroToHundred_isRefused() {
    assertThatThrownBy(() -> Distribution.percentile(new long[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(0, 100]");
  }

  @Test
  void ofNanos_unsortedSamples_summarisedInMillisecondsWithoutChangingTheInput() {
    long[] nanos = {3_000_000, 1_000_000, 2_000_000};

    Distribution d = Distribution.ofNanos(nanos);

    assertThat(d.count()).isEqualTo(3);
    assertThat(d.p50Ms()).isEqualTo(2.0);
    assertThat(d.p99Ms()).isEqualTo(3.0);
    assertThat(d.maxMs()).isEqualTo(3.0);
    assertThat(d.meanMs()).isEqualTo(2.0);
    assertThat(nanos).containsExactly(3_000_000, 1_000_000, 2_000_000);
  }

  @Test
  void ofNanos_noSamples_isRefused() {
    assertThatThrownBy(() -> Distribution.ofNanos(new long[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
