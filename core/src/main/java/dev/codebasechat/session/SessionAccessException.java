package dev.codebasechat.session;

/**
 * The database refused the caller: the access token is invalid or expired ({@link
 * Reason#UNAUTHENTICATED}, HTTP 401), a policy forbids the operation ({@link Reason#FORBIDDEN},
 * HTTP 403), or the token's user no longer exists ({@link Reason#USER_GONE}). Passed on as it is:
 * never retried, never answered from a local copy.
 */
public final class SessionAccessException extends SessionException {
  private static final long serialVersionUID = 1L;

  /** Why access was refused. */
  public enum Reason {
    UNAUTHENTICATED,
    FORBIDDEN,
    /**
     * The token is valid but its user was deleted from the project after it was issued: the
     * database refuses to let that user own a session (its foreign key to {@code auth.users}, HTTP
     * 409). A new sign-in fails too; nothing the caller sends can succeed.
     */
    USER_GONE
  }

  private final Reason reason;

  /**
   * @param status the HTTP status the database answered with
   * @param cause the database's answer as the client saw it
   */
  public SessionAccessException(Reason reason, int status, Throwable cause) {
    super(
        switch (reason) {
          case UNAUTHENTICATED -> "the database refused the access token (" + status + ")";
          case FORBIDDEN ->
              "the database does not allow this operation for this caller (" + status + ")";
          case USER_GONE ->
              "the user of the access token no longer exists in the project (" + status + ")";
        },
        cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
