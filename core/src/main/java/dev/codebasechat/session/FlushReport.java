package dev.codebasechat.session;

import java.util.List;

/**
 * The result of {@link SessionStore#flush}: complete when every write acknowledged before the call
 * is confirmed by the database; otherwise what is still pending and why.
 */
public record FlushReport(List<PendingSession> pending, int setAside) {
  public FlushReport {
    pending = List.copyOf(pending);
  }

  public boolean isComplete() {
    return pending.isEmpty();
  }

  public int pendingWrites() {
    return pending.stream().mapToInt(PendingSession::pendingWrites).sum();
  }
}
