package dev.codebasechat.session;

/**
 * The answer to a read: the session, where it came from, and how many of its writes this process
 * has acknowledged but the database has not confirmed yet.
 */
public record SessionRead(ChatSession session, ReadSource source, int pendingWrites) {

  public SessionRead {
    if (pendingWrites < 0) {
      throw new IllegalArgumentException(
          "pendingWrites must not be negative but was " + pendingWrites);
    }
  }

  public boolean hasPendingWrites() {
    return pendingWrites > 0;
  }
}
