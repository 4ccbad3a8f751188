package dev.codebasechat.springai;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.SupabaseUnderTest;
import org.junit.jupiter.api.extension.RegisterExtension;

class OnFakeSupabaseTest extends SessionChatMemoryRepositoryBehaviour {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @Override
  SupabaseUnderTest supabase() {
    return supabase;
  }
}
