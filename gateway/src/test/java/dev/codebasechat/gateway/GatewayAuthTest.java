package dev.codebasechat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.gateway.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.codebasechat.auth.SupabaseJwtVerifier;
import dev.codebasechat.auth.TestTokens;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.ManualClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Who may call: tokens signed with the project's JWKS key (ES256, served by WireMock) or the legacy
 * HS256 secret pass; every other credential is a 401 with {@code WWW-Authenticate} and a JSON body;
 * another user's session is a 404 indistinguishable from a missing one, on every route, and stays
 * unchanged. No token appears in any log line of these tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayAuthTest {
  private static final String SECRET = "another-test-jwt-secret-at-least-32-bytes-long";
  private static final ECKey EC = TestTokens.ecKey("ec-gw-1");
  private static final UUID ALICE = TestTokens.ALICE;
  private static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-000000000002");

  @RegisterExtension
  static WireMockExtension jwks =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dataDir;

  private final ManualClock clock = ManualClock.startingAtEpoch2026();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final Logger ours = (Logger) LoggerFactory.getLogger("dev.codebasechat");
  private final List<String> tokensUsed = new ArrayList<>();
  private Level previous;
  private Gateway gateway;
  private GatewayClient client;

  @BeforeEach
  void start() {
    previous = ours.getLevel();
    ours.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
    jwks.stubFor(
        get(SupabaseJwtVerifier.JWKS_PATH)
            .willReturn(okJson(new JWKSet(EC.toPublicJWK()).toString())));
    SupabaseJwtVerifier verifier =
        SupabaseJwtVerifier.builder()
            .projectUrl(URI.create(jwks.baseUrl() + "/"))
            .jwtSecret(SECRET)
            .clock(clock)
            .build();
    Settings settings =
        Settings.fromEnvironment(
            Map.of("DATA_DIR", dataDir.toString(), "SUPABASE_JWT_SECRET", SECRET));
    gateway = Gateway.builder(settings).host("127.0.0.1").port(0).verifier(verifier).start();
    client = new GatewayClient(gateway.port());
  }

  @AfterEach
  void stop() {
    gateway.close();
    root.detachAppender(logs);
    ours.setLevel(previous);
    List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    for (String token : tokensUsed) {
      String signature = token.substring(token.lastIndexOf('.') + 1);
      assertThat(lines)
          .noneMatch(
              line -> line.contains(token) || (signature.length() > 8 && line.contains(signature)));
    }
    assertThat(lines).noneMatch(line -> line.contains(SECRET));
  }

  private JWTClaimsSet.Builder claims(UUID user) {
    return TestTokens.userClaims(clock.instant()).subject(user.toString());
  }

  private String hs(UUID user) {
    return used(TestTokens.hs256(claims(user).build(), SECRET));
  }

  private String es(UUID user) {
    return used(TestTokens.es256(claims(user).build(), EC));
  }

  private String used(String token) {
    tokensUsed.add(token);
    return token;
  }

  @Test
  void es256TokenFromTheProjectJwks_isAccepted() {
    Answer answer = client.get("/v1/sessions", es(ALICE));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("sessions")).isEmpty();
  }

  @Test
  void hs256TokenSignedWithTheLegacySecret_isAccepted() {
    assertThat(client.get("/v1/sessions", hs(ALICE)).status()).isEqualTo(200);
  }

  @Test
  void jwksEndpointDown_cachedKeysStillVerify() {
    assertThat(client.get("/v1/sessions", es(ALICE)).status()).isEqualTo(200);
    jwks.stubFor(get(SupabaseJwtVerifier.JWKS_PATH).willReturn(aResponse().withStatus(503)));
    clock.advance(Duration.ofMinutes(30)); // past the cache TTL: a refresh is due and fails

    assertThat(client.get("/v1/sessions", es(ALICE)).status()).isEqualTo(200);
  }

  @Test
  void refusedCredentials_are401WithWwwAuthenticateAndJson() {
    String anonKey = TestTokens.hs256(TestTokens.projectKeyClaims("anon", clock.instant()), SECRET);
    String serviceKey =
        TestTokens.hs256(TestTokens.projectKeyClaims("service_role", clock.instant()), SECRET);
    String wrongAudience =
        TestTokens.hs256(claims(ALICE).audience("somebody-else").build(), SECRET);
    String expired =
        TestTokens.hs256(
            claims(ALICE)
                .issueTime(Date.from(clock.instant().minusSeconds(7200)))
                .expirationTime(Date.from(clock.instant().minusSeconds(3600)))
                .build(),
            SECRET);
    String notYetValid =
        TestTokens.hs256(
            claims(ALICE).notBeforeTime(Date.from(clock.instant().plusSeconds(3600))).build(),
            SECRET);
    String algNone = new PlainJWT(claims(ALICE).build()).serialize();
    String hsWithPublicKey =
        TestTokens.hs256(
            claims(ALICE).build(),
            EC.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
            EC.getKeyID());
    String forged = TestTokens.tampered(hs(ALICE));
    String otherSecret = TestTokens.hs256(claims(ALICE).build(), TestTokens.randomSecret());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("forged signature", "Bearer " + forged);
    headers.put("signed with another secret", "Bearer " + otherSecret);
    headers.put("expired", "Bearer " + expired);
    headers.put("not yet valid", "Bearer " + notYetValid);
    headers.put("wrong audience", "Bearer " + wrongAudience);
    headers.put("alg none", "Bearer " + algNone);
    headers.put("HS256 signed with the public key", "Bearer " + hsWithPublicKey);
    headers.put("anon key", "Bearer " + anonKey);
    headers.put("service key", "Bearer " + serviceKey);
    headers.put("publishable key", "Bearer sb_publishable_abcdefghijklmnopqrstuv_12345678");
    headers.put("secret key", "Bearer sb_secret_abcdefghijklmnopqrstuv_12345678");
    headers.put("not a JWT", "Bearer not-a-jwt");
    headers.put("bearer without token", "Bearer");
    headers.put("two tokens", "Bearer a.b.c d.e.f");
    headers.put("basic scheme", "Basic YWxpY2U6c2VjcmV0");
    headers.forEach((name, value) -> used(value.substring(value.indexOf(' ') + 1)));

    for (Map.Entry<String, String> header : headers.entrySet()) {
      Answer answer = rawGet("/v1/sessions", "Authorization: " + header.getValue() + "\r\n");
      assertThat(answer.status()).as(header.getKey()).isEqualTo(401);
      assertThat(answer.header("WWW-Authenticate"))
          .as(header.getKey())
          .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(answer.json().path("code").asText())
          .as(header.getKey())
          .isIn("invalid_token", "missing_token");
      assertThat(answer.json().path("error").asText()).as(header.getKey()).isNotEmpty();
      assertThat(answer.text())
          .as(header.getKey())
          .doesNotContain(header.getValue().substring(header.getValue().indexOf(' ') + 1));
    }
  }

  @Test
  void missingOrDuplicatedAuthorizationHeader_is401() {
    Answer missing = client.send("GET", "/v1/sessions", Optional.empty(), Optional.empty());
    Answer twice =
        rawGet(
            "/v1/sessions",
            "Authorization: Bearer " + hs(ALICE) + "\r\nAuthorization: Bearer " + hs(BOB) + "\r\n");

    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.header("WWW-Authenticate")).contains("Bearer");
    assertThat(missing.json())
        .isEqualTo(
            json(
                "{\"error\":\"an Authorization: Bearer <access token> header is required\",\"code\":\"missing_token\"}"));
    assertThat(twice.status()).isEqualTo(401);
    assertThat(twice.header("WWW-Authenticate").orElseThrow()).contains("invalid_request");
  }

  @Test
  void healthMetricsAndTheApiDocument_needNoToken_everythingElseDoes() {
    for (String path : List.of("/healthz", "/readyz", "/metrics", "/openapi.json")) {
      assertThat(client.send("GET", path, Optional.empty(), Optional.empty()).status())
          .as(path)
          .isEqualTo(200);
    }
    for (String path :
        List.of(
            "/v1/sessions",
            "/v1/sessions/chat-1737201600000-abcdef12",
            "/api/codebase/chat?sessionId=chat-1737201600000-abcdef12")) {
      assertThat(client.send("GET", path, Optional.empty(), Optional.empty()).status())
          .as(path)
          .isEqualTo(401);
    }
  }

  @Test
  void anotherUsersSession_isIndistinguishableFromAMissingOne_onEveryRoute_andUnchanged() {
    String alice = hs(ALICE);
    String bob = hs(BOB);
    String id =
        client.post("/v1/sessions", alice, "{\"repo\":\"acme/app\"}").json().path("id").asText();
    client.post(
        "/v1/sessions/" + id + "/messages",
        alice,
        "{\"id\":\"a1\",\"role\":\"user\",\"content\":\"private\"}");
    byte[] before = client.get("/v1/sessions/" + id, alice).body();
    OwnershipChecks.foreignSessionAnswersLikeAMissingOne(client, bob, id);

    assertThat(client.get("/v1/sessions/" + id, alice).body()).isEqualTo(before);
    assertThat(client.get("/v1/sessions", bob).json().path("sessions")).isEmpty();
  }

  @Test
  void rememberedTokenOfAHeldSession_pastItsExpiry_is401() {
    // Short-lived, so it expires while the verifier still remembers it (for the JWKS cache TTL).
    String alice =
        used(
            TestTokens.hs256(
                claims(ALICE).expirationTime(Date.from(clock.instant().plusSeconds(60))).build(),
                SECRET));
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(200);
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(200);

    clock.advance(Duration.ofSeconds(60 + 31));
    Answer late = client.get("/v1/sessions/" + id, alice);

    assertThat(late.status()).isEqualTo(401);
    assertThat(late.header("WWW-Authenticate").orElseThrow()).contains("invalid_token");
  }

  @Test
  void heldSession_withATamperedCopyOfARememberedToken_is401() {
    String alice = hs(ALICE);
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    assertThat(client.get("/v1/sessions/" + id, alice).status()).isEqualTo(200);

    Answer forged = client.get("/v1/sessions/" + id, used(TestTokens.tampered(alice)));

    assertThat(forged.status()).isEqualTo(401);
  }

  @Test
  void heldSession_readAgainAfterAnAppend_showsTheAppendedMessage() {
    String alice = hs(ALICE);
    String id = client.post("/v1/sessions", alice, "{}").json().path("id").asText();
    Answer first = client.get("/v1/sessions/" + id, alice);
    client.post(
        "/v1/sessions/" + id + "/messages",
        alice,
        "{\"id\":\"m1\",\"role\":\"user\",\"content\":\"hello\"}");

    Answer second = client.get("/v1/sessions/" + id, alice);

    assertThat(first.json().path("messageCount").asInt()).isZero();
    assertThat(second.json().path("messageCount").asInt()).isEqualTo(1);
    assertThat(second.json().path("messages").get(0).path("content").asText()).isEqualTo("hello");
    assertThat(second.header("X-Session-Source")).isPresent();
    assertThat(second.header("X-Pending-Writes")).contains("0");
  }

  private Answer rawGet(String path, String headerLines) {
    String request =
        "GET "
            + path
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + headerLines
            + "\r\n";
    return client.raw(request.getBytes(StandardCharsets.ISO_8859_1)).orElseThrow();
  }
}
