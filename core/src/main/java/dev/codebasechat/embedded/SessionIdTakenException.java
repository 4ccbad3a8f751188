package dev.codebasechat.embedded;

/**
 * {@link LocalSessionTable#append} was given a session id that belongs to a session the caller does
 * not own. Like the database's 42501 it says only that the id is taken, never whose session it is
 * or what it holds; the store answers it as it answers a forbidden append.
 */
public final class SessionIdTakenException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public SessionIdTakenException(String sessionId) {
    super("session id " + sessionId + " belongs to a session the caller does not own");
  }
}
