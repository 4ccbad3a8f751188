package dev.codebasechat.session.internal;

import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.writebehind.internal.WritePacer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The store's meters, computed when scraped (never on the hot path): {@code sessions.pending.*},
 * {@code sessions.flush.limit}, {@code sessions.setaside.writes}, {@code sessions.replay.writes},
 * {@code sessions.confirmed.writes}, the cache's {@code cache.*} (named {@code sessions}), and the
 * breaker's and retry's.
 */
public final class StoreMetrics {
  private StoreMetrics() {}

  /** Registers every meter of the store's parts with {@code registry}. */
  public static void bind(
      MeterRegistry registry,
      Outboxes outboxes,
      SessionCache cache,
      SetAsideWrites setAside,
      WriteProgress progress,
      OwnerRouting routing,
      WritePacer<?> pacer,
      RemoteGuard guard) {
    Gauge.builder("sessions.pending.writes", outboxes, Outboxes::pendingWrites)
        .description("writes acknowledged but not yet confirmed by the database")
        .register(registry);
    Gauge.builder("sessions.pending.sessions", outboxes, Outboxes::size)
        .description("sessions with unconfirmed writes")
        .register(registry);
    Gauge.builder("sessions.pending.oldest.age", outboxes, Outboxes::oldestPendingAgeSeconds)
        .description("age of the oldest unconfirmed write")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("sessions.flush.limit", pacer, WritePacer::flushLimit)
        .description("sessions that may be flushed at once now (adaptive by default)")
        .register(registry);
    Gauge.builder("sessions.setaside.writes", setAside, SetAsideWrites::size)
        .description("writes the database refused for good")
        .register(registry);
    // Drain progress after a restart: the backlog found in the journal, what has been confirmed
    // since, and owners whose writes wait for their next request (tokens are never stored).
    Gauge.builder("sessions.replay.writes", progress, WriteProgress::replayedWrites)
        .description("writes found in the journal when the store started (the backlog to drain)")
        .register(registry);
    FunctionCounter.builder("sessions.confirmed.writes", progress, WriteProgress::confirmedWrites)
        .description("writes the database confirmed since the store started")
        .register(registry);
    Gauge.builder(
            "sessions.pending.owners.waiting.for.token",
            routing,
            OwnerRouting::ownersWaitingForToken)
        .description("owners whose pending writes wait for their next request to bring a token")
        .register(registry);
    cache.bindTo(registry);
    guard.bindTo(registry);
  }
}
