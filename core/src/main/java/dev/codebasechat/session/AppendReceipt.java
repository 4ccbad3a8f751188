package dev.codebasechat.session;

/**
 * The acknowledgement of an append: the messages are recorded and will reach the database.
 *
 * @param sessionId the session appended to
 * @param accepted messages newly recorded
 * @param duplicates messages skipped because the session already holds their ids or an earlier
 *     message of the same append carries them (so {@code accepted + duplicates} is what was sent,
 *     except that the duplicates of a session this process does not hold are skipped by the
 *     database and counted as accepted)
 * @param messageCount messages in the session as this process now sees it: for a session it does
 *     not hold, the database's count at its last answer (the head read of {@code appendExisting}, a
 *     {@code create} of an id that exists, a confirmed write) plus the messages pending here, or
 *     only those when it has no such answer (the first append after a restart, say)
 * @param pendingWrites writes of the session not yet confirmed by the database
 */
public record AppendReceipt(
    SessionId sessionId, int accepted, int duplicates, int messageCount, int pendingWrites) {}
