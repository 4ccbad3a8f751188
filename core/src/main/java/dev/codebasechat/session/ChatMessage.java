package dev.codebasechat.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * One message of a conversation. Immutable and thread-safe.
 *
 * @param id unique within its session; a repeated id is a retry, never a second message
 * @param role who wrote it
 * @param content the text, at most {@link #MAX_CONTENT_LENGTH} characters
 * @param timestamp when the message was written (by the caller's clock), kept to {@link
 *     Timestamps#PRECISION}
 * @param code optional structured attachment (for example the code of an answer), any JSON
 */
public record ChatMessage(
    MessageId id, Role role, String content, Instant timestamp, Optional<JsonNode> code) {

  /**
   * Longest accepted content, in characters (Unicode code points: an emoji counts once): the
   * store's bound (the table takes messages up to 1 MiB).
   */
  public static final int MAX_CONTENT_LENGTH = 200_000;

  /**
   * @throws IllegalArgumentException if {@code content} is longer than {@link #MAX_CONTENT_LENGTH}
   */
  public ChatMessage {
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
    code = code.filter(node -> !node.isNull() && !node.isMissingNode());
    timestamp = Timestamps.truncate(timestamp);
  }

  /** A message with a fresh random id, stamped with {@code clock}'s time and no attachment. */
  public static ChatMessage of(Role role, String content, Clock clock) {
    return of(MessageId.random(), role, content, clock);
  }

  /**
   * A message with the caller's own {@code id} (to retry an append safely, or to keep an id of
   * another system), stamped with {@code clock}'s time and no attachment.
   */
  public static ChatMessage of(MessageId id, Role role, String content, Clock clock) {
    return new ChatMessage(id, role, content, clock.instant(), Optional.empty());
  }
}
