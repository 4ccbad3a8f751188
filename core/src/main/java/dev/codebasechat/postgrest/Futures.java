package dev.codebasechat.postgrest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/** Derived futures whose cancellation reaches the source (and so the HTTP call). */
final class Futures {
  private Futures() {}

  static <T, R> CompletableFuture<R> map(
      CompletableFuture<T> source, BiFunction<@Nullable T, @Nullable Throwable, R> fn) {
    CompletableFuture<R> out = new CallFuture<>(() -> source.cancel(false));
    var unusedSource =
        source.whenComplete(
            (value, error) -> {
              try {
                out.complete(fn.apply(value, unwrap(error)));
              } catch (RuntimeException e) {
                out.completeExceptionally(e);
              }
            });
    return out;
  }

  static @Nullable Throwable unwrap(@Nullable Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  static RuntimeException asUnchecked(Throwable e) {
    return e instanceof RuntimeException unchecked ? unchecked : new CompletionException(e);
  }
}
