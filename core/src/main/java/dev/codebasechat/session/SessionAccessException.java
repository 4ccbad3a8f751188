package dev.codebasechat.session;

/**
 * The database refused the caller: the access token is invalid or expired ({@link
 * Reason#UNAUTHENTICATED}, HTTP 401) or a policy forbids the operation ({@link Reason#FORBIDDEN},
 * HTTP 403). Passed on as it is: never retried, never answered from a local copy.
 */
public final class SessionAccessException extends SessionException {
  private static final long serialVersionUID = 1L;

  /** Why access was refused. */
  public enum Reason {
    UNAUTHENTICATED,
    FORBIDDEN
  }

  private final Reason reason;

  /**
   * @param status the HTTP status the database answered with
   * @param cause the database's answer as the client saw it
   */
  public SessionAccessException(Reason reason, int status, Throwable cause) {
    super(
        reason == Reason.UNAUTHENTICATED
            ? "the database refused the access token (" + status + ")"
            : "the database does not allow this operation for this caller (" + status + ")",
        cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
