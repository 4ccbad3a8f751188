package dev.codebasechat.session;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A session with writes not yet confirmed by the database, and why they are still waiting.
 *
 * @param sessionId the session
 * @param owner its owner
 * @param pendingWrites how many writes wait
 * @param oldestAcknowledged when the oldest of them was acknowledged
 * @param waitingForToken true when the database refused the owner's token and the writes wait for
 *     the owner's next request with a valid one
 * @param lastFailure the last failure sending them, if any
 */
public record PendingSession(
    SessionId sessionId,
    UUID owner,
    int pendingWrites,
    Optional<Instant> oldestAcknowledged,
    boolean waitingForToken,
    Optional<String> lastFailure) {}
