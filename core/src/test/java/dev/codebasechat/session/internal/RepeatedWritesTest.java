package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.SessionId;
import dev.codebasechat.testing.ManualClock;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RepeatedWritesTest {

  private static final UUID OWNER = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final SessionId ID = SessionId.of("chat-1767225600000-repeat01");

  private final RepeatedWrites repeated =
      new RepeatedWrites(SessionCache.ticker(ManualClock.startingAtEpoch2026()));
  private final AtomicInteger applied = new AtomicInteger();

  private CompletableFuture<String> once(UUID writeId, CompletableFuture<String> first) {
    return repeated.once(
        OWNER,
        ID,
        new PendingOp.Clear(writeId),
        () -> {
          applied.incrementAndGet();
          return first;
        },
        () -> CompletableFuture.completedFuture("as it is now"));
  }

  @Test
  void aTrySentAgainWhileTheFirstIsInFlight_waitsForIt_andIsNotApplied() {
    UUID writeId = UUID.randomUUID();
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> firstAnswer = once(writeId, first);

    CompletableFuture<String> again = once(writeId, new CompletableFuture<>());
    assertThat(again).isNotDone();
    first.complete("cleared");

    assertThat(firstAnswer).isCompletedWithValue("cleared");
    assertThat(again).isCompletedWithValue("as it is now");
    assertThat(applied).hasValue(1);
  }

  @Test
  void aTrySentAgainWhileTheFirstFails_isApplied() {
    UUID writeId = UUID.randomUUID();
    CompletableFuture<String> first = new CompletableFuture<>();
    once(writeId, first);
    CompletableFuture<String> again = once(writeId, CompletableFuture.completedFuture("cleared"));

    first.completeExceptionally(new IllegalStateException("database away"));

    assertThat(again).isCompletedWithValue("cleared");
    assertThat(applied).hasValue(2);
  }

  @Test
  void aFirstTryThatThrows_isForgotten() {
    UUID writeId = UUID.randomUUID();
    CompletableFuture<String> thrown =
        repeated.once(
            OWNER,
            ID,
            new PendingOp.Clear(writeId),
            () -> {
              throw new IllegalStateException("closed");
            },
            () -> CompletableFuture.completedFuture("as it is now"));

    assertThat(thrown).isCompletedExceptionally();
    assertThat(once(writeId, CompletableFuture.completedFuture("cleared")))
        .isCompletedWithValue("cleared");
  }

  @Test
  void aDeleteUnderAClearsId_isAnotherWrite() {
    UUID writeId = UUID.randomUUID();
    once(writeId, CompletableFuture.completedFuture("cleared"));

    CompletableFuture<String> deleted =
        repeated.once(
            OWNER,
            ID,
            new PendingOp.Delete(writeId),
            () -> CompletableFuture.completedFuture("deleted"),
            () -> CompletableFuture.completedFuture("as it is now"));

    assertThat(deleted).isCompletedWithValue("deleted");
  }
}
