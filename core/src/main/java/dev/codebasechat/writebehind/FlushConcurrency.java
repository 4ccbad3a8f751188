package dev.codebasechat.writebehind;

/**
 * How many keys (sessions) a write-behind flushes at once. Immutable.
 *
 * <ul>
 *   <li>{@link #fixed}: exactly that many, whatever the database does.
 *   <li>{@link #adaptive} (the default): a limit that starts at {@code initial} and moves between 1
 *       and {@code max} with how fast the database answers, by Netflix concurrency-limits' Vegas
 *       algorithm (the latency of flushes against the fastest seen: no queueing lets it grow,
 *       queueing shrinks it). A flush that ends in a retry (the database failed or refused it)
 *       counts as a drop and shrinks the limit, so after an outage the backlog goes out as the
 *       database shows it can take it, not all at once.
 * </ul>
 */
public sealed interface FlushConcurrency {

  /** The limit before any flush was measured. */
  int initial();

  /** The limit never exceeded. */
  int max();

  /** The default: {@code adaptive(8, 64)}. */
  FlushConcurrency DEFAULT = adaptive(8, 64);

  /**
   * Exactly {@code flushes} at once.
   *
   * @throws IllegalArgumentException if {@code flushes} is less than 1
   */
  static FlushConcurrency fixed(int flushes) {
    return new Fixed(flushes);
  }

  /**
   * Starting at {@code initial}, between 1 and {@code max} as the database's answers say.
   *
   * @throws IllegalArgumentException unless {@code 1 <= initial <= max}
   */
  static FlushConcurrency adaptive(int initial, int max) {
    return new Adaptive(initial, max);
  }

  /** {@link #fixed}. */
  record Fixed(int flushes) implements FlushConcurrency {
    public Fixed {
      if (flushes < 1) {
        throw new IllegalArgumentException(
            "concurrent flushes must be at least 1 but was " + flushes);
      }
    }

    @Override
    public int initial() {
      return flushes;
    }

    @Override
    public int max() {
      return flushes;
    }
  }

  /** {@link #adaptive}. */
  record Adaptive(int initial, int max) implements FlushConcurrency {
    public Adaptive {
      if (initial < 1 || initial > max) {
        throw new IllegalArgumentException(
            "an adaptive flush limit needs 1 <= initial <= max but was initial "
                + initial
                + ", max "
                + max);
      }
    }
  }
}
