package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.auth.DevTokenMinter;
import dev.codebasechat.testing.TestSecrets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code SUPABASE_JWT_ISSUER}: the embedded default accepts the tokens of the operator's own
 * Supabase Auth (e.g. the local CLI's {@code http://127.0.0.1:54321/auth/v1}) and no other issuer;
 * Supabase mode pins the issuer only when told; an invalid value stops start-up.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JwtIssuerSettingTest {
  private static final String SECRET =
      TestSecrets.register("the-local-supabase-cli-jwt-secret-0123456789");
  private static final String CLI_ISSUER = "http://127.0.0.1:54321/auth/v1";
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @TempDir Path dataDir;
  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private GatewayClient start(Map<String, String> env) {
    gateway = Gateway.builder(Settings.fromEnvironment(env)).host("127.0.0.1").port(0).start();
    return new GatewayClient(gateway.port());
  }

  private static String token(String issuer) {
    return TestSecrets.register(
        DevTokenMinter.create(SECRET, issuer, Clock.systemUTC()).mint(ALICE));
  }

  @Test
  void embedded_withTheIssuerOfTheOperatorsAuth_acceptsItsTokensOnly() {
    Map<String, String> env =
        new HashMap<>(Map.of("DATA_DIR", dataDir.toString(), "SUPABASE_JWT_SECRET", SECRET));
    env.put("SUPABASE_JWT_ISSUER", CLI_ISSUER);
    GatewayClient client = start(env);

    assertThat(client.get("/v1/sessions", token(CLI_ISSUER)).status()).isEqualTo(200);
    GatewayClient.Answer other = client.get("/v1/sessions", token(Settings.EMBEDDED_TOKEN_ISSUER));
    assertThat(other.status()).isEqualTo(401);
    assertThat(other.json().path("error").asText()).contains("issuer");
  }

  @Test
  void embedded_withoutTheSetting_acceptsOnlyTheTokenCommandsIssuer() {
    GatewayClient client =
        start(Map.of("DATA_DIR", dataDir.toString(), "SUPABASE_JWT_SECRET", SECRET));

    assertThat(client.get("/v1/sessions", token(Settings.EMBEDDED_TOKEN_ISSUER)).status())
        .isEqualTo(200);
    assertThat(client.get("/v1/sessions", token(CLI_ISSUER)).status()).isEqualTo(401);
  }

  @Test
  void supabaseMode_pinsTheIssuerOnlyWhenTold() {
    Map<String, String> base =
        Map.of(
            "SUPABASE_URL",
            "https://abcdefgh.supabase.co",
            "SUPABASE_ANON_KEY",
            "sb_publishable_abcdefghijklmnop");

    assertThat(Settings.fromEnvironment(base).requiredIssuer()).isEmpty();
    Map<String, String> pinned = new HashMap<>(base);
    pinned.put("SUPABASE_JWT_ISSUER", "https://auth.example.com/auth/v1");
    assertThat(Settings.fromEnvironment(pinned).requiredIssuer())
        .contains("https://auth.example.com/auth/v1");
    assertThat(Settings.fromEnvironment(pinned).tokenIssuer())
        .isEqualTo("https://auth.example.com/auth/v1");
  }

  @Test
  void invalidIssuer_stopsStartUp_namingTheSetting() {
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("SUPABASE_JWT_ISSUER", "two words")))
        .isInstanceOf(Settings.InvalidSettingsException.class)
        .hasMessageContaining("SUPABASE_JWT_ISSUER");
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("SUPABASE_JWT_ISSUER", " ")))
        .hasMessageContaining("SUPABASE_JWT_ISSUER");
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("GATEWAY_DATABASE_TIMEOUT_MS", "50")))
        .hasMessageContaining("GATEWAY_DATABASE_TIMEOUT_MS");
  }
}
