package dev.codebasechat.langchain4j;

import dev.codebasechat.testing.FakeSupabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class OnFakeSupabaseTest extends SessionChatMemoryStoreBehaviour {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @Override
  Backend backend() {
    return Backend.of(supabase);
  }
}
