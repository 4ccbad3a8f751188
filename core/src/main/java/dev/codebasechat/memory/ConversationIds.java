package dev.codebasechat.memory;

import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.SessionId;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Maps a framework's conversation id to a session of one user, and back. Frameworks name
 * conversations freely ({@code "default"}, a UUID, a number) and in one namespace for all users; a
 * session id is unique across all users. So the session of a conversation is named after both:
 * {@code chat-<user's 16 digits>-<the conversation id, encoded>}, where the digits come from a hash
 * of the user id and the encoding is reversible (base 62 of the conversation id's bytes), so that
 * listing a user's sessions lists their conversation ids without reading anything else.
 *
 * <ul>
 *   <li>Two users' {@code "default"} are two sessions; nothing of the token goes into either id.
 *   <li>A conversation id that already is a session id (one the gateway handed out, say) names that
 *       session itself, unless it has the 16 digits of the caller's own namespace.
 *   <li>A conversation id takes up to {@value #MAX_CONVERSATION_ID_BYTES} bytes of UTF-8, or is a
 *       UUID (lower or upper case, stored in 16 bytes), or is hex digits of one case, an even
 *       number of them, up to 56 (a UUID without dashes, a hash); any other longer id is refused
 *       with {@link IllegalArgumentException}.
 *   <li>Nobody else can take a user's conversation first: the table creates a session under 16
 *       digits only for the user whose namespace they are ({@link SessionTableRules#mayCreate};
 *       migration {@code 20261209000000}), so another user's try of that session id is refused as
 *       an id they do not own.
 *   <li>Two users whose hashes share the 16 digits (about one pair in 10<sup>16</sup>) cannot both
 *       use the same conversation id: the second is refused as the id of another user's session.
 *       Row Level Security keeps either from seeing the other's.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class ConversationIds {

  /**
   * Longest conversation id, in bytes of UTF-8 (a UUID, or up to 56 hex digits of one case, is
   * accepted at any rate).
   */
  public static final int MAX_CONVERSATION_ID_BYTES = 28;

  private static final String ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final BigInteger BASE = BigInteger.valueOf(ALPHABET.length());
  private static final int MIN_NAME_CHARS = 6;
  private static final byte TEXT = 1;
  private static final byte UUID_BYTES = 2;
  private static final byte UPPER_CASE_UUID_BYTES = 3;
  private static final byte HEX_BYTES = 4;
  private static final byte UPPER_CASE_HEX_BYTES = 5;
  private static final Pattern CANONICAL_UUID =
      Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  private static final Pattern UPPER_CASE_UUID =
      Pattern.compile("^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$");

  /** Hex digits of one case, an even number of them, as many as 28 bytes hold. */
  private static final Pattern HEX = Pattern.compile("^(?:[0-9a-f]{2}){1,28}$");

  private static final Pattern UPPER_CASE_HEX = Pattern.compile("^(?:[0-9A-F]{2}){1,28}$");

  private ConversationIds() {}

  /**
   * The session that holds {@code user}'s conversation {@code conversationId}.
   *
   * @throws IllegalArgumentException if {@code conversationId} is empty, or longer than {@value
   *     #MAX_CONVERSATION_ID_BYTES} bytes of UTF-8 and neither a UUID nor hex digits (see above)
   */
  public static SessionId sessionOf(UUID user, String conversationId) {
    if (conversationId.isEmpty()) {
      throw new IllegalArgumentException("a conversation id must not be empty");
    }
    String namespace = namespaceOf(user);
    if (SessionId.FORMAT.matcher(conversationId).matches()
        && !namespace.equals(digitsOf(conversationId))) {
      return SessionId.of(conversationId);
    }
    return SessionId.of(
        "chat-" + namespace + "-" + base62(new BigInteger(1, encoded(conversationId))));
  }

  /**
   * The conversation id as bytes, after a byte saying how to read them back: a lower-case UUID in
   * 16 bytes; any id of at most {@value #MAX_CONVERSATION_ID_BYTES} bytes as its UTF-8; a longer
   * one, if it is an upper-case UUID or hex digits of one case (a UUID without dashes, a hash), as
   * the bytes it spells. Each form reads back as exactly the text it came from.
   */
  private static byte[] encoded(String conversationId) {
    if (CANONICAL_UUID.matcher(conversationId).matches()) {
      return uuidBytes(UUID_BYTES, conversationId);
    }
    byte[] text = conversationId.getBytes(StandardCharsets.UTF_8);
    if (text.length <= MAX_CONVERSATION_ID_BYTES) {
      return tagged(TEXT, text);
    }
    if (UPPER_CASE_UUID.matcher(conversationId).matches()) {
      return uuidBytes(UPPER_CASE_UUID_BYTES, conversationId);
    }
    if (HEX.matcher(conversationId).matches()) {
      return tagged(HEX_BYTES, HexFormat.of().parseHex(conversationId));
    }
    if (UPPER_CASE_HEX.matcher(conversationId).matches()) {
      return tagged(UPPER_CASE_HEX_BYTES, HexFormat.of().parseHex(conversationId));
    }
    throw new IllegalArgumentException(
        "a conversation id must take at most "
            + MAX_CONVERSATION_ID_BYTES
            + " bytes of UTF-8 (or be a UUID) but took "
            + text.length);
  }

  private static byte[] uuidBytes(byte tag, String uuidText) {
    UUID uuid = UUID.fromString(uuidText);
    return ByteBuffer.allocate(17)
        .put(tag)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array();
  }

  private static byte[] tagged(byte tag, byte[] bytes) {
    byte[] out = new byte[bytes.length + 1];
    out[0] = tag;
    System.arraycopy(bytes, 0, out, 1, bytes.length);
    return out;
  }

  /**
   * The conversation id of {@code user}'s session {@code id}: the decoded name of a session of the
   * user's namespace, the session id itself for any other session.
   */
  public static String conversationOf(UUID user, SessionId id) {
    return decoded(user, id).orElse(id.value());
  }

  /** Whether {@code id} is named after one of {@code user}'s conversation ids. */
  public static boolean isNamedByConversation(UUID user, SessionId id) {
    return decoded(user, id).isPresent();
  }

  private static Optional<String> decoded(UUID user, SessionId id) {
    String value = id.value();
    if (!namespaceOf(user).equals(digitsOf(value))) {
      return Optional.empty();
    }
    String name = value.substring(value.lastIndexOf('-') + 1);
    byte[] bytes = unsigned(fromBase62(name));
    if (bytes.length == 0) {
      return Optional.empty();
    }
    byte[] rest = Arrays.copyOfRange(bytes, 1, bytes.length);
    if (bytes.length == 17 && (bytes[0] == UUID_BYTES || bytes[0] == UPPER_CASE_UUID_BYTES)) {
      ByteBuffer buffer = ByteBuffer.wrap(rest);
      String uuid = new UUID(buffer.getLong(), buffer.getLong()).toString();
      return Optional.of(bytes[0] == UUID_BYTES ? uuid : uuid.toUpperCase(Locale.ROOT));
    }
    return switch (bytes[0]) {
      case TEXT -> Optional.of(new String(rest, StandardCharsets.UTF_8));
      case HEX_BYTES -> Optional.of(HexFormat.of().formatHex(rest));
      case UPPER_CASE_HEX_BYTES -> Optional.of(HexFormat.of().withUpperCase().formatHex(rest));
      default -> Optional.empty();
    };
  }

  /**
   * The 16 digits of {@code user}'s namespace ({@link SessionTableRules#conversationNamespace}).
   */
  static String namespaceOf(UUID user) {
    return SessionTableRules.conversationNamespace(user);
  }

  private static String digitsOf(String sessionId) {
    int first = sessionId.indexOf('-');
    int last = sessionId.lastIndexOf('-');
    return first < 0 || last <= first ? "" : sessionId.substring(first + 1, last);
  }

  private static String base62(BigInteger number) {
    StringBuilder out = new StringBuilder();
    BigInteger rest = number;
    while (rest.signum() > 0) {
      BigInteger[] division = rest.divideAndRemainder(BASE);
      out.append(ALPHABET.charAt(division[1].intValue()));
      rest = division[0];
    }
    while (out.length() < MIN_NAME_CHARS) {
      out.append('0');
    }
    return out.reverse().toString();
  }

  private static BigInteger fromBase62(String text) {
    BigInteger number = BigInteger.ZERO;
    for (int i = 0; i < text.length(); i++) {
      number = number.multiply(BASE).add(BigInteger.valueOf(ALPHABET.indexOf(text.charAt(i))));
    }
    return number;
  }

  /** The magnitude's bytes without the sign byte {@link BigInteger#toByteArray} may add. */
  private static byte[] unsigned(BigInteger number) {
    byte[] bytes = number.toByteArray();
    return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }
}
