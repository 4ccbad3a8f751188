package dev.codebasechat.session;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A write the database refused for good (a 4xx other than 401, e.g. a policy or a constraint): kept
 * here with the reason for operators, never retried, never silently dropped.
 *
 * @param sessionId the session it was for
 * @param owner the user who made it
 * @param operation what it was ({@code append}, {@code context}, {@code clear}, {@code delete})
 * @param messageIds ids of the messages it carried (empty for other operations)
 * @param reason the database's answer (status, code, message), never a token
 * @param at when it was set aside
 */
public record SetAsideWrite(
    SessionId sessionId,
    UUID owner,
    String operation,
    List<MessageId> messageIds,
    String reason,
    Instant at) {
  /**
   * The reason of a journaled write set aside because its session belongs to another user in the
   * database (a service-key delivery never writes such a row).
   */
  public static final String OWNED_BY_ANOTHER_USER = "owned by another user";

  public SetAsideWrite {
    messageIds = List.copyOf(messageIds);
  }
}
