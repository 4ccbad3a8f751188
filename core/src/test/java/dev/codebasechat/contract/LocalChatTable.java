package dev.codebasechat.contract;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.embedded.SessionIdTakenException;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.internal.LocalSessionBackend;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.session.internal.SessionBackend;
import dev.codebasechat.session.internal.SessionCodec;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** {@link ChatTable} over {@link LocalSessionTable}, the embedded default's SQLite table. */
final class LocalChatTable implements ChatTable {
  private final LocalSessionTable table;
  private final ManualClock clock;

  LocalChatTable(LocalSessionTable table, ManualClock clock) {
    this.table = table;
    this.clock = clock;
  }

  @Override
  public UUID newUser() {
    return UUID.randomUUID();
  }

  @Override
  public void tick() {
    clock.advance(Duration.ofMillis(7));
  }

  @Override
  public Appended append(
      UUID owner,
      String sessionId,
      JsonNode messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    LocalSessionTable.AppendResult result =
        refusing(() -> table.append(owner, sessionId, messages, repo, currentFile));
    return new Appended(
        result.appended(), result.messageCount(), result.version(), result.created());
  }

  @Override
  public Optional<Appended> appendExisting(
      UUID owner, String sessionId, JsonNode messages, Optional<String> repo) {
    return refusing(() -> table.appendExisting(owner, sessionId, messages, repo, Optional.empty()))
        .map(
            result ->
                new Appended(
                    result.appended(), result.messageCount(), result.version(), result.created()));
  }

  /** Through the embedded backend's {@code appendEach}, which the store uses in embedded mode. */
  @Override
  public Map<String, BatchAnswer> appendBatch(UUID owner, List<BatchAppend> appends) {
    List<SessionBackend.SessionAppend> each = new ArrayList<>();
    for (BatchAppend append : appends) {
      each.add(
          new SessionBackend.SessionAppend(
              SessionId.of(append.sessionId()),
              new PendingOp.Append(
                  SessionCodec.messagesFromJson(append.messages()),
                  append.repo(),
                  Optional.empty(),
                  append.createsMissing()
                      ? PendingOp.IfMissing.CREATE
                      : PendingOp.IfMissing.NOTHING)));
    }
    Map<SessionId, SessionBackend.AppendAnswer> answers =
        new LocalSessionBackend(table).appendEach(AccessToken.of("unused"), owner, each).join();
    Map<String, BatchAnswer> result = new LinkedHashMap<>();
    answers.forEach(
        (id, answer) ->
            result.put(
                id.value(),
                answer instanceof SessionBackend.AppendAnswer.Missing
                    ? BatchAnswer.MISSING
                    : answer instanceof SessionBackend.AppendAnswer.Stored stored
                        ? new BatchAnswer(
                            Optional.of(
                                new Appended(
                                    stored.ack().appended(),
                                    stored.ack().messageCount(),
                                    stored.ack().version(),
                                    stored.ack().created())),
                            Optional.empty())
                        : new BatchAnswer(
                            Optional.empty(),
                            Optional.of(
                                switch (((SessionBackend.AppendAnswer.Refused) answer).code()) {
                                  case "42501" -> Refusal.ID_TAKEN;
                                  case "23514" -> Refusal.CONSTRAINT;
                                  default -> Refusal.INVALID_ARGUMENT;
                                }))));
    return result;
  }

  @Override
  public Optional<JsonNode> fetch(UUID owner, String sessionId) {
    return refusing(() -> table.fetch(owner, sessionId).map(JsonNode.class::cast));
  }

  @Override
  public Optional<Versioned> updateContext(UUID owner, String sessionId, JsonNode patch) {
    return refusing(
        () ->
            table
                .updateContext(owner, sessionId, patch)
                .map(v -> new Versioned(v.version(), v.messageCount())));
  }

  @Override
  public Optional<Versioned> clear(UUID owner, String sessionId) {
    return refusing(
        () -> table.clear(owner, sessionId).map(v -> new Versioned(v.version(), v.messageCount())));
  }

  @Override
  public boolean delete(UUID owner, String sessionId) {
    return refusing(() -> table.delete(owner, sessionId));
  }

  @Override
  public Listing list(UUID owner, int limit, int offset, Optional<String> repo) {
    LocalSessionTable.Page page = refusing(() -> table.list(owner, limit, offset, repo));
    return new Listing(List.copyOf(page.rows()), page.total());
  }

  private static <T> T refusing(Supplier<T> operation) {
    try {
      return operation.get();
    } catch (SessionIdTakenException e) {
      throw new Refused(Refusal.ID_TAKEN, e.getMessage());
    } catch (TableConstraintException e) {
      throw new Refused(Refusal.CONSTRAINT, e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new Refused(Refusal.INVALID_ARGUMENT, e.getMessage());
    }
  }
}
