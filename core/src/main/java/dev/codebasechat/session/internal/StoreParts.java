package dev.codebasechat.session.internal;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.Acknowledgement;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.writebehind.internal.WritePacer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of one store, wired once from its {@link StoreSettings}: the ledger and what it keeps
 * (cache, outboxes, owners), the reader, the write path of the store's mode, the write-behind and
 * its pacer, owner routing, the guard. The store's public operations call into these; nothing here
 * is shared between stores. Thread-safe as its parts are.
 */
public final class StoreParts {
  private static final Logger log = LoggerFactory.getLogger(StoreParts.class);

  public final Clock clock;
  public final ScheduledExecutorService scheduler;
  public final boolean ownsScheduler;
  public final RemoteGuard guard;
  public final SessionCache cache;
  public final Outboxes outboxes;
  public final KnownOwners owners;
  public final Ledger ledger;
  public final GuardedBackend database;
  public final SessionReader reader;
  public final Ownership ownership;
  public final OwnerRouting routing;
  public final SetAsideWrites setAside;
  public final FullSessions full = new FullSessions();
  public final WriteProgress progress;
  public final WritePacer<SessionId> pacer;
  public final WritePath writePath;
  public final RepeatedWrites repeated;
  private final JournalBridge journal;

  /**
   * Wires the parts {@code settings} describe; {@code history} is the store's own read (a write
   * path that answers with the whole session uses it), {@code closing} whether the store is
   * closing.
   */
  /**
   * The guard of the embedded table, this process's own file rather than a remote database: its
   * failures are not transient (nothing is retried), and slow reads (a large session read by many
   * callers at once, one reader connection) never open the breaker, which would refuse every user's
   * reads as if a database were unreachable.
   */
  private static final Resilience LOCAL_TABLE =
      Resilience.builder()
          .maxAttempts(1)
          .slowCallThreshold(Duration.ofDays(1))
          .slowCallRateThreshold(100)
          .failureRateThreshold(100)
          .build();

  public StoreParts(StoreSettings settings, WritePath.History history, BooleanSupplier closing) {
    this.clock = settings.clock();
    this.ownsScheduler = settings.scheduler() == null;
    ScheduledExecutorService given = settings.scheduler();
    this.scheduler =
        given != null
            ? given
            : Executors.newScheduledThreadPool(
                2,
                new ThreadFactoryBuilder()
                    .setNameFormat("session-store-%d")
                    .setDaemon(true)
                    .build());
    SessionBackend backend = settings.backend();
    JournalBridge journal = journalOf(settings);
    this.journal = journal;
    this.guard =
        RemoteGuard.create(
            settings.embedded() ? LOCAL_TABLE : settings.resilience(), clock, scheduler);
    SessionLocks locks = new SessionLocks();
    this.cache =
        new SessionCache(
            settings.cacheMaximumWeightBytes(),
            settings.cacheIdleExpiry(),
            settings.embedded() ? null : settings.cacheFreshness(),
            clock,
            journal);
    this.outboxes = new Outboxes(locks, journal, clock);
    this.owners = new KnownOwners(clock, journal);
    this.ledger = new Ledger(cache, outboxes, owners, locks, journal);
    this.database = GuardedBackend.of(backend, guard).within(settings.databaseTimeout());
    this.reader =
        new SessionReader(
            cache, ledger, outboxes, journal, backend, guard, clock, settings.databaseTimeout());
    this.ownership = new Ownership(cache, outboxes, owners, ledger, full, database);
    this.routing =
        new OwnerRouting(
            new OwnerTokens(SessionCache.ticker(clock)),
            settings.operatorScope() == null
                ? null
                : new OperatorDelivery(settings.operatorScope(), guard, clock),
            outboxes);
    this.setAside = new SetAsideWrites(journal);
    this.progress = new WriteProgress(outboxes, clock);
    WriteBehind writeBehind =
        new WriteBehind(
            outboxes,
            ledger,
            GuardedBackend.of(backend, guard),
            routing,
            new FailurePolicy(guard),
            setAside,
            full,
            progress,
            clock,
            closing);
    this.pacer =
        WritePacer.builder(writeBehind::flushOne, clock, scheduler)
            .debounce(settings.debounce())
            .maxWait(settings.maxWait())
            .flushConcurrency(settings.flushConcurrency())
            .grouping(
                writeBehind::batchGroupOf,
                SessionBackend.MAX_SESSIONS_PER_REQUEST,
                writeBehind::flushGroup)
            .build();
    routing.resumeWith(pacer::resume);
    this.repeated = new RepeatedWrites(SessionCache.ticker(clock));
    this.writePath =
        settings.embedded()
            ? new ThroughTheTable(backend, cache, ledger, locks, history)
            : settings.acknowledgement() == Acknowledgement.DATABASE
                ? new AfterTheDatabase(cache, ledger, owners, ownership, database, history)
                : new AfterTheJournal(
                    outboxes, cache, ledger, ownership, full, history, pacer::markDirty);
  }

  /** Database acknowledgement keeps nothing the database does not hold: no journal then. */
  private static JournalBridge journalOf(StoreSettings settings) {
    return settings.embedded()
            || settings.acknowledgement() == Acknowledgement.DATABASE
            || settings.journal() == null
        ? JournalBridge.none()
        : JournalBridge.over(
            settings.journal(),
            settings.clock(),
            settings.localCopyMaxAge(),
            settings.localCopyMaxBytes());
  }

  /**
   * Rebuilds the pending writes the journal holds (acknowledged before a crash or restart) and
   * schedules them; each owner's writes go once that owner presents a token, or with the service
   * key when one was given. Local copies past their retention go first: a gateway idle for days
   * keeps none longer than it promised.
   */
  public void replayJournal() {
    journal.pruneLocalCopies();
    int replayed =
        outboxes.replay(
            restored -> {
              setAside.restored(restored.write());
              if (restored.sessionFull()) {
                full.refused(restored.write().sessionId());
              }
            });
    progress.replayed(replayed);
    outboxes.all().forEach(outbox -> pacer.markDirty(outbox.id));
    if (replayed > 0) {
      log.info("replaying {} journaled writes of {} sessions", replayed, outboxes.size());
      if (routing.hasOperator()) {
        log.info(
            "writes of owners without a token are delivered with the service key, under the drain's rules");
      } else {
        log.info(
            "{} journaled writes wait for their owners' next requests (no service key given to deliver them)",
            routing.writesWaitingForToken());
      }
    }
  }

  /**
   * Sends every pending write now; the report once each is confirmed or waits for its owner's token
   * (tried once more, and parked again), or at {@code timeout}.
   */
  public CompletableFuture<FlushReport> flush(Duration timeout) {
    pacer.flushAllSoon();
    CompletableFuture<Void> idle = pacer.whenSettled();
    CompletableFuture<FlushReport> report = new CompletableFuture<>();
    var timer =
        scheduler.schedule(
            () -> report.complete(report()), timeout.toNanos(), TimeUnit.NANOSECONDS);
    idle.whenComplete(
        (ignored, failure) -> {
          timer.cancel(false);
          report.complete(report());
        });
    return report;
  }

  /** What is pending and set aside now. */
  public FlushReport report() {
    return new FlushReport(outboxes.pendingSessions(pacer::isParked), setAside.size());
  }
}
