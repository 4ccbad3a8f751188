package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.SystemTime;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.testing.FakeSupabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several writers on one session (tabs, devices, an agent's parallel tool results): the first read
 * after the last acknowledgement shows every acknowledged message, once, each writer's in the order
 * it wrote them, in every mode; and it is what the store of record holds. Real threads released
 * together, the store's own scheduler and the system clock, so confirmations race the appends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConcurrentWritersTest {

  private static final int WRITERS = 16;
  private static final int APPENDS_PER_WRITER = 60;
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dir;

  @Test
  void embedded_sixteenWritersOnOneSession_firstReadShowsEveryAcknowledgedMessageOnceInOrder()
      throws Exception {
    try (LocalSessionTable table =
            LocalSessionTable.builder().path(dir.resolve("sessions.db")).build();
        SessionStore store = SessionStore.embedded(table).build()) {
      Caller alice = embeddedCaller();
      SessionId id = store.create(alice);
      store.history(alice, id); // held from here on, as a session its owner just opened

      List<List<String>> acknowledged = writeConcurrently(store, alice, id);

      List<String> read = ids(store.history(alice, id));
      AcknowledgedOrder.assertEveryAcknowledgedOnceInOrder(read, acknowledged);
      assertThat(read).isEqualTo(ids(store.recover(alice, id)));
    }
  }

  /**
   * The chat-memory adapters and the compatible POST create a session under its id while another
   * request of its owner may be appending to it: the append is never hidden by the empty session
   * the create made. Real threads, many rounds (before the fix, most rounds lost the append).
   */
  @Test
  void embedded_aCreateUnderAnIdRacingAnAppend_neverHidesTheAcknowledgedAppend() throws Exception {
    try (LocalSessionTable table =
            LocalSessionTable.builder().path(dir.resolve("sessions.db")).build();
        SessionStore store = SessionStore.embedded(table).build()) {
      Caller alice = embeddedCaller();
      java.util.concurrent.ExecutorService threads =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        List<Integer> lost = new ArrayList<>();
        for (int round = 0; round < 200; round++) {
          SessionId id = SessionId.of("chat-1767225600000-race" + (100000 + round));
          java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
          java.util.concurrent.Future<?> create =
              threads.submit(
                  () -> {
                    start.await();
                    return store.create(alice, id);
                  });
          java.util.concurrent.Future<?> append =
              threads.submit(
                  () -> {
                    start.await();
                    return store.append(
                        alice, id, Append.of(ChatMessage.user("hi").withId(MessageId.of("m1"))));
                  });
          create.get(10, TimeUnit.SECONDS);
          append.get(10, TimeUnit.SECONDS);

          if (!ids(store.history(alice, id)).equals(List.of("m1"))) {
            lost.add(round);
          }
        }

        assertThat(lost).as("rounds whose read lacked the acknowledged append").isEmpty();
      } finally {
        threads.shutdownNow();
      }
    }
  }

  @Test
  void journal_sixteenWritersOnOneSession_firstReadShowsEveryAcknowledgedMessageOnceInOrder()
      throws Exception {
    supabaseStoreTest(builder -> builder.debounce(Duration.ofMillis(5)));
  }

  @Test
  void databaseAcknowledgement_sixteenWritersOnOneSession_firstReadShowsEveryMessageOnceInOrder()
      throws Exception {
    supabaseStoreTest(builder -> builder.acknowledgement(Acknowledgement.DATABASE));
  }

  private void supabaseStoreTest(Function<SessionStore.Builder, SessionStore.Builder> mode)
      throws Exception {
    try (PostgrestClient client =
            PostgrestClient.builder()
                .restUrl(supabase.restUrl())
                .apiKey(ApiKey.of(supabase.apiKey()))
                .build();
        SessionStore store = mode.apply(SessionStore.builder(client)).build()) {
      Caller alice = new Caller(ALICE, AccessToken.of(supabase.tokenFor(ALICE)));
      SessionId id = store.create(alice);
      store.history(alice, id); // held from here on, as a session its owner just opened

      List<List<String>> acknowledged = writeConcurrently(store, alice, id);

      List<String> read = ids(store.history(alice, id));
      AcknowledgedOrder.assertEveryAcknowledgedOnceInOrder(read, acknowledged);
      assertThat(store.flush(Duration.ofSeconds(30)).isComplete()).isTrue();
      assertThat(read).isEqualTo(ids(store.recover(alice, id)));
    }
  }

  /** Each writer's message ids, in the order each was acknowledged. */
  private static List<List<String>> writeConcurrently(
      SessionStore store, Caller caller, SessionId id) throws Exception {
    return AcknowledgedOrder.writeConcurrently(
        WRITERS,
        writer -> {
          List<String> acked = new ArrayList<>();
          for (int i = 0; i < APPENDS_PER_WRITER; i++) {
            ChatMessage message =
                ChatMessage.user("from " + writer)
                    .withId(MessageId.of(writer + "-" + i))
                    .withTimestamp(SystemTime.clock().instant());
            store.append(caller, id, Append.of(message));
            acked.add(message.id().value());
          }
          return acked;
        });
  }

  private static List<String> ids(SessionRead read) {
    return read.session().messages().stream().map(m -> m.id().value()).toList();
  }

  private static Caller embeddedCaller() {
    return new Caller(ALICE, AccessToken.of("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"));
  }
}
