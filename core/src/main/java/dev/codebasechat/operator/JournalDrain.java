package dev.codebasechat.operator;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.journal.Journal;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.postgrest.FailureKind;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SetAsideWrite;
import dev.codebasechat.session.internal.Failures;
import dev.codebasechat.session.internal.JournalBridge;
import dev.codebasechat.session.internal.OperatorDelivery;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.session.internal.SessionCodec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Delivery of journaled writes whose owners do not come back (the {@code drain} command), with the
 * service key, session by session, reporting how each ended.
 *
 * <p><b>The service key.</b> Database calls go through an {@link OperatorScope}, which runs as
 * {@code service_role} and bypasses Row Level Security; never used on behalf of an end user.
 * Ownership is therefore enforced here (and, for appends, by the database's {@code
 * append_chat_messages_for}): a journaled write is only ever applied to a row whose {@code user_id}
 * is the write's owner, or to a new row created with that owner; a row owned by anyone else is
 * never written and the write is set aside with the reason {@value
 * SetAsideWrite#OWNED_BY_ANOTHER_USER}.
 *
 * <p>A delivered session's local copy in the journal lacks what was delivered: it is dropped with
 * the writes, so that a store started next answers no outdated copy while the database is away.
 *
 * <p>The journal must not be in use by a running store at the same time. Database failures are
 * reported per session (the session's writes stay pending); journal failures surface as {@link
 * dev.codebasechat.sqlite.JournalException}. Stateless: every method is static.
 */
public final class JournalDrain {

  private JournalDrain() {}

  /** How one session's journaled writes ended in a {@link #drain}. */
  public enum Outcome {
    /** Written to the database (or already there) and released from the journal. */
    DELIVERED,
    /** Refused for good; recorded as set-aside writes with the reason and released. */
    SET_ASIDE,
    /** Not written (database unreachable, time up, the row kept changing); still journaled. */
    STILL_PENDING,
    /**
     * Not written because the session was deleted after the writes were accepted (appends to a
     * session found to exist, a context update, a clear): the delete stands; released.
     */
    GONE
  }

  /**
   * One session's result.
   *
   * @param writes journaled writes it had
   * @param messages messages those writes carried
   * @param newMessages messages the database did not hold yet and now does (0 unless delivered)
   * @param reason why it was set aside, is still pending or is gone; empty when delivered
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
   * when they are appends alone of at most {@value PendingOp#MAX_MESSAGES_PER_REQUEST} messages,
   * they are appended with {@code append_chat_messages_for(owner, id, messages)}, which reads
   * nothing first: each message takes its place by timestamp, ids already stored are skipped, and a
   * session id of another user is answered with null and never written (the writes are set aside,
   * {@value SetAsideWrite#OWNED_BY_ANOTHER_USER}). Otherwise the row is read with the service key;
   * if it belongs to another user, nothing is written and the writes are set aside alike. Else the
   * journaled writes are applied to it in order, as the store would (appends skip message ids
   * already stored and keep their order; context updates replace their fields; a clear empties the
   * history; a delete removes the row; new messages take their place by timestamp), and the result
   * is written in one call of {@code store_chat_session_for(owner, id, version read, session)}: the
   * database writes it only for that owner (another user's session id is refused there, whatever
   * this read said) and only if the row is still at the version read; when another writer got in
   * between, the row is read again and the writes re-applied, up to {@value
   * OperatorDelivery#MAX_CONFLICT_ATTEMPTS} times. Messages the row already holds are left as they
   * are. A history that would break the table's limit of {@value
   * LocalSessionTable#MAX_MESSAGES_PER_SESSION} messages, a refusal of the write itself (a 400 such
   * as a CHECK on the 16 MiB history, a 409) and a session id in another user's conversation
   * namespace (the database's 403, 42501) set the writes aside with the reason. Transient failures
   * are retried as {@code resilience} says (timed by {@code clock} and {@code scheduler}); when
   * they persist, and when the database refuses the service key's request as such (401, other 403s,
   * 404, other 5xx: a wrong key, missing grants or table), the session stays pending and the drain
   * goes on with the next.
   *
   * <p>A session deleted after its writes were accepted stays deleted: appends to a session found
   * to exist (journaled with {@code "create": false}) store nothing in it, nor do context updates
   * and clears, and the writes are released as {@link Outcome#GONE}. Appends that create (the first
   * of a session) create it again, as they would through the store.
   *
   * <p>Sessions not started by {@code deadline} (by {@code clock}) stay pending. Set-aside records
   * are journaled in the store's format, so a gateway started later reports them too.
   */
  public static DrainReport drain(
      Journal journal,
      OperatorScope database,
      Resilience resilience,
      ScheduledExecutorService scheduler,
      Clock clock,
      Instant deadline,
      DrainListener listener) {
    RemoteGuard guard = RemoteGuard.create(resilience, clock, scheduler);
    // One for the whole drain: a database without a migration is found, and warned of, once.
    OperatorDelivery delivery = new OperatorDelivery(database, guard, clock);
    JournalBridge.moveOlderSetAsideRecords(journal);
    Map<SessionId, List<JournalEntry>> bySession = new LinkedHashMap<>();
    int unreadable = 0;
    for (JournalEntry entry : journal.pending()) {
      if (SessionCodec.isSetAside(entry)) {
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
            new SessionDrain(journal, delivery, clock, session.getKey(), session.getValue()).run();
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
        if (SessionCodec.opFromJson(entry) instanceof PendingOp.Append append) {
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
    private final OperatorDelivery delivery;
    private final Clock clock;
    private final SessionId id;
    private final List<JournalEntry> entries;

    SessionDrain(
        Journal journal,
        OperatorDelivery delivery,
        Clock clock,
        SessionId id,
        List<JournalEntry> entries) {
      this.journal = journal;
      this.delivery = delivery;
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
                    + " names another owner than earlier entries; left in place (a gateway started"
                    + " on this journal sends them one owner after the other)");
          }
          ops.add(SessionCodec.opFromJson(entry));
        }
      } catch (IllegalArgumentException e) {
        return pendingResult(
            id,
            entries,
            "a journal entry cannot be read ("
                + e.getMessage()
                + "); left in place (set-aside lists it)");
      }
      long lastSequence = entries.get(entries.size() - 1).sequence();
      int messages = countMessages(entries);
      try {
        // Each call of the delivery goes through the guard (retry, breaker) on its own; guarded
        // again as a whole, a failure was counted twice and a delivery of two calls could hold
        // both of the half-open breaker's permits, refusing its own second call for the rest of
        // the drain.
        OperatorDelivery.Result result = FutureResults.join(delivery.deliver(id, owner, ops));
        return switch (result.outcome()) {
          case DELIVERED, GONE -> {
            // The local copy lacks what was delivered (or is of a deleted session): dropped before
            // the writes are released, so that a gateway started next never answers it while the
            // database is away.
            journal.deleteSnapshot(id.value());
            journal.release(id.value(), lastSequence);
            boolean gone = result.outcome() == OperatorDelivery.Outcome.GONE;
            yield new DrainedSession(
                id,
                owner,
                gone ? Outcome.GONE : Outcome.DELIVERED,
                entries.size(),
                messages,
                result.freshMessages(),
                result.reason());
          }
          case OWNED_BY_ANOTHER_USER, REFUSED ->
              setAside(
                  id,
                  owner,
                  ops,
                  lastSequence,
                  messages,
                  result.reason().orElse(SetAsideWrite.OWNED_BY_ANOTHER_USER),
                  result.outcome() == OperatorDelivery.Outcome.REFUSED);
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
            java.util.Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()),
            Failures.isSessionFull(e));
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

    private DrainedSession setAside(
        SessionId id,
        UUID owner,
        List<PendingOp> ops,
        long lastSequence,
        int messages,
        String reason,
        boolean sessionFull) {
      List<Journal.Append> records = new ArrayList<>();
      Instant now = clock.instant();
      for (PendingOp op : ops) {
        SetAsideWrite write = new SetAsideWrite(id, owner, op.kind(), op.messageIds(), reason, now);
        records.add(
            new Journal.Append(
                SessionCodec.setAsideKey(id),
                owner,
                SessionCodec.SET_ASIDE_KIND,
                SessionCodec.setAsideToJson(write, op, sessionFull)));
      }
      // Recorded before the release: a crash in between leaves the writes pending, never lost.
      journal.appendAll(records);
      // A clear or delete among them may have been applied before the refusal (each goes on its
      // own): the local copy may show what it removed.
      journal.deleteSnapshot(id.value());
      journal.release(id.value(), lastSequence);
      return new DrainedSession(
          id, owner, Outcome.SET_ASIDE, entries.size(), messages, 0, Optional.of(reason));
    }
  }
}
