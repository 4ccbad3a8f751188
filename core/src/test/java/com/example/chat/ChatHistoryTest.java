package com.example.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example of a user's test in docs/testing.md ("Against real SQL"). */
// README-EXAMPLE-START
class ChatHistoryTest {
  // Once per class: embedded PostgreSQL 17 with the project's migrations, behind a PostgREST-
  // compatible /rest/v1. Before each test: tables and users emptied, faults ended.
  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @Test
  void messagesReachTheTable_throughAnOutage_withRowLevelSecurity() {
    UUID user = supabase.newUser();
    Caller alice =
        new Caller(user, AccessToken.of(supabase.tokenFor(user))); // ES256, as Supabase Auth signs
    try (PostgrestClient client =
            PostgrestClient.builder()
                .projectUrl(supabase.baseUrl())
                .apiKey(ApiKey.of(supabase.apiKey()))
                .build();
        SessionStore store = SessionStore.builder(client).build()) {
      SessionId id = store.create(alice);
      store.append(alice, id, Append.of(ChatMessage.user("hello")));
      assertThat(store.flush(Duration.ofSeconds(10)).isComplete()).isTrue();

      supabase.failNext(2, Outage.DATABASE_UNAVAILABLE); // two 503 PGRST000, then normal service
      store.append(alice, id, Append.of(ChatMessage.assistant("hi!")));
      assertThat(store.flush(Duration.ofSeconds(10)).isComplete()).isTrue(); // retried, stored once

      String sql =
          "select message_count::text from public.codebase_chat_sessions where session_id = ?";
      assertThat(supabase.queryOneAsOwner(sql, id.value())).contains("2");
      assertThat(supabase.requests(r -> r.status() == 503)).hasSize(2);
      // Another user's token sees nothing: the policies of the migrations apply.
      String bob = supabase.tokenFor(supabase.newUser());
      assertThat(
              client
                  .as(AccessToken.of(bob))
                  .from("codebase_chat_sessions")
                  .select()
                  .execute()
                  .body())
          .isEmpty();
    }
  }
}
// README-EXAMPLE-END
