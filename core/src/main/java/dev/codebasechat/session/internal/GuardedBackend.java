package dev.codebasechat.session.internal;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.resilience.DeadlineExceededException;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionPage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A backend whose every call goes through the guard (retry and circuit breaker), within a deadline
 * when a caller waits for the answer ({@link #within}); the write-behind's calls have none. The
 * calls of one request share one deadline ({@link #forOneRequest}). Thread-safe as the backend and
 * the guard are.
 */
public final class GuardedBackend implements SessionBackend {

  private final SessionBackend backend;
  private final RemoteGuard guard;
  private final Bound bound;

  /** How long a call may take. */
  private sealed interface Bound {
    <T> CompletableFuture<T> guarded(RemoteGuard guard, Supplier<CompletableFuture<T>> call);

    /** This bound for the calls of one request starting now. */
    default Bound forOneRequest(RemoteGuard guard) {
      return this;
    }

    /** This bound for the calls of one request that must end by {@code endsAt}. */
    default Bound endingAt(long endsAt) {
      return this;
    }

    /** {@code work} of a request, started while time is left and cut when it is up. */
    default <T> CompletableFuture<T> waitFor(
        RemoteGuard guard, Supplier<CompletableFuture<T>> work) {
      return work.get();
    }
  }

  /** The write-behind's: retried for as long as it takes. */
  private record Unbounded() implements Bound {
    @Override
    public <T> CompletableFuture<T> guarded(
        RemoteGuard guard, Supplier<CompletableFuture<T>> call) {
      return guard.call(call);
    }
  }

  /** Each call within {@code deadline} of its start. */
  private record EachWithin(Duration deadline) implements Bound {
    @Override
    public <T> CompletableFuture<T> guarded(
        RemoteGuard guard, Supplier<CompletableFuture<T>> call) {
      return guard.call(call, deadline);
    }

    @Override
    public Bound forOneRequest(RemoteGuard guard) {
      return new Until(guard.endsAt(deadline), deadline);
    }

    @Override
    public Bound endingAt(long endsAt) {
      return new Until(endsAt, deadline);
    }
  }

  /** Every call by {@code endsAt}, a request's {@code deadline} from its start. */
  private record Until(long endsAt, Duration deadline) implements Bound {
    @Override
    public <T> CompletableFuture<T> guarded(
        RemoteGuard guard, Supplier<CompletableFuture<T>> call) {
      return guard.callUntil(call, endsAt, deadline);
    }

    @Override
    public <T> CompletableFuture<T> waitFor(
        RemoteGuard guard, Supplier<CompletableFuture<T>> work) {
      return guard.hasPassed(endsAt)
          ? CompletableFuture.failedFuture(new DeadlineExceededException(deadline))
          : guard.waitUntil(work.get(), endsAt, deadline);
    }
  }

  private GuardedBackend(SessionBackend backend, RemoteGuard guard, Bound bound) {
    this.backend = backend;
    this.guard = guard;
    this.bound = bound;
  }

  /** Calls for the write-behind: retried and guarded, without a deadline. */
  public static GuardedBackend of(SessionBackend backend, RemoteGuard guard) {
    return new GuardedBackend(backend, guard, new Unbounded());
  }

  /** The same calls, each failing with the guard's deadline failure past {@code deadline}. */
  public GuardedBackend within(Duration deadline) {
    return new GuardedBackend(backend, guard, new EachWithin(deadline));
  }

  /**
   * The calls of one request starting now, all within this backend's deadline together: each gets
   * what the ones before left. Without a deadline, this backend.
   */
  public GuardedBackend forOneRequest() {
    Bound request = bound.forOneRequest(guard);
    return request == bound ? this : new GuardedBackend(backend, guard, request);
  }

  /**
   * The calls of a request begun earlier that must end by {@code endsAt} (clock millis), each
   * getting what is left; without a deadline, this backend.
   */
  public GuardedBackend endingAt(long endsAt) {
    Bound request = bound.endingAt(endsAt);
    return request == bound ? this : new GuardedBackend(backend, guard, request);
  }

  /**
   * {@code work} of the request {@link #forOneRequest} began: not started once the request's time
   * is up, and cut (cancelled) when it runs out, with {@link DeadlineExceededException} either way;
   * {@code work} itself without a request deadline.
   */
  public <T> CompletableFuture<T> waitFor(Supplier<CompletableFuture<T>> work) {
    return bound.waitFor(guard, work);
  }

  private <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> call) {
    return bound.guarded(guard, call);
  }

  @Override
  public CompletableFuture<Optional<ChatSession>> fetch(
      AccessToken token, UUID owner, SessionId id) {
    return guarded(() -> backend.fetch(token, owner, id));
  }

  @Override
  public CompletableFuture<Optional<SessionChanges>> changes(
      AccessToken token, UUID owner, SessionId id, long sinceVersion) {
    return guarded(() -> backend.changes(token, owner, id, sinceVersion));
  }

  @Override
  public CompletableFuture<Optional<SessionHead>> head(
      AccessToken token, UUID owner, SessionId id) {
    return guarded(() -> backend.head(token, owner, id));
  }

  @Override
  public CompletableFuture<AppendAck> append(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op) {
    return guarded(() -> backend.append(token, owner, id, op));
  }

  @Override
  public CompletableFuture<Optional<AppendAck>> appendExisting(
      AccessToken token, UUID owner, SessionId id, PendingOp.Append op) {
    return guarded(() -> backend.appendExisting(token, owner, id, op));
  }

  @Override
  public CompletableFuture<Map<SessionId, AppendAnswer>> appendEach(
      AccessToken token, UUID owner, List<SessionAppend> appends) {
    return guarded(() -> backend.appendEach(token, owner, appends));
  }

  @Override
  public CompletableFuture<Optional<RowVersion>> updateContext(
      AccessToken token, UUID owner, SessionId id, ContextUpdate update) {
    return guarded(() -> backend.updateContext(token, owner, id, update));
  }

  @Override
  public CompletableFuture<Optional<RowVersion>> clear(
      AccessToken token, UUID owner, SessionId id, UUID clearId) {
    return guarded(() -> backend.clear(token, owner, id, clearId));
  }

  @Override
  public CompletableFuture<Boolean> delete(
      AccessToken token, UUID owner, SessionId id, UUID deleteId) {
    return guarded(() -> backend.delete(token, owner, id, deleteId));
  }

  @Override
  public CompletableFuture<SessionPage> list(
      AccessToken token, UUID owner, int limit, int offset, Optional<String> repo) {
    return guarded(() -> backend.list(token, owner, limit, offset, repo));
  }
}
