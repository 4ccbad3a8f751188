package dev.codebasechat.springai;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** What the adapter's tests need of a Supabase: FakeSupabase, or PostgreSQL behind PostgREST. */
interface Backend {
  String baseUrl();

  String apiKey();

  String tokenFor(UUID user);

  void goDown(Outage outage);

  void goUp();

  default Caller newCaller() {
    UUID user = UUID.randomUUID();
    return new Caller(user, AccessToken.of(tokenFor(user)));
  }

  /** Stores of one test, closed after it (each is one gateway instance). */
  final class Stores implements AutoCloseable {
    private final Backend backend;
    private final List<AutoCloseable> open = new ArrayList<>();

    Stores(Backend backend) {
      this.backend = backend;
    }

    SessionStore open() {
      PostgrestClient client =
          PostgrestClient.builder()
              .projectUrl(backend.baseUrl())
              .apiKey(ApiKey.of(backend.apiKey()))
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

  static Backend of(FakeSupabase fake) {
    return new Backend() {
      public String baseUrl() {
        return fake.baseUrl();
      }

      public String apiKey() {
        return fake.apiKey();
      }

      public String tokenFor(UUID user) {
        return fake.tokenFor(user);
      }

      public void goDown(Outage outage) {
        fake.goDown(outage);
      }

      public void goUp() {
        fake.goUp();
      }
    };
  }

  static Backend of(SupabaseTestServer server) {
    return new Backend() {
      public String baseUrl() {
        return server.baseUrl();
      }

      public String apiKey() {
        return server.apiKey();
      }

      public String tokenFor(UUID user) {
        return server.tokenFor(user);
      }

      public void goDown(Outage outage) {
        server.goDown(outage);
      }

      public void goUp() {
        server.goUp();
      }
    };
  }
}
