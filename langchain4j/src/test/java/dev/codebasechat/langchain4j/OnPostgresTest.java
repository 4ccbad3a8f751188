package dev.codebasechat.langchain4j;

import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.SupabaseUnderTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same behaviour on PostgreSQL with the project's migrations and Row Level Security. */
class OnPostgresTest extends SessionChatMemoryStoreBehaviour {
  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @Override
  SupabaseUnderTest supabase() {
    return supabase;
  }
}
