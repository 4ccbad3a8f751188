package dev.codebasechat.session;

import dev.codebasechat.schema.SessionTableRules;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Identifies one message within a session. Appending a message whose id the session already holds
 * changes nothing, which is what makes every retry of a write safe.
 *
 * <p>Accepted format: 1 to 64 characters from {@code [A-Za-z0-9_-]}. Immutable and thread-safe.
 */
public record MessageId(String value) {

  /** The pattern every message id matches. */
  public static final Pattern FORMAT = SessionTableRules.MESSAGE_ID;

  /**
   * @throws IllegalArgumentException if {@code value} does not match {@link #FORMAT}
   * @throws NullPointerException if {@code value} is null, saying so
   */
  public MessageId {
    Objects.requireNonNull(value, "a message id must not be null");
    if (!FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "message id must be 1..64 characters from [A-Za-z0-9_-] but was "
              + SessionId.quoteShort(value));
    }
  }

  public static MessageId of(String value) {
    return new MessageId(value);
  }

  /** A fresh random id (a type-4 UUID). */
  public static MessageId random() {
    return new MessageId(UUID.randomUUID().toString());
  }

  @Override
  public String toString() {
    return value;
  }
}
