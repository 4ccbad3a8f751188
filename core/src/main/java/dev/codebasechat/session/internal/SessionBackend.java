package dev.codebasechat.session.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionPage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Where sessions are stored: the operations the store needs, each on behalf of an owner. {@link
 * SessionRemote} sends them to PostgREST with the owner's token (Row Level Security applies);
 * another implementation may keep them locally. Every operation sees only the owner's sessions:
 * another user's session behaves as a missing one.
 */
public interface SessionBackend {

  /**
   * What an append stored; {@code created}: this append created the session, so its state is
   * exactly what the append sent.
   */
  public record AppendAck(
      int appended,
      int messageCount,
      long version,
      boolean created,
      Optional<Instant> lastActivity) {}

  /** One session's append in a request that carries the appends of several. */
  public record SessionAppend(SessionId id, PendingOp.Append append) {}

  /** What the database did with one append of a request that carried several. */
  public sealed interface AppendAnswer {
    /** Stored, as {@link #append} would have stored it alone. */
    public record Stored(AppendAck ack) implements AppendAnswer {}

    /**
     * Refused for good, changing nothing of its session: {@code code} is the SQLSTATE ({@code
     * 42501} another user's session, {@code 22023} an argument the database cannot take, {@code
     * 23514} a limit of the table), {@code message} the database's words.
     */
    public record Refused(String code, String message) implements AppendAnswer {}

    /**
     * An append to a session that must exist ({@link PendingOp.IfMissing#NOTHING}) found none of
     * the owner's: nothing stored.
     */
    public record Missing() implements AppendAnswer {}
  }

  /** What the store holds after a context update or a clear. */
  public record RowVersion(long version, int messageCount, Optional<Instant> lastActivity) {}

  /**
   * A session without its history: the row's other columns, how many messages it holds and their
   * size as the table counts it ({@code history_bytes}; 0 from the embedded table, which does not
   * report it). When it holds no message, {@link #session()} is the whole session.
   */
  public record SessionHead(ChatSession session, int messageCount, long historyBytes) {
    public boolean isComplete() {
      return messageCount == 0;
    }
  }

  /** The session's fields besides its history, as a change reports them. */
  public record Fields(
      Optional<String> repo,
      Optional<String> currentFile,
      JsonNode contextCache,
      JsonNode metadata) {}

  /**
   * What changed in a session since a version the store holds: nothing ({@code unchanged}), or the
   * messages stored since (in history order) and the fields when they changed. {@code reset}:
   * messages were removed or the cached version is unknown, so {@code messages} is the whole
   * history and {@code fields} is present.
   */
  public record SessionChanges(
      long version,
      int messageCount,
      Optional<Instant> lastActivity,
      boolean unchanged,
      boolean reset,
      List<ChatMessage> messages,
      Optional<Fields> fields) {

    public SessionChanges {
      messages = List.copyOf(messages);
    }

    /**
     * {@code cached} brought up to date; empty when the result would not hold what the database
     * says it holds, or a new message has the timestamp of one cached (then only a whole read can
     * tell).
     */
    public Optional<ChatSession> applyTo(ChatSession cached) {
      ChatSession next = cached;
      if (!unchanged && !reset && messages.stream().anyMatch(cached::tiesWith)) {
        // Equal timestamps are ordered by arrival, which only the database knows: read it whole.
        return Optional.empty();
      }
      if (!unchanged) {
        next = reset ? cached.withMessages(messages) : cached.withAdded(messages);
        if (fields.isPresent()) {
          Fields f = fields.get();
          next = next.withContext(f.repo(), f.currentFile(), f.contextCache(), f.metadata());
        }
        next = next.withVersion(version);
      }
      next = next.withLastActivity(lastActivity);
      return next.messageCount() == messageCount ? Optional.of(next) : Optional.empty();
    }
  }

  public CompletableFuture<Optional<ChatSession>> fetch(
      AccessToken token, UUID owner, SessionId id);

  /**
   * What changed in the owner's session since {@code sinceVersion}; empty when the owner has no
   * such session. Costs what changed, not the history.
   */
  public CompletableFuture<Optional<SessionChanges>> changes(
      AccessToken token, UUID owner, SessionId id, long sinceVersion);

  /**
   * The owner's session without its history (never downloads it); empty when the owner has none.
   */
  public CompletableFuture<Optional<SessionHead>> head(AccessToken token, UUID owner, SessionId id);

  public CompletableFuture<AppendAck> append(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op);

  /**
   * {@link #append} to the owner's session only if it exists when the append is made, in the same
   * atomic step: empty, storing nothing, when the owner has no such session (never created, deleted
   * before, or another user's). So an append that loses a race to a delete never brings the session
   * back.
   */
  public CompletableFuture<Optional<AppendAck>> appendExisting(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op);

  /**
   * The appends of several sessions of {@code owner} (each session at most once, at most {@link
   * #MAX_SESSIONS_PER_REQUEST} sessions and {@link PendingOp#MAX_MESSAGES_PER_REQUEST} messages in
   * all) in one request, each atomic on its own: one answer per session. A failed future means the
   * request as a whole failed; what it carried may still have been stored, so it may be sent again
   * (stored message ids are skipped).
   */
  public CompletableFuture<Map<SessionId, AppendAnswer>> appendEach(
      AccessToken token, UUID owner, List<SessionAppend> appends);

  /** Most sessions one {@link #appendEach} request carries (the function's own limit). */
  public static final int MAX_SESSIONS_PER_REQUEST = SessionTableRules.MAX_APPENDS_PER_BATCH;

  /** Empty when the owner has no such session. */
  public CompletableFuture<Optional<RowVersion>> updateContext(
      AccessToken token, UUID owner, SessionId id, ContextUpdate update);

  /**
   * Empties the history; empty when the owner has no such session. {@code clearId} names this clear
   * across every try of it: a clear whose id the session's last clear carried changes nothing and
   * answers the session as it is, so a try sent again after an answer was lost does not erase what
   * other writers stored since.
   */
  public CompletableFuture<Optional<RowVersion>> clear(
      AccessToken token, UUID owner, SessionId id, UUID clearId);

  /**
   * True when a session of the owner was deleted. {@code deleteId} names this delete across every
   * try of it: a delete whose id the owner's last delete of that session id carried deletes nothing
   * (and is true), so a try sent again after an answer was lost does not delete a session started
   * again under the same id since.
   */
  public CompletableFuture<Boolean> delete(
      AccessToken token, UUID owner, SessionId id, UUID deleteId);

  public CompletableFuture<SessionPage> list(
      AccessToken token, UUID owner, int limit, int offset, Optional<String> repo);
}
