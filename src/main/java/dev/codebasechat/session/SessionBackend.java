package dev.codebasechat.session;

import dev.codebasechat.postgrest.AccessToken;
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

  /** What an append stored. */
  record AppendAck(int appended, int messageCount, long version) {}

  /** What the store holds after a context update or a clear. */
  record RowVersion(long version, int messageCount) {}

  CompletableFuture<Optional<ChatSession>> fetch(AccessToken token, UUID owner, SessionId id);

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
