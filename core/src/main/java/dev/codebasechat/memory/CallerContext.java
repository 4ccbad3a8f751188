package dev.codebasechat.memory;

import dev.codebasechat.session.Caller;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The caller a chat-memory adapter acts for: bound by the application for the duration of a
 * request, after it verified the user's token, and read by the adapters on every call. A framework
 * hands its memory store nothing but a conversation id, so the caller travels beside it, never in
 * it: the conversation id is never derived from the token, and the token is never logged ({@link
 * Caller#toString()} hides it) nor written anywhere.
 *
 * <p>A binding belongs to a thread. Work that a framework moves to another thread sees it when the
 * hop is wrapped: {@link #wrap(Runnable)}, {@link #wrap(Callable)} and {@link #wrap(Executor)}
 * carry the binding of the thread that wraps; the Spring AI adapter registers it with Micrometer's
 * context propagation, which Reactor uses to carry it across its schedulers.
 *
 * <pre>{@code
 * try (CallerContext.Binding ignored = CallerContext.bind(caller)) {
 *   assistant.chat(conversationId, question); // the memory reads and writes as this caller
 * }
 * }</pre>
 *
 * <p>Thread-safe. Nothing here blocks.
 */
public final class CallerContext {

  private static final ThreadLocal<@Nullable Caller> CURRENT = new ThreadLocal<>();

  private CallerContext() {}

  /**
   * Binds {@code caller} to this thread until the returned binding is closed, which restores what
   * was bound before (bindings nest).
   */
  public static Binding bind(Caller caller) {
    Caller previous = CURRENT.get();
    CURRENT.set(caller);
    return new Binding(caller, previous);
  }

  /** The caller bound to this thread, if any. */
  public static Optional<Caller> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /**
   * The caller bound to this thread.
   *
   * @throws IllegalStateException naming the remedy when none is bound: a memory is never read or
   *     written without a user
   */
  public static Caller require() {
    Caller caller = CURRENT.get();
    if (caller == null) {
      throw new IllegalStateException(
          "no caller is bound to this thread: bind the verified user with"
              + " CallerContext.bind(caller) around the request (and wrap work handed to other"
              + " threads with CallerContext.wrap)");
    }
    return caller;
  }

  /**
   * Sets {@code caller} on this thread, or clears it when null, without a binding to close: for
   * context-propagation libraries that restore values themselves. Applications use {@link #bind}.
   */
  public static void restore(@Nullable Caller caller) {
    if (caller == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(caller);
    }
  }

  /** {@code task}, run with the caller bound now (if any) bound around it, on whatever thread. */
  public static Runnable wrap(Runnable task) {
    Caller captured = CURRENT.get();
    return () -> {
      Caller previous = CURRENT.get();
      restore(captured);
      try {
        task.run();
      } finally {
        restore(previous);
      }
    };
  }

  /** {@code task}, called with the caller bound now (if any) bound around it. */
  public static <T> Callable<T> wrap(Callable<T> task) {
    Caller captured = CURRENT.get();
    return () -> {
      Caller previous = CURRENT.get();
      restore(captured);
      try {
        return task.call();
      } finally {
        restore(previous);
      }
    };
  }

  /** An executor that runs each task with the caller bound at its submission. */
  public static Executor wrap(Executor executor) {
    return task -> executor.execute(wrap(task));
  }

  /** A caller bound to a thread; closing it restores the caller bound before. */
  public static final class Binding implements AutoCloseable {
    private final Caller caller;
    private final @Nullable Caller previous;
    private final Thread owner = Thread.currentThread();

    private Binding(Caller caller, @Nullable Caller previous) {
      this.caller = caller;
      this.previous = previous;
    }

    /** The bound caller. */
    public Caller caller() {
      return caller;
    }

    /**
     * Restores the caller bound before this binding.
     *
     * @throws IllegalStateException if closed on another thread than the one that bound it
     */
    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException(
            "a caller binding must be closed on the thread that bound it");
      }
      restore(previous);
    }
  }
}
