package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.codebasechat.postgrest.PostgrestResponses.Version;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PostgREST's and the gateway's error answers (reference/postgrest.md §2.3–2.9) become {@link
 * PostgrestHttpException}s with the right status, code and {@link FailureKind}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PostgrestErrorTest {
  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  static Stream<Arguments> answers() {
    return Stream.of(
        row(
            "jwt expired v13",
            PostgrestResponses.jwtExpired(Version.V13),
            401,
            "PGRST303",
            FailureKind.AUTH),
        row(
            "jwt expired v12",
            PostgrestResponses.jwtExpired(Version.V12),
            401,
            "PGRST301",
            FailureKind.AUTH),
        row(
            "jwt bad signature",
            PostgrestResponses.jwtInvalid(),
            401,
            "PGRST301",
            FailureKind.AUTH),
        row(
            "anonymous disabled",
            PostgrestResponses.anonymousDisabled(),
            401,
            "PGRST302",
            FailureKind.AUTH),
        row(
            "42501 as anon",
            PostgrestResponses.anonPermissionDenied401(TABLE),
            401,
            "42501",
            FailureKind.AUTH),
        row(
            "42501 as user",
            PostgrestResponses.rlsViolation403(TABLE),
            403,
            "42501",
            FailureKind.FORBIDDEN),
        row(
            "unique violation",
            PostgrestResponses.uniqueViolation409("pk", "session_id", "s1"),
            409,
            "23505",
            FailureKind.CONFLICT),
        row("db down", PostgrestResponses.dbDown503(5), 503, "PGRST000", FailureKind.TRANSIENT),
        row(
            "schema cache",
            PostgrestResponses.schemaCacheLoading503(1),
            503,
            "PGRST002",
            FailureKind.TRANSIENT),
        row(
            "pool timeout",
            PostgrestResponses.poolTimeout504(),
            504,
            "PGRST003",
            FailureKind.TRANSIENT),
        row(
            "statement timeout",
            PostgrestResponses.statementTimeout500(),
            500,
            "57014",
            FailureKind.TRANSIENT),
        row(
            "serialization failure",
            PostgrestResponses.error(
                Version.V13,
                500,
                "40001",
                "could not serialize access due to concurrent update",
                null,
                null),
            500,
            "40001",
            FailureKind.TRANSIENT),
        row(
            "lock timeout",
            PostgrestResponses.error(
                Version.V13, 500, "55P03", "canceling statement due to lock timeout", null, null),
            500,
            "55P03",
            FailureKind.TRANSIENT),
        row(
            "crash shutdown",
            PostgrestResponses.error(
                Version.V13,
                500,
                "57P02",
                "terminating connection because of crash of another server process",
                null,
                null),
            500,
            "57P02",
            FailureKind.TRANSIENT),
        row(
            "a proxy's 500 page, without PostgREST's code",
            PostgrestResponses.upstreamDown(500),
            500,
            null,
            FailureKind.TRANSIENT),
        row(
            "internal error",
            PostgrestResponses.error(Version.V13, 500, "XX000", "internal error", null, null),
            500,
            "XX000",
            FailureKind.SERVER),
        row(
            "recursive policy",
            PostgrestResponses.error(
                Version.V13,
                500,
                "42P17",
                "infinite recursion detected in policy for relation \"t\"",
                null,
                null),
            500,
            "42P17",
            FailureKind.SERVER),
        row(
            "table not found v13",
            PostgrestResponses.tableNotFound(Version.V13, "sessions"),
            404,
            "PGRST205",
            FailureKind.NOT_FOUND),
        row(
            "table not found v12",
            PostgrestResponses.tableNotFound(Version.V12, "sessions"),
            404,
            null,
            FailureKind.NOT_FOUND),
        row(
            "parse error",
            PostgrestResponses.parseError400("unexpected end of input"),
            400,
            "PGRST100",
            FailureKind.CLIENT),
        row(
            "pgrst116",
            PostgrestResponses.pgrst116(Version.V13, 3),
            406,
            "PGRST116",
            FailureKind.CLIENT),
        row(
            "offset past end",
            PostgrestResponses.error(
                Version.V13,
                416,
                "PGRST103",
                "Requested range not satisfiable",
                "An offset of 30 was requested, but there are only 25 rows.",
                null),
            416,
            "PGRST103",
            FailureKind.CLIENT),
        row(
            "function not found",
            PostgrestResponses.error(
                Version.V13,
                404,
                "PGRST202",
                "Could not find the function public.append_messages(p_messages, p_session_id) in the schema cache",
                null,
                null),
            404,
            "PGRST202",
            FailureKind.NOT_FOUND),
        row(
            "foreign key",
            PostgrestResponses.error(
                Version.V13,
                409,
                "23503",
                "insert or update on table \"child\" violates foreign key constraint \"child_parent_id_fkey\"",
                "Key (parent_id)=(99) is not present in table \"parent\".",
                null),
            409,
            "23503",
            FailureKind.CONFLICT),
        row(
            "too many connections",
            PostgrestResponses.error(
                Version.V13, 503, "53300", "sorry, too many clients already", null, null),
            503,
            "53300",
            FailureKind.TRANSIENT),
        row(
            "admin shutdown",
            PostgrestResponses.error(
                Version.V13,
                503,
                "57P01",
                "terminating connection due to administrator command",
                null,
                null),
            503,
            "57P01",
            FailureKind.TRANSIENT),
        row(
            "out of memory 53400",
            PostgrestResponses.error(
                Version.V13, 500, "53400", "configuration limit exceeded", null, null),
            500,
            "53400",
            FailureKind.TRANSIENT),
        row(
            "invalid uuid",
            PostgrestResponses.error(
                Version.V13,
                400,
                "22P02",
                "invalid input syntax for type uuid: \"abc\"",
                null,
                null),
            400,
            "22P02",
            FailureKind.CLIENT),
        row(
            "no where clause",
            PostgrestResponses.error(
                Version.V13, 400, "21000", "DELETE requires a WHERE clause", null, null),
            400,
            "21000",
            FailureKind.CLIENT),
        row("no api key", PostgrestResponses.noApiKey(), 401, null, FailureKind.AUTH),
        row("invalid api key", PostgrestResponses.invalidApiKey(), 401, null, FailureKind.AUTH),
        row(
            "project paused",
            PostgrestResponses.projectPaused540(),
            540,
            null,
            FailureKind.TRANSIENT),
        row(
            "gateway timeout",
            PostgrestResponses.gatewayTimeout544(),
            544,
            null,
            FailureKind.TRANSIENT),
        row("bad gateway", PostgrestResponses.upstreamDown(502), 502, null, FailureKind.TRANSIENT),
        row(
            "cloudflare 520",
            PostgrestResponses.upstreamDown(520),
            520,
            null,
            FailureKind.TRANSIENT),
        row(
            "cloudflare 521",
            PostgrestResponses.upstreamDown(521),
            521,
            null,
            FailureKind.TRANSIENT),
        row(
            "cloudflare 522",
            PostgrestResponses.upstreamDown(522),
            522,
            null,
            FailureKind.TRANSIENT),
        row(
            "rate limited",
            PostgrestResponses.tooManyRequests(3),
            429,
            null,
            FailureKind.TRANSIENT),
        row("payment required", aResponse().withStatus(402), 402, null, FailureKind.TRANSIENT),
        row(
            "rate limited by db_pre_request",
            PostgrestResponses.rateLimitedByPreRequest(),
            420,
            "PT420",
            FailureKind.TRANSIENT),
        row(
            "database in read-only mode",
            PostgrestResponses.readOnlyDatabase(),
            405,
            "25006",
            FailureKind.TRANSIENT),
        row(
            "method not allowed",
            PostgrestResponses.error(
                PostgrestResponses.Version.V13,
                405,
                "PGRST101",
                "Cannot use the DELETE method on RPC",
                null,
                null),
            405,
            "PGRST101",
            FailureKind.CLIENT));
  }

  private static Arguments row(
      String name,
      ResponseDefinitionBuilder answer,
      int status,
      @Nullable String code,
      FailureKind kind) {
    return Arguments.of(name, answer, status, code, kind);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void select_errorAnswer_throwsClassifiedHttpException(
      String name,
      ResponseDefinitionBuilder answer,
      int status,
      @Nullable String code,
      FailureKind kind) {
    wm.stubFor(any(anyUrl()).willReturn(answer));

    PostgrestHttpException e = selectFailure();

    assertThat(e.status()).isEqualTo(status);
    assertThat(e.code().orElse(null)).isEqualTo(code);
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.operation()).isEqualTo(Operation.SELECT);
    assertThat(e.resource()).isEqualTo(TABLE);
    assertThat(e.getMessage()).startsWith("PostgREST select on " + TABLE + ": HTTP " + status);
    assertThat(wm.getAllServeEvents()).hasSize(1);
  }

  @Test
  void select_uniqueViolation_carriesAllFourFields() {
    wm.stubFor(
        any(anyUrl())
            .willReturn(
                PostgrestResponses.uniqueViolation409("t_session_id_key", "session_id", "s1")));

    PostgrestHttpException e = selectFailure();

    assertThat(e.postgrestMessage())
        .hasValue("duplicate key value violates unique constraint \"t_session_id_key\"");
    assertThat(e.details()).hasValue("Key (session_id)=(s1) already exists.");
    assertThat(e.hint()).isEmpty();
    assertThat(e.getMessage()).contains("23505", "duplicate key value");
  }

  @Test
  void select_dbDown_exposesRetryAfter() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.dbDown503(7)));

    PostgrestHttpException e = selectFailure();

    assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(7));
    assertThat(e.details()).hasValueSatisfying(d -> assertThat(d).contains("Connection refused"));
    assertThat(e.kind().isRetryable()).isTrue();
  }

  @Test
  void select_jwtExpired_exposesAuthenticateDescription() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.jwtExpired(Version.V13)));

    PostgrestHttpException e = selectFailure();

    assertThat(e.authenticateError()).hasValue("JWT expired");
    assertThat(e.retryAfter()).isEmpty();
  }

  @Test
  void select_tableNotFoundV13_keepsHint() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.tableNotFound(Version.V13, "sesions")));

    assertThat(selectFailure().hint())
        .hasValue("Perhaps you meant the table 'public.codebase_chat_sessions'");
  }

  @Test
  void select_invalidApiKey_saysApiKeyInMessage() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.invalidApiKey()));

    PostgrestHttpException e = selectFailure();

    assertThat(e.getMessage()).contains("Invalid API key");
    assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("API key"));
  }

  @Test
  void select_htmlErrorPage_hasNoPostgrestFields() {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.upstreamDown(521)));

    PostgrestHttpException e = selectFailure();

    assertThat(e.code()).isEmpty();
    assertThat(e.postgrestMessage()).isEmpty();
    assertThat(e.getMessage()).isEqualTo("PostgREST select on " + TABLE + ": HTTP 521");
  }

  private static PostgrestHttpException selectFailure() {
    return catchThrowableOfType(
        PostgrestHttpException.class,
        () -> wm.user().from(TABLE).select().eq("session_id", "s1").execute());
  }
}
