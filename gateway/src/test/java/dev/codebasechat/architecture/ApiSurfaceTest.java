package dev.codebasechat.architecture;

import dev.codebasechat.apisurface.ApiSurface;
import dev.codebasechat.gateway.Gateway;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The gateway module's public API is its checked-in API file: a change of it shows in review. */
class ApiSurfaceTest {

  @Test
  void gateway_publicApi_isTheCheckedInOne() throws IOException {
    ApiSurface.assertMatches(Gateway.class, Path.of("gateway/api/chat-session-gateway.api"));
  }
}
