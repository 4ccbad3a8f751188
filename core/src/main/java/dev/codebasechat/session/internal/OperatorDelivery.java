package dev.codebasechat.session.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SetAsideWrite;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers journaled writes of one session with the service key, under the rules of the {@code
 * drain} command: the owner recorded with the writes (verified when they were acknowledged) is the
 * only one they are written for, and the database enforces it; a session of another user is never
 * written. Used by the drain command and by a store given the service key for writes whose owners
 * have no usable token.
 *
 * <p>A clear or a delete goes on its own, in its place among the writes, through {@code
 * clear_chat_history_for} or {@code delete_chat_session_for} with the id it was given when its
 * owner asked for it: applied once whatever the tries, so one delivered again (its answer lost, or
 * the process killed before the journal released it) erases nothing stored since. The writes before
 * and after it go as below. On a database without migration 20261208000000 (or 20261208000100),
 * such a clear (or delete) is applied to the row read, as below, with one warning.
 *
 * <p>Two ways, by what the other writes are. Appends alone that fit in one request (at most {@value
 * PendingOp#MAX_MESSAGES_PER_REQUEST} messages) go in one call of {@code append_chat_messages_for},
 * which needs no read and no version: each message takes its place by timestamp and ids the session
 * holds are skipped, so a session that its owner keeps writing through other instances takes the
 * backlog at once, and a repeated delivery stores nothing twice. Other writes (a context change, a
 * clear, a delete, or more messages) are applied to the row read and written whole through {@code
 * store_chat_session_for}, only if the row is still at the version read; a row that changes in
 * between is read again, a few times at most. Either way one call stores all of the writes or none,
 * and both functions refuse another user's session whatever this process read.
 *
 * <p>An append to a session found to exist ({@link PendingOp.IfMissing#NOTHING}) stores nothing in
 * a session that no longer exists, either way: the delete that came first stands ({@link
 * Outcome#GONE}). On a database without migration 20261207000100 such appends are delivered as
 * appends that create, as before it, with one warning.
 *
 * <p>Thread-safe (no state but that warning's flag). Logs only that warning; the caller decides
 * what a failure means. Failures of the database come as the future's {@link
 * dev.codebasechat.postgrest.PostgrestException}, unwrapped.
 */
public final class OperatorDelivery {

  /** Attempts to write one session when another writer keeps changing its row in between. */
  public static final int MAX_CONFLICT_ATTEMPTS = 5;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The reason of a {@link Outcome#GONE} delivery. */
  public static final String DELETED_SINCE =
      "the session was deleted after these writes were accepted; nothing was stored";

  /** What became of the writes. */
  public enum Outcome {
    /** Stored (or found already stored). */
    DELIVERED,
    /** The session id belongs to another user in the database: never written. */
    OWNED_BY_ANOTHER_USER,
    /** The database could never hold the result (too many messages): never written. */
    REFUSED,
    /** The row kept changing under every attempt: nothing written, try again later. */
    STILL_CHANGING,
    /**
     * The session no longer exists and the writes were to a session that must (appends to a session
     * found to exist, deleted since): nothing written, and the delete stands.
     */
    GONE
  }

  /**
   * @param freshMessages messages stored by this delivery that the row did not hold
   * @param reason why the writes were not delivered, for the operator
   */
  public record Result(Outcome outcome, int freshMessages, Optional<String> reason) {
    Result plusFresh(int more) {
      return more == 0 ? this : new Result(outcome, freshMessages + more, reason);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(OperatorDelivery.class);

  private final OperatorScope database;
  private final RemoteGuard guard;

  /** The operator's append's "only if it exists" (migration 20261207000100). */
  private final MissingFunction appendsOnlyToExisting;

  /** {@code clear_chat_history_for} (migration 20261208000000). */
  private final MissingFunction clearsOnce;

  /** {@code delete_chat_session_for} (migration 20261208000100). */
  private final MissingFunction deletesOnce;

  public OperatorDelivery(OperatorScope database, RemoteGuard guard, Clock clock) {
    this.database = database;
    this.guard = guard;
    this.appendsOnlyToExisting = new MissingFunction(clock);
    this.clearsOnce = new MissingFunction(clock);
    this.deletesOnce = new MissingFunction(clock);
  }

  /**
   * Delivers {@code ops}, journaled for {@code owner}, to session {@code id}. A session id in
   * another user's conversation namespace, which the database refuses to create for {@code owner}
   * (42501), is {@link Outcome#OWNED_BY_ANOTHER_USER}, as a session id another user holds: the
   * writes can never be stored, whatever key sends them.
   */
  public CompletableFuture<Result> deliver(SessionId id, UUID owner, List<PendingOp> ops) {
    return inOrder(id, owner, ops)
        .exceptionallyCompose(
            failure ->
                Failures.isNamespaceTaken(failure)
                    ? CompletableFuture.completedFuture(
                        new Result(
                            Outcome.OWNED_BY_ANOTHER_USER,
                            0,
                            Optional.of(SessionTableRules.NAMESPACE_TAKEN)))
                    : CompletableFuture.failedFuture(failure));
  }

  private CompletableFuture<Result> inOrder(SessionId id, UUID owner, List<PendingOp> ops) {
    int named = firstNamedWrite(ops);
    if (named < 0) {
      return deliverUnnamed(id, owner, ops);
    }
    List<PendingOp> before = beforeNamed(ops.subList(0, named), ops.get(named));
    List<PendingOp> after = ops.subList(named + 1, ops.size());
    CompletableFuture<Result> first =
        before.isEmpty()
            ? CompletableFuture.completedFuture(new Result(Outcome.DELIVERED, 0, Optional.empty()))
            : deliverUnnamed(id, owner, before);
    return first.thenCompose(
        // Writes before the clear that found no session go on: the clear finds none either, and
        // what comes after it may create one, as the store's own flush would.
        done ->
            done.outcome() != Outcome.DELIVERED && done.outcome() != Outcome.GONE
                ? CompletableFuture.completedFuture(done)
                : once(id, owner, ops.get(named))
                    .thenCompose(
                        applied -> {
                          // A clear that found no session: what comes after it may create one.
                          boolean goneButMore =
                              applied.outcome() == Outcome.GONE && !after.isEmpty();
                          return (applied.outcome() != Outcome.DELIVERED && !goneButMore)
                                  || after.isEmpty()
                              ? CompletableFuture.completedFuture(applied)
                              : inOrder(id, owner, after);
                        })
                    .thenApply(rest -> rest.plusFresh(done.freshMessages())));
  }

  /**
   * What of {@code before} is sent ahead of {@code named}: nothing before a delete (the session is
   * gone after it, whatever came before); before a clear, everything but the messages, which the
   * clear erases: sent again after the clear was applied (a delivery repeated), they would be
   * stored again, and the clear, applied once, would not erase them again.
   */
  private static List<PendingOp> beforeNamed(List<PendingOp> before, PendingOp named) {
    if (named instanceof PendingOp.Delete) {
      return List.of();
    }
    return before.stream().map(PendingOp::aheadOfAClear).toList();
  }

  /** The position of the first clear or delete among {@code ops}; -1 when there is none. */
  private static int firstNamedWrite(List<PendingOp> ops) {
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i) instanceof PendingOp.Clear || ops.get(i) instanceof PendingOp.Delete) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A clear or a delete through its {@code _for} function, applied once per its id; on a database
   * without that function, applied to the row read ({@link #attempt}).
   */
  private CompletableFuture<Result> once(SessionId id, UUID owner, PendingOp op) {
    boolean clear = op instanceof PendingOp.Clear;
    MissingFunction function = clear ? clearsOnce : deletesOnce;
    ObjectNode arguments = JSON.objectNode();
    arguments.put("p_owner", owner.toString());
    arguments.put("p_session_id", id.value());
    String name;
    if (op instanceof PendingOp.Clear named) {
      name = SessionCodec.CLEAR_FOR_FUNCTION;
      arguments.put("p_clear_id", named.clearId().toString());
    } else {
      name = SessionCodec.DELETE_FOR_FUNCTION;
      arguments.put("p_delete_id", ((PendingOp.Delete) op).deleteId().toString());
    }
    return function.newerOrOlder(
        () ->
            guard
                .call(() -> database.rpc(name, arguments).executeAsync())
                .thenApply(result -> onceResult(result.body())),
        () -> attempt(id, owner, List.of(op), 1),
        () ->
            log.warn(
                "the database has no {} (migration {} not applied): a journaled {} delivered"
                    + " again after its answer was lost is applied again",
                name,
                clear ? "20261208000000" : "20261208000100",
                op.kind()));
  }

  /**
   * The answer of {@code clear_chat_history_for} or {@code delete_chat_session_for}: null for a
   * session of another user; a clear of a session that does not exist finds it deleted since.
   */
  private static Result onceResult(JsonNode answer) {
    if (!answer.isObject()) {
      return new Result(
          Outcome.OWNED_BY_ANOTHER_USER, 0, Optional.of(SetAsideWrite.OWNED_BY_ANOTHER_USER));
    }
    if (answer.path("missing").asBoolean(false)) {
      return new Result(Outcome.GONE, 0, Optional.of(DELETED_SINCE));
    }
    return new Result(Outcome.DELIVERED, 0, Optional.empty());
  }

  /** {@code ops}, none of them a clear or a delete. */
  private CompletableFuture<Result> deliverUnnamed(SessionId id, UUID owner, List<PendingOp> ops) {
    Optional<PendingOp.Append> appends = appendsOnly(ops);
    if (appends.isPresent()) {
      return append(id, owner, appends.get());
    }
    return attempt(id, owner, ops, 1);
  }

  /**
   * {@code ops} as one append, when they are appends alone and fit in one request: one call then
   * stores all of them or none, as the whole-session write does.
   */
  private static Optional<PendingOp.Append> appendsOnly(List<PendingOp> ops) {
    PendingOp.Append merged = null;
    for (PendingOp op : ops) {
      if (!(op instanceof PendingOp.Append append)) {
        return Optional.empty();
      }
      merged = merged == null ? append : merged.then(append);
    }
    if (merged == null || merged.messages().size() > PendingOp.MAX_MESSAGES_PER_REQUEST) {
      return Optional.empty();
    }
    return Optional.of(merged);
  }

  /**
   * Appends {@code op} in one call of {@code append_chat_messages_for}, which answers null for a
   * session of another user, and {@code "missing": true} for a missing session that {@code op} must
   * not create.
   */
  private CompletableFuture<Result> append(SessionId id, UUID owner, PendingOp.Append op) {
    boolean create =
        op.ifMissing() == PendingOp.IfMissing.CREATE || !appendsOnlyToExisting.worthTrying();
    ObjectNode arguments =
        SessionCodec.appendArguments(id, op.messages(), op.repo(), op.currentFile());
    arguments.put("p_owner", owner.toString());
    if (!create) {
      arguments.put("p_create", false);
    }
    return guard
        .call(() -> database.rpc(SessionCodec.APPEND_FOR_FUNCTION, arguments).executeAsync())
        .thenApply(result -> appendResult(result.body()))
        .exceptionallyCompose(
            failure -> {
              if (create || !Failures.isMissingFunction(failure)) {
                return CompletableFuture.failedFuture(failure);
              }
              olderDatabase();
              return append(id, owner, op);
            });
  }

  private static Result appendResult(JsonNode answer) {
    if (!answer.isObject()) {
      return new Result(
          Outcome.OWNED_BY_ANOTHER_USER, 0, Optional.of(SetAsideWrite.OWNED_BY_ANOTHER_USER));
    }
    if (answer.path("missing").asBoolean(false)) {
      return new Result(Outcome.GONE, 0, Optional.of(DELETED_SINCE));
    }
    return new Result(Outcome.DELIVERED, answer.path("appended").asInt(0), Optional.empty());
  }

  /**
   * For a while ({@link MissingFunction#RECHECK}), appends to a session found to exist are
   * delivered as appends that create.
   */
  private void olderDatabase() {
    if (appendsOnlyToExisting.foundMissing()) {
      log.warn(
          "the database's {} has no p_create (migration 20261207000100 not applied): an append"
              + " to a session found to exist is delivered as one that creates, so one delivered"
              + " after a delete of its session brings the session back",
          SessionCodec.APPEND_FOR_FUNCTION);
    }
  }

  private CompletableFuture<Result> attempt(
      SessionId id, UUID owner, List<PendingOp> ops, int attempt) {
    return guard
        .call(
            () ->
                database
                    .from(SessionCodec.TABLE)
                    .select(SessionCodec.SESSION_COLUMNS)
                    .eq("session_id", id.value())
                    .maybeSingleAsync()
                    .thenApply(found -> found.map(SessionCodec::sessionFromRow)))
        .thenCompose(
            row -> {
              if (row.isPresent() && !row.get().owner().equals(owner)) {
                return CompletableFuture.completedFuture(
                    new Result(
                        Outcome.OWNED_BY_ANOTHER_USER,
                        0,
                        Optional.of(SetAsideWrite.OWNED_BY_ANOTHER_USER)));
              }
              Optional<ChatSession> target = PendingOp.applyAllToStored(id, owner, ops, row);
              if (row.isEmpty() && target.isEmpty() && PendingOp.needTheSession(ops)) {
                return CompletableFuture.completedFuture(
                    new Result(Outcome.GONE, 0, Optional.of(DELETED_SINCE)));
              }
              if (target.isPresent()
                  && target.get().messageCount() > LocalSessionTable.MAX_MESSAGES_PER_SESSION) {
                return CompletableFuture.completedFuture(
                    new Result(
                        Outcome.REFUSED,
                        0,
                        Optional.of(
                            "the history would hold "
                                + target.get().messageCount()
                                + " messages; the table allows at most "
                                + LocalSessionTable.MAX_MESSAGES_PER_SESSION)));
              }
              return write(id, owner, row, target)
                  .thenCompose(
                      written -> {
                        if (written) {
                          return CompletableFuture.completedFuture(
                              new Result(
                                  Outcome.DELIVERED, newMessages(row, target), Optional.empty()));
                        }
                        if (attempt >= MAX_CONFLICT_ATTEMPTS) {
                          return CompletableFuture.completedFuture(
                              new Result(
                                  Outcome.STILL_CHANGING,
                                  0,
                                  Optional.of(
                                      "the row kept changing under "
                                          + MAX_CONFLICT_ATTEMPTS
                                          + " attempts")));
                        }
                        return attempt(id, owner, ops, attempt + 1);
                      });
            });
  }

  /**
   * Writes {@code target} over {@code row} through {@code store_chat_session_for}, which writes
   * only if the row is still at the version read; false when another writer got in between.
   * Messages the row holds stay untouched; new ones take their place by timestamp.
   */
  private CompletableFuture<Boolean> write(
      SessionId id, UUID owner, Optional<ChatSession> row, Optional<ChatSession> target) {
    if (row.isEmpty() && target.isEmpty()) {
      return CompletableFuture.completedFuture(
          true); // created and deleted before it reached the database
    }
    if (row.isPresent() && target.isPresent() && content(row.get()).equals(content(target.get()))) {
      return CompletableFuture.completedFuture(true); // everything journaled is already stored
    }
    ObjectNode arguments = JSON.objectNode();
    arguments.put("p_owner", owner.toString());
    arguments.put("p_session_id", id.value());
    if (row.isPresent()) {
      arguments.put("p_expected_version", row.get().version());
    } else {
      arguments.putNull("p_expected_version");
    }
    if (target.isPresent()) {
      arguments.set("p_session", content(target.get()));
    } else {
      arguments.putNull("p_session");
    }
    return guard
        .call(() -> database.rpc(SessionCodec.STORE_FOR_FUNCTION, arguments).executeAsync())
        .thenApply(result -> result.body().asBoolean(false));
  }

  private static int newMessages(Optional<ChatSession> row, Optional<ChatSession> target) {
    if (target.isEmpty()) {
      return 0;
    }
    Set<MessageId> stored = new HashSet<>();
    row.ifPresent(session -> session.messages().forEach(message -> stored.add(message.id())));
    int fresh = 0;
    for (ChatMessage message : target.get().messages()) {
      if (!stored.contains(message.id())) {
        fresh++;
      }
    }
    return fresh;
  }

  /** The columns a delivery writes: everything the journaled writes can change. */
  private static ObjectNode content(ChatSession session) {
    ObjectNode row = JSON.objectNode();
    row.put("repo", session.repo().orElse(null));
    row.put("current_file", session.currentFile().orElse(null));
    row.set("conversation_history", SessionCodec.messagesToJson(session.messages()));
    row.set("context_cache", session.contextCache());
    row.set("metadata", session.metadata());
    return row;
  }
}
