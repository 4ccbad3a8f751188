package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.operator.JournalDrain.DrainedSession;
import dev.codebasechat.operator.JournalDrain.Outcome;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.testing.ManualClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DrainProgressTest {

  private static final UUID OWNER = UUID.fromString("00000000-0000-0000-0000-00000000000a");

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final StringWriter err = new StringWriter();

  private static DrainedSession delivered(String suffix, int messages) {
    return new DrainedSession(
        SessionId.of("chat-1767225600000-" + suffix),
        OWNER,
        Outcome.DELIVERED,
        1,
        messages,
        messages,
        Optional.empty());
  }

  @Test
  void onATerminal_redrawsOneBarInPlaceWithCountsAndRate() {
    DrainCommand.Progress progress =
        new DrainCommand.Progress(new PrintWriter(err, true), clock, true);

    progress.planned(4, 40);
    clock.advance(Duration.ofSeconds(2));
    progress.finished(delivered("firstone", 10));
    clock.advance(Duration.ofSeconds(2));
    progress.finished(delivered("secondone", 10));
    progress.end();

    assertThat(err.toString())
        .isEqualTo(
            "drain: 4 sessions, 40 messages journaled"
                + System.lineSeparator()
                + "\r[#######-----------------------] 1/4 sessions, 10/40 messages, 5 msg/s"
                + "\r[###############---------------] 2/4 sessions, 20/40 messages, 5 msg/s"
                + System.lineSeparator());
  }

  @Test
  void elsewhere_writesOnePlainLinePerSessionWithItsOutcome() {
    DrainCommand.Progress progress =
        new DrainCommand.Progress(new PrintWriter(err, true), clock, false);

    progress.planned(2, 3);
    clock.advance(Duration.ofSeconds(1));
    progress.finished(delivered("firstone", 3));
    progress.finished(
        new DrainedSession(
            SessionId.of("chat-1767225600000-secondone"),
            OWNER,
            Outcome.STILL_PENDING,
            1,
            0,
            0,
            Optional.of("database unavailable")));
    progress.end();

    assertThat(err.toString().lines())
        .containsExactly(
            "drain: 2 sessions, 3 messages journaled",
            "drain: 1/2 sessions, 3/3 messages, 3 msg/s: chat-1767225600000-firstone delivered",
            "drain: 2/2 sessions, 3/3 messages, 3 msg/s: chat-1767225600000-secondone still pending (database unavailable)");
  }

  @Test
  void nothingJournaled_printsNothing() {
    DrainCommand.Progress progress =
        new DrainCommand.Progress(new PrintWriter(err, true), clock, true);

    progress.planned(0, 0);
    progress.end();

    assertThat(err.toString()).isEmpty();
  }
}
