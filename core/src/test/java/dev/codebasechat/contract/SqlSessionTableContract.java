package dev.codebasechat.contract;

import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.PostgresMajor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract against the SQL of {@code supabase/migrations}, the reference: requests go through
 * the PostgREST-compatible test server with each user's token, so RLS applies; the database's own
 * clock stamps the rows (sequential requests see it move).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SqlSessionTableContract extends SessionTableContract
    implements RepeatableWritesContract {
  private SupabaseTestServer supabase;
  private PostgrestChatTable table;

  abstract PostgresMajor major();

  @BeforeAll
  void startDatabase() {
    supabase = SupabaseTestServer.builder().postgres(major()).build().start();
    table =
        new PostgrestChatTable(
            supabase.restUrl(), supabase.apiKey(), supabase::tokenFor, supabase::newUser, () -> {});
  }

  @BeforeEach
  void emptyDatabase() {
    supabase.reset();
  }

  @AfterAll
  void stopDatabase() {
    table.close();
    supabase.close();
  }

  @Override
  public PostgrestChatTable table() {
    return table;
  }
}
