package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.internal.SessionCodec;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.SupabaseTestServer;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With journal acknowledgement, once the database refused an append as full, the store counts a
 * session's history as PostgreSQL does ({@code history_bytes}): an append that fills it to the last
 * byte is acknowledged and stored, one byte more is refused before it is acknowledged. Over real
 * SQL behind the PostgREST-compatible test server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionFullOnSqlTest {

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private StoreFixture direct;
  private StoreFixture journal;

  @AfterEach
  void close() {
    for (StoreFixture fixture : new StoreFixture[] {direct, journal}) {
      if (fixture != null) {
        fixture.store.close();
        fixture.close();
      }
    }
  }

  @Test
  void journalAcknowledgement_afterAFullRefusal_fillsTheHistoryToTheLastByte_andRefusesOneMore() {
    direct = new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE));
    journal = new StoreFixture(supabase, clock, b -> b);
    UUID user = supabase.newUser();
    Caller alice = journal.caller(user);
    SessionId id = direct.store.create(direct.caller(user));
    for (int i = 0; i < 83; i++) {
      direct.resolve(
          direct.store.appendAsync(
              direct.caller(user),
              id,
              Append.of(message("seed" + i, ChatMessage.MAX_CONTENT_LENGTH))));
    }
    journal.resolve(
        journal.store.appendAsync(
            alice, id, Append.of(message("over", ChatMessage.MAX_CONTENT_LENGTH))));
    journal.drainAll(); // the database refuses it: set aside, and the session is known full
    long room = SessionTableRules.MAX_HISTORY_BYTES - historyBytes(id);
    long emptyMessage =
        SessionTableRules.historyBytesOf(SessionCodec.messageToJson(message("last", 0)));

    AppendReceipt toTheLastByte =
        journal.resolve(
            journal.store.appendAsync(
                alice, id, Append.of(message("last", (int) (room - emptyMessage)))));
    Throwable oneByteMore =
        journal.failureOf(journal.store.appendAsync(alice, id, Append.of(message("more", 0))));
    journal.drainAll();

    assertThat(toTheLastByte.accepted()).isEqualTo(1);
    assertThat(((SessionRejectedException) oneByteMore).reason())
        .isEqualTo(SessionRejectedException.Reason.SESSION_FULL);
    assertThat(historyBytes(id)).isEqualTo(SessionTableRules.MAX_HISTORY_BYTES);
    assertThat(journal.store.setAsideWrites())
        .extracting(write -> write.messageIds().get(0).value())
        .containsExactly("over");
  }

  private ChatMessage message(String id, int contentLength) {
    return new ChatMessage(
        MessageId.of(id), Role.USER, "z".repeat(contentLength), clock.instant(), Optional.empty());
  }

  private static long historyBytes(SessionId id) {
    return Long.parseLong(
        supabase
            .queryOneAsOwner(
                "select history_bytes from public.codebase_chat_sessions where session_id = ?",
                id.value())
            .orElseThrow());
  }
}
