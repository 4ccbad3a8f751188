package com.example.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.SupabaseTestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SupportChatOnPostgresTest {
  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @Test
  void messagesReachTheTable_andRowLevelSecurity_keepsThemTheirOwners() {
    UUID alice = supabase.newUser(); // a row of auth.users, as a sign-up makes
    UUID bob = supabase.newUser();
    String token = supabase.tokenFor(alice);
    try (SupportChat chat = new SupportChat(supabase.baseUrl(), supabase.apiKey())) {
      String conversation = chat.open(alice, token);
      chat.say(alice, token, conversation, "hello");
      chat.say(alice, token, conversation, "anyone there?");
      assertThat(chat.flush(Duration.ofSeconds(10))).isTrue();

      String sql =
          "select message_count::text from public.codebase_chat_sessions where session_id = ?";
      assertThat(supabase.queryOneAsOwner(sql, conversation)).contains("2");
      assertThat(chat.conversations(alice, token)).isEqualTo(1);
      assertThat(chat.conversations(bob, supabase.tokenFor(bob))).isZero();
      assertThat(supabase.countRequests("/rest/v1/rpc/append_chat_messages")).isPositive();
    }
  }
}
