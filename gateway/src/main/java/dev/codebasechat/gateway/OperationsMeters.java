package dev.codebasechat.gateway;

import dev.codebasechat.journal.JournalStats;
import dev.codebasechat.journal.SqliteJournal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The meters an operator's dashboard and alert rules ({@code gateway/ops/}) read besides the
 * store's and the request timer: {@code gateway_ready} (1 while {@code /readyz} answers 200, 0 once
 * a shutdown began), the journal's {@code gateway_journal_size_bytes}, {@code
 * gateway_journal_pending_entries} and {@code gateway_journal_local_copies} (Supabase mode with
 * journal acknowledgement only), the cache's configured bound {@code gateway_cache_limit_bytes},
 * and the JVM's and the process's meters (heap, GC, threads, classes, CPU, open files, uptime).
 *
 * <p>Every gauge is computed when scraped, never on a request's path. The journal's are one read of
 * its counters per gauge and scrape, the same read {@code /readyz} makes. {@link #close()} removes
 * the GC notification listeners, which would otherwise outlive the gateway in a JVM that starts
 * several (tests). Thread-safe.
 */
final class OperationsMeters implements AutoCloseable {
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /**
   * Registers the meters.
   *
   * @param ready whether {@code /readyz} answers 200 now
   * @param journal the journal in Supabase mode with journal acknowledgement, else null
   * @param cacheLimitBytes the cache's bound ({@code GATEWAY_CACHE_MAX_MB})
   */
  OperationsMeters(
      MeterRegistry registry,
      BooleanSupplier ready,
      @Nullable SqliteJournal journal,
      long cacheLimitBytes) {
    // A supplier, which the gauge holds strongly: with the lambda as a weakly held state object,
    // the first GC collects it and the gauge reads NaN.
    Gauge.builder("gateway.ready", () -> ready.getAsBoolean() ? 1 : 0)
        .description("1 while /readyz answers 200, 0 once a shutdown began")
        .register(registry);
    Gauge.builder("gateway.cache.limit", () -> cacheLimitBytes)
        .description("the session cache's bound (GATEWAY_CACHE_MAX_MB)")
        .baseUnit("bytes")
        .register(registry);
    if (journal != null) {
      journalGauge(
          registry,
          journal,
          "gateway.journal.size",
          "bytes",
          "the journal's files on disk (database and write-ahead log)",
          JournalStats::fileBytes);
      journalGauge(
          registry,
          journal,
          "gateway.journal.pending.entries",
          null,
          "journal entries not released: writes not confirmed yet, and set-aside writes",
          JournalStats::pendingEntries);
      journalGauge(
          registry,
          journal,
          "gateway.journal.local.copies",
          null,
          "local copies of sessions the journal keeps for reads while the database is away",
          JournalStats::snapshots);
    }
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private static void journalGauge(
      MeterRegistry registry,
      SqliteJournal journal,
      String name,
      @Nullable String unit,
      String description,
      ToLongFunction<JournalStats> figure) {
    Gauge.builder(name, journal, j -> figure.applyAsLong(j.stats()))
        .description(description)
        .baseUnit(unit)
        .register(registry);
  }

  @Override
  public void close() {
    gc.close();
  }
}
