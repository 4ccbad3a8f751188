package dev.codebasechat.session.internal;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SetAsideWrite;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.writebehind.internal.FlushOutcome;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-behind's flushes: what the pacer runs when a session's writes are due. Sends the head
 * of a session's outbox with its owner's token (or as {@link OwnerRouting} says), lets the {@link
 * Ledger} apply what the database confirmed before the write leaves the outbox, releases it from
 * the journal, and hands a failure to the {@link FailurePolicy}. Sessions of one owner that are due
 * together go in one request ({@code append_chat_messages_batch}); a database without that function
 * gets one request per session, from then on.
 *
 * <p>Thread-safe: the pacer runs at most one flush of a session at a time; flushes of different
 * sessions run concurrently and share nothing but the outboxes' map and the counters.
 */
public final class WriteBehind {
  private static final Logger log = LoggerFactory.getLogger(WriteBehind.class);

  private final Outboxes outboxes;
  private final Ledger ledger;
  private final SessionBackend database;
  private final OwnerRouting routing;
  private final FailurePolicy policy;
  private final SetAsideWrites setAside;
  private final FullSessions full;
  private final WriteProgress progress;
  private final Clock clock;
  private final BooleanSupplier closing;

  /** The batch append function (migration 20261205000000). */
  private final MissingFunction appendBatch;

  /**
   * Flushes through {@code database} (guarded, without a deadline); {@code closing} tells when the
   * store is closing (failures then are expected and not logged).
   */
  public WriteBehind(
      Outboxes outboxes,
      Ledger ledger,
      SessionBackend database,
      OwnerRouting routing,
      FailurePolicy policy,
      SetAsideWrites setAside,
      FullSessions full,
      WriteProgress progress,
      Clock clock,
      BooleanSupplier closing) {
    this.outboxes = outboxes;
    this.ledger = ledger;
    this.database = database;
    this.routing = routing;
    this.policy = policy;
    this.setAside = setAside;
    this.full = full;
    this.progress = progress;
    this.clock = clock;
    this.appendBatch = new MissingFunction(clock);
    this.closing = closing;
  }

  /** Sends the oldest pending write of {@code id}. */
  public CompletableFuture<FlushOutcome> flushOne(SessionId id) {
    Outbox outbox = outboxes.get(id);
    if (outbox == null) {
      return CompletableFuture.completedFuture(FlushOutcome.done());
    }
    Optional<PendingOp> head = outbox.takeHead();
    if (head.isEmpty()) {
      outboxes.removeIfEmpty(outbox);
      return CompletableFuture.completedFuture(FlushOutcome.done());
    }
    return sendHead(outbox, head.get());
  }

