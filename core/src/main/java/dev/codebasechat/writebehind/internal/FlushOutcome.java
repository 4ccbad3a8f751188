package dev.codebasechat.writebehind.internal;

import java.time.Duration;

/**
 * What one flush of a key's pending writes achieved; tells the {@link WritePacer} what to do next
 * with that key.
 */
public sealed interface FlushOutcome {

  /** Everything that was pending when the flush started is confirmed. */
  static FlushOutcome done() {
    return Done.INSTANCE;
  }

  /** Part was sent and more is ready (for example a batch limit was reached): go again now. */
  static FlushOutcome more() {
    return More.INSTANCE;
  }

  /** A transient failure: try again after {@code delay}, not earlier, even if new writes arrive. */
  static FlushOutcome retryAfter(Duration delay) {
    return new RetryAfter(delay);
  }

  /**
   * Nothing can be sent until something outside changes (for example the owner presents a new
   * access token); the key waits for the next {@link WritePacer#markDirty} or {@link
   * WritePacer#resume}.
   */
  static FlushOutcome parked() {
    return Parked.INSTANCE;
  }

  /** See {@link FlushOutcome#done()}. */
  enum Done implements FlushOutcome {
    INSTANCE
  }

  /** See {@link FlushOutcome#more()}. */
  enum More implements FlushOutcome {
    INSTANCE
  }

  /** See {@link FlushOutcome#parked()}. */
  enum Parked implements FlushOutcome {
    INSTANCE
  }

  /** See {@link FlushOutcome#retryAfter(Duration)}. */
  record RetryAfter(Duration delay) implements FlushOutcome {
    public RetryAfter {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("retry delay must not be negative but was " + delay);
      }
    }
  }
}
