package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * How the confirmation of a write changes the cached copy: the ledger over a real cache, outboxes
 * and owner memory, without a journal.
 */
class LedgerAppendedTest {
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final SessionId ID = SessionId.of("chat-1767225600000-ledger01");

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final JournalBridge journal = JournalBridge.none();
  private final SessionLocks locks = new SessionLocks();
  private final SessionCache cache =
      new SessionCache(1 << 20, Duration.ofHours(1), Duration.ofSeconds(1), clock, journal);
  private final Ledger ledger =
      new Ledger(
          cache,
          new Outboxes(locks, journal, clock),
          new KnownOwners(clock, journal),
          locks,
          journal);

  private ChatMessage message(String id) {
    return new ChatMessage(
        MessageId.of(id), Role.USER, "text of " + id, clock.instant(), Optional.empty());
  }

  @Test
  void anAppendStoredWhole_thatAReadAlreadyBroughtIntoTheCopy_isNotAddedTwice() {
    PendingOp.Append append =
        new PendingOp.Append(List.of(message("m2")), Optional.empty(), Optional.empty());
    // A read refreshed the copy to the version the append made, m2 included, before the append's
    // answer was handled.
    cache.put(
        ChatSession.empty(ID, ALICE)
            .withAdded(List.of(message("m1"), message("m2")))
            .withVersion(6));

    ledger.appended(
        ID, ALICE, append, new SessionBackend.AppendAck(1, 2, 6, false, Optional.empty()));

    assertThat(cache.peek(ID).messages())
        .extracting(message -> message.id().value())
        .containsExactly("m1", "m2");
  }

  @Test
  void aClearSentAgainThatChangedNothing_leavesNoCopyLackingAMessageAddedSince() {
    // The first try of the clear was applied (v6, empty) and a read brought the copy there; another
    // device then appended m9 (v7). The clear sent again changes nothing and answers v7, 1 message.
    cache.put(ChatSession.empty(ID, ALICE).withVersion(6));

    ledger.changed(
        ID, ALICE, new SessionBackend.RowVersion(7, 1, Optional.empty()), PendingOp.Clear.asked());

    assertThat(cache.peek(ID)).isNull();
  }
}
