package dev.codebasechat.session.internal;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.session.SessionId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells a read that raced a confirmation of its session that its answer may miss writes the
 * confirmation released: every confirmation stamps its session with a rising number; a read takes a
 * {@link #mark()} when it starts and asks {@link #confirmedSince} when its answer arrives (then it
 * reads again). Stamps are kept {@value #KEPT_MINUTES} minutes, far longer than any read.
 * Thread-safe.
 */
public final class ConfirmationStamps {
  static final int KEPT_MINUTES = 5;

  private final AtomicLong counter = new AtomicLong();
  private final Cache<SessionId, Long> stamps;

  /** The stamps of confirmations that found or left the session gone (a delete, above all). */
  private final Cache<SessionId, Long> gone;

  /** Stamps timed by {@code ticker} (the store's clock). */
  public ConfirmationStamps(Ticker ticker) {
    this.stamps =
        CacheBuilder.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(KEPT_MINUTES))
            .ticker(ticker)
            .build();
    this.gone =
        CacheBuilder.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(KEPT_MINUTES))
            .ticker(ticker)
            .build();
  }

  /** The mark a read takes when it starts. */
  public long mark() {
    return counter.get();
  }

  /** Records that the database confirmed a write of {@code id}. */
  public void stamp(SessionId id) {
    stamps.put(id, counter.incrementAndGet());
  }

  /** Records that the database confirmed {@code id} is gone: a delete, or a write that found so. */
  public void stampGone(SessionId id) {
    long stamp = counter.incrementAndGet();
    stamps.put(id, stamp);
    gone.put(id, stamp);
  }

  /** Whether {@code id} was confirmed gone after {@code mark} was taken. */
  public boolean goneSince(SessionId id, long mark) {
    Long stamp = gone.getIfPresent(id);
    return stamp != null && stamp > mark;
  }

  /** Whether a confirmation of {@code id} landed after {@code mark} was taken. */
  public boolean confirmedSince(SessionId id, long mark) {
    Long stamp = stamps.getIfPresent(id);
    return stamp != null && stamp > mark;
  }
}
