package dev.codebasechat.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.journal.JournalStats;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SetAsideWrite;
import dev.codebasechat.session.internal.SessionCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a store's journal holds, for operators (the {@code stats} and {@code set-aside} commands):
 * counts of pending and set-aside writes, the set-aside writes themselves (messages only when asked
 * for), and discarding those of one session; the entries no store or drain of this version sends,
 * and discarding them. Reads the journal, and changes it only in {@link #discardSetAside} and
 * {@link #discardLeftInPlace}.
 *
 * <p>The journal must not be in use by a running store at the same time ({@link
 * dev.codebasechat.journal.SqliteJournal} enforces one process per file). Journal failures surface
 * as {@link dev.codebasechat.sqlite.JournalException}. Stateless: every method is static.
 */
public final class JournalInspection {

  private JournalInspection() {}

  /**
   * What a journal holds.
   *
   * @param pendingWrites journaled writes not yet confirmed by the database
   * @param pendingSessions sessions they belong to
   * @param oldestPending when the oldest of them was journaled
   * @param setAsideWrites writes the database refused for good, kept for review
   * @param localCopies confirmed sessions kept for reads while the database is away
   * @param localCopyBytes their total JSON size
   * @param fileBytes the journal's files on disk
   */
  public record JournalSummary(
      long pendingWrites,
      long pendingSessions,
      Optional<Instant> oldestPending,
      long setAsideWrites,
      long localCopies,
      long localCopyBytes,
      long fileBytes) {}

  /** Counts what {@code journal} holds; reads it, changes nothing. */
  public static JournalSummary summarize(Journal journal) {
    JournalStats stats = journal.stats();
    long pending = 0;
    long setAside = 0;
    Set<String> sessions = new HashSet<>();
    Instant oldest = null;
    for (JournalEntry entry : journal.pending()) {
      if (SessionCodec.isSetAside(entry)) {
        setAside++;
        continue;
      }
      pending++;
      sessions.add(entry.key());
      if (oldest == null || entry.recordedAt().isBefore(oldest)) {
        oldest = entry.recordedAt();
      }
    }
    return new JournalSummary(
        pending,
        sessions.size(),
        Optional.ofNullable(oldest),
        setAside,
        stats.snapshots(),
        stats.snapshotBytes(),
        stats.fileBytes());
  }

  /**
   * A write the database refused for good, as the journal keeps it.
   *
   * @param operation {@code append}, {@code context}, {@code clear} or {@code delete}
   * @param messageIds the messages it carried
   * @param write the write itself (messages with their content, context fields); only when asked
   *     for, empty otherwise
   */
  public record SetAsideRecord(
      SessionId sessionId,
      UUID owner,
      String operation,
      List<MessageId> messageIds,
      String reason,
      Instant at,
      Optional<JsonNode> write) {
    public SetAsideRecord {
      messageIds = List.copyOf(messageIds);
      write = write.map(JsonNode::deepCopy);
    }
  }

  /**
   * The set-aside writes {@code journal} keeps, oldest first; with {@code withContent} each also
   * carries the write itself, message bodies included. Unreadable records are skipped.
   */
  public static List<SetAsideRecord> setAsideWrites(Journal journal, boolean withContent) {
    List<SetAsideRecord> records = new ArrayList<>();
    for (JournalEntry entry : journal.pending()) {
      if (!SessionCodec.isSetAside(entry)) {
        continue;
      }
      try {
        SessionId id = SessionCodec.sessionOfKey(entry.key());
        SetAsideWrite write = SessionCodec.setAsideFromJson(id, entry.owner(), entry.payload());
        Optional<JsonNode> content =
            withContent
                ? Optional.of(SessionCodec.jsonOf(entry.payload()).path("write"))
                : Optional.empty();
        records.add(
            new SetAsideRecord(
                id,
                entry.owner(),
                write.operation(),
                write.messageIds(),
                write.reason(),
                write.at(),
                content));
      } catch (IllegalArgumentException e) {
        // Not ours to interpret; left in the journal untouched.
      }
    }
    return records;
  }

  /**
   * Removes every set-aside write of session {@code id} from {@code journal}, after an operator
   * reviewed them; the session's pending writes stay.
   *
   * @return how many were removed (0 when it had none)
   */
  public static int discardSetAside(Journal journal, SessionId id) {
    // Records of older journals sit under the session's own key; newer ones under their own.
    return discardSetAsideUnder(journal, SessionCodec.setAsideKey(id))
        + discardSetAsideUnder(journal, id.value());
  }

  /**
   * A pending journal entry that neither a store nor a drain of this version ever sends, left in
   * place for an operator: its key names no session, or this version cannot read it (a kind a newer
   * version journaled, before a roll-back; a damaged payload). While it is there, a drain leaves
   * its session's other writes pending too. (An entry naming another owner than its session's
   * earlier entries is not one: a store sends it once those are delivered.)
   *
   * @param why which of those, in words
   */
  public record EntryLeftInPlace(
      long sequence, String key, UUID owner, String kind, Instant recordedAt, String why) {}

  /** The entries of {@code journal} left in place ({@link EntryLeftInPlace}), oldest first. */
  public static List<EntryLeftInPlace> entriesLeftInPlace(Journal journal) {
    List<EntryLeftInPlace> left = new ArrayList<>();
    for (JournalEntry entry : journal.pending()) {
      if (SessionCodec.isSetAside(entry)) {
        continue;
      }
      Optional<String> why = whyLeftInPlace(entry);
      why.ifPresent(
          reason ->
              left.add(
                  new EntryLeftInPlace(
                      entry.sequence(),
                      entry.key(),
                      entry.owner(),
                      entry.kind(),
                      entry.recordedAt(),
                      reason)));
    }
    return left;
  }

  /**
   * Why no store of this version sends {@code entry}, read as a store reads it; empty if one does.
   */
  private static Optional<String> whyLeftInPlace(JournalEntry entry) {
    try {
      SessionCodec.sessionOfKey(entry.key());
    } catch (IllegalArgumentException e) {
      return Optional.of("its key names no session");
    }
    try {
      SessionCodec.opFromJson(entry);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of("this version cannot read it (" + e.getMessage() + ")");
    }
  }

  /**
   * Removes the entries {@link #entriesLeftInPlace} lists, after an operator reviewed them: what
   * they held is lost for good. The sessions' other writes stay pending, for the next start or
   * drain.
   *
   * @return how many were removed
   */
  public static int discardLeftInPlace(Journal journal) {
    Map<String, List<Long>> byKey = new LinkedHashMap<>();
    for (EntryLeftInPlace entry : entriesLeftInPlace(journal)) {
      byKey.computeIfAbsent(entry.key(), key -> new ArrayList<>()).add(entry.sequence());
    }
    int removed = 0;
    for (Map.Entry<String, List<Long>> key : byKey.entrySet()) {
      removed += journal.remove(key.getKey(), key.getValue());
    }
    return removed;
  }

  private static int discardSetAsideUnder(Journal journal, String key) {
    List<Long> sequences = new ArrayList<>();
    for (JournalEntry entry : journal.pending(key)) {
      if (SessionCodec.isSetAside(entry)) {
        sequences.add(entry.sequence());
      }
    }
    return sequences.isEmpty() ? 0 : journal.remove(key, sequences);
  }
}
