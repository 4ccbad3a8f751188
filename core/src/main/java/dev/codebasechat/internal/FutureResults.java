package dev.codebasechat.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How the project's blocking forms wait for its asynchronous ones: one definition, so that every
 * sync method throws what its async twin completes with. Stateless and thread-safe.
 */
public final class FutureResults {
  private FutureResults() {}

  /**
   * Waits for {@code future} and returns its value; when it failed, throws the failure itself (not
   * wrapped in a {@link CompletionException}) if it is unchecked, else the {@code
   * CompletionException} that carries it.
   */
  public static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (unwrap(e) instanceof RuntimeException unchecked) {
        throw unchecked;
      }
      throw e;
    }
  }

  /** The failure inside any {@link CompletionException} or {@link ExecutionException} layers. */
  public static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /**
   * {@code failure} to throw again from a stage of a future: the unchecked failure itself, or a
   * {@link CompletionException} carrying a checked one.
   */
  public static RuntimeException rethrow(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof RuntimeException unchecked ? unchecked : new CompletionException(cause);
  }
}
