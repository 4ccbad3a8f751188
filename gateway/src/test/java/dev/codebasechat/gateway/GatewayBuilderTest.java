package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Gateway.Builder} refuses a value out of its range at once, naming it; nothing starts. */
class GatewayBuilderTest {
  @TempDir Path dataDir;

  private Gateway.Builder builder() {
    return Gateway.builder(Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString())));
  }

  @Test
  void aBlankHost_isRefused() {
    assertThatThrownBy(() -> builder().host(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host must not be blank");
  }

  @Test
  void aPortOutside0To65535_isRefused() {
    assertThatThrownBy(() -> builder().port(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be 0..65535 but was -1");
  }

  @Test
  void countsBelowOne_areRefused() {
    assertThatThrownBy(() -> builder().ioThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ioThreads must be at least 1 but was 0");
    assertThatThrownBy(() -> builder().queueSize(0))
        .hasMessage("queueSize must be at least 1 but was 0");
    assertThatThrownBy(() -> builder().maxHeaderBytes(0))
        .hasMessage("maxHeaderBytes must be at least 1 but was 0");
  }

  @Test
  void aNegativeMaxFilePages_isRefused() {
    assertThatThrownBy(() -> builder().maxFilePages(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxFilePages must be at least 0 but was -1");
  }

  @Test
  void aDrainTimeoutNotAboveZero_isRefused() {
    assertThatThrownBy(() -> builder().drainTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("drainTimeout must be positive but was PT0S");
  }

  @Test
  void aServiceKeyThatIsNoServiceKey_failsTheStart_withoutShowingIt() {
    String notAKey = "sb_publishable_not-a-secret-key-0123456789";
    Gateway.Builder builder =
        Gateway.builder(
                Settings.fromEnvironment(
                    Map.of(
                        "DATA_DIR", dataDir.toString(),
                        "SUPABASE_URL", "http://127.0.0.1:9",
                        "SUPABASE_ANON_KEY", "anon",
                        "SUPABASE_JWT_SECRET", "a-test-jwt-secret-of-at-least-32-bytes-0123",
                        "SUPABASE_SERVICE_ROLE_KEY", notAKey)))
            .host("127.0.0.1")
            .port(0);

    assertThatThrownBy(builder::start)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) must be an sb_secret_ key or a"
                + " service_role JWT")
        .hasMessageNotContaining(notAKey);
  }

  /** Where the gateway would never use the service key, a key of the wrong kind still stops it. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"with database acknowledgement", "in the embedded default"})
  void aServiceKeyThatIsNoServiceKey_failsTheStart_evenWhereItWouldNotBeUsed(String mode) {
    String notAKey = "sb_publishable_not-a-secret-key-0123456789";
    Map<String, String> environment =
        new java.util.HashMap<>(
            Map.of("DATA_DIR", dataDir.toString(), "SUPABASE_SERVICE_ROLE_KEY", notAKey));
    if (mode.equals("with database acknowledgement")) {
      environment.putAll(
          Map.of(
              "SUPABASE_URL", "http://127.0.0.1:9",
              "SUPABASE_ANON_KEY", "anon",
              "SUPABASE_JWT_SECRET", "a-test-jwt-secret-of-at-least-32-bytes-0123",
              "GATEWAY_ACK", "database"));
    }
    Gateway.Builder builder =
        Gateway.builder(Settings.fromEnvironment(environment)).host("127.0.0.1").port(0);

    assertThatThrownBy(builder::start)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) must be an sb_secret_ key or a"
                + " service_role JWT")
        .hasMessageNotContaining(notAKey);
  }
}
