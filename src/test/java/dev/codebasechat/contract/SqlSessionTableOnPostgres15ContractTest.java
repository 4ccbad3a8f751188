package dev.codebasechat.contract;

import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.PostgresMajor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract against the SQL of {@code supabase/migrations} on PostgreSQL 15. */
class SqlSessionTableOnPostgres15ContractTest extends SessionTableContract {
  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.builder().postgres(PostgresMajor.PG15).build();

  private PostgrestChatTable table;

  @Override
  ChatTable table() {
    if (table == null) {
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
