package dev.codebasechat.session;

/**
 * Counts of the store's cache of confirmed sessions since it started: reads it answered ({@code
 * hits}), reads it could not ({@code misses}), and sessions it let go to stay within its bounds
 * ({@code evictions}). An immutable snapshot.
 */
public record SessionCacheStats(long hits, long misses, long evictions) {

  /** Share of reads answered from the cache, 1.0 when there was none. */
  public double hitRate() {
    long reads = hits + misses;
    return reads == 0 ? 1.0 : (double) hits / reads;
  }
}
