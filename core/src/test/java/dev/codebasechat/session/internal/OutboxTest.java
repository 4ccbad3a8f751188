package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * How an outbox counts its session's messages without a copy of it: the database's count, as it
 * moves with each confirmed head, plus what is pending.
 */
class OutboxTest {
  private static final SessionId ID = SessionId.of("chat-1767225600000-outbox01");
  private static final UUID OWNER = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static PendingOp.Append appendOf(int messages) {
    List<ChatMessage> batch =
        java.util.stream.IntStream.range(0, messages)
            .mapToObj(i -> ChatMessage.user("m" + i))
            .toList();
    return new PendingOp.Append(batch, Optional.empty(), Optional.empty());
  }

  private static Outbox withStoredCount(int count) {
    return new Outbox(ID, OWNER, false, OptionalInt.of(count));
  }

  @Test
  void theOldestAcknowledgedWrite_isTheOldestStillPending_notTheFirstOfARun() {
    Outbox outbox = new Outbox(ID, OWNER, false);
    outbox.add(appendOf(1), NOW, 1);
    outbox.takeHead();
    outbox.add(appendOf(1), NOW.plusSeconds(600), 2);
    outbox.add(appendOf(1), NOW.plusSeconds(601), 3);

    outbox.removeHead();

    assertThat(outbox.oldestAcknowledged()).contains(NOW.plusSeconds(600));
  }

  @Test
  void withNothingPending_thereIsNoOldestAcknowledgedWrite() {
    Outbox outbox = new Outbox(ID, OWNER, false);
    outbox.add(appendOf(1), NOW, 1);
    outbox.takeHead();

    outbox.removeHead();

    assertThat(outbox.oldestAcknowledged()).isEmpty();
  }

  @Test
  void withoutTheDatabasesCount_itCountsWhatIsPending() {
    Outbox outbox = new Outbox(ID, OWNER, false);
    outbox.add(appendOf(2), NOW, 1);

    assertThat(outbox.messageCountWithoutCopy()).isEqualTo(2);
  }

  @Test
  void withTheDatabasesCount_itAddsWhatIsPending() {
    Outbox outbox = withStoredCount(200);
    outbox.add(appendOf(2), NOW, 1);

    assertThat(outbox.messageCountWithoutCopy()).isEqualTo(202);
  }

  @Test
  void theHeadsAnswer_countsOnlyOnceTheHeadLeaves() {
    Outbox outbox = withStoredCount(200);
    outbox.add(appendOf(2), NOW, 1);
    outbox.takeHead();

    outbox.headStored(202);
    int whileStillPending = outbox.messageCountWithoutCopy();
    outbox.removeHead();

    assertThat(whileStillPending).isEqualTo(202);
    assertThat(outbox.messageCountWithoutCopy()).isEqualTo(202);
    assertThat(outbox.storedCount()).hasValue(202);
  }

  @Test
  void aHeadSetAsideWithoutAnAnswer_leavesTheCountAsItWas() {
    Outbox outbox = withStoredCount(200);
    outbox.add(appendOf(2), NOW, 1);
    outbox.takeHead();

    outbox.removeHead();

    assertThat(outbox.storedCount()).hasValue(200);
    assertThat(outbox.messageCountWithoutCopy()).isEqualTo(200);
  }

  @Test
  void anAnswerOfAHeadThatThenFailed_isNotTaken() {
    Outbox outbox = withStoredCount(200);
    outbox.add(appendOf(2), NOW, 1);
    outbox.takeHead();
    outbox.headStored(202);

    outbox.releaseHead("the local copy could not be dropped");
    outbox.takeHead();
    outbox.removeHead();

    assertThat(outbox.storedCount()).hasValue(200);
  }

  @Test
  void aHeadStoredWithoutACount_leavesTheCountUnknown() {
    Outbox outbox = withStoredCount(200);
    outbox.add(appendOf(2), NOW, 1);
    outbox.takeHead();

    outbox.headStoredUncounted();
    outbox.removeHead();

    assertThat(outbox.storedCount()).isEmpty();
  }

  @Test
  void aPendingClear_countsFromTheClear() {
    Outbox outbox = withStoredCount(200);
    outbox.add(appendOf(2), NOW, 1);
    outbox.add(PendingOp.Clear.asked(), NOW, 2);
    outbox.add(appendOf(1), NOW, 3);

    assertThat(outbox.messageCountWithoutCopy()).isEqualTo(1);
  }
}
