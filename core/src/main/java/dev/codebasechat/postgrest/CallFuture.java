package dev.codebasechat.postgrest;

import java.util.concurrent.CompletableFuture;

/**
 * The future of an HTTP call, and of every stage derived from it ({@code thenApply}, {@code
 * handle}, {@code exceptionallyCompose}…): cancelling a stage still pending cancels the stage it
 * derives from, up to the call's own future, which cancels the call. Not {@link #copy()}, which is
 * for cancelling apart from the source; and a call started inside a {@code thenCompose} or {@code
 * exceptionallyCompose} function is that call's own, not cancelled by this one's stages. A plain
 * {@link CompletableFuture}'s derived stage does not reach its source, so a caller's deadline that
 * cancels what it holds would leave the request running, holding a connection, until its own
 * timeout. Thread-safe as {@link CompletableFuture} is.
 */
final class CallFuture<T> extends CompletableFuture<T> {
  private final Runnable onCancel;

  /** {@code onCancel}: what cancelling this future cancels too (the call, or the source stage). */
  CallFuture(Runnable onCancel) {
    this.onCancel = onCancel;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CallFuture<>(() -> cancel(false));
  }

  /**
   * A copy that is not linked: {@link CompletableFuture#copy()} exists so that a dependent can be
   * cancelled without affecting the source, and that holds here too.
   */
  @Override
  public CompletableFuture<T> copy() {
    CompletableFuture<T> copy = new CompletableFuture<>();
    var unused =
        whenComplete(
            (value, failure) -> {
              if (failure != null) {
                copy.completeExceptionally(failure);
              } else {
                copy.complete(value);
              }
            });
    return copy;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      onCancel.run();
    }
    return cancelled;
  }
}
