package dev.codebasechat.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.postgrest.FailureKind;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.postgrest.SelectRequest;
import dev.codebasechat.postgrest.SortOrder;
import dev.codebasechat.sync.Journal;
import dev.codebasechat.sync.JournalEntry;
import dev.codebasechat.sync.JournalStats;
import dev.codebasechat.sync.LocalSessionTable;
import dev.codebasechat.sync.RemoteGuard;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Operator tasks over every user's sessions and over a store's journal: list sessions, inspect the
 * journal, review and discard set-aside writes, recover one session's local copy from the database,
 * and drain journaled writes whose owners do not come back. Used by the command line's operator
 * tools; never on behalf of an end user.
 *
 * <p><b>The service key.</b> Database calls here go through an {@link OperatorScope}, which runs as
 * {@code service_role} and bypasses Row Level Security. Ownership is therefore enforced here: a
 * journaled write is only ever applied to a row whose {@code user_id} is the write's owner, or to a
 * new row created with that owner; a row owned by anyone else is never written and the write is set
 * aside with the reason {@value #OWNED_BY_ANOTHER_USER}.
 *
 * <p><b>Journals.</b> The journal must not be in use by a running store at the same time ({@link
 * dev.codebasechat.sync.SqliteJournal} enforces one process per file). Messages are never shown
 * unless asked for ({@link #setAsideWrites(Journal, boolean)}).
 *
 * <p>Stateless: every method is static; thread safety is that of the journal and client passed in.
 * Methods that talk to the database throw {@link PostgrestException} when it refuses or cannot be
 * reached (the drain reports such failures per session instead); journal failures surface as {@link
 * dev.codebasechat.sync.JournalException}.
 */
public final class SessionAdmin {

  /**
   * Reason recorded for a journaled write whose session belongs to someone else in the database.
   */
  public static final String OWNED_BY_ANOTHER_USER = "owned by another user";

  private static final int TOTALS_PAGE = 1000;
  private static final String LIST_COLUMNS =
      "session_id,user_id,repo,message_count,last_activity,history_bytes";
  private static final String ROW_COLUMNS = SessionCodec.SESSION_COLUMNS;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private SessionAdmin() {}

  // ---------------------------------------------------------------- listing

  /**
   * One session as an operator sees it.
   *
   * @param historyBytes size of the stored history as JSON text
   */
  public record SessionRow(
      SessionId id,
      UUID owner,
      int messageCount,
      long historyBytes,
      Optional<Instant> lastActivity,
      Optional<String> repo) {}

  /**
   * A page of sessions, newest activity first, plus totals over all matching sessions.
   *
   * @param activeSessions sessions with activity at or after the {@code activeSince} asked for
   */
  public record Listing(
      List<SessionRow> sessions, long totalSessions, long activeSessions, long totalMessages) {
    public Listing {
      sessions = List.copyOf(sessions);
    }
  }

  /**
   * Every user's sessions in the database (or only {@code owner}'s), at most {@code limit} of them,
   * newest activity first, with totals. Runs with the service key.
   *
   * @throws IllegalArgumentException if {@code limit} is not positive
   * @throws PostgrestException when the database refuses or cannot be reached
   */
  public static Listing listSessions(
      OperatorScope database, Optional<UUID> owner, int limit, Instant activeSince) {
    checkLimit(limit);
    SelectRequest page = database.from(SessionCodec.TABLE).select(LIST_COLUMNS);
    if (owner.isPresent()) {
      page = page.eq("user_id", owner.get());
    }
    JsonNode rows =
        page.order("last_activity", SortOrder.DESCENDING)
            .order("session_id", SortOrder.ASCENDING)
            .limit(limit)
            .execute()
            .body();
    List<SessionRow> sessions = new ArrayList<>();
    for (JsonNode row : rows) {
      sessions.add(
          new SessionRow(
              SessionId.of(row.path("session_id").asText()),
              UUID.fromString(row.path("user_id").asText()),
              row.path("message_count").asInt(0),
              row.path("history_bytes").asLong(0), // kept by the database: no history downloaded
              SessionCodec.parseTime(row.path("last_activity")),
              text(row, "repo")));
    }
    // Aggregates are off by default in PostgREST, so the totals come from the two small columns.
    long total = 0;
    long active = 0;
    long messages = 0;
    for (long offset = 0; ; offset += TOTALS_PAGE) {
      SelectRequest counts =
          database.from(SessionCodec.TABLE).select("message_count,last_activity");
      if (owner.isPresent()) {
        counts = counts.eq("user_id", owner.get());
      }
      JsonNode chunk =
          counts
              .order("session_id", SortOrder.ASCENDING)
              .limit(TOTALS_PAGE)
              .offset(offset)
              .execute()
              .body();
      for (JsonNode row : chunk) {
        total++;
        messages += row.path("message_count").asLong(0);
        if (SessionCodec.parseTime(row.path("last_activity"))
            .filter(at -> !at.isBefore(activeSince))
            .isPresent()) {
          active++;
        }
      }
      if (chunk.size() < TOTALS_PAGE) {
        break;
      }
    }
    return new Listing(sessions, total, active, messages);
  }

  /**
   * Every user's sessions in the embedded default's local table (or only {@code owner}'s), at most
   * {@code limit}, newest activity first, with totals.
   *
   * @throws IllegalArgumentException if {@code limit} is not positive
   */
  public static Listing listSessions(
      LocalSessionTable table, Optional<UUID> owner, int limit, Instant activeSince) {
    checkLimit(limit);
    List<SessionRow> sessions = new ArrayList<>();
    for (ObjectNode row : table.listAll(owner, limit, 0).rows()) {
      sessions.add(
          new SessionRow(
              SessionId.of(row.path("session_id").asText()),
              UUID.fromString(row.path("user_id").asText()),
              row.path("message_count").asInt(0),
              row.path("history_bytes").asLong(0),
              SessionCodec.parseTime(row.path("last_activity")),
              text(row, "repo")));
    }
    LocalSessionTable.Totals totals = table.totals(owner, activeSince);
    return new Listing(sessions, totals.sessions(), totals.activeSince(), totals.messages());
  }

  private static void checkLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1 but was " + limit);
    }
  }

  // ---------------------------------------------------------------- journal statistics

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
      if (isSetAside(entry)) {
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

  private static boolean isSetAside(JournalEntry entry) {
    return entry.kind().equals(SessionStore.SET_ASIDE_KIND);
  }

  // ---------------------------------------------------------------- set-aside writes

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
      if (!isSetAside(entry)) {
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

  private static int discardSetAsideUnder(Journal journal, String key) {
    List<Long> sequences = new ArrayList<>();
    for (JournalEntry entry : journal.pending(key)) {
      if (isSetAside(entry)) {
        sequences.add(entry.sequence());
      }
    }
    return sequences.isEmpty() ? 0 : journal.remove(key, sequences);
  }

  // ---------------------------------------------------------------- recover

  /**
   * What {@link #recover} found.
   *
   * @param session the session as the database holds it; empty when it has no such session
   * @param pendingWrites journaled writes of it that are still waiting (they are kept)
   */
  public record Recovery(Optional<ChatSession> session, long pendingWrites) {}

  /**
   * Reads session {@code id} from the database with the service key and makes the journal's local
   * copy of it exactly that (or removes the copy when the database has no such session), so a
   * gateway's fallback answers match the database. Pending writes of the session stay journaled.
   *
   * @throws PostgrestException when the database refuses or cannot be reached; the local copy is
   *     then left as it was
   */
  public static Recovery recover(OperatorScope database, Journal journal, SessionId id) {
    Optional<ChatSession> session = fetchRow(database, id);
    if (session.isPresent()) {
      ChatSession found = session.get();
      journal.putSnapshot(
          id.value(), found.owner(), found.version(), SessionCodec.sessionToRow(found));
    } else {
      journal.deleteSnapshot(id.value());
    }
    long pending = journal.pending(id.value()).stream().filter(entry -> !isSetAside(entry)).count();
    return new Recovery(session, pending);
  }

  /** {@code session} in the table's row shape (what {@link #recover} read), messages included. */
  public static JsonNode toJson(ChatSession session) {
    return SessionCodec.jsonOf(SessionCodec.sessionToRow(session));
  }

  private static Optional<ChatSession> fetchRow(OperatorScope database, SessionId id) {
    return database
        .from(SessionCodec.TABLE)
        .select(ROW_COLUMNS)
        .eq("session_id", id.value())
        .maybeSingle()
        .map(SessionCodec::sessionFromRow);
  }

  // ---------------------------------------------------------------- drain

  /** How one session's journaled writes ended in a {@link #drain}. */
  public enum Outcome {
    /** Written to the database (or already there) and released from the journal. */
    DELIVERED,
    /** Refused for good; recorded as set-aside writes with the reason and released. */
    SET_ASIDE,
    /** Not written (database unreachable, time up, the row kept changing); still journaled. */
    STILL_PENDING
  }

  /**
   * One session's result.
   *
   * @param writes journaled writes it had
   * @param messages messages those writes carried
   * @param newMessages messages the database did not hold yet and now does (0 unless delivered)
   * @param reason why it was set aside or is still pending; empty when delivered
   */
  public record DrainedSession(
      SessionId id,
      UUID owner,
      Outcome outcome,
      int writes,
      int messages,
      int newMessages,
      Optional<String> reason) {}

  /**
   * Everything a drain did, in the order the sessions were handled.
   *
   * @param unreadableEntries journal entries whose key names no session: left in place, untouched
   */
  public record DrainReport(List<DrainedSession> sessions, int unreadableEntries) {
    public DrainReport {
      sessions = List.copyOf(sessions);
    }

    public List<DrainedSession> with(Outcome outcome) {
      return sessions.stream().filter(session -> session.outcome() == outcome).toList();
    }
  }

  /**
   * What a drain is about to do and how it goes, called on the draining thread. Both methods
   * default to doing nothing.
   */
  public interface DrainListener {
    /** Before the first session: how many sessions and messages are journaled. */
    default void planned(int sessions, int messages) {}

    /** After each session. */
    default void finished(DrainedSession session) {}
  }

  /**
   * Sends every journaled pending write of {@code journal} to the database now, one session at a
   * time in journal order, and releases what the database confirmed.
   *
   * <p>Per session, in one call that stores all of its writes or none ({@link OperatorDelivery}):
   * when they are appends alone of at most {@value Outbox#MAX_MESSAGES_PER_REQUEST} messages, they
   * are appended with {@code append_chat_messages_for(owner, id, messages)}, which reads nothing
   * first: each message takes its place by timestamp, ids already stored are skipped, and a session
   * id of another user is answered with null and never written (the writes are set aside, {@value
   * #OWNED_BY_ANOTHER_USER}). Otherwise the row is read with the service key; if it belongs to
   * another user, nothing is written and the writes are set aside alike. Else the journaled writes
   * are applied to it in order, as the store would (appends skip message ids already stored and
   * keep their order; context updates replace their fields; a clear empties the history; a delete
   * removes the row; new messages take their place by timestamp), and the result is written in one
   * call of {@code store_chat_session_for(owner, id, version read, session)}: the database writes
   * it only for that owner (another user's session id is refused there, whatever this read said)
   * and only if the row is still at the version read; when another writer got in between, the row
   * is read again and the writes re-applied, up to {@value OperatorDelivery#MAX_CONFLICT_ATTEMPTS}
   * times. Messages the row already holds are left as they are. A history that would break the
   * table's limit of {@value LocalSessionTable#MAX_MESSAGES_PER_SESSION} messages, and a refusal of
   * the write itself (a 400 such as a CHECK on the 16 MiB history, a 409) set the writes aside with
   * the reason. Transient failures are retried by {@code guard}; when they persist, and when the
   * database refuses the service key's request as such (401, 403, 404, other 5xx: a wrong key,
   * missing grants or table), the session stays pending and the drain goes on with the next.
   *
   * <p>Sessions not started by {@code deadline} (by {@code clock}) stay pending. Set-aside records
   * are journaled in the store's format, so a gateway started later reports them too.
   */
  public static DrainReport drain(
      Journal journal,
      OperatorScope database,
      RemoteGuard guard,
      Clock clock,
      Instant deadline,
      DrainListener listener) {
    Map<SessionId, List<JournalEntry>> bySession = new LinkedHashMap<>();
    int unreadable = 0;
    for (JournalEntry entry : journal.pending()) {
      if (isSetAside(entry)) {
        continue;
      }
      try {
        bySession.computeIfAbsent(SessionId.of(entry.key()), key -> new ArrayList<>()).add(entry);
      } catch (IllegalArgumentException e) {
        unreadable++; // not a session's entry: not ours to send or release
      }
    }
    int plannedMessages = 0;
    for (List<JournalEntry> entries : bySession.values()) {
      plannedMessages += countMessages(entries);
    }
    listener.planned(bySession.size(), plannedMessages);
    List<DrainedSession> results = new ArrayList<>();
    for (Map.Entry<SessionId, List<JournalEntry>> session : bySession.entrySet()) {
      DrainedSession result;
      if (!clock.instant().isBefore(deadline)) {
        result = pendingResult(session.getKey(), session.getValue(), "time is up (--timeout)");
      } else {
        result =
            new SessionDrain(journal, database, guard, clock, session.getKey(), session.getValue())
                .run();
      }
      results.add(result);
      listener.finished(result);
    }
    return new DrainReport(results, unreadable);
  }

  private static int countMessages(List<JournalEntry> entries) {
    int messages = 0;
    for (JournalEntry entry : entries) {
      try {
        if (SessionCodec.opFromJson(entry.kind(), entry.payload())
            instanceof PendingOp.Append append) {
          messages += append.messages().size();
        }
      } catch (IllegalArgumentException e) {
        // counted as none; the drain reports the entry as unreadable
      }
    }
    return messages;
  }

  private static DrainedSession pendingResult(
      SessionId id, List<JournalEntry> entries, String reason) {
    return new DrainedSession(
        id,
        entries.get(0).owner(),
        Outcome.STILL_PENDING,
        entries.size(),
        countMessages(entries),
        0,
        Optional.of(reason));
  }

  /** The drain of one session's entries. */
  private static final class SessionDrain {
    private final Journal journal;
    private final OperatorScope database;
    private final RemoteGuard guard;
    private final Clock clock;
    private final SessionId id;
    private final List<JournalEntry> entries;

    SessionDrain(
        Journal journal,
        OperatorScope database,
        RemoteGuard guard,
        Clock clock,
        SessionId id,
        List<JournalEntry> entries) {
      this.journal = journal;
      this.database = database;
      this.guard = guard;
      this.clock = clock;
      this.id = id;
      this.entries = entries;
    }

    DrainedSession run() {
      UUID owner = entries.get(0).owner();
      List<PendingOp> ops = new ArrayList<>();
      try {
        for (JournalEntry entry : entries) {
          if (!entry.owner().equals(owner)) {
            return pendingResult(
                id,
                entries,
                "journal entry "
                    + entry.sequence()
                    + " names another owner than earlier entries; left in place");
          }
          ops.add(SessionCodec.opFromJson(entry.kind(), entry.payload()));
        }
      } catch (IllegalArgumentException e) {
        return pendingResult(
            id, entries, "a journal entry cannot be read (" + e.getMessage() + "); left in place");
      }
      long lastSequence = entries.get(entries.size() - 1).sequence();
      int messages = countMessages(entries);
      try {
        OperatorDelivery.Result result =
            guarded(() -> new OperatorDelivery(database, guard).deliver(id, owner, ops));
        return switch (result.outcome()) {
          case DELIVERED -> {
            journal.release(id.value(), lastSequence);
            yield new DrainedSession(
                id,
                owner,
                Outcome.DELIVERED,
                entries.size(),
                messages,
                result.freshMessages(),
                Optional.empty());
          }
          case OWNED_BY_ANOTHER_USER, REFUSED ->
              setAside(
                  id,
                  owner,
                  ops,
                  lastSequence,
                  messages,
                  result.reason().orElse(OWNED_BY_ANOTHER_USER));
          case STILL_CHANGING ->
              new DrainedSession(
                  id,
                  owner,
                  Outcome.STILL_PENDING,
                  entries.size(),
                  messages,
                  0,
                  Optional.of(
                      result.reason().orElse("the row kept changing") + "; run drain again"));
        };
      } catch (PostgrestException e) {
        if (e.kind() == FailureKind.TRANSIENT || !(e instanceof PostgrestHttpException)) {
          return new DrainedSession(
              id,
              owner,
              Outcome.STILL_PENDING,
              entries.size(),
              messages,
              0,
              Optional.of("database unavailable: " + e.getMessage()));
        }
        if (e.kind() != FailureKind.CLIENT && e.kind() != FailureKind.CONFLICT) {
          // 401/403/404/5xx with the service key speak of the project (a wrong key, missing
          // grants or table), not of these writes: they stay pending for a run that can send them.
          return new DrainedSession(
              id,
              owner,
              Outcome.STILL_PENDING,
              entries.size(),
              messages,
              0,
              Optional.of("the database refused the service key's request: " + e.getMessage()));
        }
        return setAside(
            id,
            owner,
            ops,
            lastSequence,
            messages,
            java.util.Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()));
      } catch (RuntimeException e) {
        // The breaker refusing calls, or the guard's scheduler shut: nothing was written.
        String message = e.getMessage();
        return new DrainedSession(
            id,
            owner,
            Outcome.STILL_PENDING,
            entries.size(),
            messages,
            0,
            Optional.of(e.getClass().getSimpleName() + (message == null ? "" : ": " + message)));
      }
    }

    private <T> T guarded(Supplier<CompletableFuture<T>> call) {
      try {
        return guard.call(call).join();
      } catch (CompletionException e) {
        Throwable cause = RemoteGuard.unwrap(e);
        if (cause instanceof RuntimeException runtime) {
          throw runtime;
        }
        throw e;
      }
    }

    private DrainedSession setAside(
        SessionId id,
        UUID owner,
        List<PendingOp> ops,
        long lastSequence,
        int messages,
        String reason) {
      List<Journal.Append> records = new ArrayList<>();
      Instant now = clock.instant();
      for (PendingOp op : ops) {
        SetAsideWrite write =
            new SetAsideWrite(
                id, owner, SessionCodec.kindOf(op), SessionCodec.messageIdsOf(op), reason, now);
        records.add(
            new Journal.Append(
                SessionCodec.setAsideKey(id),
                owner,
                SessionStore.SET_ASIDE_KIND,
                SessionCodec.setAsideToJson(write, op)));
      }
      // Recorded before the release: a crash in between leaves the writes pending, never lost.
      journal.appendAll(records);
      journal.release(id.value(), lastSequence);
      return new DrainedSession(
          id, owner, Outcome.SET_ASIDE, entries.size(), messages, 0, Optional.of(reason));
    }
  }

  private static Optional<String> text(JsonNode row, String field) {
    JsonNode value = row.get(field);
    return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.asText());
  }
}
