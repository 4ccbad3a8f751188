package dev.codebasechat.session;

import static org.awaitility.Awaitility.await;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;

/**
 * A store over a {@link FakeSupabase}, on a manual clock and scheduler: timers only fire when a
 * test moves time; HTTP runs for real against the fake.
 */
final class StoreFixture implements AutoCloseable {
  static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");

  private final java.util.function.Function<UUID, String> tokens;
  final ManualClock clock;
  final ManualScheduler scheduler;
  final OkHttpClient http;

  /** Every request the store sent, as {@code METHOD /path}, in order (retries included). */
  final List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();

  final PostgrestClient client;
  final SessionStore store;

  StoreFixture(FakeSupabase fake, ManualClock clock, UnaryOperator<SessionStore.Builder> options) {
    this(fake, clock, Duration.ofSeconds(5), options);
  }

  StoreFixture(
      FakeSupabase fake,
      ManualClock clock,
      Duration readTimeout,
      UnaryOperator<SessionStore.Builder> options) {
    this(fake.restUrl(), fake.apiKey(), fake::tokenFor, clock, readTimeout, options);
  }

  /**
   * A store over the PostgREST-compatible server on real SQL; the store's clock is manual, the
   * database's is its own.
   */
  StoreFixture(
      dev.codebasechat.testing.SupabaseTestServer server,
      ManualClock clock,
      UnaryOperator<SessionStore.Builder> options) {
    this(
        server.restUrl(), server.apiKey(), server::tokenFor, clock, Duration.ofSeconds(5), options);
  }

  private StoreFixture(
      String restUrl,
      String apiKey,
      java.util.function.Function<UUID, String> tokens,
      ManualClock clock,
      Duration readTimeout,
      UnaryOperator<SessionStore.Builder> options) {
    this.tokens = tokens;
    this.clock = clock;
    this.scheduler = new ManualScheduler(clock);
    this.http =
        new OkHttpClient.Builder()
            .addNetworkInterceptor(
                chain -> {
                  sent.add(chain.request().method() + " " + chain.request().url().encodedPath());
                  return chain.proceed(chain.request());
                })
            .build();
    this.client =
        PostgrestClient.builder()
            .okHttpClient(http)
            .restUrl(restUrl)
            .apiKey(ApiKey.of(apiKey))
            .connectTimeout(Duration.ofSeconds(1))
            .readTimeout(readTimeout)
            .callTimeout(readTimeout.multipliedBy(2))
            .build();
    Resilience resilience =
        Resilience.builder()
            .jitter(0)
            .maxAttempts(2)
            .initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofSeconds(2))
            .minimumCalls(4)
            .slidingWindow(8)
            .openDuration(Duration.ofSeconds(5))
            .build();
    this.store =
        options
            .apply(
                SessionStore.builder(client)
                    .clock(clock)
                    .scheduler(scheduler)
                    .resilience(resilience))
            .build();
  }

  Caller caller(UUID user) {
    return new Caller(user, AccessToken.of(tokens.apply(user)));
  }

  ChatMessage message(String id) {
    return new ChatMessage(
        MessageId.of(id), Role.USER, "text of " + id, clock.instant(), Optional.empty());
  }

  List<ChatMessage> messages(String prefix, int count) {
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(message(prefix + "-" + i));
    }
    return out;
  }

  static SessionId sessionId(String suffix) {
    return SessionId.of("chat-1767225600000-" + suffix);
  }

  void advanceMillis(long millis) {
    scheduler.advance(Duration.ofMillis(millis));
  }

  /**
   * Moves time task by task (waiting for HTTP answers in between) until {@code done} holds, or
   * fails after {@code maxFakeTime} of fake time.
   */
  void driveUntil(BooleanSupplier done, Duration maxFakeTime) {
    Instant limit = clock.instant().plus(maxFakeTime);
    while (!done.getAsBoolean()) {
      scheduler.runDueTasks();
      awaitNoHttpInFlight();
      if (done.getAsBoolean()) {
        return;
      }
      if (scheduler.pendingTaskCount() == 0) {
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(2))
            .until(() -> done.getAsBoolean() || scheduler.pendingTaskCount() > 0);
        continue;
      }
      Duration next = scheduler.nextDelay().orElse(Duration.ZERO);
      if (clock.instant().plus(next).isAfter(limit)) {
        throw new AssertionError("not done within " + maxFakeTime + " of fake time");
      }
      scheduler.advance(next.isNegative() ? Duration.ZERO : next);
    }
  }

  /**
   * A blocking call of the store, with time moved for it while nothing of it is in flight ({@link
   * ManualScheduler#callWhileAdvancing}); at most a minute of fake time.
   */
  <T> T blocking(java.util.concurrent.Callable<T> call) {
    return scheduler.callWhileAdvancing(
        call, Duration.ofMinutes(1), () -> http.dispatcher().runningCallsCount() == 0);
  }

  /**
   * The future's value once it completes, moving time as needed (retries wait on the manual
   * scheduler); a failure is rethrown unwrapped, as the store's blocking methods do.
   */
  <T> T resolve(CompletableFuture<T> future) {
    driveUntil(future::isDone, Duration.ofMinutes(10));
    return FutureResults.join(future);
  }

  /**
   * The failure {@code future} ends with (unwrapped), moving time as needed; fails if it succeeds.
   */
  Throwable failureOf(CompletableFuture<?> future) {
    driveUntil(future::isDone, Duration.ofMinutes(10));
    Throwable failure = future.handle((value, error) -> error).join();
    if (failure == null) {
      throw new AssertionError("expected a failure but got " + future.join());
    }
    return FutureResults.unwrap(failure);
  }

  /** Drives time until every acknowledged write is confirmed. */
  void drainAll() {
    driveUntil(
        () -> store.pendingSessions().isEmpty() && scheduler.pendingTaskCount() == 0,
        Duration.ofMinutes(10));
  }

  /** Runs the write-behind for {@code fakeTime}, task by task. */
  void runFor(Duration fakeTime) {
    Instant end = clock.instant().plus(fakeTime);
    while (true) {
      scheduler.runDueTasks();
      awaitNoHttpInFlight();
      Optional<Duration> next = scheduler.nextDelay();
      if (next.isEmpty() || clock.instant().plus(next.get()).isAfter(end)) {
        scheduler.advance(Duration.between(clock.instant(), end));
        return;
      }
      scheduler.advance(next.get().isNegative() ? Duration.ZERO : next.get());
    }
  }

  /** Waits until no request is in flight: its answer has been handled, whatever it scheduled. */
  void awaitNoHttpInFlight() {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(1))
        .until(
            () ->
                http.dispatcher().runningCallsCount() == 0
                    && http.dispatcher().queuedCallsCount() == 0);
  }

  @Override
  public void close() {
    client.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
