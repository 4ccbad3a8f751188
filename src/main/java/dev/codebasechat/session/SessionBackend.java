package dev.codebasechat.session;

import dev.codebasechat.postgrest.AccessToken;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Where sessions are stored: the operations the store needs, each on behalf of an owner. {@link
 * SessionRemote} sends them to PostgREST with the owner's token (Row Level Security applies);
 * another implementation may keep them locally. Every operation sees only the owner's sessions:
 * another user's session behaves as a missing one.
 */
interface SessionBackend {

  /**
   * What an append stored; {@code created}: this append created the session, so its state is
   * exactly what the append sent.
   */
  record AppendAck(int appended, int messageCount, long version, boolean created, Optional<Instant> lastActivity) {}

  /** What the store holds after a context update or a clear. */
  record RowVersion(long version, int messageCount, Optional<Instant> lastActivity) {}

  /**
   * A session without its history: the row's other columns and how many messages it holds. When
   * it holds none, {@link #session()} is the whole session.
   */
  record SessionHead(ChatSession session, int messageCount) {
    boolean isComplete() {
      return messageCount == 0;
    }
  }

  CompletableFuture<Optional<ChatSession>> fetch(AccessToken token, UUID owner, SessionId id);

  /** The owner's session without its history (never downloads it); empty when the owner has none. */
  CompletableFuture<Optional<SessionHead>> head(AccessToken token, UUID owner, SessionId id);

  CompletableFuture<AppendAck> append(AccessToken token, UUID owner, SessionId id, PendingOp.Append op);

  /** Empty when the owner has no such session. */
  CompletableFuture<Optional<RowVersion>> updateContext(
      AccessToken token, UUID owner, SessionId id, ContextUpdate update);

  /** Empty when the owner has no such session. */
  CompletableFuture<Optional<RowVersion>> clear(AccessToken token, UUID owner, SessionId id);

  /** True when a session of the owner was deleted. */
  CompletableFuture<Boolean> delete(AccessToken token, UUID owner, SessionId id);

  CompletableFuture<SessionPage> list(
      AccessToken token, UUID owner, int limit, int offset, Optional<String> repo);
}
