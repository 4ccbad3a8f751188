package dev.codebasechat.contract;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.sync.LocalSessionTable;
import dev.codebasechat.sync.SessionIdTakenException;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
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
