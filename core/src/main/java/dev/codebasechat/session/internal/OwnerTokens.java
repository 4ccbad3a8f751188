package dev.codebasechat.session.internal;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.postgrest.AccessToken;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The access tokens of the owners of pending writes, held in memory only (a token is never written
 * to disk): the newest token each owner sent, whether the database refused it, and which owners
 * have writes parked until they send another one.
 *
 * <p>The race it settles: a write parks because its owner has no usable token while, at the same
 * moment, the owner's next request brings one. Whichever comes second sees the other ({@link #park}
 * looks for a usable token after parking, {@link #remember} unparks), so parked writes never wait
 * for yet another token.
 *
 * <p>Thread-safe. Bounded: at most {@value #MAX_OWNERS} owners, each token kept 24 hours after it
 * was last sent.
 */
public final class OwnerTokens {
  static final int MAX_OWNERS = 100_000;
  private static final Duration KEPT_FOR = Duration.ofHours(24);

  /**
   * {@code distrusted}: the database refused the token as not the project's (not for its time). Its
   * owner's writes then wait for another token and are never delivered with the service key: the
   * token that brought them was accepted with key material the project does not have.
   */
  private record Held(AccessToken token, boolean refused, boolean distrusted) {}

  private final Cache<UUID, Held> tokens;
  private final Set<UUID> parked = ConcurrentHashMap.newKeySet();

  /** Tokens timed by {@code ticker} (the store's clock). */
  public OwnerTokens(Ticker ticker) {
    this.tokens =
        CacheBuilder.newBuilder()
            .maximumSize(MAX_OWNERS)
            .expireAfterWrite(KEPT_FOR)
            .ticker(ticker)
            .build();
  }

  /**
   * Keeps {@code token} as {@code owner}'s newest. Returns whether the owner had writes parked:
   * they are unparked, and the caller sends them now.
   */
  public boolean remember(UUID owner, AccessToken token) {
    Held previous = tokens.getIfPresent(owner);
    if (previous != null && previous.token().equals(token)) {
      return false;
    }
    tokens.put(owner, new Held(token, false, false));
    // The check keeps a new user's first request from scanning anything.
    return parked.remove(owner);
  }

  /** The owner's newest token, unless none is held or the database refused it. */
  public Optional<AccessToken> usable(UUID owner) {
    Held held = tokens.getIfPresent(owner);
    return held == null || held.refused() ? Optional.empty() : Optional.of(held.token());
  }

  /**
   * Records that the database refused {@code token} of {@code owner} (401), unless a newer token
   * replaced it meanwhile. Returns whether a usable token is held now (that newer one).
   */
  public boolean refuse(UUID owner, AccessToken token) {
    return refuse(owner, token, false);
  }

  /**
   * {@link #refuse(UUID, AccessToken)}; {@code distrusted}: refused as not the project's, which
   * keeps the owner's writes from the service key until another token replaces this one.
   */
  public boolean refuse(UUID owner, AccessToken token, boolean distrusted) {
    tokens
        .asMap()
        .computeIfPresent(
            owner,
            (id, current) ->
                current.token().equals(token) ? new Held(token, true, distrusted) : current);
    return usable(owner).isPresent();
  }

  /**
   * Whether the service key may deliver {@code owner}'s writes: not while the owner's newest token
   * is one the database distrusted.
   */
  public boolean deliverableWithoutOwner(UUID owner) {
    Held held = tokens.getIfPresent(owner);
    return held == null || !held.distrusted();
  }

  /**
   * Parks {@code owner}'s writes until their next token. Returns {@code true} when a usable token
   * arrived meanwhile: then nothing stays parked and the caller sends the writes now.
   */
  public boolean park(UUID owner) {
    parked.add(owner);
    return usable(owner).isPresent() && parked.remove(owner);
  }

  /** Whether {@code owner}'s writes are parked until their next token. */
  public boolean isParked(UUID owner) {
    return parked.contains(owner);
  }

  /** How many owners have writes parked until their next token. */
  public int parkedOwners() {
    return parked.size();
  }
}
