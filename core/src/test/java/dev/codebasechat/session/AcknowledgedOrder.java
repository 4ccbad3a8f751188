package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The check of the concurrent-writers tests (the store's and the gateway's): a history read after
 * the last acknowledgement holds every acknowledged message once, each writer's in the order it was
 * acknowledged. Test fixture.
 */
public final class AcknowledgedOrder {
  private AcknowledgedOrder() {}

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
