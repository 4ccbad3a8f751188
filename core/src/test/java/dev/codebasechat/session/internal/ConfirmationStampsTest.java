package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import dev.codebasechat.session.SessionId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConfirmationStampsTest {
  private static final SessionId ONE = SessionId.of("chat-1737201600000-abcdef12");
  private static final SessionId TWO = SessionId.of("chat-1737201600000-abcdef34");

  private final AtomicLong nanos = new AtomicLong();
  private final ConfirmationStamps stamps =
      new ConfirmationStamps(
          new Ticker() {
            @Override
            public long read() {
              return nanos.get();
            }
          });

  @Test
  void aReadWithNoConfirmationSinceItsMark_needsNoSecondRead() {
    stamps.stamp(ONE);
    long mark = stamps.mark();

    assertThat(stamps.confirmedSince(ONE, mark)).isFalse();
  }

  @Test
  void aConfirmationAfterTheMark_isSeen() {
    long mark = stamps.mark();

    stamps.stamp(ONE);

    assertThat(stamps.confirmedSince(ONE, mark)).isTrue();
  }

  @Test
  void aConfirmationOfAnotherSession_isNotSeen() {
    long mark = stamps.mark();

    stamps.stamp(TWO);

    assertThat(stamps.confirmedSince(ONE, mark)).isFalse();
  }

  @Test
  void stampsAreForgotten_afterFiveMinutes() {
    long mark = stamps.mark();
    stamps.stamp(ONE);

    nanos.addAndGet(Duration.ofMinutes(5).toNanos());

    assertThat(stamps.confirmedSince(ONE, mark)).isFalse();
  }
}
