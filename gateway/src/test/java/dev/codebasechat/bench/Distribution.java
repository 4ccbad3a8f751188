package dev.codebasechat.bench;

import java.util.Arrays;

/**
 * Summary of latency samples, in milliseconds: nearest-rank percentiles (the p-th percentile is the
 * smallest sample that at least p % of the samples do not exceed), so every figure is a sample that
 * was actually observed.
 */
public record Distribution(int count, double p50Ms, double p99Ms, double maxMs, double meanMs) {

  /** The summary of {@code nanos} (not modified). */
  public static Distribution ofNanos(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (long n : sorted) {
      sum += n;
    }
    return new Distribution(
        sorted.length,
        percentile(sorted, 50) / 1e6,
        percentile(sorted, 99) / 1e6,
        sorted[sorted.length - 1] / 1e6,
        sum / sorted.length / 1e6);
  }

  /** Nearest-rank percentile of sorted samples; {@code p} in (0, 100]. */
  static long percentile(long[] sorted, double p) {
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("p must be in (0, 100] but was " + p);
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
