package dev.codebasechat.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer {@code http.server.requests} by route template, method and status (with latency
 * buckets, {@link #LATENCY_BUCKETS}), and the access log (DEBUG, logger {@code
 * dev.codebasechat.gateway.access}: method, route template, status and time, never a path with ids,
 * a header or a body). Bounded series: a route is a template or {@link Routes#UNMATCHED}, a method
 * one of the known ones or {@code OTHER}. Thread-safe.
 */
final class RequestMetrics {
  private static final Logger accessLog =
      LoggerFactory.getLogger("dev.codebasechat.gateway.access");

  /**
   * Upper bounds of the latency buckets: from a cached read (under 1 ms) to past the database
   * bound.
   */
  static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final MeterRegistry registry;
  private final ConcurrentMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records a request that started at {@code startedNanos} of the registry's monotonic clock. */
  void record(String method, String route, int status, long startedNanos) {
    long nanos = registry.config().clock().monotonicTime() - startedNanos;
    timers
        .computeIfAbsent(new TimerKey(knownMethod(method), route, status), this::timer)
        .record(nanos, TimeUnit.NANOSECONDS);
    if (accessLog.isDebugEnabled()) {
      accessLog.debug(
          "{} {} {} {}ms",
          knownMethod(method),
          route,
          status,
          TimeUnit.NANOSECONDS.toMillis(nanos));
    }
  }

  private Timer timer(TimerKey key) {
    return Timer.builder("http.server.requests")
        .description("HTTP requests by route template, method and status")
        .tags(
            "method", key.method(), "route", key.route(), "status", Integer.toString(key.status()))
        // Buckets for latency percentiles across instances (histogram_quantile over the
        // _bucket series); fixed, so each series costs the same few lines of the scrape.
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  /** The tags of one request timer; route is a template (or unmatched), method a known one. */
  private record TimerKey(String method, String route, int status) {}

  /** Methods as tag values: a made-up method must not create a new time series per request. */
  private static String knownMethod(String method) {
    return switch (method) {
      case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" -> method;
      default -> "OTHER";
    };
  }
}
