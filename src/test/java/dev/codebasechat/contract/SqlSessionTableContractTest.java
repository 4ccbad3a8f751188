package dev.codebasechat.contract;

import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.PostgresMajor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract against the SQL of {@code supabase/migrations} on PostgreSQL 17, through the
 * PostgREST-compatible test server with each user's token (RLS applies): the reference.
 */
class SqlSessionTableContractTest extends SessionTableContract {
  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.builder().postgres(PostgresMajor.PG17).build();

  private PostgrestChatTable table;

  @Override
  ChatTable table() {
    if (table == null) {
      // The database's own clock stamps rows; sequential requests see it move.
      table = new PostgrestChatTable(supabase.restUrl(), supabase.apiKey(), supabase::tokenFor, supabase::newUser, () -> {});
    }
    return table;
  }

  @AfterEach
  void close() {
    if (table != null) {
      table.close();
    }
  }
}
