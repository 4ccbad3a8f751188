package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.session.internal.MissingFunction;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.MigrationRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that found the database without migration 20261207000000 (a gateway started before {@code
 * supabase db push}, or in the moment PostgREST's schema cache catches up with it) asks for "only
 * if it exists" again a while later, so the migration is used from then on without a restart. Over
 * real SQL behind the PostgREST-compatible test server, migrated while the store runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MigrationPushedWhileRunningTest {
  private static final String MIGRATION = "20261207000000_append_to_existing_sessions.sql";

  @TempDir static Path migrations;
  private static SupabaseTestServer supabase;

  @BeforeAll
  static void startWithoutTheMigration() throws IOException {
    supabase = OlderDatabases.withMigrationsBefore(MIGRATION, migrations);
  }

  @AfterAll
  static void stop() {
    supabase.close();
  }

  private static List<RecordedRequest> appendsOnlyToExisting() {
    return supabase.requests(
        (RecordedRequest r) ->
            r.isCallOf("append_chat_messages") && r.body().contains("\"p_create\""));
  }

  @Test
  void appendsOnlyToExistingSessions_areAskedForAgain_aMinuteLater_andUsedOnceThereAreAny() {
    ManualClock clock = ManualClock.startingAtEpoch2026();
    try (StoreFixture f =
        new StoreFixture(
            supabase,
            clock,
            b ->
                b.acknowledgement(Acknowledgement.DATABASE)
                    .databaseTimeout(Duration.ofSeconds(2)))) {
      Caller alice = f.caller(supabase.newUser());
      SessionId id = f.store.create(alice);
      f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m1")))));
      supabase.database().migrate(new MigrationRunner(Path.of("supabase", "migrations")));
      supabase.reloadSchema();

      f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m2")))));
      int beforeTheRecheck = appendsOnlyToExisting().size();
      clock.advance(MissingFunction.RECHECK);
      f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m3")))));
      f.resolve(f.store.appendExistingAsync(alice, id, Append.of(List.of(f.message("m4")))));

      assertThat(beforeTheRecheck).as("the refused ask, then none for a while").isEqualTo(1);
      assertThat(appendsOnlyToExisting()).hasSize(3);
      assertThat(
              supabase.queryAsOwner(
                  "select m ->> 'id' from public.codebase_chat_sessions s,"
                      + " jsonb_array_elements(s.conversation_history) m where s.session_id = ?",
                  id.value()))
          .containsExactly("m1", "m2", "m3", "m4");
      f.store.close();
    }
  }
}