  /**
   * The owner whose other sessions {@code id}'s next write can go with, in one batch request: only
   * an append, with the owner's token at hand and the batch function in the database. Anything else
   * goes alone, as a flush of its own, so that {@code FlushConcurrency} bounds the requests in
   * flight and not merely the groups.
   */
  public Optional<UUID> batchGroupOf(SessionId id) {
    Outbox outbox = outboxes.get(id);
    if (outbox == null
        || !outbox.nextIsAppend()
        || !appendBatch.worthTrying()
        || routing.tokenOf(outbox.owner).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(outbox.owner);
  }

  /**
   * Flushes sessions of one owner that came due together: the heads that are appends go in one
   * request with that owner's token, as many as one request may carry; any other head, and
   * everything when the owner has no usable token, goes as {@link #flushOne} sends it.
   */
  public CompletableFuture<Map<SessionId, FlushOutcome>> flushGroup(List<SessionId> ids) {
    Map<SessionId, CompletableFuture<FlushOutcome>> outcomes = new LinkedHashMap<>();
    List<Outbox> batched = new ArrayList<>();
    List<SessionBackend.SessionAppend> appends = new ArrayList<>();
    Optional<AccessToken> token = Optional.empty(); // the owner's: sessions are grouped by owner
    int messages = 0;
    for (SessionId id : ids) {
      Outbox outbox = outboxes.get(id);
      if (outbox != null
          && !batched.isEmpty()
          && messages + outbox.nextMessages() > PendingOp.MAX_MESSAGES_PER_REQUEST) {
        // The request is full: this one goes next, in a flush (and a flush slot) of its own,
        // rather than beside the batch as a request the flush concurrency does not count.
        outcomes.put(id, CompletableFuture.completedFuture(FlushOutcome.more()));
        continue;
      }
      Optional<PendingOp> head = outbox == null ? Optional.empty() : outbox.takeHead();
      if (outbox == null || head.isEmpty()) {
        if (outbox != null) {
          outboxes.removeIfEmpty(outbox);
        }
        outcomes.put(id, CompletableFuture.completedFuture(FlushOutcome.done()));
        continue;
      }
      Optional<AccessToken> usable = routing.tokenOf(outbox.owner);
      if (head.get() instanceof PendingOp.Append append
          && appendBatch.worthTrying()
          && usable.isPresent()
          && messages + append.messages().size() <= PendingOp.MAX_MESSAGES_PER_REQUEST) {
        token = usable;
        batched.add(outbox);
        appends.add(new SessionBackend.SessionAppend(id, append));
        messages += append.messages().size();
      } else {
        outcomes.put(id, sendHead(outbox, head.get()));
      }
    }
    CompletableFuture<Map<SessionId, FlushOutcome>> sent =
        batched.size() < 2 || token.isEmpty() // a lone append goes as flushOne sends it
            ? eachOnItsOwn(batched, appends)
            : sendBatch(batched, appends, token.get());
    return sent.thenCombine(allOf(outcomes), WriteBehind::together);
  }

  /**
   * Sends {@code op}, the outbox's taken head, with a token of its owner; without one, delivers it
   * with the service key when the operator gave one, or parks it until the owner's next token.
   */
  private CompletableFuture<FlushOutcome> sendHead(Outbox outbox, PendingOp op) {
    Optional<AccessToken> usable = routing.tokenOf(outbox.owner);
    if (usable.isEmpty()) {
      Optional<OperatorDelivery> operator = routing.operatorFor(outbox.owner);
      if (operator.isPresent()) {
        return deliverWithoutOwner(operator.get(), outbox, op);
      }
      outbox.releaseHead("waiting for a new access token of the owner");
      return CompletableFuture.completedFuture(routing.waitForToken(outbox.owner));
    }
    AccessToken token = usable.get();
    return op.send(
            database, new PendingOp.Target(outbox.id, outbox.owner, token), countingFor(outbox))
        .handle(
            (ignored, failure) ->
                failure == null
                    ? confirmed(outbox, op)
                    : failed(outbox, token, op, FutureResults.unwrap(failure)));
  }

  /**
   * The ledger's confirmations of {@code outbox}'s head, each also telling the outbox how many
   * messages the database counts once the head is in: what a receipt counts from after it leaves.
   */
  private PendingOp.Confirmations countingFor(Outbox outbox) {
    return new PendingOp.Confirmations() {
      @Override
      public void appended(
          SessionId id, UUID owner, PendingOp.Append append, SessionBackend.AppendAck ack) {
        ledger.appended(id, owner, append, ack);
        outbox.headStored(ack.messageCount());
      }

      @Override
      public void changed(
          SessionId id, UUID owner, SessionBackend.RowVersion row, PendingOp change) {
        ledger.changed(id, owner, row, change);
        outbox.headStored(row.messageCount());
      }

      @Override
      public void gone(SessionId id, UUID owner) {
        ledger.gone(id, owner);
        outbox.headStored(0);
      }

      @Override
      public void deleted(SessionId id, UUID owner) {
        ledger.deleted(id, owner);
        outbox.headStored(0);
      }
    };
  }

  /** The head is confirmed and applied to the cached copy: it leaves the outbox and the journal. */
  private FlushOutcome confirmed(Outbox outbox, PendingOp op) {
    outboxes.release(outbox.id, outbox.removeHead());
    progress.confirmed(op.weight());
    return afterHead(outbox);
  }

  private FlushOutcome failed(Outbox outbox, AccessToken token, PendingOp op, Throwable failure) {
    if (FutureResults.unwrap(failure) instanceof JournalException journalFailure) {
      return keptPending(outbox, op, journalFailure);
    }
    FailurePolicy.Decision decision = policy.ofOwnersWrite(failure, outbox.failedAttempts() + 1);
    if (decision instanceof FailurePolicy.Decision.Retry retry) {
      outbox.releaseHead(Failures.describe(failure));
      if (!retry.expected() && !closing.getAsBoolean()) {
        log.warn(
            "writes of session {} could not be sent and stay pending: {}",
            outbox.id,
            Failures.describe(failure));
      }
      return FlushOutcome.retryAfter(retry.delay());
    }
    if (decision instanceof FailurePolicy.Decision.WaitForToken wait) {
      outbox.releaseHead(wait.reason());
      boolean distrusted = Failures.isTokenDistrusted(failure);
      FlushOutcome next = routing.tokenRefused(outbox.owner, token, distrusted);
      if (distrusted && next instanceof FlushOutcome.Parked) {
        log.error(
            "writes of session {} wait for a new token of their owner, never the service key: the"
                + " database refused as not the project's a token accepted here ({}); check the"
                + " key material tokens are verified with",
            outbox.id,
            wait.reason());
      } else if (next instanceof FlushOutcome.Parked) {
        log.warn(
            "writes of session {} wait for a new token of their owner: {}",
            outbox.id,
            wait.reason());
      }
      return next;
    }
    return setAsideHead(
        outbox,
        op,
        ((FailurePolicy.Decision.SetAside) decision).reason(),
        Failures.isSessionFull(failure));
  }

  /**
   * One request, with the owner's {@code token}, for the appends of {@code batched} (taken heads of
   * one owner's outboxes, in step with {@code appends}). Each session's answer is handled as a
   * single append's; a failure of the whole request, as a failure of each.
   */
  private CompletableFuture<Map<SessionId, FlushOutcome>> sendBatch(
      List<Outbox> batched, List<SessionBackend.SessionAppend> appends, AccessToken token) {
    return database
        .appendEach(token, batched.get(0).owner, appends)
        .handle(
            (answers, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(batchAnswered(batched, appends, answers));
              }
              Throwable cause = FutureResults.unwrap(failure);
              if (Failures.isMissingFunction(cause)) {
                if (appendBatch.foundMissing()) {
                  log.warn(
                      "the database has no {} (migration 20261205000000 not applied):"
                          + " sessions of one owner are written one request each",
                      SessionCodec.APPEND_BATCH_FUNCTION);
                }
                return eachOnItsOwn(batched, appends);
              }
              Map<SessionId, FlushOutcome> outcomes = new LinkedHashMap<>();
              for (int i = 0; i < batched.size(); i++) {
                Outbox outbox = batched.get(i);
                outcomes.put(outbox.id, failed(outbox, token, appends.get(i).append(), cause));
              }
              return CompletableFuture.completedFuture(outcomes);
            })
        .thenCompose(Function.identity());
  }

