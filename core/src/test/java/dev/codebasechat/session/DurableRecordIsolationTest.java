package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.SystemTime;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.testing.FakeSupabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A durable record waits for the disk under its own session's lock only: while one session's write
 * is held inside the journal (a latch standing in for a slow sync), appends, reads and flushes of a
 * thousand other sessions complete.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DurableRecordIsolationTest {

  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final int OTHER_SESSIONS = 1_000;

  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dir;

  @Test
  void recordHeldOnADisk_blocksOnlyItsSession_whileAThousandOthersAppendReadAndFlush()
      throws Exception {
    SessionId slow = SessionId.of("chat-1767225600000-slowdisk");
    try (SqliteJournal disk = SqliteJournal.open(dir.resolve("journal.db"));
        UnreliableJournal journal = new UnreliableJournal(disk, slow.value());
        PostgrestClient client =
            PostgrestClient.builder()
                .restUrl(supabase.restUrl())
                .apiKey(ApiKey.of(supabase.apiKey()))
                .build();
        SessionStore store =
            SessionStore.builder(client).journal(journal).debounce(Duration.ofMillis(1)).build()) {
      Caller alice = new Caller(ALICE, AccessToken.of(supabase.tokenFor(ALICE)));
      journal.hold();
      CompletableFuture<AppendReceipt> held =
          CompletableFuture.supplyAsync(
              () -> store.append(alice, slow, Append.of(List.of(message("held")))));
      assertThat(journal.awaitEntered(Duration.ofSeconds(30)))
          .as("the slow record started")
          .isTrue();

      CompletableFuture<FlushReport> others =
          CompletableFuture.supplyAsync(
              () -> {
                for (int i = 0; i < OTHER_SESSIONS; i++) {
                  SessionId id = SessionId.of("chat-1767225600000-other" + i);
                  store.append(alice, id, Append.of(List.of(message("m" + i))));
                  assertThat(store.history(alice, id).session().messageCount()).isEqualTo(1);
                }
                return store.flush(Duration.ofSeconds(60));
              });

      FlushReport report = others.get(90, TimeUnit.SECONDS);
      assertThat(report.isComplete()).as("the other sessions' writes are confirmed").isTrue();
      assertThat(held).as("the held record is still waiting for its disk").isNotDone();
      assertThat(supabase.sessions()).hasSize(OTHER_SESSIONS);

      journal.release();
      assertThat(held.get(30, TimeUnit.SECONDS).accepted()).isEqualTo(1);
      assertThat(store.flush(Duration.ofSeconds(30)).isComplete()).isTrue();
      assertThat(store.recover(alice, slow).session().messages())
          .extracting(m -> m.id().value())
          .containsExactly("held");
    }
  }

  private static ChatMessage message(String id) {
    return new ChatMessage(
        MessageId.of(id), Role.USER, "text " + id, SystemTime.clock().instant(), Optional.empty());
  }
}
