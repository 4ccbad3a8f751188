package dev.codebasechat.testing;

/**
 * Answers held back by a fake ({@link SupabaseUnderTest#holdAnswers()}): each request is applied,
 * then its answer waits until {@link #release()}. For tests that need a request in flight for as
 * long as they say, instead of a delay that the machine may outrun or not. Thread-safe.
 */
public interface AnswerHold extends AutoCloseable {

  /** How many answers are waiting now: requests the fake has applied but not answered. */
  int waiting();

  /** Lets every held answer, and every later one, go. */
  void release();

  /** {@link #release()}. */
  @Override
  default void close() {
    release();
  }
}
