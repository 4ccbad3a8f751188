package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.journal.JournalStats;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.resilience.BreakerState;
import dev.codebasechat.session.PendingSession;
import dev.codebasechat.session.SessionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What {@code /readyz} reports: the mode, the breaker, the writes not yet confirmed (how many, how
 * old, set aside, waiting for their owners), and the journal's size. Reads the store's and the
 * journal's counters, changes nothing. Thread-safe.
 */
final class Readiness {
  private final SessionStore store;
  private final boolean embedded;
  private final @Nullable SqliteJournal journal;
  private final Clock clock;

  Readiness(SessionStore store, boolean embedded, @Nullable SqliteJournal journal, Clock clock) {
    this.store = store;
    this.embedded = embedded;
    this.journal = journal;
    this.clock = clock;
  }

  /** The readiness body; {@code status} is {@code shutting_down} once a shutdown began. */
  ObjectNode report(boolean shuttingDown) {
    BreakerState breaker = store.breakerState();
    boolean degraded = breaker != BreakerState.CLOSED;
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("status", shuttingDown ? "shutting_down" : degraded ? "degraded" : "ok");
    body.put("mode", embedded ? "embedded" : "supabase");
    body.put("breaker", breaker.wireName());
    var pending = store.pendingSessions();
    body.put("pendingWrites", pending.stream().mapToInt(PendingSession::pendingWrites).sum());
    body.put("pendingSessions", pending.size());
    Instant now = clock.instant();
    Optional<Instant> oldest =
        pending.stream()
            .map(PendingSession::oldestAcknowledged)
            .flatMap(Optional::stream)
            .min(Instant::compareTo);
    if (oldest.isPresent()) {
      body.put(
          "oldestPendingAgeSeconds", Math.max(0, Duration.between(oldest.get(), now).toSeconds()));
    } else {
      body.putNull("oldestPendingAgeSeconds");
    }
    body.put("setAsideWrites", store.setAsideWrites().size());
    // Writes of owners without a token here: delivered with the service key when given, else they
    // wait until each owner sends a request to this instance again.
    body.put("writesWaitingForOwners", store.writesWaitingForToken());
    body.put("deliveredWithoutOwners", store.writesDeliveredWithoutOwners());
    if (journal != null) {
      JournalStats stats = journal.stats();
      ObjectNode node = body.putObject("journal");
      node.put("pendingEntries", stats.pendingEntries());
      node.put("localCopies", stats.snapshots());
      node.put("fileBytes", stats.fileBytes());
    } else {
      body.putNull("journal");
    }
    return body;
  }
}
