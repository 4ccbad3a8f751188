package dev.codebasechat.session;

import dev.codebasechat.schema.SessionTableRules;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The client-visible identifier of one chat session, e.g. {@code chat-1705622400000-abc123xyz}.
 *
 * <p>Accepted format: {@code chat-<1..16 digits>-<6..40 letters or digits>}, at most 62 characters
 * — the same rule the database enforces with a CHECK constraint, so an id that passes here is never
 * refused there for its shape. Ids made by {@link #generate(Clock, Random)} carry the creation time
 * in epoch milliseconds and 26 base-32 characters (130 random bits) from the given source, so they
 * cannot be guessed.
 *
 * <p>Immutable and thread-safe.
 */
public record SessionId(String value) implements Comparable<SessionId> {

  /** The pattern every session id matches: the table's {@code session_id_format} constraint. */
  public static final Pattern FORMAT = SessionTableRules.SESSION_ID;

  /** Longest accepted id, in characters. */
  public static final int MAX_LENGTH = 62;

  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final int RANDOM_CHARS = 26;
  private static final SecureRandom DEFAULT_RANDOM = new SecureRandom();

  /**
   * @throws IllegalArgumentException if {@code value} does not match {@link #FORMAT}; the message
   *     shows at most the first 80 characters of the rejected value
   * @throws NullPointerException if {@code value} is null, saying so
   */
  public SessionId {
    Objects.requireNonNull(value, "a session id must not be null");
    if (value.length() > MAX_LENGTH || !FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "session id must look like chat-<epochMillis>-<6..40 letters or digits> but was "
              + quoteShort(value));
    }
  }

  /** Parses {@code value}; same as the constructor, named for readability at call sites. */
  public static SessionId of(String value) {
    return new SessionId(value);
  }

  /** Returns a fresh, unguessable id stamped with {@code clock}'s current time. */
  public static SessionId generate(Clock clock) {
    return generate(clock, DEFAULT_RANDOM);
  }

  /**
   * As {@link #generate(Clock)}, drawing randomness from {@code random} (tests pass a seeded one).
   */
  public static SessionId generate(Clock clock, Random random) {
    StringBuilder id =
        new StringBuilder(MAX_LENGTH).append("chat-").append(clock.millis()).append('-');
    for (int i = 0; i < RANDOM_CHARS; i++) {
      id.append(BASE32[random.nextInt(BASE32.length)]);
    }
    return new SessionId(id.toString());
  }

  @Override
  public int compareTo(SessionId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  static String quoteShort(String value) {
    String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    StringBuilder out = new StringBuilder(shown.length() + 2).append('"');
    for (char c : shown.toCharArray()) {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
