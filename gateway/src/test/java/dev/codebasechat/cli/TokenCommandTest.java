package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.auth.InvalidTokenException;
import dev.codebasechat.auth.LocalJwtSecret;
import dev.codebasechat.auth.SupabaseJwtVerifier;
import dev.codebasechat.auth.VerifiedUser;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.TestSecrets;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final String JWT_SECRET =
      TestSecrets.register("a-legacy-project-jwt-secret-of-at-least-32-bytes");
  private static final String PROJECT = "https://abcdefgh.supabase.co";
  private static final String ANON_KEY = TestSecrets.register("sb_publishable_abcdefghijklmnop");

  @TempDir Path dataDir;
  private final ManualClock clock = ManualClock.startingAtEpoch2026();

  /** The secret an embedded gateway on {@code dataDir} made at its first start. */
  @BeforeEach
  void gatewayStartedOnce() {
    LocalJwtSecret.loadOrCreate(dataDir);
  }

  private Map<String, String> embedded() {
    return Map.of("DATA_DIR", dataDir.toString());
  }

  private SupabaseJwtVerifier verifierLikeTheGateway(
      Map<String, String> environment, String secret) {
    Settings settings = Settings.fromEnvironment(environment);
    return SupabaseJwtVerifier.builder()
        .jwtSecret(secret)
        .issuer(settings.tokenIssuer())
        .clock(clock)
        .build();
  }

  @Test
  void token_embedded_printsOnlyATokenTheGatewayAcceptsForThatUser() throws Exception {
    Cli.Result result = Cli.run(embedded(), clock, "token", "--user", ALICE.toString());

    assertThat(result.exitCode()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\R");
    String secret = LocalJwtSecret.loadOrCreate(dataDir).value();
    VerifiedUser user = verifierLikeTheGateway(embedded(), secret).verify(result.out().strip());
    assertThat(user.userId()).isEqualTo(ALICE);
    assertThat(SignedJWT.parse(result.out().strip()).getJWTClaimsSet().getIssuer())
        .isEqualTo(Settings.EMBEDDED_TOKEN_ISSUER);
  }

  @Test
  void token_withAnIssuerSetting_mintsTheIssuerTheGatewayRequires() throws Exception {
    Map<String, String> environment =
        Map.of(
            "DATA_DIR",
            dataDir.toString(),
            "SUPABASE_JWT_SECRET",
            JWT_SECRET,
            "SUPABASE_JWT_ISSUER",
            "http://127.0.0.1:54321/auth/v1");

    Cli.Result result = Cli.run(environment, clock, "token", "--user", ALICE.toString());

    assertThat(SignedJWT.parse(result.out().strip()).getJWTClaimsSet().getIssuer())
        .isEqualTo("http://127.0.0.1:54321/auth/v1");
    assertThat(
            verifierLikeTheGateway(environment, JWT_SECRET).verify(result.out().strip()).userId())
        .isEqualTo(ALICE);
  }

  @Test
  void token_embeddedTwice_usesTheSameSecretFileSoBothVerify() {
    String first = Cli.run(embedded(), clock, "token", "--user", ALICE.toString()).out().strip();
    String second = Cli.run(embedded(), clock, "token", "--user", ALICE.toString()).out().strip();

    SupabaseJwtVerifier verifier =
        verifierLikeTheGateway(embedded(), LocalJwtSecret.loadOrCreate(dataDir).value());
    assertThat(verifier.verify(first).userId()).isEqualTo(ALICE);
    assertThat(verifier.verify(second).userId()).isEqualTo(ALICE);
  }

  @Test
  void token_aJwtSecretThatCannotBeRead_exits1SayingWhy() throws java.io.IOException {
    Path other = java.nio.file.Files.createDirectory(dataDir.resolve("other"));
    Path secret = java.nio.file.Files.createDirectory(other.resolve(LocalJwtSecret.FILE_NAME));

    Cli.Result result =
        Cli.run(Map.of("DATA_DIR", other.toString()), clock, "token", "--user", ALICE.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err().strip())
        // The operating system's reason, such as "is a directory", in lower case.
        .matches(
            java.util.regex.Pattern.quote(
                    "chat-gateway token: cannot read the JWT secret file " + secret + ": ")
                + "\\p{Ll}[^\\n]*");
  }

  @Test
  void
      token_embeddedWithoutASecretInDataDir_createsNone_exits1SayingWhereItLookedAndHowToPointIt() {
    Path elsewhere = dataDir.resolve("not-the-gateways");

    Cli.Result result =
        Cli.run(
            Map.of("DATA_DIR", elsewhere.toString()), clock, "token", "--user", ALICE.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .startsWith(
            "chat-gateway token: no JWT secret at "
                + elsewhere.resolve(LocalJwtSecret.FILE_NAME).toAbsolutePath())
        .contains("DATA_DIR=/path/to/gateway/data scripts/gateway token --user <uuid>")
        .contains("scripts/serve")
        .doesNotContain("\tat ");
    assertThat(result.err().lines()).hasSize(1);
    assertThat(elsewhere).doesNotExist();
  }

  @Test
  void token_embeddedWithJwtSecret_isSignedWithThatSecret() {
    Path fresh = dataDir.resolve("fresh");
    Map<String, String> environment =
        Map.of("DATA_DIR", fresh.toString(), "SUPABASE_JWT_SECRET", JWT_SECRET);

    Cli.Result result = Cli.run(environment, clock, "token", "--user", ALICE.toString());

    assertThat(result.exitCode()).isZero();
    assertThat(
            verifierLikeTheGateway(environment, JWT_SECRET).verify(result.out().strip()).userId())
        .isEqualTo(ALICE);
    assertThat(fresh.resolve(LocalJwtSecret.FILE_NAME)).doesNotExist();
  }

  @Test
  void token_supabaseModeWithLegacySecret_carriesTheProjectsIssuer() throws Exception {
    Map<String, String> environment =
        Map.of(
            "SUPABASE_URL",
            PROJECT,
            "SUPABASE_ANON_KEY",
            ANON_KEY,
            "SUPABASE_JWT_SECRET",
            JWT_SECRET,
            "DATA_DIR",
            dataDir.toString());

    Cli.Result result = Cli.run(environment, clock, "token", "--user", ALICE.toString());

    assertThat(result.exitCode()).isZero();
    String token = result.out().strip();
    assertThat(SignedJWT.parse(token).getJWTClaimsSet().getIssuer())
        .isEqualTo(SupabaseJwtVerifier.issuerOf(URI.create(PROJECT)));
    assertThat(verifierLikeTheGateway(environment, JWT_SECRET).verify(token).userId())
        .isEqualTo(ALICE);
  }

  @Test
  void token_supabaseModeWithoutLegacySecret_exits1ExplainingTokensComeFromSupabaseAuth() {
    Map<String, String> environment =
        Map.of(
            "SUPABASE_URL", PROJECT, "SUPABASE_ANON_KEY", ANON_KEY, "DATA_DIR", dataDir.toString());

    Cli.Result result = Cli.run(environment, clock, "token", "--user", ALICE.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .startsWith("chat-gateway token: this project has no SUPABASE_JWT_SECRET")
        .contains("Supabase Auth")
        .doesNotContain("\tat ");
    assertThat(result.err().lines()).hasSize(1);
  }

  @Test
  void token_lifetime_setsTheExpiry() throws Exception {
    Cli.Result result =
        Cli.run(embedded(), clock, "token", "--user", ALICE.toString(), "--lifetime", "2h");

    Instant expiry =
        SignedJWT.parse(result.out().strip()).getJWTClaimsSet().getExpirationTime().toInstant();
    assertThat(expiry).isEqualTo(clock.instant().plus(Duration.ofHours(2)));
  }

  @Test
  void token_expiredLifetimePassed_isRefusedByTheVerifier() {
    String token =
        Cli.run(embedded(), clock, "token", "--user", ALICE.toString(), "--lifetime", "30m")
            .out()
            .strip();
    clock.advance(Duration.ofMinutes(31));

    SupabaseJwtVerifier verifier =
        verifierLikeTheGateway(embedded(), LocalJwtSecret.loadOrCreate(dataDir).value());
    assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(InvalidTokenException.class);
  }

  @Test
  void token_badUuid_exits2WithAMessageAndPrintsNoToken() {
    Cli.Result result = Cli.run(embedded(), clock, "token", "--user", "not-a-uuid");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains("--user").contains("not-a-uuid");
  }

  @Test
  void token_missingUser_exits2() {
    Cli.Result result = Cli.run(embedded(), clock, "token");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("Missing required option: '--user=<uuid>'");
  }

  @Test
  void token_lifetimeOverAWeekOrMalformed_exits2() {
    assertThat(
            Cli.run(embedded(), clock, "token", "--user", ALICE.toString(), "--lifetime", "8d")
                .exitCode())
        .isEqualTo(2);
    Cli.Result malformed =
        Cli.run(embedded(), clock, "token", "--user", ALICE.toString(), "--lifetime", "soon");
    assertThat(malformed.exitCode()).isEqualTo(2);
    assertThat(malformed.err()).contains("'soon' is not a duration");
  }

  @Test
  void token_invalidSettings_exits2NamingTheSettingWithoutItsValue() {
    String tooShort = "short-secret-value";
    Cli.Result result =
        Cli.run(
            Map.of("DATA_DIR", dataDir.toString(), "SUPABASE_JWT_SECRET", tooShort),
            clock,
            "token",
            "--user",
            ALICE.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .contains("SUPABASE_JWT_SECRET must be at least 32 bytes")
        .doesNotContain(tooShort);
    assertThat(result.out()).isEmpty();
  }

  @Test
  void token_help_documentsTheCommand() {
    Cli.Result result = Cli.run(embedded(), clock, "token", "--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .contains("TOKEN=$(scripts/gateway token --user <uuid>)")
        .contains("--lifetime");
  }
}
