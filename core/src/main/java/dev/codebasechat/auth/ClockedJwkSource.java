package dev.codebasechat.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * nimbus's {@code JWKSetBasedJWKSource} with an injected clock: the cache, rate limit and outage
 * tolerance below it all take "now" as an argument, so this is where time enters. As there, an
 * unknown key asks the chain for a fresh set once; when the rate limit refuses that refresh, the
 * answer is "no such key" (a bad signature), not "keys unavailable".
 */
final class ClockedJwkSource implements JWKSource<SecurityContext> {
  /**
   * A key set as this source last handed it out, and since when: the chain hands out one instance
   * until it fetches another, so a new instance is a new fetch.
   */
  record Served(JWKSet keys, long sinceMillis) {}

  private final JWKSetSource<SecurityContext> source;
  private final Clock clock;
  private final AtomicReference<@Nullable Served> served = new AtomicReference<>();

  /** The key set the last {@link #get} on this thread selected from. */
  private final ThreadLocal<@Nullable Served> selectedHere = new ThreadLocal<>();

  ClockedJwkSource(JWKSetSource<SecurityContext> source, Clock clock) {
    this.source = source;
    this.clock = clock;
  }

  @Override
  public List<JWK> get(JWKSelector selector, @Nullable SecurityContext context)
      throws KeySourceException {
    long now = clock.millis();
    JWKSet cached =
        serving(source.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, context), now);
    List<JWK> keys = selector.select(cached);
    if (!keys.isEmpty()) {
      return keys;
    }
    try {
      JWKSet fresh =
          serving(
              source.getJWKSet(
                  JWKSetCacheRefreshEvaluator.referenceComparison(cached), now, context),
              now);
      return selector.select(fresh);
    } catch (RateLimitReachedException e) {
      return List.of();
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
