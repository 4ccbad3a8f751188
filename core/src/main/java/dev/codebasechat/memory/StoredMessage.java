package dev.codebasechat.memory;

import dev.codebasechat.session.MessageId;
import java.time.Instant;

/**
 * A framework message as the session holds it: its stable id (the same in every read, on every
 * instance, and for a retried write) and the time it was first stored: the clock's, or a
 * microsecond after the message before it when that one is later (another instance's clock, or a
 * gateway client's own timestamp, ahead of this one's), so that the history's time order is the
 * order the messages were added in. Immutable.
 *
 * @param <M> the framework's message type
 */
public record StoredMessage<M>(MessageId id, Instant timestamp, M message) {}
