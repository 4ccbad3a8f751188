package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local copies recorded under a session's lock and written after it: until written, the change
 * recorded is what the copy is, and only the latest change is written.
 */
class JournalBridgeCopiesTest {
  private static final UUID OWNER = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final SessionId ID = SessionId.of("chat-1767225600000-copies01");

  @TempDir Path dir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private SqliteJournal disk;
  private JournalBridge bridge;

  private JournalBridge bridge() {
    disk = SqliteJournal.builder().path(dir.resolve("journal.db")).clock(clock).build();
    bridge = JournalBridge.over(disk, clock, Duration.ofDays(7), 1L << 28);
    return bridge;
  }

  @AfterEach
  void close() {
    disk.close();
  }

  private static ChatSession atVersion(long version) {
    return ChatSession.empty(ID, OWNER).withVersion(version);
  }

  @Test
  void aCopyRecordedAndNotYetWritten_isTheCopyReadersGet() {
    JournalBridge copies = bridge();

    copies.keepLocalCopy(atVersion(3));

    assertThat(disk.snapshot(ID.value())).isEmpty();
    assertThat(copies.localCopy(ID, OWNER))
        .hasValueSatisfying(c -> assertThat(c.version()).isEqualTo(3));
    assertThat(copies.localCopyOwner(ID)).contains(OWNER);
  }

  @Test
  void aDropRecordedAndNotYetWritten_hidesTheCopyOnDisk() {
    JournalBridge copies = bridge();
    copies.keepLocalCopy(atVersion(3));
    copies.settleLocalCopy(ID);

    copies.dropLocalCopy(ID);

    assertThat(disk.snapshot(ID.value())).isPresent();
    assertThat(copies.localCopy(ID, OWNER)).isEmpty();
    assertThat(copies.localCopyOwner(ID)).isEmpty();
  }

  @Test
  void onlyTheLatestChange_isWritten() {
    JournalBridge copies = bridge();
    copies.keepLocalCopy(atVersion(3));
    copies.keepLocalCopy(atVersion(4));
    copies.dropLocalCopy(ID);
    copies.keepLocalCopy(atVersion(5));

    copies.settleLocalCopy(ID);

    assertThat(disk.snapshot(ID.value()))
        .hasValueSatisfying(copy -> assertThat(copy.version()).isEqualTo(5));
    assertThat(copies.copyChangedSince(ID, 0)).isFalse();
  }

  @Test
  void aChangeRecordedAfterAMark_isSeenSinceIt_andOneBeforeIsNot() {
    JournalBridge copies = bridge();
    copies.keepLocalCopy(atVersion(3));
    long mark = copies.copyMark();

    assertThat(copies.copyChangedSince(ID, mark)).isFalse();
    copies.keepLocalCopy(atVersion(4));
    assertThat(copies.copyChangedSince(ID, mark)).isTrue();
  }
}
