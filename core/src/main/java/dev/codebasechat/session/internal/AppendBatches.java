package dev.codebasechat.session.internal;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Group commit per session for appends acknowledged by the database: an append of a session with no
 * append in flight is sent at once; appends of that session (and owner) arriving meanwhile wait and
 * go together in the next request, each completing with the answer of the request that carried it.
 * A lone append waits for no timer. A request creates a missing session when one of the appends it
 * carries would ({@link PendingOp.Append#then}); one carrying only appends to a session that must
 * exist ({@link PendingOp.IfMissing#NOTHING}) stores nothing when it is missing, and fails each of
 * them with {@link SessionNotFoundException}.
 *
 * <p>Thread-safe. Never retries and never drops: a failed request fails exactly the appends it
 * carried; the next batch is sent regardless.
 */
public final class AppendBatches {

  /**
   * Sends one (merged) append with a token of its owner; empty when the append stores nothing in a
   * missing session ({@link PendingOp.IfMissing#NOTHING}) and the owner has no such session.
   */
  public interface Sender {
    public CompletableFuture<Optional<SessionBackend.AppendAck>> send(
        SessionId id, UUID owner, AccessToken token, PendingOp.Append append);
  }

  private record Key(SessionId id, UUID owner) {}

  private record Waiting(
      AccessToken token,
      PendingOp.Append append,
      CompletableFuture<SessionBackend.AppendAck> done) {}

  private final Map<Key, List<Waiting>> waiting = new HashMap<>();
  private final Sender sender;

  public AppendBatches(Sender sender) {
    this.sender = sender;
  }

  /**
   * Completes with the answer of the request that carried {@code append}; fails with {@link
   * SessionNotFoundException} when that request found the session missing and created nothing.
   */
  public CompletableFuture<SessionBackend.AppendAck> submit(
      SessionId id, UUID owner, AccessToken token, PendingOp.Append append) {
    Key key = new Key(id, owner);
    CompletableFuture<SessionBackend.AppendAck> done = new CompletableFuture<>();
    boolean sendNow;
    synchronized (this) {
      List<Waiting> queue = waiting.get(key);
      sendNow = queue == null; // no request of this session in flight
      if (queue == null) {
        waiting.put(key, new ArrayList<>());
      } else {
        queue.add(new Waiting(token, append, done));
      }
    }
    if (sendNow) {
      send(key, List.of(new Waiting(token, append, done)));
    }
    return done;
  }

  private void send(Key key, List<Waiting> batch) {
    CompletableFuture<Optional<SessionBackend.AppendAck>> request;
    try {
      // The newest token of the owner: the earlier ones may have expired while waiting.
      request =
          sender.send(key.id(), key.owner(), batch.get(batch.size() - 1).token(), merge(batch));
    } catch (RuntimeException e) {
      request = CompletableFuture.failedFuture(e);
    }
    request.whenComplete(
        (ack, failure) -> {
          for (Waiting w : batch) {
            if (failure != null) {
              w.done().completeExceptionally(failure);
            } else if (ack.isEmpty()) {
              w.done().completeExceptionally(new SessionNotFoundException(key.id()));
            } else {
              w.done().complete(ack.get());
            }
          }
          List<Waiting> next = new ArrayList<>();
          synchronized (this) {
            List<Waiting> queue = waiting.get(key);
            if (queue == null || queue.isEmpty()) {
              waiting.remove(key);
              return;
            }
            // As many as one request may carry; the rest go in the request after.
            int messages = 0;
            while (!queue.isEmpty()
                && (next.isEmpty()
                    || messages + queue.get(0).append().messages().size()
                        <= PendingOp.MAX_MESSAGES_PER_REQUEST)) {
              Waiting w = queue.remove(0);
              messages += w.append().messages().size();
              next.add(w);
            }
          }
          send(key, next);
        });
  }

  /**
   * One append of every message of the batch (the first of a repeated id kept), in order ({@link
   * PendingOp.Append#then}).
   */
  public static PendingOp.Append merge(List<Waiting> batch) {
    PendingOp.Append merged = batch.get(0).append();
    for (Waiting w : batch.subList(1, batch.size())) {
      merged = merged.then(w.append());
    }
    return merged;
  }
}
