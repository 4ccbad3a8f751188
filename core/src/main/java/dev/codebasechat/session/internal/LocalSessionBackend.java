package dev.codebasechat.session.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.embedded.SessionIdTakenException;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionPage;
import dev.codebasechat.session.SessionSummary;
import dev.codebasechat.session.SessionUnavailableException;
import dev.codebasechat.sqlite.JournalException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions kept in this process's own SQLite file (the embedded default): the same operations and
 * the same owner isolation as the Supabase table, durable when each call returns. Tokens are not
 * needed here: the owner is the verified caller. Calls run on the caller's thread (SQLite answers
 * in well under a millisecond) and come back as completed futures.
 */
public final class LocalSessionBackend implements SessionBackend {
  private static final Logger log = LoggerFactory.getLogger(LocalSessionBackend.class);

  /** What a caller is told to wait before reading again after the table failed a read. */
  private static final Duration READ_RETRY_AFTER = Duration.ofSeconds(5);

  private final LocalSessionTable table;

  public LocalSessionBackend(LocalSessionTable table) {
    this.table = table;
  }

  @Override
  public CompletableFuture<Optional<ChatSession>> fetch(
      AccessToken token, UUID owner, SessionId id) {
    return read(
        "session " + id, () -> table.fetch(owner, id.value()).map(SessionCodec::sessionFromRow));
  }

  /**
   * The local table is the only writer of its sessions: a change always comes as the whole session.
   */
  @Override
  public CompletableFuture<Optional<SessionChanges>> changes(
      AccessToken token, UUID owner, SessionId id, long sinceVersion) {
    return read(
        "session " + id,
        () ->
            table
                .fetch(owner, id.value())
                .map(SessionCodec::sessionFromRow)
                .map(
                    session ->
                        new SessionChanges(
                            session.version(),
                            session.messageCount(),
                            session.lastActivity(),
                            session.version() == sinceVersion,
                            session.version() != sinceVersion,
                            session.version() == sinceVersion ? List.of() : session.messages(),
                            session.version() == sinceVersion
                                ? Optional.empty()
                                : Optional.of(
                                    new Fields(
                                        session.repo(),
                                        session.currentFile(),
                                        session.contextCache(),
                                        session.metadata())))));
  }

  @Override
  public CompletableFuture<Optional<SessionHead>> head(
      AccessToken token, UUID owner, SessionId id) {
    return read(
        "session " + id, () -> table.head(owner, id.value()).map(SessionCodec::headFromRow));
  }

  @Override
  public CompletableFuture<AppendAck> append(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op) {
    return run(
        () -> {
          try {
            LocalSessionTable.AppendResult result =
                table.append(
                    owner,
                    id.value(),
                    SessionCodec.messagesToJson(op.messages()),
                    op.repo(),
                    op.currentFile());
            return ack(result);
          } catch (SessionIdTakenException e) {
            // Another user's session looks missing, as the database's RLS makes it look.
            throw new SessionNotFoundException(id);
          }
        });
  }

  @Override
  public CompletableFuture<Optional<AppendAck>> appendExisting(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op) {
    return run(
        () ->
            table
                .appendExisting(
                    owner,
                    id.value(),
                    SessionCodec.messagesToJson(op.messages()),
                    op.repo(),
                    op.currentFile())
                .map(LocalSessionBackend::ack));
  }

  private static AppendAck ack(LocalSessionTable.AppendResult result) {
    return new AppendAck(
        result.appended(),
        result.messageCount(),
        result.version(),
        result.created(),
        Optional.of(result.lastActivity()));
  }

