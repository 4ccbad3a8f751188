package dev.codebasechat.springai;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.SupabaseUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The stores of one test over one Supabase, closed after it (each store is one instance). */
final class Backend implements AutoCloseable {
  private final SupabaseUnderTest supabase;
  private final List<AutoCloseable> open = new ArrayList<>();

  Backend(SupabaseUnderTest supabase) {
    this.supabase = supabase;
  }

  SupabaseUnderTest supabase() {
    return supabase;
  }

  Caller newCaller() {
    UUID user = UUID.randomUUID();
    return new Caller(user, AccessToken.of(supabase.tokenFor(user)));
  }

  SessionStore open() {
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
