package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.e2e.GatewayProcess;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chat-gateway serve} as a real process on the embedded default: SIGTERM stops it gracefully
 * with exit 0 and the flush report; a taken port exits 1, invalid settings exit 2 listing every
 * problem. Supabase mode's processes run over real SQL in {@code dev.codebasechat.e2e}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServeProcessTest {
  static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @TempDir Path dataDir;

  private final List<GatewayProcess> children = new ArrayList<>();

  @AfterEach
  void killLeftoversAndScanTheirOutput() {
    // The children log to their own stdout/stderr, out of the suite's log scan: close() scans them.
    children.forEach(GatewayProcess::close);
  }

  private GatewayProcess serve(Map<String, String> env) {
    GatewayProcess child = GatewayProcess.launch(env);
    children.add(child);
    return child;
  }

  @Test
  void embedded_sigterm_exitsZeroAfterReportingTheFlush() throws InterruptedException {
    int port = GatewayProcess.freePort();
    GatewayProcess child =
        serve(Map.of("PORT", Integer.toString(port), "DATA_DIR", dataDir.toString()));
    child.awaitListening();
    assertThat(child.output()).contains("mode embedded").contains(dataDir.toString());
    GatewayClient client = new GatewayClient(port);
    String token = EmbeddedGatewayTest.token(dataDir, ALICE);
    String id = client.post("/v1/sessions", token, "").json().path("id").asText();
    assertThat(
            client
                .post(
                    "/v1/sessions/" + id + "/messages",
                    token,
                    "{\"role\":\"user\",\"content\":\"hi\"}")
                .status())
        .isEqualTo(200);

    assertThat(child.sigterm()).isZero();

    assertThat(child.output())
        .as(child.errors())
        .contains("chat-gateway stopped: every acknowledged write is confirmed");
    assertThat(child.output() + child.errors()).doesNotContain(token).doesNotContain("Exception");
  }

  @Test
  void portAlreadyTaken_exitsOneWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      GatewayProcess child =
          serve(
              Map.of(
                  "PORT", Integer.toString(taken.getLocalPort()), "DATA_DIR", dataDir.toString()));

      assertThat(child.awaitExit()).isEqualTo(1);
      assertThat(child.errors())
          .contains(
              "chat-gateway: could not start: port " + taken.getLocalPort() + " is already in use")
          .doesNotContain("BindException")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void invalidSettings_exitTwo_listingEveryProblem_withoutAStackTrace()
      throws InterruptedException {
    GatewayProcess child =
        serve(
            Map.of(
                "PORT", "eighty",
                "GATEWAY_DEBOUNCE_MS", "0",
                "SUPABASE_URL", "ftp://example.com",
                "SUPABASE_ANON_KEY", "a-key-that-must-not-be-echoed",
                "GATEWAY_TYPO", "1",
                "DATA_DIR", dataDir.toString()));

    assertThat(child.awaitExit()).isEqualTo(2);
    assertThat(child.errors())
        .contains("invalid settings")
        .contains("PORT")
        .contains("GATEWAY_DEBOUNCE_MS")
        .contains("SUPABASE_URL")
        .contains("GATEWAY_TYPO")
        .doesNotContain("a-key-that-must-not-be-echoed")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }
}
