package dev.codebasechat.memory.internal;

import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ids of messages a memory stores: derived from the session, the id of the message before it in the
 * window and the message's stored form. Two writers that store the same turn (a retry, two
 * instances answering one request twice) derive the same ids, so the session's idempotent append
 * keeps the message once; the same text said again later follows another message, so gets another
 * id.
 */
public final class MessageIds {
  private static final int ID_BYTES = 16;

  private MessageIds() {}

  /** The id of {@code storedForm} stored after {@code previous} (empty for the first message). */
  public static MessageId derive(SessionId session, String previous, String storedForm) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(session.value().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(previous.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(storedForm.getBytes(StandardCharsets.UTF_8));
      byte[] hash = Arrays.copyOf(digest.digest(), ID_BYTES);
      return MessageId.of("m" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
