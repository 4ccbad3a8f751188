package dev.codebasechat.session;

/**
 * A write could not be made durable in the local journal (disk full, I/O error, a corrupt or closed
 * journal): it was <em>not</em> acknowledged and nothing of it was recorded. The caller may retry
 * later; an operator must look at the journal file named in the message.
 */
public final class SessionStorageException extends SessionException {
  private static final long serialVersionUID = 1L;

  public SessionStorageException(SessionId id, RuntimeException cause) {
    super(
        "the write to session " + id + " could not be recorded durably: " + cause.getMessage(),
        cause);
  }
}
