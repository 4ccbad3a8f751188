package dev.codebasechat.cli;

import static org.awaitility.Awaitility.await;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.FakeSupabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * A real {@link SessionStore} over the journal at {@code DATA_DIR/journal.db} and a {@link
 * FakeSupabase}, wired as the gateway wires it: how the operator tests produce journaled pending
 * and set-aside writes. The debounce is long, so nothing is sent before {@link #flush()} or {@link
 * #close()}; with the fake down, what close cannot send stays journaled.
 */
final class GatewayRun implements AutoCloseable {

  private final FakeSupabase fake;
  private final Clock clock = Clock.systemUTC();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final SqliteJournal journal;
  private final OkHttpClient http =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final PostgrestClient client;
  private final SessionStore store;

  GatewayRun(FakeSupabase fake, Path dataDir) {
    this.fake = fake;
    this.journal = SqliteJournal.builder().path(dataDir.resolve("journal.db")).build();
    this.client =
        PostgrestClient.builder()
            .okHttpClient(http)
            .restUrl(fake.restUrl())
            .apiKey(ApiKey.of(fake.apiKey()))
            .build();
    this.store =
        SessionStore.builder(client)
            .journal(journal)
            .clock(clock)
            .scheduler(scheduler)
            .resilience(
                Resilience.builder()
                    .maxAttempts(2)
                    .initialBackoff(Duration.ofMillis(10))
                    .maxBackoff(Duration.ofMillis(20))
                    .build())
            .debounce(Duration.ofMinutes(10))
            .closeTimeout(Duration.ofMillis(300))
            .build();
  }

  Caller caller(UUID user) {
    return new Caller(user, AccessToken.of(fake.tokenFor(user)));
  }

  void append(UUID user, String sessionId, String... messageIds) {
    store.append(caller(user), SessionId.of(sessionId), Append.of(messages(messageIds)));
  }

  /** An append to a session that must exist (as the REST route sends it). */
  void appendExisting(UUID user, String sessionId, String... messageIds) {
    store.appendExisting(caller(user), SessionId.of(sessionId), Append.of(messages(messageIds)));
  }

  private List<ChatMessage> messages(String... messageIds) {
    List<ChatMessage> messages = new ArrayList<>();
    for (String id : messageIds) {
      messages.add(
          new ChatMessage(
              MessageId.of(id), Role.USER, "text of " + id, clock.instant(), Optional.empty()));
    }
    return messages;
  }

  SessionRead history(UUID user, String sessionId) {
    return store.history(caller(user), SessionId.of(sessionId));
  }

  void updateContext(UUID user, String sessionId, ContextUpdate update) {
    store.updateContext(caller(user), SessionId.of(sessionId), update);
  }

  void clear(UUID user, String sessionId) {
    store.clear(caller(user), SessionId.of(sessionId));
  }

  void delete(UUID user, String sessionId) {
    store.delete(caller(user), SessionId.of(sessionId));
  }

  FlushReport flush() {
    return store.flush(Duration.ofSeconds(10));
  }

  /**
   * Closes the store, then waits until no retry is scheduled and no request is in flight, so
   * nothing reaches the fake after this returns (a test may bring it back up next).
   */
  @Override
  public void close() {
    store.close();
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the store's scheduler did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> http.dispatcher().runningCallsCount() == 0);
    journal.close();
    client.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
