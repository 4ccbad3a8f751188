package dev.codebasechat.bench;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.session.StoreInternals;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a caller waits for when the answer is local: a cached history read (against a bare Guava
 * lookup of the same object, the floor), a read that misses while the circuit breaker is open (it
 * must fail fast, not wait for a network timeout), and an append acknowledged in memory.
 *
 * <p>No network is involved: the store's database URL points at a closed local port and the breaker
 * is forced open where a miss would otherwise reach it. Run with {@code scripts/bench-store}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreReadBenchmark {

  private static final UUID OWNER = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  private PostgrestClient client;
  private SessionStore store;
  private RemoteGuard guard;
  private Caller caller;
  private SessionId cachedId;
  private SessionId missingId;
  private Cache<SessionId, ChatSession> bare;
  private long appendCounter;
  private final SessionId[] appendIds = new SessionId[1_000];

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    client =
        PostgrestClient.builder()
            .restUrl("http://127.0.0.1:" + closedPort + "/rest/v1")
            .apiKey(ApiKey.of("sb_publishable_benchmark_key_000000"))
            .build();
    store = SessionStore.builder(client).debounce(Duration.ofHours(1)).build();
    guard = StoreInternals.guard(store);
    caller = new Caller(OWNER, AccessToken.of(userToken()));
    cachedId = store.create(caller); // created here: its whole history is known locally
    missingId = SessionId.of("chat-1767225600000-benchmiss001");

    List<ChatMessage> history = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      history.add(
          new ChatMessage(
              MessageId.of("m" + i),
              Role.USER,
              "message text number " + i,
              Instant.EPOCH,
              Optional.empty()));
    }
    // Offline, the session lives in the pending overlay (the same path a read of an
    // unconfirmed session takes); the breaker is open, as during an outage.
    store.append(caller, cachedId, Append.of(history));
    guard.circuitBreaker().transitionToForcedOpenState();

    for (int i = 0; i < appendIds.length; i++) {
      appendIds[i] = SessionId.of(String.format("chat-1767225600000-append%06d", i));
    }
    bare = CacheBuilder.newBuilder().maximumSize(1_000).build();
    bare.put(cachedId, ChatSession.empty(cachedId, OWNER));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    guard.circuitBreaker().transitionToDisabledState();
    store.close();
    client.close();
  }

  @Benchmark
  public ChatSession bareGuavaLookup() {
    return bare.getIfPresent(cachedId);
  }

  /** A session this process holds (50 messages, created here, pending): answered locally. */
  @Benchmark
  public SessionRead localHistoryRead() {
    return store.historyAsync(caller, cachedId).join();
  }

  /** A session this process does not hold, breaker open: the "temporarily unavailable" answer. */
  @Benchmark
  public Throwable missWithBreakerOpen() {
    CompletableFuture<SessionRead> read = store.historyAsync(caller, missingId);
    return read.handle((value, failure) -> failure).join();
  }

  /** One message acknowledged (in memory; nothing is sent within the benchmark). */
  @Benchmark
  public Object appendOneMessage() {
    long n = appendCounter++;
    return store.append(
        caller,
        appendIds[(int) (n % appendIds.length)],
        Append.of(
            List.of(
                new ChatMessage(
                    MessageId.of("a" + n), Role.USER, "hi", Instant.EPOCH, Optional.empty()))));
  }

  private static String userToken() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        b64.encodeToString(
            ("{\"sub\":\"" + OWNER + "\",\"role\":\"authenticated\"}")
                .getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + ".c2ln";
  }
}
