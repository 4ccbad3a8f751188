package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.SessionId;
import dev.codebasechat.testing.ManualClock;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The database's message counts of sessions this process writes without caching them: each read
 * with one user's token, and answered to that user only.
 */
class StoredCountsTest {
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");
  private static final SessionId ID = SessionId.of("chat-1767225600000-counts01");

  private final StoredCounts counts = new StoredCounts(ManualClock.startingAtEpoch2026());

  @Test
  void aCountReadForOneUser_isAnsweredToThatUser() {
    counts.counted(ID, ALICE, 3);

    assertThat(counts.of(ID, ALICE)).isEqualTo(OptionalInt.of(3));
  }

  @Test
  void aCountReadForOneUser_isNotAnsweredToAnother_whoseWritesUnderTheIdStartFromNothingKnown() {
    counts.counted(ID, ALICE, 3);

    assertThat(counts.of(ID, BOB)).isEmpty();
  }

  @Test
  void aForgottenSession_hasNoCount() {
    counts.counted(ID, ALICE, 3);

    counts.forget(ID);

    assertThat(counts.of(ID, ALICE)).isEmpty();
  }
}
