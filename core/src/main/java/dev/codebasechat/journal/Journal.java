package dev.codebasechat.journal;

import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A durable local log of writes that a caller was told are saved but the database has not yet
 * confirmed, plus the local copies ("snapshots") of state the database last confirmed. Generic: it
 * knows keys, owners and opaque payloads, not chat.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li><b>Durable on return.</b> {@link #append} and {@link #appendAll} return only after the
 *       entries are committed at the implementation's stated durability level (see {@link
 *       SqliteJournal} and {@link Durability}). When they cannot be made durable (disk full, I/O
 *       error, read-only or corrupt file, journal closed) the method throws {@link
 *       JournalException} and nothing of that call is kept; it never returns normally in that case.
 *   <li><b>Ordered.</b> Sequence numbers are unique and increase across all keys, never reused,
 *       also across restarts.
 *   <li><b>Released only when confirmed.</b> Entries stay until {@link #release}; on start-up
 *       {@link #pending()} returns everything the previous run left, for replay.
 *   <li><b>Thread-safe.</b> All methods may be called from any thread; writes are serialised.
 *   <li>Every method throws {@link JournalException} when the journal is closed or its file fails.
 * </ul>
 */
public interface Journal extends AutoCloseable {

  /** One entry to append, for {@link #appendAll}. */
  // The array is copied in and out and compared by content (equals, hashCode below).
  @SuppressWarnings("ArrayRecordComponent")
  record Append(String key, UUID owner, String kind, byte[] payload) {
    public Append {
      payload = payload.clone();
    }

    @Override
    public byte[] payload() {
      return payload.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Append that
          && key.equals(that.key)
          && owner.equals(that.owner)
          && kind.equals(that.kind)
          && Arrays.equals(payload, that.payload);
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
      return "Append[key="
          + key
          + ", owner="
          + owner
          + ", kind="
          + kind
          + ", payload="
          + payload.length
          + " bytes]";
    }
  }

  /**
   * Makes one entry durable and returns its sequence number.
   *
   * @throws JournalException when the entry could not be made durable; it was not kept
   */
  long append(String key, UUID owner, String kind, byte[] payload);

  /**
   * Makes all {@code entries} durable in one transaction: all or none. They get consecutive
   * sequence numbers in list order; returns the last one (or the current highest sequence when the
   * list is empty, without writing).
   *
   * @throws JournalException when they could not be made durable; none was kept
   */
  long appendAll(List<Append> entries);

  /**
   * Deletes {@code key}'s entries whose sequence is at most {@code upToSequence}, because the
   * database confirmed them. Entries of other keys and later entries of this key stay.
   *
   * @return how many entries were released
   */
  int release(String key, long upToSequence);

  /**
   * Deletes exactly the entries of {@code key} whose sequence is in {@code sequences} (an operator
   * discarding writes after review), leaving every other entry of the key in place. One
   * transaction.
   *
   * @return how many entries were deleted
   */
  int remove(String key, Collection<Long> sequences);

  /** Every unreleased entry, in sequence order: what start-up replays. */
  List<JournalEntry> pending();

  /** {@code key}'s unreleased entries, in sequence order. */
  List<JournalEntry> pending(String key);

  /** Stores (or replaces) the local copy of {@code key}'s confirmed state; durable on return. */
  void putSnapshot(String key, UUID owner, long version, byte[] json);

  Optional<Snapshot> snapshot(String key);

  void deleteSnapshot(String key);

  /**
   * Retention for local copies: first removes snapshots not written for longer than {@code
   * olderThan}, then the least recently written ones until their total JSON size is at most {@code
   * maxTotalBytes}. A snapshot whose key still has pending entries is never removed (it may then
   * stay above the limit). One transaction.
   *
   * @return how many snapshots were removed
   */
  int pruneSnapshots(Duration olderThan, long maxTotalBytes);

  JournalStats stats();

  /**
   * Releases the file. Idempotent; later calls of any other method throw {@link JournalException}.
   */
  @Override
  void close();
}
