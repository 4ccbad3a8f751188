package dev.codebasechat.session;

/**
 * The database refused the request itself (a 4xx other than 401/403/404, or an unexpected 5xx):
 * bad data, a conflict, or a schema that does not match. Retrying the same request will not help.
 */
public final class SessionRejectedException extends SessionException {
  private static final long serialVersionUID = 1L;

  public SessionRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
