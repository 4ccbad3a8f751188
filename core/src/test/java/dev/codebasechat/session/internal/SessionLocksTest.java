package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.SessionId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SessionLocksTest {
  private final SessionLocks locks = new SessionLocks();
  private final SessionId one = SessionId.of("chat-1767225600000-lockone");
  private final SessionId other = SessionId.of("chat-1767225600000-lockother");

  @Test
  void work_ofOneSession_waitsForItsHolder_whileAnotherSessionsWorkRuns() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () ->
                locks.run(
                    one,
                    () -> {
                      holding.countDown();
                      await(release);
                    }));
    assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<String> sameSession =
        CompletableFuture.supplyAsync(() -> locks.withLock(one, () -> "after the holder"));
    String otherSession = locks.withLock(other, () -> "at once");

    assertThat(otherSession).isEqualTo("at once");
    assertThat(sameSession).isNotDone();
    release.countDown();
    assertThat(sameSession.get(5, TimeUnit.SECONDS)).isEqualTo("after the holder");
    holder.get(5, TimeUnit.SECONDS);
  }

  @Test
  void work_underASessionsLock_mayTakeItAgain() {
    assertThat(locks.withLock(one, () -> locks.withLock(one, () -> "reentered")))
        .isEqualTo("reentered");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
