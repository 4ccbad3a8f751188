package dev.codebasechat.session.internal;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One acknowledged change of a session that the database has not confirmed yet, with what it does:
 * to a session ({@link #applyTo}), to whether the session exists ({@link #existsAfter}), to the
 * change before it ({@link #absorb}), and how it is sent ({@link #send}). Immutable.
 */
public sealed interface PendingOp {

  /** Most messages one request carries; the append function refuses more. */
  int MAX_MESSAGES_PER_REQUEST = SessionTableRules.MAX_MESSAGES_PER_APPEND;

  /**
   * The name of this kind of change: in the journal, in set-aside records, in logs ({@code append},
   * {@code context}, {@code clear}, {@code delete}).
   */
  String kind();

  /** How many writes this counts for in {@code pendingWrites}. */
  int weight();

  /** Ids of the messages this change carries (none unless it is an append). */
  default List<MessageId> messageIds() {
    return List.of();
  }

  /** {@code session} with this change applied, as the database would apply it. */
  ChatSession applyTo(ChatSession session);

  /**
   * Whether the session exists after this change when the change decides it: an append creates it,
   * a delete removes it, anything else leaves it as it was (empty).
   */
  default Optional<Boolean> existsAfter() {
    return Optional.empty();
  }

  /**
   * Whether this change creates its session when the database has none: an append that may create
   * it does; anything else finds nothing to change (a delete, nothing to delete).
   */
  default boolean createsWhenMissing() {
    return false;
  }

  /**
   * Whether the session holds no message after this change, whatever it held (a clear, a delete).
   */
  default boolean emptiesHistory() {
    return false;
  }

  /**
   * This change as sent ahead of a clear of its session: without what the clear erases (an append's
   * messages), so that, sent again after the clear was applied once (a delivery or a replay
   * repeated), it brings nothing back.
   */
  default PendingOp aheadOfAClear() {
    return this;
  }

  /**
   * Whether the store answers this change with the whole session, so that a session not cached is
   * read first (a context update); else knowing the session is the caller's is enough, and no
   * history is downloaded.
   */
  default boolean answersWithHistory() {
    return false;
  }

  /**
   * This change followed by {@code later} as one change, when one request can carry both; empty
   * when they must go one after the other.
   */
  default Optional<PendingOp> absorb(PendingOp later) {
    return Optional.empty();
  }

  /**
   * Sends this change to {@code target}'s session through {@code database}, and tells {@code
   * confirmations} what the database confirmed. The future fails as the database call does; a
   * context update or clear of a session the owner does not have fails with {@link
   * SessionNotFoundException}.
   */
  CompletableFuture<Void> send(SessionBackend database, Target target, Confirmations confirmations);

  /** Which session a change is sent for, on whose behalf, with which token. */
  record Target(SessionId id, UUID owner, AccessToken token) {
    @Override
    public String toString() {
      return "Target[id=" + id + ", owner=" + owner + "]"; // never the token
    }
  }

  /**
   * What a confirmed change does to this process's copies of its session: the cached one and the
   * journal's local copy, which stays the last confirmed state or goes. Each method may throw
   * {@link dev.codebasechat.sqlite.JournalException} when an outdated local copy cannot be dropped:
   * the change then stays pending, to be confirmed again.
   */
  interface Confirmations {
    /** The database stored {@code append} as {@code ack} says. */
    void appended(SessionId id, UUID owner, Append append, SessionBackend.AppendAck ack);

    /**
     * The database changed {@code owner}'s session to {@code row}'s version, as {@code change}
     * does.
     */
    void changed(SessionId id, UUID owner, SessionBackend.RowVersion row, PendingOp change);

    /**
     * {@code owner}'s session is gone: a change sent with their token found nothing under the id.
     * Row Level Security hides other users' rows alike, so what this process holds of another
     * user's session under that id stays.
     */
    void gone(SessionId id, UUID owner);

    /**
     * The database answered that {@code owner}'s delete removed the session (now, or for an earlier
     * try of the same named delete): whatever this process holds under the id goes, another user's
     * copy included, which that delete outdated (his session there was deleted before the owner
     * started the id). A copy dropped that was current (started after an earlier try) is read again
     * from the database: dropping is the safe direction.
     */
    void deleted(SessionId id, UUID owner);
  }

  /** What an append does to a session that is missing when it reaches the database. */
  enum IfMissing {
    /** Creates it: an append creates its session on first use. */
    CREATE,
    /**
     * Stores nothing: the append is to a session found to exist, so a missing one was deleted
     * since, and the delete stands.
     */
    NOTHING
  }

  /**
   * Appends messages (possibly none: that creates the session), optionally moving repo/file; to a
   * missing session, as {@code ifMissing} says.
   */
  record Append(
      List<ChatMessage> messages,
      Optional<String> repo,
      Optional<String> currentFile,
      IfMissing ifMissing)
      implements PendingOp {
    public Append {
      messages = List.copyOf(messages);
    }

    /** An append that creates a missing session. */
    public Append(List<ChatMessage> messages, Optional<String> repo, Optional<String> currentFile) {
      this(messages, repo, currentFile, IfMissing.CREATE);
    }

    /** This append with its messages replaced by {@code kept}. */
    public Append withMessages(List<ChatMessage> kept) {
      return new Append(kept, repo, currentFile, ifMissing);
    }

    @Override
    public PendingOp aheadOfAClear() {
      return messages.isEmpty() ? this : withMessages(List.of());
    }

    /** This append acting only on a session that exists. */
    public Append onlyIfExists() {
      return new Append(messages, repo, currentFile, IfMissing.NOTHING);
    }

    /** An append of nothing: creates the session when it does not exist. */
    public static Append creation() {
      return new Append(List.of(), Optional.empty(), Optional.empty());
    }

    /**
     * This append followed by {@code later}, as one; ids already here are not repeated. It creates
     * a missing session when either does: the other then appends to the session it created.
     */
    Append then(Append later) {
      Map<MessageId, ChatMessage> merged = new LinkedHashMap<>();
      messages.forEach(message -> merged.putIfAbsent(message.id(), message));
      later.messages.forEach(message -> merged.putIfAbsent(message.id(), message));
      return new Append(
          new ArrayList<>(merged.values()),
          later.repo.or(() -> repo),
          later.currentFile.or(() -> currentFile),
          ifMissing == IfMissing.CREATE ? IfMissing.CREATE : later.ifMissing);
    }

    @Override
    public String kind() {
      return "append";
    }

    @Override
    public int weight() {
      return Math.max(1, messages.size());
    }

    @Override
    public List<MessageId> messageIds() {
      return messages.stream().map(ChatMessage::id).toList();
    }

    @Override
    public ChatSession applyTo(ChatSession session) {
      return withContextOn(session, session.withAdded(messages));
    }

    /**
     * {@link #applyTo} for an append the database reports it stored whole ({@code appended} is
     * every message sent): then none of the ids was in the session, and none is checked again,
     * which would cost a scan of the history for each message.
     */
    public ChatSession applyStoredWhole(ChatSession session) {
      return withContextOn(
          session, session.withMessages(HistoryOrder.placed(session.messages(), messages)));
    }

    /** Whether no two messages of this append share an id. */
    boolean idsAreDistinct() {
      return messages.size() < 2
          || messages.stream().map(ChatMessage::id).distinct().count() == messages.size();
    }

    private ChatSession withContextOn(ChatSession session, ChatSession withMessages) {
      return withMessages.withContext(
          repo.or(session::repo),
          currentFile.or(session::currentFile),
          session.contextCache(),
          session.metadata());
    }

    @Override
    public Optional<Boolean> existsAfter() {
      return Optional.of(true);
    }

    @Override
    public boolean createsWhenMissing() {
      return ifMissing == IfMissing.CREATE;
    }

    @Override
    public Optional<PendingOp> absorb(PendingOp later) {
      if (later instanceof Append next
          && messages.size() + next.messages.size() <= MAX_MESSAGES_PER_REQUEST) {
        return Optional.of(then(next));
      }
      if (later instanceof Context context && context.onlyMovesRepoOrFile()) {
        // A new repo or file right after an append (a session created with its context) rides
        // along with it: the append function sets both.
        return Optional.of(
            new Append(
                messages,
                context.update().repo().or(() -> repo),
                context.update().currentFile().or(() -> currentFile),
                ifMissing));
      }
      return Optional.empty();
    }

    /** An append to a missing session that stores nothing tells that the session is gone. */
    @Override
    public CompletableFuture<Void> send(
        SessionBackend database, Target target, Confirmations confirmations) {
      SessionId id = target.id();
      return store(database, target)
          .thenAccept(
              stored ->
                  stored.ifPresentOrElse(
                      ack -> confirmations.appended(id, target.owner(), this, ack),
                      () -> confirmations.gone(id, target.owner())));
    }

    /**
     * What the database stored of this append, as {@link #ifMissing} says; empty when it stored
     * nothing in a missing session.
     */
    CompletableFuture<Optional<SessionBackend.AppendAck>> store(
        SessionBackend database, Target target) {
      return ifMissing == IfMissing.CREATE
          ? database
              .append(target.token(), target.owner(), target.id(), this)
              .thenApply(Optional::of)
          : database.appendExisting(target.token(), target.owner(), target.id(), this);
    }
  }

  /** Changes the context fields. */
  record Context(ContextUpdate update) implements PendingOp {
    @Override
    public String kind() {
      return "context";
    }

    @Override
    public int weight() {
      return 1;
    }

    @Override
    public boolean answersWithHistory() {
      return true;
    }

    boolean onlyMovesRepoOrFile() {
      return update.contextCache().isEmpty()
          && update.metadata().isEmpty()
          && update.cleared().isEmpty();
    }

    @Override
    public ChatSession applyTo(ChatSession session) {
      return session.withContext(
          update.repoAfter(session.repo()),
          update.currentFileAfter(session.currentFile()),
          update.contextCache().orElse(session.contextCache()),
          update.metadata().orElse(session.metadata()));
    }

    @Override
    public Optional<PendingOp> absorb(PendingOp later) {
      return later instanceof Context next
          ? Optional.of(new Context(update.then(next.update)))
          : Optional.empty();
    }

    @Override
    public CompletableFuture<Void> send(
        SessionBackend database, Target target, Confirmations confirmations) {
      SessionId id = target.id();
      return database
          .updateContext(target.token(), target.owner(), id, update)
          .thenAccept(
              row ->
                  confirmations.changed(
                      id,
                      target.owner(),
                      row.orElseThrow(() -> new SessionNotFoundException(id)),
                      this));
    }
  }

  /**
   * Empties the history. {@code clearId} is given when the clear is asked for and kept across every
   * try (and in the journal), so the database applies it once.
   */
  record Clear(UUID clearId) implements PendingOp {
    /** A clear asked for now. */
    public static Clear asked() {
      return new Clear(UUID.randomUUID());
    }

    @Override
    public String kind() {
      return "clear";
    }

    @Override
    public int weight() {
      return 1;
    }

    @Override
    public ChatSession applyTo(ChatSession session) {
      return session.withMessages(List.of());
    }

    @Override
    public boolean emptiesHistory() {
      return true;
    }

    @Override
    public CompletableFuture<Void> send(
        SessionBackend database, Target target, Confirmations confirmations) {
      SessionId id = target.id();
      return database
          .clear(target.token(), target.owner(), id, clearId)
          .thenAccept(
              row ->
                  row.ifPresentOrElse(
                      version -> confirmations.changed(id, target.owner(), version, this),
                      () -> confirmations.gone(id, target.owner())));
    }
  }

  /**
   * Deletes the session. {@code deleteId} is given when the delete is asked for and kept across
   * every try (and in the journal), so the database applies it once.
   */
  record Delete(UUID deleteId) implements PendingOp {
    /** A delete asked for now. */
    public static Delete asked() {
      return new Delete(UUID.randomUUID());
    }

    @Override
    public String kind() {
      return "delete";
    }

    @Override
    public int weight() {
      return 1;
    }

    @Override
    public ChatSession applyTo(ChatSession session) {
      return ChatSession.empty(session.id(), session.owner());
    }

    @Override
    public boolean emptiesHistory() {
      return true;
    }

    @Override
    public Optional<Boolean> existsAfter() {
      return Optional.of(false);
    }

    @Override
    public CompletableFuture<Void> send(
        SessionBackend database, Target target, Confirmations confirmations) {
      SessionId id = target.id();
      return database
          .delete(target.token(), target.owner(), id, deleteId)
          .thenAccept(
              deleted -> {
                if (deleted) {
                  confirmations.deleted(id, target.owner());
                } else {
                  confirmations.gone(id, target.owner());
                }
              });
    }
  }

  /**
   * {@code base} (empty: no row known) with {@code ops} applied in order; empty when the result is
   * "no such session" (never created, or deleted).
   */
  static Optional<ChatSession> applyAll(
      SessionId id, UUID owner, List<PendingOp> ops, Optional<ChatSession> base) {
    boolean exists = base.isPresent();
    ChatSession state = base.orElseGet(() -> ChatSession.empty(id, owner));
    for (PendingOp op : ops) {
      exists = op.existsAfter().orElse(exists);
      state = op.applyTo(state);
    }
    return exists ? Optional.of(state) : Optional.empty();
  }

  /**
   * {@code stored}, the database's row (empty: the database has no such session), with {@code ops}
   * applied as the database applies them. Unlike {@link #applyAll}, whose empty base may be a row
   * not known yet, a change finds nothing to act on while the session does not exist, unless it
   * {@linkplain #createsWhenMissing creates it}.
   */
  static Optional<ChatSession> applyAllToStored(
      SessionId id, UUID owner, List<PendingOp> ops, Optional<ChatSession> stored) {
    boolean exists = stored.isPresent();
    ChatSession state = stored.orElseGet(() -> ChatSession.empty(id, owner));
    for (PendingOp op : ops) {
      if (exists || op.createsWhenMissing()) {
        exists = op.existsAfter().orElse(exists);
        state = op.applyTo(state);
      }
    }
    return exists ? Optional.of(state) : Optional.empty();
  }

  /**
   * Whether {@code ops} change a session and none deletes it: then a session missing when they
   * reach the database was deleted after they were accepted, and they find nothing to change.
   */
  static boolean needTheSession(List<PendingOp> ops) {
    return ops.stream().allMatch(op -> op.existsAfter().orElse(true));
  }
}
