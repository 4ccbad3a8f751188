package dev.codebasechat.session.internal;

import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The change each session's local copy is to get next, recorded under the session's lock (where the
 * cached copy changes) and written after it ({@link #settle}): a whole session serialised and
 * synced to disk no longer holds up that session's reads and writes. Only the latest change of a
 * session is written, by one writer at a time per session, so an older copy is never written over a
 * newer change (a copy over a later drop, say). A writer that cannot write leaves the change
 * recorded for the next.
 *
 * <p>Thread-safe.
 */
final class CopyChanges {

  /**
   * A copy to keep, or none ({@code session} null: drop it), the {@code mark}-th change recorded.
   * Compared by identity.
   */
  static final class Change {
    final @Nullable ChatSession session;
    final long mark;

    private Change(@Nullable ChatSession session, long mark) {
      this.session = session;
      this.mark = mark;
    }
  }

  private final AtomicLong marks = new AtomicLong();
  private final ConcurrentHashMap<SessionId, Change> latest = new ConcurrentHashMap<>();
  private final SessionLocks writers = new SessionLocks();

  /** The local copy of {@code session}'s id is to be {@code session}. */
  void keep(ChatSession session) {
    latest.put(session.id(), new Change(session, marks.incrementAndGet()));
  }

  /** The local copy of {@code id} is to go. */
  void drop(SessionId id) {
    latest.put(id, new Change(null, marks.incrementAndGet()));
  }

  /** A mark to tell, by {@link #recordedSince}, whether a change was recorded after it. */
  long mark() {
    return marks.get();
  }

  /** Whether a change of {@code id} recorded after {@code mark} waits to be written. */
  boolean recordedSince(SessionId id, long mark) {
    Change change = latest.get(id);
    return change != null && change.mark > mark;
  }

  /**
   * The change of {@code id} waiting to be written, if any: what the copy is about to be, which
   * whoever reads the copy takes rather than the disk's.
   */
  Optional<Change> waiting(SessionId id) {
    return Optional.ofNullable(latest.get(id));
  }

  /**
   * Writes {@code id}'s latest change with {@code write}, unless none is waiting; returns once the
   * change recorded before this call, or a later one, is written.
   *
   * @throws RuntimeException what {@code write} threw; the change stays recorded
   */
  void settle(SessionId id, Consumer<Change> write) {
    if (!latest.containsKey(id)) {
      return;
    }
    writers.run(
        id,
        () -> {
          Change change = latest.get(id);
          if (change == null) {
            return; // another writer wrote it meanwhile
          }
          write.accept(change);
          latest.compute(id, (key, current) -> current == change ? null : current);
        });
  }
}
