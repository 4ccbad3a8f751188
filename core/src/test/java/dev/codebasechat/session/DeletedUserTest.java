package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.SupabaseTestServer;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A user deleted from the project while their access token is still valid owns nothing: the table's
 * foreign key to {@code auth.users} refuses a session for them. The store says so in its own words
 * ({@link SessionAccessException.Reason#USER_GONE}), not as a conflict of the session, and a write
 * it had acknowledged is set aside rather than retried for ever. Over real SQL behind the
 * PostgREST-compatible test server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeletedUserTest {

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private StoreFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.store.close();
      f.close();
    }
  }

  /** A user whose token was issued, then deleted from {@code auth.users}. */
  private static UUID deletedUser() throws SQLException {
    UUID user = supabase.newUser();
    supabase.database().executeAsOwner("delete from auth.users where id = ?", user);
    return user;
  }

  @Test
  void aWriteAnsweredOnceStored_isRefusedSayingTheUserIsGone() throws SQLException {
    f = new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE));
    UUID gone = deletedUser();
    SessionId id = StoreFixture.sessionId("gone0001");

    Throwable refused =
        f.failureOf(f.store.appendAsync(f.caller(gone), id, Append.of(f.message("m1"))));

    assertThat(refused)
        .isInstanceOfSatisfying(
            SessionAccessException.class,
            access ->
                assertThat(access.reason()).isEqualTo(SessionAccessException.Reason.USER_GONE))
        .hasMessage("the user of the access token no longer exists in the project (409)");
    assertThat(
            supabase.queryOneAsOwner(
                "select count(*) from public.codebase_chat_sessions where session_id = ?",
                id.value()))
        .contains("0");
  }

  @Test
  void anAcknowledgedWriteOfAUserDeletedMeanwhile_isSetAside_notRetriedForEver()
      throws SQLException {
    f = new StoreFixture(supabase, clock, b -> b);
    UUID user = deletedUser();
    SessionId id = StoreFixture.sessionId("gone0002");

    f.store.append(f.caller(user), id, Append.of(List.of(f.message("m1"))));
    f.drainAll();

    assertThat(f.store.pendingSessions()).isEmpty();
    assertThat(f.store.setAsideWrites())
        .singleElement()
        .satisfies(
            write -> {
              assertThat(write.owner()).isEqualTo(user);
              assertThat(write.reason()).contains(SessionTableRules.OWNER_FOREIGN_KEY);
            });
  }
}