  /**
   * One append after another (this process is the table's only writer, so nothing is gained by one
   * transaction): a refusal of the table refuses that session's append alone, as the database's
   * batch function does.
   */
  @Override
  public CompletableFuture<Map<SessionId, AppendAnswer>> appendEach(
      AccessToken token, UUID owner, List<SessionAppend> appends) {
    Map<SessionId, AppendAnswer> answers = new LinkedHashMap<>();
    for (SessionAppend each : appends) {
      AppendAnswer answer;
      try {
        answer =
            each.append().ifMissing() == PendingOp.IfMissing.CREATE
                ? new AppendAnswer.Stored(append(token, owner, each.id(), each.append()).join())
                : appendExisting(token, owner, each.id(), each.append())
                    .join()
                    .<AppendAnswer>map(AppendAnswer.Stored::new)
                    .orElseGet(AppendAnswer.Missing::new);
      } catch (CompletionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof SessionNotFoundException) {
          answer = new AppendAnswer.Refused("42501", "the session belongs to another user");
        } else if (cause instanceof TableConstraintException refused) {
          answer = new AppendAnswer.Refused("23514", String.valueOf(refused.getMessage()));
        } else if (cause instanceof IllegalArgumentException refused) {
          answer = new AppendAnswer.Refused("22023", String.valueOf(refused.getMessage()));
        } else {
          return CompletableFuture.failedFuture(cause);
        }
      }
      answers.put(each.id(), answer);
    }
    return CompletableFuture.completedFuture(answers);
  }

  @Override
  public CompletableFuture<Optional<RowVersion>> updateContext(
      AccessToken token, UUID owner, SessionId id, ContextUpdate update) {
    return run(
        () ->
            table
                .updateContext(owner, id.value(), SessionCodec.contextPatch(update))
                .map(
                    row ->
                        new RowVersion(
                            row.version(), row.messageCount(), Optional.of(row.lastActivity()))));
  }

  /**
   * {@inheritDoc} The local table answers in process, so no answer of a committed clear is lost and
   * {@code clearId} is not needed.
   */
  @Override
  public CompletableFuture<Optional<RowVersion>> clear(
      AccessToken token, UUID owner, SessionId id, UUID clearId) {
    return run(
        () ->
            table
                .clear(owner, id.value())
                .map(
                    row ->
                        new RowVersion(
                            row.version(), row.messageCount(), Optional.of(row.lastActivity()))));
  }

  /**
   * {@inheritDoc} The local table answers in process, so no answer of a committed delete is lost
   * and {@code deleteId} is not needed.
   */
  @Override
  public CompletableFuture<Boolean> delete(
      AccessToken token, UUID owner, SessionId id, UUID deleteId) {
    return run(() -> table.delete(owner, id.value()));
  }

  @Override
  public CompletableFuture<SessionPage> list(
      AccessToken token, UUID owner, int limit, int offset, Optional<String> repo) {
    return read(
        "the session list",
        () -> {
          LocalSessionTable.Page page = table.list(owner, limit, offset, repo);
          List<SessionSummary> sessions = new ArrayList<>();
          for (ObjectNode row : page.rows()) {
            sessions.add(SessionCodec.summaryFromRow(row));
          }
          return new SessionPage(
              sessions, OptionalLong.of(page.total()), offset, ReadSource.DATABASE);
        });
  }

  /**
   * A read of the table: its failure to read (closed, an I/O error, a damaged file) is the store's
   * {@link SessionUnavailableException}, as a database that cannot answer is, never a raw {@link
   * JournalException}; and it is logged with the file and the reason, as nothing else would say
   * which file failed or that retrying cannot mend a damaged one. Writes keep theirs: the write
   * path names it as a write not recorded.
   */
  private static <T> CompletableFuture<T> read(String what, Supplier<T> operation) {
    try {
      return CompletableFuture.completedFuture(operation.get());
    } catch (JournalException e) {
      log.error("the local session table could not read {}: {}", what, e.getMessage());
      return CompletableFuture.failedFuture(
          new SessionUnavailableException(what, READ_RETRY_AFTER, e));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static <T> CompletableFuture<T> run(Supplier<T> operation) {
    try {
      return CompletableFuture.completedFuture(operation.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
