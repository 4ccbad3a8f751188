package dev.codebasechat.gateway;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * For tests of one embedded gateway: started on a data directory of its own before each test,
 * stopped after it, with a client of it and Alice's token.
 */
abstract class OnEmbeddedGateway {
  @TempDir Path dataDir;

  Gateway gateway;
  GatewayClient client;
  String token;

  @BeforeEach
  void startTheGateway() {
    gateway = EmbeddedGatewayTest.start(dataDir);
    client = new GatewayClient(gateway.port());
    token = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
  }

  @AfterEach
  void stopTheGateway() {
    gateway.close();
  }
}
