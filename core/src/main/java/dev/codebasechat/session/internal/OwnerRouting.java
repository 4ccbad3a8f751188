package dev.codebasechat.session.internal;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.writebehind.internal.FlushOutcome;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * With what a pending write goes to the database: the newest token of its owner (kept in memory
 * only, {@link OwnerTokens}), else the service key under the drain's rules when the operator gave
 * one ({@link OperatorDelivery}), else nothing: the write waits for its owner, and the owner's next
 * request sends every write of theirs that waits.
 *
 * <p>Thread-safe. The service key is never used for a write whose owner has a usable token, and
 * never for anything but journaled writes.
 */
public final class OwnerRouting {

  private final OwnerTokens tokens;
  private final @Nullable OperatorDelivery operator;
  private final Outboxes outboxes;

  /** Sends a session's writes again (the write-behind's pacer); set once the pacer exists. */
  private volatile Consumer<SessionId> resume = id -> {};

  public OwnerRouting(OwnerTokens tokens, @Nullable OperatorDelivery operator, Outboxes outboxes) {
    this.tokens = tokens;
    this.operator = operator;
    this.outboxes = outboxes;
  }

  /** How the writes of an owner who is back are sent again. */
  public void resumeWith(Consumer<SessionId> resumer) {
    resume = resumer;
  }

  /** Keeps the caller's token as their newest; their writes that waited for one go now. */
  public void remember(Caller caller) {
    if (tokens.remember(caller.userId(), caller.token())) {
      resumeOwner(caller.userId());
    }
  }

  /**
   * {@link #remember} for a read: skipped while no write waits anywhere in this store, since then
   * no token is needed to send one (a write remembers its caller's token itself). Keeps a cache hit
   * to a few lookups.
   */
  public void rememberForRead(Caller caller) {
    if (!outboxes.isEmpty() || tokens.parkedOwners() > 0) {
      remember(caller);
    }
  }

  /** The owner's newest token, unless none is held or the database refused it. */
  public Optional<AccessToken> tokenOf(UUID owner) {
    return tokens.usable(owner);
  }

  /** Whether the operator configured a service-key delivery. */
  public boolean hasOperator() {
    return operator != null;
  }

  /**
   * The service-key delivery for {@code owner}'s writes: when the operator configured one, and the
   * owner's newest token is not one the database distrusted.
   */
  public Optional<OperatorDelivery> operatorFor(UUID owner) {
    return operator != null && tokens.deliverableWithoutOwner(owner)
        ? Optional.of(operator)
        : Optional.empty();
  }

  /**
   * The database refused {@code token} (401): its owner's writes wait for another token, unless a
   * newer one arrived meanwhile (then they go on).
   */
  public FlushOutcome tokenRefused(UUID owner, AccessToken token, boolean distrusted) {
    return tokens.refuse(owner, token, distrusted) ? FlushOutcome.more() : waitForToken(owner);
  }

  /** Parks the owner's writes until their next token, or sends them on if one came meanwhile. */
  public FlushOutcome waitForToken(UUID owner) {
    if (tokens.park(owner)) {
      resumeOwner(owner);
      return FlushOutcome.more();
    }
    return FlushOutcome.parked();
  }

  /**
   * Writes that wait for a token: pending writes of owners without a usable token when no service
   * key delivers them, or when the database refused the key.
   */
  public int writesWaitingForToken() {
    int waiting = 0;
    for (Outbox outbox : outboxes.all()) {
      // With the service key, only writes the database refused to deliver with it wait.
      if (tokens.usable(outbox.owner).isEmpty()
          && (operatorFor(outbox.owner).isEmpty() || tokens.isParked(outbox.owner))) {
        waiting += outbox.pendingWrites();
      }
    }
    return waiting;
  }

  /** Owners whose writes wait for their next request to bring a token. */
  public int ownersWaitingForToken() {
    return tokens.parkedOwners();
  }

  private void resumeOwner(UUID owner) {
    Consumer<SessionId> resumer = resume;
    for (Outbox outbox : outboxes.all()) {
      if (outbox.owner.equals(owner)) {
        resumer.accept(outbox.id);
      }
    }
  }
}
