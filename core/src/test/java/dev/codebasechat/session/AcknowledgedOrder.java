package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The concurrent-writers tests' harness (the store's and the gateway's): writers released together,
 * each recording the message ids it was told were saved; and the check that a history read after
 * the last acknowledgement holds every one once, each writer's in the order it was acknowledged.
 * Test fixture.
 */
public final class AcknowledgedOrder {
  private AcknowledgedOrder() {}

  /** One writer: appends its messages, one at a time; the ids acknowledged, in order. */
  @FunctionalInterface
  public interface Writer {
    List<String> write(String name);
  }

  /**
   * Runs {@code writers} writers ({@code w0}, {@code w1}, …) released at once from one latch, each
   * on a thread of its own; what each was told was saved, in order.
   */
  public static List<List<String>> writeConcurrently(int writers, Writer writer) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<List<String>>> running = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      String name = "w" + w;
      running.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException(e);
                }
                return writer.write(name);
              },
              pool));
    }
    start.countDown();
    List<List<String>> acknowledged = new ArrayList<>();
    try {
      for (CompletableFuture<List<String>> each : running) {
        acknowledged.add(each.get(90, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    return acknowledged;
  }

  /**
   * @param read the message ids of the history read
   * @param acknowledged per writer, the ids it was told were saved, in that order
   */
  public static void assertEveryAcknowledgedOnceInOrder(
      List<String> read, List<List<String>> acknowledged) {
    Set<String> unique = new HashSet<>(read);
    assertThat(unique).as("no message twice").hasSize(read.size());
    List<String> missing = new ArrayList<>();
    acknowledged.forEach(
        writer -> writer.stream().filter(m -> !unique.contains(m)).forEach(missing::add));
    assertThat(missing).as("acknowledged messages missing from the first read").isEmpty();
    for (List<String> writer : acknowledged) {
      assertThat(read.stream().filter(writer::contains).toList())
          .as("one writer's messages in the order they were acknowledged")
          .isEqualTo(writer);
    }
  }
}
