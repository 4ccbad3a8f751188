package dev.codebasechat.bench;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.FakeSupabase;
import java.time.Clock;
import java.time.Duration;
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
 * Measurement 4 (JMH): a history read of a session the store holds confirmed in its cache (50
 * messages, written through FakeSupabase and read back once, so the cache holds the database's copy
 * and nothing is pending), against a bare Guava {@code getIfPresent} returning the very same {@link
 * ChatSession} object from a cache built like the store's (weight bound, idle expiry, statistics)
 * with Guava's default ticker. Run by {@link CachedReadMeasurement}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CachedReadBenchmark {

  private FakeSupabase fake;
  private PostgrestClient client;
  private SessionStore store;
  private Caller caller;
  private SessionId id;
  private Cache<SessionId, ChatSession> bare;

  @Setup(Level.Trial)
  public void setUp() {
    fake = FakeSupabase.create().start();
    // The library's own HTTP client: close() releases its threads, so the fork can exit at once.
    client =
        PostgrestClient.builder().restUrl(fake.restUrl()).apiKey(ApiKey.of(fake.apiKey())).build();
    store = SessionStore.builder(client).build();
    caller = BenchSupport.users(fake, 1).get(0).caller();
    id = SessionId.of("chat-1767225600000-cachedread0001");
    store.append(
        caller, id, Append.of(Conversation.messages("r", 0, 50, Clock.systemUTC().instant())));
    store.flush(Duration.ofSeconds(30));
    store.history(caller, id); // from the database, now cached
    SessionRead read = store.history(caller, id);
    if (read.source() != ReadSource.CACHE
        || read.session().messageCount() != 50
        || read.hasPendingWrites()) {
      throw new IllegalStateException(
          "expected a confirmed cached session of 50 messages but read "
              + read.source()
              + " with "
              + read.session().messageCount()
              + " messages, "
              + read.pendingWrites()
              + " pending");
    }
    bare =
        CacheBuilder.newBuilder()
            .maximumWeight(SessionStore.DEFAULT_CACHE_MAXIMUM_WEIGHT_BYTES)
            .weigher((SessionId key, ChatSession session) -> 1_000)
            .expireAfterAccess(SessionStore.DEFAULT_CACHE_IDLE_EXPIRY)
            .recordStats()
            .build();
    bare.put(id, read.session());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    client.close();
    fake.close();
  }

  /** The store's synchronous read of a cached, confirmed session. */
  @Benchmark
  public SessionRead storeCachedHistory() {
    return store.history(caller, id);
  }

  /** The same object from a bare Guava cache: the floor. */
  @Benchmark
  public ChatSession bareGuavaGetIfPresent() {
    return bare.getIfPresent(id);
  }
}
