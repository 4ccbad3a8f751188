package dev.codebasechat.journal;

import java.time.Instant;
import java.util.Optional;

/**
 * A point-in-time view of a {@link Journal}, for health checks and metrics.
 *
 * @param pendingEntries entries not yet released
 * @param pendingKeys distinct keys among them
 * @param oldestPending when the oldest unreleased entry was recorded; empty when none is pending
 * @param snapshots local copies held
 * @param snapshotBytes total size of their JSON
 * @param fileBytes the journal's files on disk (database plus write-ahead log)
 */
public record JournalStats(
    long pendingEntries,
    long pendingKeys,
    Optional<Instant> oldestPending,
    long snapshots,
    long snapshotBytes,
    long fileBytes) {}
