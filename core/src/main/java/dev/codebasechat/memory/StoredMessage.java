package dev.codebasechat.memory;

import dev.codebasechat.session.MessageId;
import java.time.Instant;

/**
 * A framework message as the session holds it: its stable id (the same in every read, on every
 * instance, and for a retried write) and the time it was first stored. Immutable.
 *
 * @param <M> the framework's message type
 */
public record StoredMessage<M>(MessageId id, Instant timestamp, M message) {}
