package dev.codebasechat.session;

/**
 * Root of the failures the store reports. Unchecked. Messages name the session and what went wrong;
 * they never contain a token or key.
 */
public abstract class SessionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SessionException(String message, Throwable cause) {
    super(message, cause);
  }

  SessionException(String message) {
    super(message);
  }
}
