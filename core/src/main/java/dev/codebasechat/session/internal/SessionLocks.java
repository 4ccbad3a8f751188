package dev.codebasechat.session.internal;

import dev.codebasechat.session.SessionId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per session, held by exactly that session's work: what serialises a session's writes (a
 * durable record and its place in the outbox, a write to the embedded table and its confirmation)
 * without making any other session wait. Unlike a striped lock, two sessions never share one, so a
 * disk sync under it delays only the session it belongs to. A lock exists while someone holds or
 * waits for it; the map's own (short) updates are the only shared step.
 *
 * <p>Thread-safe. Reentrant: work under a session's lock may take it again.
 */
public final class SessionLocks {

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();

    /** Threads holding or waiting for {@link #lock}; changed only inside the map's update. */
    int users;
  }

  private final ConcurrentHashMap<SessionId, Entry> locks = new ConcurrentHashMap<>();

  /** Runs {@code work} holding {@code id}'s lock, waiting for it if another thread holds it. */
  public <T> T withLock(SessionId id, Supplier<T> work) {
    Entry entry = enter(id);
    entry.lock.lock();
    try {
      return work.get();
    } finally {
      entry.lock.unlock();
      leave(id);
    }
  }

  /** {@link #withLock} for work without a result. */
  public void run(SessionId id, Runnable work) {
    withLock(
        id,
        () -> {
          work.run();
          return null;
        });
  }

  private Entry enter(SessionId id) {
    return locks.compute(
        id,
        (key, current) -> {
          Entry entry = current == null ? new Entry() : current;
          entry.users++;
          return entry;
        });
  }

  private void leave(SessionId id) {
    locks.computeIfPresent(id, (key, entry) -> --entry.users == 0 ? null : entry);
  }
}
