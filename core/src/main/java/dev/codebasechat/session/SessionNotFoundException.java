package dev.codebasechat.session;

/**
 * The caller has no session with this id. Another user's session is reported exactly like a missing
 * one, so its existence is never revealed.
 */
public final class SessionNotFoundException extends SessionException {
  private static final long serialVersionUID = 1L;

  public SessionNotFoundException(SessionId id) {
    super("no session " + id + " for this caller");
  }
}
