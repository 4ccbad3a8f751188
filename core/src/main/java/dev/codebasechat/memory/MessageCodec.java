package dev.codebasechat.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.session.Role;
import java.util.Optional;

/**
 * How one framework's messages are stored as session messages and read back. {@link
 * ConversationMemory} stores the {@linkplain Encoded#payload() payload} only when {@link
 * #decode(Role, String, Optional) decoding} the role and text alone would not give back an equal
 * message, so a plain exchange of text costs its text and nothing more.
 *
 * <p>Implementations are stateless and thread-safe; {@code decode(encode(m))} equals {@code m} for
 * every message the framework can produce, but for values the framework keeps as plain objects (an
 * attribute or metadata value of an application's or a provider's own class), which come back as
 * their JSON form; {@link #same} holds for the two.
 *
 * @param <M> the framework's message type
 */
public interface MessageCodec<M> {

  /**
   * The stored form of {@code message}.
   *
   * @throws IllegalArgumentException if the message holds something that cannot be stored
   *     faithfully (the message says what): never stored in part
   */
  Encoded encode(M message);

  /**
   * The framework message stored as {@code role}, {@code text} and {@code payload}; with no payload
   * (a message written by the gateway, say) the plain message of that role.
   *
   * @throws IllegalArgumentException if the payload is not one this codec wrote
   */
  M decode(Role role, String text, Optional<JsonNode> payload);

  /**
   * Whether {@code a} and {@code b} are the same message, as the memory matches a saved window
   * against what the session holds: by default {@code equals}, for frameworks whose message types
   * lack it in places (a codec may compare what it stores).
   */
  default boolean same(M a, M b) {
    return a.equals(b);
  }

  /**
   * A message as stored.
   *
   * @param role the session role the message is listed under
   * @param text what a person reads (shown by the gateway and in listings)
   * @param payload everything else the framework message holds, as the codec's JSON
   */
  record Encoded(Role role, String text, JsonNode payload) {}
}
