package dev.codebasechat.springai;

import dev.codebasechat.testing.FakeSupabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class OnFakeSupabaseTest extends SessionChatMemoryRepositoryBehaviour {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @Override
  Backend backend() {
    return Backend.of(supabase);
  }
}
