package dev.codebasechat.apisurface;

import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.SupabaseTestServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The public API of the core library, the table rules and the test kit (both artifacts) is what
 * their checked-in API files say ({@code api/*.api} in each module): a change of the surface is a
 * change of the file, visible in review.
 */
class ApiSurfaceTest {

  @Test
  void coreLibrary_publicApi_isTheCheckedInOne() throws IOException {
    ApiSurface.assertMatches(SessionStore.class, Path.of("core/api/chat-session-core.api"));
  }

  @Test
  void tableRules_publicApi_isTheCheckedInOne() throws IOException {
    ApiSurface.assertMatches(
        SessionTableRules.class, Path.of("schema/api/chat-session-schema.api"));
  }

  @Test
  void testKit_publicApi_isTheCheckedInOne() throws IOException {
    ApiSurface.assertMatches(FakeSupabase.class, Path.of("testkit/api/chat-session-testkit.api"));
  }

  @Test
  void testKitOverPostgres_publicApi_isTheCheckedInOne() throws IOException {
    ApiSurface.assertMatches(
        SupabaseTestServer.class,
        Path.of("testkit-postgres/api/chat-session-testkit-postgres.api"));
  }
}
