package dev.codebasechat.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One message of a conversation. Immutable and thread-safe.
 *
 * <p>Made with {@link #user}, {@link #assistant}, {@link #system}, {@link #tool} or {@link #of}, a
 * message has a fresh random id and no time yet: the store stamps it with its own clock when it
 * accepts it ({@link #isStamped()} is false until then). {@link #withId} and {@link #withTimestamp}
 * give an id and a time of your own (to retry an append safely, or to keep another system's ids and
 * times); the canonical constructor takes everything at once.
 *
 * @param id unique within its session; a repeated id is a retry, never a second message
 * @param role who wrote it
 * @param content the text, at most {@link #MAX_CONTENT_LENGTH} characters
 * @param timestamp when the message was written, kept to {@link Timestamps#PRECISION}; {@link
 *     #UNSTAMPED} until a store stamps it
 * @param code optional structured attachment (for example the code of an answer), any JSON; the
 *     message keeps a copy of the node given, and the node {@code code()} returns is the message's
 *     own, not to be modified
 */
public record ChatMessage(
    MessageId id, Role role, String content, Instant timestamp, Optional<JsonNode> code) {

  /**
   * Longest accepted content, in characters (Unicode code points: an emoji counts once): the
   * store's bound (the table takes messages up to 1 MiB).
   */
  public static final int MAX_CONTENT_LENGTH = 200_000;

  /** The time of a message no store has stamped yet. */
  public static final Instant UNSTAMPED = Instant.MIN;

  /**
   * @throws IllegalArgumentException if {@code content} is longer than {@link #MAX_CONTENT_LENGTH}
   * @throws NullPointerException naming the component that is null (an empty text is {@code ""}, no
   *     code is {@code Optional.empty()})
   */
  public ChatMessage {
    Objects.requireNonNull(id, "a message's id must not be null");
    Objects.requireNonNull(role, "a message's role must not be null");
    Objects.requireNonNull(content, "a message's content must not be null: an empty text is \"\"");
    Objects.requireNonNull(timestamp, "a message's timestamp must not be null");
    Objects.requireNonNull(code, "a message's code must not be null: no code is Optional.empty()");
    // Within the bound in UTF-16 units means within it in code points: count only when needed.
    if (content.length() > MAX_CONTENT_LENGTH) {
      int characters = content.codePointCount(0, content.length());
      if (characters > MAX_CONTENT_LENGTH) {
        throw new IllegalArgumentException(
            "message content must be at most "
                + MAX_CONTENT_LENGTH
                + " characters but was "
                + characters);
      }
    }
    // Copied, as ChatSession copies its JSON: a caller changing the node it passed afterwards would
    // otherwise change the message in the store's cache, past the checks made when it was appended.
    code = code.filter(node -> !node.isNull() && !node.isMissingNode()).map(JsonNode::deepCopy);
    timestamp = Timestamps.truncate(timestamp);
  }

  /** A message of the user, with a fresh id, stamped by the store that accepts it. */
  public static ChatMessage user(String content) {
    return of(Role.USER, content);
  }

  /** A message of the assistant, with a fresh id, stamped by the store that accepts it. */
  public static ChatMessage assistant(String content) {
    return of(Role.ASSISTANT, content);
  }

  /** A system message, with a fresh id, stamped by the store that accepts it. */
  public static ChatMessage system(String content) {
    return of(Role.SYSTEM, content);
  }

  /** A tool's message, with a fresh id, stamped by the store that accepts it. */
  public static ChatMessage tool(String content) {
    return of(Role.TOOL, content);
  }

  /** A message of {@code role}, with a fresh id, stamped by the store that accepts it. */
  public static ChatMessage of(Role role, String content) {
    return new ChatMessage(MessageId.random(), role, content, UNSTAMPED, Optional.empty());
  }

  /** This message under the id {@code id}. */
  public ChatMessage withId(MessageId newId) {
    return new ChatMessage(newId, role, content, timestamp, code);
  }

  /** This message written at {@code at} (the store keeps this time instead of stamping it). */
  public ChatMessage withTimestamp(Instant at) {
    return new ChatMessage(id, role, content, at, code);
  }

  /** This message with {@code attachment} as its structured attachment. */
  public ChatMessage withCode(JsonNode attachment) {
    return new ChatMessage(id, role, content, timestamp, Optional.of(attachment));
  }

  /** Whether this message has a time: given, or stamped by a store. */
  public boolean isStamped() {
    return !timestamp.equals(UNSTAMPED);
  }
}
