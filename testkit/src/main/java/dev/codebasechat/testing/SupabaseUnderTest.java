package dev.codebasechat.testing;

import java.util.UUID;

/**
 * What {@link FakeSupabase} and {@link SupabaseTestServer} both are to a test: a Supabase project's
 * URL and key, users' tokens, and an outage on demand. A suite written against it runs on the fake
 * and on real PostgreSQL alike (one subclass each).
 */
public interface SupabaseUnderTest {
  /** The project URL ({@code http://127.0.0.1:<port>}); PostgREST lives under {@code /rest/v1}. */
  String baseUrl();

  /** The project's public API key (sent as {@code apikey}). */
  String apiKey();

  /** An access token of {@code user} that the project accepts. */
  String tokenFor(UUID user);

  /** Every request fails as {@code outage} says until {@link #goUp()}. */
  void goDown(Outage outage);

  /** Ends an outage. */
  void goUp();
}
