package dev.codebasechat.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * nimbus's {@code JWKSetBasedJWKSource} with an injected clock: the cache and outage tolerance
 * below it take "now" as an argument, so this is where time enters. As there, an unknown key asks
 * the chain for a fresh set; such refreshes are limited here to one per refresh interval (a flood
 * of made-up {@code kid}s must not hammer the endpoint), and one the limit refuses answers "no such
 * key" (a bad signature), not "keys unavailable". That limit is not applied to loading a key set
 * when the chain has none to serve (none was ever fetched, or the outage tolerance ran out): after
 * such a fetch failed, one request tries again once {@link #FETCH_RETRY} has passed and the others
 * are answered "keys unavailable" meanwhile without a fetch each, so keys are found within a second
 * of the endpoint answering and a gateway under load does not send it one fetch per request.
 */
final class ClockedJwkSource implements JWKSource<SecurityContext> {
  /**
   * A key set as this source last handed it out, and since when: the chain hands out one instance
   * until it fetches another, so a new instance is a new fetch.
   */
  record Served(JWKSet keys, long sinceMillis) {}

  /** The least time between two fetches while the chain has no key set to serve. */
  static final long FETCH_RETRY = 1_000;

  private static final long NO_FAILURE = Long.MIN_VALUE;

  private final JWKSetSource<SecurityContext> source;
  private final Clock clock;
  private final long refreshIntervalMillis;
  private final AtomicReference<@Nullable Served> served = new AtomicReference<>();
  private final AtomicLong lastUnknownKeyRefresh = new AtomicLong(Long.MIN_VALUE / 2);

  /** When a fetch last failed with no key set to serve, or {@link #NO_FAILURE}. */
  private final AtomicLong failedFetchAt = new AtomicLong(NO_FAILURE);

  /** The key set the last {@link #get} on this thread selected from. */
  private final ThreadLocal<@Nullable Served> selectedHere = new ThreadLocal<>();

  /** {@code refreshIntervalMillis}: the least time between two refreshes for unknown keys. */
  ClockedJwkSource(JWKSetSource<SecurityContext> source, Clock clock, long refreshIntervalMillis) {
    this.source = source;
    this.clock = clock;
    this.refreshIntervalMillis = refreshIntervalMillis;
  }

  @Override
  public List<JWK> get(JWKSelector selector, @Nullable SecurityContext context)
      throws KeySourceException {
    long now = clock.millis();
    JWKSet cached = serving(current(now, context), now);
    List<JWK> keys = selector.select(cached);
    if (!keys.isEmpty()) {
      return keys;
    }
    long last = lastUnknownKeyRefresh.get();
    if (now - last < refreshIntervalMillis || !lastUnknownKeyRefresh.compareAndSet(last, now)) {
      return List.of();
    }
    JWKSet fresh =
        serving(
            source.getJWKSet(JWKSetCacheRefreshEvaluator.referenceComparison(cached), now, context),
            now);
    return selector.select(fresh);
  }

  /**
   * The key set the chain holds, fetched when it holds none or its time is up. While the chain has
   * none to serve, one caller per {@link #FETCH_RETRY} fetches (the one that moves {@link
   * #failedFetchAt} forward) and the others are refused at once.
   */
  private JWKSet current(long now, @Nullable SecurityContext context) throws KeySourceException {
    long failed = failedFetchAt.get();
    if (failed != NO_FAILURE
        && (now - failed < FETCH_RETRY || !failedFetchAt.compareAndSet(failed, now))) {
      throw new KeySourceException("no signing keys; the last fetch failed a moment ago");
    }
    try {
      JWKSet keys = source.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, context);
      if (failedFetchAt.get() != NO_FAILURE) {
        failedFetchAt.set(NO_FAILURE);
      }
      return keys;
    } catch (KeySourceException e) {
      failedFetchAt.set(now);
      throw e;
    }
  }

  /** The key set last handed out, if any; never fetches. */
  @Nullable Served served() {
    return served.get();
  }

  /**
   * The key set the last {@link #get} on the calling thread selected from (what a verification that
   * just ran there was checked against), then forgets it; empty when none ran since.
   */
  Optional<Served> takeSelectedHere() {
    Served selected = selectedHere.get();
    selectedHere.remove();
    return Optional.ofNullable(selected);
  }

  private JWKSet serving(JWKSet keys, long now) {
    Served current =
        served.updateAndGet(
            last -> last != null && last.keys() == keys ? last : new Served(keys, now));
    selectedHere.set(current);
    return keys;
  }
}
