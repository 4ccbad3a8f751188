package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.testing.TestSecrets;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

  private static final String SECRET =
      TestSecrets.register("s3cret-s3cret-s3cret-s3cret-s3cret-42");
  private static final String KEY = TestSecrets.register("sb_publishable_abcdefghijklmnop");

  @Test
  void noSupabaseUrl_isTheEmbeddedDefault_withDocumentedDefaults() {
    Settings settings = Settings.fromEnvironment(Map.of("PATH", "/usr/bin"));

    assertThat(settings.embedded()).isTrue();
    assertThat(settings.port()).isEqualTo(8080);
    assertThat(settings.dataDir()).isEqualTo(Path.of("data"));
    assertThat(settings.debounce()).isEqualTo(Duration.ofMillis(500));
    assertThat(settings.cacheMaxBytes()).isEqualTo(256L * 1024 * 1024);
    assertThat(settings.maxBodyBytes()).isEqualTo(1024 * 1024);
    assertThat(settings.requestThreads()).isEqualTo(16);
    assertThat(settings.cacheFreshness()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void acknowledgement_isTheJournalByDefault_theDatabaseOnRequest_andNothingElse() {
    assertThat(Settings.fromEnvironment(Map.of()).acknowledgement())
        .isEqualTo(dev.codebasechat.session.Acknowledgement.JOURNAL);
    assertThat(Settings.fromEnvironment(Map.of("GATEWAY_ACK", "database")).acknowledgement())
        .isEqualTo(dev.codebasechat.session.Acknowledgement.DATABASE);
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("GATEWAY_ACK", "sometimes")))
        .isInstanceOf(Settings.InvalidSettingsException.class)
        .hasMessageContaining("GATEWAY_ACK must be journal or database");
  }

  @Test
  void commitGrouping_isGroupedByDefault_onePerWriteOnRequest_andNothingElse() {
    assertThat(Settings.fromEnvironment(Map.of()).commitGrouping())
        .isEqualTo(dev.codebasechat.sqlite.CommitGrouping.GROUPED);
    assertThat(
            Settings.fromEnvironment(Map.of("GATEWAY_COMMIT_GROUPING", "one-per-write"))
                .commitGrouping())
        .isEqualTo(dev.codebasechat.sqlite.CommitGrouping.ONE_PER_WRITE);
    assertThatThrownBy(
            () -> Settings.fromEnvironment(Map.of("GATEWAY_COMMIT_GROUPING", "sometimes")))
        .isInstanceOf(Settings.InvalidSettingsException.class)
        .hasMessageContaining("GATEWAY_COMMIT_GROUPING must be grouped or one-per-write");
  }

  @Test
  void cacheFreshness_zeroRevalidatesEveryRead_andANegativeBoundIsRefused() {
    Settings zero = Settings.fromEnvironment(Map.of("GATEWAY_CACHE_FRESHNESS_MS", "0"));

    assertThat(zero.cacheFreshness()).isZero();
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("GATEWAY_CACHE_FRESHNESS_MS", "-1")))
        .isInstanceOf(Settings.InvalidSettingsException.class)
        .hasMessageContaining("GATEWAY_CACHE_FRESHNESS_MS must be from 0 to 3600000 but was -1");
  }

  @Test
  void supabaseMode_readsUrlKeyAndSecret() {
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "SUPABASE_URL", "https://abcd.supabase.co",
                "SUPABASE_PUBLISHABLE_KEY", KEY,
                "SUPABASE_JWT_SECRET", SECRET,
                "PORT", "9090",
                "GATEWAY_DEBOUNCE_MS", "250"));

    assertThat(settings.embedded()).isFalse();
    assertThat(settings.supabaseUrl()).contains(URI.create("https://abcd.supabase.co"));
    assertThat(settings.projectKey()).hasValueSatisfying(k -> assertThat(k.value()).isEqualTo(KEY));
    assertThat(settings.port()).isEqualTo(9090);
    assertThat(settings.debounce()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void theSupabaseClisOwnVariables_areIgnored_notRefusedAsUnknownSettings() {
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "SUPABASE_URL", "https://abcd.supabase.co",
                "SUPABASE_ANON_KEY", KEY,
                "SUPABASE_ACCESS_TOKEN", "sbp_0123456789abcdef0123456789abcdef01234567",
                "SUPABASE_DB_PASSWORD", "db-password-of-the-cli",
                "SUPABASE_PROJECT_ID", "abcd",
                "SUPABASE_PROJECT_REF", "abcd"));

    assertThat(settings.embedded()).isFalse();
    assertThat(settings.toString())
        .doesNotContain("sbp_0123456789abcdef")
        .doesNotContain("db-password-of-the-cli");
  }

  @Test
  void theVariablesKubernetesSetsForServicesNamedGatewayOrSupabase_areIgnored() {
    Map<String, String> environment = new java.util.HashMap<>();
    environment.put("GATEWAY_SERVICE_HOST", "10.96.0.13");
    environment.put("GATEWAY_SERVICE_PORT", "80");
    environment.put("GATEWAY_SERVICE_PORT_HTTP", "80");
    environment.put("GATEWAY_PORT", "tcp://10.96.0.13:80");
    environment.put("GATEWAY_PORT_80_TCP", "tcp://10.96.0.13:80");
    environment.put("GATEWAY_PORT_80_TCP_PROTO", "tcp");
    environment.put("GATEWAY_PORT_80_TCP_PORT", "80");
    environment.put("GATEWAY_PORT_80_TCP_ADDR", "10.96.0.13");
    environment.put("SUPABASE_KONG_SERVICE_HOST", "fd00:10:96::5");
    environment.put("SUPABASE_KONG_PORT", "tcp://[fd00:10:96::5]:8000");

    Settings settings = Settings.fromEnvironment(environment);

    assertThat(settings.embedded()).isTrue();
    assertThat(settings.port()).isEqualTo(8080);
  }

  @Test
  void aMistypedSetting_shapedLikeAServiceLinkName_butNotItsValue_isStillRefused() {
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("GATEWAY_PORT", "8081")))
        .hasMessageContaining("GATEWAY_PORT is not a setting this gateway knows");
  }

  @Test
  void bothServiceKeyVariables_areRefused_ratherThanOneWinningSilently() {
    String secret = TestSecrets.register("sb_secret_abcdefghijklmnop");
    String legacy = TestSecrets.register("sb_secret_qrstuvwxyzabcdef");

    assertThatThrownBy(
            () ->
                Settings.fromEnvironment(
                    Map.of(
                        "SUPABASE_URL", "https://abcd.supabase.co",
                        "SUPABASE_ANON_KEY", KEY,
                        "SUPABASE_SERVICE_ROLE_KEY", legacy,
                        "SUPABASE_SECRET_KEY", secret)))
        .isInstanceOf(Settings.InvalidSettingsException.class)
        .hasMessageContaining("set only one of SUPABASE_SERVICE_ROLE_KEY and SUPABASE_SECRET_KEY")
        .message()
        .doesNotContain(secret)
        .doesNotContain(legacy);
  }

  @Test
  void aMistypedSupabaseVariable_nearTheClisOwn_isStillRefused() {
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("SUPABASE_ACCESS_TOKENS", "sbp_x")))
        .hasMessageContaining("SUPABASE_ACCESS_TOKENS is not a setting this gateway knows");
  }

  @Test
  void aProjectKeyGivenAsTheServiceKey_isRefusedAsTheOperatorsKey_namingTheSetting_neverTheValue() {
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "SUPABASE_URL", "https://abcd.supabase.co",
                "SUPABASE_ANON_KEY", KEY,
                "SUPABASE_SERVICE_ROLE_KEY", KEY));

    assertThatThrownBy(settings::operatorServiceKey)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) must be an sb_secret_ key or a"
                + " service_role JWT")
        .hasNoCause();
  }

  @Test
  void aSecretKeyGivenAsTheAnonKey_isRefusedAsTheUsersKey_namingTheSetting_neverTheValue() {
    String secret = TestSecrets.register("sb_secret_abcdefghijklmnop");
    Settings settings =
        Settings.fromEnvironment(
            Map.of("SUPABASE_URL", "https://abcd.supabase.co", "SUPABASE_ANON_KEY", secret));

    assertThatThrownBy(settings::userApiKey)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) must be the project's anon or"
                + " publishable key, not a secret or service_role key")
        .hasNoCause();
  }

  @Test
  void aSecretKey_isTheOperatorsKey() {
    String secret = TestSecrets.register("sb_secret_abcdefghijklmnop");
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "SUPABASE_URL", "https://abcd.supabase.co",
                "SUPABASE_ANON_KEY", KEY,
                "SUPABASE_SECRET_KEY", secret));

    assertThat(settings.operatorServiceKey()).isPresent();
  }

  @Test
  void toString_neverShowsSecrets() {
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "SUPABASE_URL",
                "https://abcd.supabase.co",
                "SUPABASE_ANON_KEY",
                KEY,
                "SUPABASE_JWT_SECRET",
                SECRET));

    assertThat(settings.toString()).doesNotContain(KEY).doesNotContain(SECRET).contains("redacted");
  }

  @Test
  void everyProblem_isReportedAtOnce_namingTheSetting_neverTheSecret() {
    Map<String, String> environment =
        Map.of(
            "SUPABASE_URL", "ftp://user:pass@host/x",
            "SUPABASE_JWT_SECRET", "short-" + "x",
            "PORT", "70000",
            "GATEWAY_DEBOUNCE_MS", "soon",
            "GATEWAY_DEBOUNCE", "500",
            "SUPABASE_SERVICE_KEY", "sb_secret_zzzzzzzzzzzzzzzz");

    assertThatThrownBy(() -> Settings.fromEnvironment(environment))
        .isInstanceOf(Settings.InvalidSettingsException.class)
        .satisfies(
            e -> {
              var problems = ((Settings.InvalidSettingsException) e).problems();
              assertThat(problems)
                  .anySatisfy(
                      p ->
                          assertThat(p).startsWith("SUPABASE_URL must be an absolute http(s) URL"));
              assertThat(problems)
                  .anySatisfy(
                      p ->
                          assertThat(p).isEqualTo("SUPABASE_JWT_SECRET must be at least 32 bytes"));
              assertThat(problems)
                  .anySatisfy(
                      p -> assertThat(p).isEqualTo("PORT must be from 1 to 65535 but was 70000"));
              assertThat(problems)
                  .anySatisfy(
                      p ->
                          assertThat(p)
                              .isEqualTo(
                                  "GATEWAY_DEBOUNCE_MS must be a whole number from 1 to 60000"));
              assertThat(problems).contains("GATEWAY_DEBOUNCE is not a setting this gateway knows");
              assertThat(problems)
                  .contains("SUPABASE_SERVICE_KEY is not a setting this gateway knows");
            })
        .hasMessageNotContaining("user:pass")
        .hasMessageNotContaining("short-x")
        .hasMessageNotContaining("sb_secret_zzzz");
  }

  @Test
  void urlWithoutKey_andKeyWithoutUrl_areRefused() {
    assertThatThrownBy(
            () -> Settings.fromEnvironment(Map.of("SUPABASE_URL", "https://abcd.supabase.co")))
        .hasMessageContaining(
            "SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) is required when SUPABASE_URL is set");
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("SUPABASE_ANON_KEY", KEY)))
        .hasMessageContaining("SUPABASE_URL is required when a project key is set");
    assertThatThrownBy(
            () ->
                Settings.fromEnvironment(
                    Map.of(
                        "SUPABASE_URL",
                        "https://abcd.supabase.co",
                        "SUPABASE_ANON_KEY",
                        KEY,
                        "SUPABASE_PUBLISHABLE_KEY",
                        KEY)))
        .hasMessageContaining("set only one of SUPABASE_ANON_KEY and SUPABASE_PUBLISHABLE_KEY");
  }

  @Test
  void secretWithSurroundingWhiteSpace_isRefused() {
    assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("SUPABASE_JWT_SECRET", " " + SECRET)))
        .hasMessage(
            "invalid settings: SUPABASE_JWT_SECRET must not have leading or trailing white space");
  }

  @Test
  void malformedUrl_isRefused_withoutRepeatingIt() {
    assertThatThrownBy(
            () ->
                Settings.fromEnvironment(
                    Map.of(
                        "SUPABASE_URL",
                        "https://user:p ss@abcd.supabase.co",
                        "SUPABASE_ANON_KEY",
                        KEY)))
        .hasMessage("invalid settings: SUPABASE_URL is not a valid URL")
        .hasMessageNotContaining("p ss");
  }

  @Test
  void anApiKeyOrATokenGivenAsTheJwtSecret_isRefused_neverShown() {
    String anonKey =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiIsImlzcyI6InN1cGFiYXNlIn0"
            + ".c2lnbmF0dXJlLW9mLXRoZS1hbm9uLWtleS0wMTIz";
    for (String notASecret :
        List.of(anonKey, "sb_publishable_abcdefghijklmnopqrstuvwxyz0123456789")) {
      assertThatThrownBy(
              () ->
                  Settings.fromEnvironment(
                      Map.of(
                          "SUPABASE_URL", "https://abcd.supabase.co",
                          "SUPABASE_ANON_KEY", "sb_publishable_the-projects-own-key-0123",
                          "SUPABASE_JWT_SECRET", notASecret)))
          .isInstanceOf(Settings.InvalidSettingsException.class)
          .satisfies(
              e ->
                  assertThat(((Settings.InvalidSettingsException) e).problems())
                      .containsExactly(
                          "SUPABASE_JWT_SECRET must be the project's JWT secret, not an API key or"
                              + " a token (it has the form of one)"))
          .hasMessageNotContaining(notASecret);
    }
  }
}
