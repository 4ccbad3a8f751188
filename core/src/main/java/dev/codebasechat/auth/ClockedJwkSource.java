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
import org.jspecify.annotations.Nullable;

/**
 * nimbus's {@code JWKSetBasedJWKSource} with an injected clock: the cache, rate limit and outage
 * tolerance below it all take "now" as an argument, so this is where time enters. As there, an
 * unknown key asks the chain for a fresh set once; when the rate limit refuses that refresh, the
 * answer is "no such key" (a bad signature), not "keys unavailable".
 */
final class ClockedJwkSource implements JWKSource<SecurityContext> {
  private final JWKSetSource<SecurityContext> source;
  private final Clock clock;

  ClockedJwkSource(JWKSetSource<SecurityContext> source, Clock clock) {
    this.source = source;
    this.clock = clock;
  }

  @Override
  public List<JWK> get(JWKSelector selector, @Nullable SecurityContext context)
      throws KeySourceException {
    long now = clock.millis();
    JWKSet cached = source.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, context);
    List<JWK> keys = selector.select(cached);
    if (!keys.isEmpty()) {
      return keys;
    }
    try {
      JWKSet fresh =
          source.getJWKSet(JWKSetCacheRefreshEvaluator.referenceComparison(cached), now, context);
      return selector.select(fresh);
    } catch (RateLimitReachedException e) {
      return List.of();
    }
  }
}