  /** Each taken head of {@code batched} sent as {@link #flushOne} sends it. */
  private CompletableFuture<Map<SessionId, FlushOutcome>> eachOnItsOwn(
      List<Outbox> batched, List<SessionBackend.SessionAppend> appends) {
    Map<SessionId, CompletableFuture<FlushOutcome>> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < batched.size(); i++) {
      outcomes.put(batched.get(i).id, sendHead(batched.get(i), appends.get(i).append()));
    }
    return allOf(outcomes);
  }

  private Map<SessionId, FlushOutcome> batchAnswered(
      List<Outbox> batched,
      List<SessionBackend.SessionAppend> appends,
      Map<SessionId, SessionBackend.AppendAnswer> answers) {
    Map<SessionId, FlushOutcome> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < batched.size(); i++) {
      Outbox outbox = batched.get(i);
      PendingOp.Append append = appends.get(i).append();
      SessionBackend.AppendAnswer answer = answers.get(outbox.id);
      FlushOutcome outcome;
      if (answer instanceof SessionBackend.AppendAnswer.Stored stored) {
        try {
          ledger.appended(outbox.id, outbox.owner, append, stored.ack());
          outbox.headStored(stored.ack().messageCount());
          outcome = confirmed(outbox, append);
        } catch (JournalException e) {
          outcome = keptPending(outbox, append, e);
        }
      } else if (answer instanceof SessionBackend.AppendAnswer.Missing) {
        // The session was deleted (through another instance) after this append was accepted: the
        // delete stands, and the append is done.
        try {
          ledger.gone(outbox.id, outbox.owner);
          outbox.headStored(0);
          outcome = confirmed(outbox, append);
        } catch (JournalException e) {
          outcome = keptPending(outbox, append, e);
        }
      } else if (answer instanceof SessionBackend.AppendAnswer.Refused refused) {
        outcome =
            setAsideHead(
                outbox,
                append,
                "the database refused the append (" + refused.code() + "): " + refused.message(),
                Failures.breaksHistoryLimit(refused.code(), refused.message()));
      } else {
        int attempts = outbox.releaseHead("the database's answer left this session out");
        outcome = FlushOutcome.retryAfter(policy.afterNoAnswer(attempts));
      }
      outcomes.put(outbox.id, outcome);
    }
    return outcomes;
  }

  /**
   * Delivers {@code op}, whose owner has no usable token, with the service key under the drain's
   * rules; what it cannot deliver is set aside as the drain sets it aside, or waits for the owner
   * when the database refuses the key itself.
   */
  private CompletableFuture<FlushOutcome> deliverWithoutOwner(
      OperatorDelivery operator, Outbox outbox, PendingOp op) {
    return operator
        .deliver(outbox.id, outbox.owner, List.of(op))
        .handle(
            (result, failure) -> {
              if (failure == null) {
                return switch (result.outcome()) {
                  case DELIVERED, GONE -> {
                    try {
                      if (result.outcome() == OperatorDelivery.Outcome.GONE) {
                        ledger.deleted(
                            outbox.id, outbox.owner); // none under the id: the delete stands
                        outbox.headStored(0);
                      } else {
                        ledger.deliveredWithoutOwner(outbox.id, outbox.owner, op);
                        outbox.headStoredUncounted();
                      }
                    } catch (JournalException e) {
                      yield keptPending(outbox, op, e);
                    }
                    // Counted and applied before the release, which is what waiters watch.
                    progress.deliveredWithoutOwner(op.weight());
                    outboxes.release(outbox.id, outbox.removeHead());
                    yield afterHead(outbox);
                  }
                  case STILL_CHANGING -> {
                    int attempts =
                        outbox.releaseHead(result.reason().orElse("the row kept changing"));
                    yield FlushOutcome.retryAfter(policy.afterNoAnswer(attempts));
                  }
                  default -> {
                    yield setAsideHead(
                        outbox,
                        op,
                        result.reason().orElse(SetAsideWrite.OWNED_BY_ANOTHER_USER),
                        // REFUSED: more messages than a session holds
                        result.outcome() == OperatorDelivery.Outcome.REFUSED);
                  }
                };
              }
              Throwable cause = FutureResults.unwrap(failure);
              FailurePolicy.Decision decision =
                  policy.ofDeliveryWithoutOwner(cause, outbox.failedAttempts() + 1);
              if (decision instanceof FailurePolicy.Decision.Retry retry) {
                outbox.releaseHead(Failures.describe(cause));
                return FlushOutcome.retryAfter(retry.delay());
              }
              if (decision instanceof FailurePolicy.Decision.SetAside aside) {
                return setAsideHead(outbox, op, aside.reason(), Failures.isSessionFull(cause));
              }
              outbox.releaseHead(((FailurePolicy.Decision.WaitForToken) decision).reason());
              log.warn(
                  "writes of session {} wait for their owner; the service key was refused: {}",
                  outbox.id,
                  Failures.describe(cause));
              return routing.waitForToken(outbox.owner);
            });
  }

  /**
   * Sets the outbox's head aside for good with {@code reason}, as a refusal of the database does;
   * {@code sessionFull}: the database refused it because the session is full, which {@link
   * FullSessions} remembers (and the journal's record, for the next start).
   */
  private FlushOutcome setAsideHead(
      Outbox outbox, PendingOp op, String reason, boolean sessionFull) {
    if (sessionFull) {
      full.refused(outbox.id);
    }
    try {
      setAside.add(
          new SetAsideWrite(
              outbox.id, outbox.owner, op.kind(), op.messageIds(), reason, clock.instant()),
          op,
          sessionFull);
    } catch (JournalException e) {
      // Released without its record, the write would be gone from the disk.
      return keptPending(outbox, op, e);
    }
    outboxes.release(outbox.id, outbox.removeHead());
    ledger.setAside(outbox.id, outbox.owner);
    return afterHead(outbox);
  }

  /**
   * The database answered {@code op} (stored it, or refused it for good), but the journal could not
   * record what follows (drop a local copy it outdates, keep a set-aside record): released now, the
   * journal would be left with too little, so the write stays pending and is sent again later
   * (stored once, or refused again).
   */
  private FlushOutcome keptPending(Outbox outbox, PendingOp op, JournalException failure) {
    log.error(
        "the journal could not record what follows from a {} of session {}; it stays pending: {}",
        op.kind(),
        outbox.id,
        failure.getMessage());
    int attempts = outbox.releaseHead("the journal failed: " + failure.getMessage());
    return FlushOutcome.retryAfter(policy.afterNoAnswer(attempts));
  }

  private FlushOutcome afterHead(Outbox outbox) {
    if (outbox.isEmpty()) {
      outboxes.removeIfEmpty(outbox);
      return FlushOutcome.done();
    }
    // A backlog that was already waiting goes at once. Writes that arrived while the head was in
    // flight were marked dirty then: the pacer times them from their arrival, so a session still
    // gets at most one write per debounce window.
    return outbox.backlogPredatesLastSend() ? FlushOutcome.more() : FlushOutcome.done();
  }

  private static Map<SessionId, FlushOutcome> together(
      Map<SessionId, FlushOutcome> some, Map<SessionId, FlushOutcome> others) {
    Map<SessionId, FlushOutcome> all = new LinkedHashMap<>(some);
    all.putAll(others);
    return all;
  }

  /** The outcomes of flushes running side by side, once all of them are in. */
  private static CompletableFuture<Map<SessionId, FlushOutcome>> allOf(
      Map<SessionId, CompletableFuture<FlushOutcome>> outcomes) {
    return CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              Map<SessionId, FlushOutcome> done = new LinkedHashMap<>();
              outcomes.forEach((id, outcome) -> done.put(id, outcome.join()));
              return done;
            });
  }
}
