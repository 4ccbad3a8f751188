package dev.codebasechat.memory;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.SupabaseUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The session stores of one test over one Supabase (each store is one instance, as a gateway
 * process would be), closed together after it: for the chat-memory adapters' suites, which run once
 * on FakeSupabase and once on PostgreSQL.
 */
public final class SessionStores implements AutoCloseable {
  private final SupabaseUnderTest supabase;
  private final List<AutoCloseable> open = new ArrayList<>();

  public SessionStores(SupabaseUnderTest supabase) {
    this.supabase = supabase;
  }

  /** A caller with a fresh user id and a token the Supabase accepts. */
  public Caller newCaller() {
    UUID user = UUID.randomUUID();
    return new Caller(user, AccessToken.of(supabase.tokenFor(user)));
  }

  /** A new store (and its client) over the Supabase, closed with the others. */
  public SessionStore open() {
    PostgrestClient client =
        PostgrestClient.builder()
            .projectUrl(supabase.baseUrl())
            .apiKey(ApiKey.of(supabase.apiKey()))
            .build();
    SessionStore store = SessionStore.builder(client).build();
    open.add(client);
    open.add(store);
    return store;
  }

  @Override
  public void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }
}
