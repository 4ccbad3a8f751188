package dev.codebasechat.session;

import java.time.Instant;
import java.util.Optional;

/** One line of a caller's session list. Immutable. */
public record SessionSummary(
    SessionId id,
    Optional<String> repo,
    Optional<String> currentFile,
    int messageCount,
    Instant lastActivity,
    Instant createdAt) {}
