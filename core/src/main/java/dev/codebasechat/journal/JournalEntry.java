package dev.codebasechat.journal;

import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

/**
 * One acknowledged write held by a {@link Journal} until the database confirms it. The payload is
 * opaque to the journal (the store puts JSON there); it is copied in and out, so an entry is
 * immutable.
 *
 * @param sequence position in the journal, unique and increasing across all keys
 * @param key what the write belongs to (a session id)
 * @param owner the user the write belongs to
 * @param kind what the payload is, chosen by the caller (for example {@code "append"})
 * @param recordedAt when the journal made it durable, by the journal's clock
 */
// The array is copied in and out and compared by content (equals, hashCode below).
@SuppressWarnings("ArrayRecordComponent")
public record JournalEntry(
    long sequence, String key, UUID owner, String kind, byte[] payload, Instant recordedAt) {

  public JournalEntry {
    payload = payload.clone();
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JournalEntry that
        && sequence == that.sequence
        && key.equals(that.key)
        && owner.equals(that.owner)
        && kind.equals(that.kind)
        && Arrays.equals(payload, that.payload)
        && recordedAt.equals(that.recordedAt);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(sequence) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "JournalEntry[sequence="
        + sequence
        + ", key="
        + key
        + ", owner="
        + owner
        + ", kind="
        + kind
        + ", payload="
        + payload.length
        + " bytes, recordedAt="
        + recordedAt
        + "]";
  }
}
