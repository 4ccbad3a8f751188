package dev.codebasechat.session;

/**
 * The database refused the request itself (a 4xx other than 401/403, or an unexpected 5xx): bad
 * data, a conflict, or a schema that does not match. Retrying the same request will not help;
 * {@link #reason()} says which kind of refusal it was.
 */
public final class SessionRejectedException extends SessionException {
  private static final long serialVersionUID = 1L;

  /** What kind of refusal. */
  public enum Reason {
    /** The request conflicts with the stored state (HTTP 409, e.g. a unique violation). */
    CONFLICT,
    /** The database found the request invalid (another 4xx, e.g. a CHECK). */
    INVALID,
    /**
     * The session holds as much as a session may: 20 000 messages or 16 MiB of history (the table's
     * {@code codebase_chat_sessions_history_max_*} CHECKs). It takes no more messages until its
     * history is cleared.
     */
    SESSION_FULL,
    /**
     * The database failed to answer as expected (an unexpected 5xx or answer), or holds the session
     * in a form the library does not take (written by another client): the cause is then an {@link
     * IllegalArgumentException} naming the stored value.
     */
    DATABASE_ERROR
  }

  private final Reason reason;

  public SessionRejectedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
