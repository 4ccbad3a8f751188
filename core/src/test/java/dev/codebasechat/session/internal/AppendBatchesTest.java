package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.internal.PendingOp.IfMissing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * What a request of appends that waited together does to a missing session: it creates it when one
 * of them may, and stores nothing, failing each, when all of them are to a session found to exist.
 * The database is a sender answered by hand, so that appends wait while the first is in flight.
 */
class AppendBatchesTest {
  private static final SessionId ID = SessionId.of("chat-1767225600000-batchone");
  private static final UUID OWNER = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final AccessToken TOKEN = AccessToken.of("token-of-alice");

  /** One request the batches sent, and its answer to give. */
  private record Sent(
      PendingOp.Append append, CompletableFuture<Optional<SessionBackend.AppendAck>> answer) {
    IfMissing ifMissing() {
      return append.ifMissing();
    }
  }

  private final List<Sent> sent = new ArrayList<>();
  private final AppendBatches batches =
      new AppendBatches(
          (id, owner, token, append) -> {
            CompletableFuture<Optional<SessionBackend.AppendAck>> answer =
                new CompletableFuture<>();
            sent.add(new Sent(append, answer));
            return answer;
          });

  private static PendingOp.Append append(String content, IfMissing ifMissing) {
    return new PendingOp.Append(
        List.of(ChatMessage.user(content)), Optional.empty(), Optional.empty(), ifMissing);
  }

  private static Optional<SessionBackend.AppendAck> stored(int appended, int messageCount) {
    return Optional.of(
        new SessionBackend.AppendAck(appended, messageCount, 1, false, Optional.empty()));
  }

  @Test
  void appendsWaitingTogether_toASessionFoundToExist_areSentAsSuch_andAllFailWhenItIsMissing() {
    CompletableFuture<SessionBackend.AppendAck> first =
        batches.submit(ID, OWNER, TOKEN, append("m0", IfMissing.NOTHING));
    CompletableFuture<SessionBackend.AppendAck> second =
        batches.submit(ID, OWNER, TOKEN, append("m1", IfMissing.NOTHING));
    CompletableFuture<SessionBackend.AppendAck> third =
        batches.submit(ID, OWNER, TOKEN, append("m2", IfMissing.NOTHING));

    sent.get(0).answer().complete(stored(1, 1));
    sent.get(1).answer().complete(Optional.empty());

    assertThat(first.join().messageCount()).isEqualTo(1);
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).ifMissing()).isEqualTo(IfMissing.NOTHING);
    assertThat(sent.get(1).append().messages()).hasSize(2);
    assertNotFound(second);
    assertNotFound(third);
  }

  @Test
  void oneAppendThatMayCreate_makesTheRequestCreate_forTheAppendsWaitingWithIt() {
    batches.submit(ID, OWNER, TOKEN, append("m0", IfMissing.NOTHING));
    CompletableFuture<SessionBackend.AppendAck> found =
        batches.submit(ID, OWNER, TOKEN, append("m1", IfMissing.NOTHING));
    CompletableFuture<SessionBackend.AppendAck> creating =
        batches.submit(ID, OWNER, TOKEN, append("m2", IfMissing.CREATE));

    sent.get(0).answer().complete(stored(1, 1));
    sent.get(1).answer().complete(stored(2, 3));

    assertThat(sent.get(0).ifMissing()).isEqualTo(IfMissing.NOTHING);
    assertThat(sent.get(1).ifMissing()).isEqualTo(IfMissing.CREATE);
    assertThat(found.join().messageCount()).isEqualTo(3);
    assertThat(creating.join().messageCount()).isEqualTo(3);
  }

  @Test
  void aLoneAppendThatFindsItsSessionMissing_failsAsNotFound() {
    CompletableFuture<SessionBackend.AppendAck> lone =
        batches.submit(ID, OWNER, TOKEN, append("m0", IfMissing.NOTHING));

    sent.get(0).answer().complete(Optional.empty());

    assertNotFound(lone);
  }

  private static void assertNotFound(CompletableFuture<SessionBackend.AppendAck> append) {
    assertThat(append)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(SessionNotFoundException.class);
  }
}
