package dev.codebasechat.session.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.Count;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.postgrest.Returning;
import dev.codebasechat.postgrest.SelectRequest;
import dev.codebasechat.postgrest.SortOrder;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionPage;
import dev.codebasechat.session.SessionRejectedException;
import dev.codebasechat.session.SessionSummary;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session operations as PostgREST requests, always with the owner's token so Row Level Security
 * applies; every read also filters on {@code user_id} explicitly (Supabase's advice: it lets the
 * planner use the index, and it is a second fence). No retry, and no answer from a local copy: that
 * is the store's job, through the guard. A database without the latest migration is written to as
 * before it ({@link #appendExisting}, {@link #appendEach}).
 */
public final class SessionRemote implements SessionBackend {

  private static final Logger log = LoggerFactory.getLogger(SessionRemote.class);

  private final PostgrestClient client;

  /** The append functions' "only if it exists" (migration 20261207000000). */
  private final MissingFunction appendsOnlyToExisting;

  /** The clear's {@code p_clear_id} (migration 20261208000000). */
  private final MissingFunction clearsWithIds;

  /** The delete's {@code p_delete_id} (migration 20261208000100). */
  private final MissingFunction deletesWithIds;

  public SessionRemote(PostgrestClient client, Clock clock) {
    this.client = client;
    this.appendsOnlyToExisting = new MissingFunction(clock);
    this.clearsWithIds = new MissingFunction(clock);
    this.deletesWithIds = new MissingFunction(clock);
  }

  @Override
  public CompletableFuture<Optional<ChatSession>> fetch(
      AccessToken token, UUID owner, SessionId id) {
    return client
        .as(token)
        .from(SessionCodec.TABLE)
        .select(SessionCodec.SESSION_COLUMNS)
        .eq("session_id", id.value())
        .eq("user_id", owner)
        .maybeSingleAsync()
        .thenApply(row -> row.map(found -> readable(id, () -> SessionCodec.sessionFromRow(found))));
  }

  @Override
  public CompletableFuture<Optional<SessionChanges>> changes(
      AccessToken token, UUID owner, SessionId id, long sinceVersion) {
    return client
        .as(token)
        .rpc(SessionCodec.CHANGES_FUNCTION, SessionCodec.changesArguments(id, sinceVersion))
        .executeAsync()
        .thenApply(result -> readable(id, () -> SessionCodec.changesFromJson(result.body())));
  }

  /**
   * What {@code read} makes of the database's answer for {@code id}. A stored value the library
   * does not take (a message over {@link dev.codebasechat.session.ChatMessage#MAX_CONTENT_LENGTH}
   * characters, an unknown role, written by another client) is an answer the library cannot use,
   * not a mistake of the caller's: {@link SessionRejectedException.Reason#DATABASE_ERROR} naming
   * what it is, never retried and not counted against the circuit breaker.
   */
  private static <T> T readable(SessionId id, Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException unreadable) {
      throw new SessionRejectedException(
          SessionRejectedException.Reason.DATABASE_ERROR,
          "the database holds session "
              + id.value()
              + " in a form this library cannot read: "
              + unreadable.getMessage(),
          unreadable);
    }
  }

  @Override
  public CompletableFuture<Optional<SessionHead>> head(
      AccessToken token, UUID owner, SessionId id) {
    return client
        .as(token)
        .from(SessionCodec.TABLE)
        .select(SessionCodec.HEAD_COLUMNS)
        .eq("session_id", id.value())
        .eq("user_id", owner)
        .maybeSingleAsync()
        .thenApply(row -> row.map(found -> readable(id, () -> SessionCodec.headFromRow(found))));
  }

  @Override
  public CompletableFuture<AppendAck> append(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op) {
    return client
        .as(token)
        .rpc(
            SessionCodec.APPEND_FUNCTION,
            SessionCodec.appendArguments(id, op.messages(), op.repo(), op.currentFile()))
        .executeAsync()
        .thenApply(result -> SessionCodec.appendAckFromJson(result.body()));
  }

  /**
   * {@code append_chat_messages} with {@code p_create} false: its null answer is a missing session.
   * On a database without that argument (PGRST202), {@link #append}.
   */
  @Override
  public CompletableFuture<Optional<AppendAck>> appendExisting(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op) {
    return appendsOnlyToExisting.newerOrOlder(
        () ->
            client
                .as(token)
                .rpc(
                    SessionCodec.APPEND_FUNCTION,
                    SessionCodec.appendArguments(id, op.messages(), op.repo(), op.currentFile())
                        .put("p_create", false))
                .executeAsync()
                .thenApply(
                    result ->
                        result.body().isNull()
                            ? Optional.<AppendAck>empty()
                            : Optional.of(SessionCodec.appendAckFromJson(result.body()))),
        () -> append(token, owner, id, op).thenApply(Optional::of),
        this::warnAppendsCreate);
  }

  /**
   * {@code append_chat_messages_batch}; an append to a session that must exist carries {@code
   * "create": false}, which a database without migration 20261207000000 refuses as an unknown field
   * (the whole request, storing nothing): the request is then sent again with appends that create.
   */
  @Override
  public CompletableFuture<Map<SessionId, AppendAnswer>> appendEach(
      AccessToken token, UUID owner, List<SessionAppend> appends) {
    boolean onlyToExisting =
        appends.stream().anyMatch(a -> a.append().ifMissing() == PendingOp.IfMissing.NOTHING);
    if (onlyToExisting && !appendsOnlyToExisting.worthTrying()) {
      return sendBatch(token, creating(appends));
    }
    return sendBatch(token, appends)
        .exceptionallyCompose(
            failure -> {
              if (!onlyToExisting || !refusesCreateField(failure)) {
                return CompletableFuture.failedFuture(failure);
              }
              if (appendsOnlyToExisting.foundMissing()) {
                warnAppendsCreate();
              }
              return sendBatch(token, creating(appends));
            });
  }

  private CompletableFuture<Map<SessionId, AppendAnswer>> sendBatch(
      AccessToken token, List<SessionAppend> appends) {
    return client
        .as(token)
        .rpc(SessionCodec.APPEND_BATCH_FUNCTION, SessionCodec.appendBatchArguments(appends))
        .executeAsync()
        .thenApply(result -> SessionCodec.appendBatchAnswersFromJson(result.body()));
  }

  private static List<SessionAppend> creating(List<SessionAppend> appends) {
    return appends.stream()
        .map(
            a ->
                new SessionAppend(
                    a.id(),
                    new PendingOp.Append(
                        a.append().messages(), a.append().repo(), a.append().currentFile())))
        .toList();
  }

  /** The batch function's refusal of {@code "create"} (22023, before migration 20261207000000). */
  private static boolean refusesCreateField(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestHttpException http
        && http.status() == 400
        && "22023".equals(http.code().orElse(null))
        && http.postgrestMessage().orElse("").contains("has an unknown field \"create\"");
  }

  /**
   * For a while ({@link MissingFunction#RECHECK}), appends to a session found to exist are sent as
   * appends that create.
   */
  private void warnAppendsCreate() {
    log.warn(
        "the database's {} has no p_create (migration 20261207000000 not applied): an append"
            + " to a session found to exist is sent as one that creates, so one racing a delete"
            + " of its session may bring the session back",
        SessionCodec.APPEND_FUNCTION);
  }

  @Override
  public CompletableFuture<Optional<RowVersion>> updateContext(
      AccessToken token, UUID owner, SessionId id, ContextUpdate update) {
    return client
        .as(token)
        .from(SessionCodec.TABLE)
        .update(SessionCodec.contextPatch(update))
        .eq("session_id", id.value())
        .eq("user_id", owner)
        .returning(Returning.REPRESENTATION)
        .select("version,message_count,last_activity")
        .executeAsync()
        .thenApply(result -> firstRowVersion(result.body()));
  }

  /**
   * {@code clear_chat_history} with {@code p_clear_id}. On a database without that argument
   * (PGRST202, before migration 20261208000000), the clear is sent without it: a try sent again
   * after a lost answer then clears again.
   */
  @Override
  public CompletableFuture<Optional<RowVersion>> clear(
      AccessToken token, UUID owner, SessionId id, UUID clearId) {
    return clearsWithIds.newerOrOlder(
        () ->
            clearWith(
                token, SessionCodec.sessionArgument(id).put("p_clear_id", clearId.toString())),
        () -> clearWith(token, SessionCodec.sessionArgument(id)),
        () ->
            log.warn(
                "the database's {} has no p_clear_id (migration 20261208000000 not applied): a"
                    + " clear whose answer is lost and is sent again can erase messages stored in"
                    + " between",
                SessionCodec.CLEAR_FUNCTION));
  }

  private CompletableFuture<Optional<RowVersion>> clearWith(
      AccessToken token, ObjectNode arguments) {
    return client
        .as(token)
        .rpc(SessionCodec.CLEAR_FUNCTION, arguments)
        .executeAsync()
        .thenApply(
            result -> {
              JsonNode body = result.body();
              if (!body.isObject()) {
                return Optional.empty();
              }
              return Optional.of(
                  new RowVersion(
                      body.path("version").asLong(),
                      body.path("message_count").asInt(),
                      SessionCodec.parseTime(body.path("last_activity"))));
            });
  }

  /**
   * {@code delete_chat_session} with {@code p_delete_id}. On a database without that argument
   * (PGRST202, before migration 20261208000100), the delete is sent without it: a try sent again
   * after a lost answer then deletes a session started again under the same id since.
   */
  @Override
  public CompletableFuture<Boolean> delete(
      AccessToken token, UUID owner, SessionId id, UUID deleteId) {
    return deletesWithIds.newerOrOlder(
        () ->
            deleteWith(
                token, SessionCodec.sessionArgument(id).put("p_delete_id", deleteId.toString())),
        () -> deleteWith(token, SessionCodec.sessionArgument(id)),
        () ->
            log.warn(
                "the database's {} has no p_delete_id (migration 20261208000100 not applied): a"
                    + " delete whose answer is lost and is sent again can delete a session started"
                    + " again under the same id",
                SessionCodec.DELETE_FUNCTION));
  }

  private CompletableFuture<Boolean> deleteWith(AccessToken token, ObjectNode arguments) {
    return client
        .as(token)
        .rpc(SessionCodec.DELETE_FUNCTION, arguments)
        .executeAsync()
        .thenApply(result -> result.body().asBoolean(false));
  }

  @Override
  public CompletableFuture<SessionPage> list(
      AccessToken token, UUID owner, int limit, int offset, Optional<String> repo) {
    SelectRequest select =
        client
            .as(token)
            .from(SessionCodec.TABLE)
            .select(SessionCodec.SUMMARY_COLUMNS)
            .eq("user_id", owner);
    if (repo.isPresent()) {
      select = select.eq("repo", repo.get());
    }
    return select
        .order("last_activity", SortOrder.DESCENDING)
        .order("session_id", SortOrder.ASCENDING)
        .limit(limit)
        .offset(offset)
        .count(Count.EXACT)
        .executeAsync()
        .handle(
            (result, failure) -> {
              if (failure != null) {
                // An offset past the end is PostgREST's 416 PGRST103 when counting: an empty page.
                Throwable cause =
                    failure instanceof java.util.concurrent.CompletionException
                            && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (cause instanceof PostgrestHttpException http && http.status() == 416) {
                  return new SessionPage(List.of(), http.totalCount(), offset, ReadSource.DATABASE);
                }
                throw cause instanceof RuntimeException runtime
                    ? runtime
                    : new java.util.concurrent.CompletionException(cause);
              }
              List<SessionSummary> sessions = new ArrayList<>();
              try {
                for (JsonNode row : result.body()) {
                  sessions.add(SessionCodec.summaryFromRow(row));
                }
              } catch (IllegalArgumentException unreadable) {
                // Not the caller's mistake: the answer is one the library cannot use.
                throw new SessionRejectedException(
                    SessionRejectedException.Reason.DATABASE_ERROR,
                    "the database answered the session list in a form this library cannot read: "
                        + unreadable.getMessage(),
                    unreadable);
              }
              OptionalLong total = result.totalCount();
              return new SessionPage(sessions, total, offset, ReadSource.DATABASE);
            });
  }

  private static Optional<RowVersion> firstRowVersion(JsonNode rows) {
    if (!rows.isArray() || rows.isEmpty()) {
      return Optional.empty();
    }
    JsonNode row = rows.get(0);
    return Optional.of(
        new RowVersion(
            row.path("version").asLong(),
            row.path("message_count").asInt(),
            SessionCodec.parseTime(row.path("last_activity"))));
  }
}
