package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Canonical PostgREST and Supabase-gateway answers for WireMock fakes, copied from {@code
 * reference/postgrest.md} (§2.1–2.9): statuses, headers and error bodies exactly as PostgREST sends
 * them, in the v12.2 and v13+ variants where they differ.
 *
 * <p>Every error body carries all four keys ({@code code}, {@code details}, {@code hint}, {@code
 * message}) with {@code null} for absent ones, as PostgREST does with its default {@code
 * client-error-verbosity=verbose}; v13+ answers add {@code Proxy-Status: PostgREST; error=<code>}.
 * Each factory returns a fresh builder, so a test may add headers or delays to it.
 *
 * <p>Meant to become part of a shipped test-support API; keep names stable.
 */
public final class PostgrestResponses {
  /** PostgREST {@code Content-Type} for JSON answers. */
  public static final String JSON = "application/json; charset=utf-8";

  /** {@code Content-Type} of single-object answers. */
  public static final String OBJECT_JSON = "application/vnd.pgrst.object+json; charset=utf-8";

  /** The PostgREST releases whose answers differ (reference/postgrest.md §2.9). */
  public enum Version {
    /** v12.2: old PGRST116 text, expired JWT is PGRST301, unknown table is a {@code {}} 404. */
    V12,
    /** v13 and later (Supabase CLI pins v14): PGRST303, PGRST205, {@code Proxy-Status}. */
    V13
  }

  /** libpq's text for a refused connection, as PostgREST puts it in PGRST000's details. */
  private static final String LIBPQ_REFUSED =
      "connection to server at \"db\" (10.0.0.2), port 5432 failed: Connection refused\n\tIs the"
          + " server running on that host and accepting TCP/IP connections?\n";

  private PostgrestResponses() {}

  // ---- success ----

  /**
   * 200 with a JSON array of rows and {@code Content-Range} ({@code 0-2/*}, {@code *}{@code /*}).
   */
  public static ResponseDefinitionBuilder rows(String jsonArray, String contentRange) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", JSON)
        .withHeader("Content-Range", contentRange)
        .withBody(jsonArray);
  }

  /** 206 with a page of rows and an exact total ({@code Prefer: count=exact}). */
  public static ResponseDefinitionBuilder partialRows(String jsonArray, String contentRange) {
    return rows(jsonArray, contentRange).withStatus(206);
  }

  /** 200 with one object ({@code Accept: application/vnd.pgrst.object+json}). */
  public static ResponseDefinitionBuilder singleRow(String jsonObject) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", OBJECT_JSON)
        .withHeader("Content-Range", "0-0/*")
        .withBody(jsonObject);
  }

  /** 201 without body: an insert with {@code return=minimal}. */
  public static ResponseDefinitionBuilder created() {
    return aResponse().withStatus(201).withHeader("Content-Range", "*/*");
  }

  /** 201 with the inserted rows ({@code return=representation}). */
  public static ResponseDefinitionBuilder createdRows(String jsonArray) {
    return created().withHeader("Content-Type", JSON).withBody(jsonArray);
  }

  /** 204: PATCH/DELETE with {@code return=minimal}, or a {@code void} function. */
  public static ResponseDefinitionBuilder noContent() {
    return aResponse().withStatus(204);
  }

  /** 200 with a function's JSON result. */
  public static ResponseDefinitionBuilder rpcResult(String json) {
    return aResponse().withStatus(200).withHeader("Content-Type", JSON).withBody(json);
  }

  // ---- PostgREST errors ----

  /**
   * Any PostgREST error: {@code status}, the four-key body and, for v13+, {@code Proxy-Status}.
   * {@code details} and {@code hint} may be null; strings are JSON-escaped here.
   */
  public static ResponseDefinitionBuilder error(
      Version version,
      int status,
      String code,
      String message,
      @Nullable String details,
      @Nullable String hint) {
    ResponseDefinitionBuilder b =
        aResponse()
            .withStatus(status)
            .withHeader("Content-Type", JSON)
            .withBody(
                "{\"code\":"
                    + quote(code)
                    + ",\"details\":"
                    + quote(details)
                    + ",\"hint\":"
                    + quote(hint)
                    + ",\"message\":"
                    + quote(message)
                    + "}");
    if (version == Version.V13) {
      b = b.withHeader("Proxy-Status", "PostgREST; error=" + code);
    }
    return b;
  }

  /** 406 {@code PGRST116}: a singular answer was requested and {@code rows} rows matched (§2.7). */
  public static ResponseDefinitionBuilder pgrst116(Version version, int rows) {
    String message =
        version == Version.V12
            ? "JSON object requested, multiple (or no) rows returned"
            : "Cannot coerce the result to a single JSON object";
    return error(version, 406, "PGRST116", message, "The result contains " + rows + " rows", null);
  }

  /** A write refused by a database in read-only mode (a full disk): 25006, which is 405. */
  public static ResponseDefinitionBuilder readOnlyDatabase() {
    return error(
        Version.V13, 405, "25006", "cannot execute INSERT in a read-only transaction", null, null);
  }

  /** A {@code db_pre_request} rate limit as Supabase's example raises it: PT420, which is 420. */
  public static ResponseDefinitionBuilder rateLimitedByPreRequest() {
    return error(Version.V13, 420, "PT420", "rate limit exceeded", null, null);
  }

  /**
   * 401 for an expired user JWT: v13+ {@code PGRST303}, v12 {@code PGRST301}, both with {@code
   * WWW-Authenticate: Bearer error="invalid_token", error_description="JWT expired"} (§2.6).
   */
  public static ResponseDefinitionBuilder jwtExpired(Version version) {
    return jwtError(version, version == Version.V12 ? "PGRST301" : "PGRST303", "JWT expired");
  }

  /**
   * 401 {@code PGRST301}: no key checks the signature (§2.6, v13+ wording, as PostgREST's own test
   * of a token signed with another secret expects it).
   */
  public static ResponseDefinitionBuilder jwtInvalid() {
    return jwtError(
        Version.V13,
        "PGRST301",
        "No suitable key or wrong key type",
        "None of the keys was able to decode the JWT");
  }

  private static ResponseDefinitionBuilder jwtError(Version version, String code, String message) {
    return jwtError(version, code, message, null);
  }

  private static ResponseDefinitionBuilder jwtError(
      Version version, String code, String message, @Nullable String details) {
    return error(version, 401, code, message, details, null)
        .withHeader(
            "WWW-Authenticate",
            "Bearer error=\"invalid_token\", error_description=\"" + message + "\"");
  }

  /**
   * 401 {@code PGRST302}: no JWT and anonymous access disabled; {@code WWW-Authenticate: Bearer}.
   */
  public static ResponseDefinitionBuilder anonymousDisabled() {
    return error(Version.V13, 401, "PGRST302", "Anonymous access is disabled", null, null)
        .withHeader("WWW-Authenticate", "Bearer");
  }

  /**
   * 401 {@code 42501} with {@code WWW-Authenticate: Bearer}: the request ran as the anon role
   * (§2.5: "authed" means role ≠ anon) and lacks a grant.
   */
  public static ResponseDefinitionBuilder anonPermissionDenied401(String table) {
    return error(Version.V13, 401, "42501", "permission denied for table " + table, null, null)
        .withHeader("WWW-Authenticate", "Bearer");
  }

  /** 403 {@code 42501}: an authenticated user's write failed a row-level security check. */
  public static ResponseDefinitionBuilder rlsViolation403(String table) {
    return error(
        Version.V13,
        403,
        "42501",
        "new row violates row-level security policy for table \"" + table + "\"",
        null,
        null);
  }

  /** 409 {@code 23505} with PostgreSQL's own message and details (verified on PG 15). */
  public static ResponseDefinitionBuilder uniqueViolation409(
      String constraint, String column, String value) {
    return error(
        Version.V13,
        409,
        "23505",
        "duplicate key value violates unique constraint \"" + constraint + "\"",
        "Key (" + column + ")=(" + value + ") already exists.",
        null);
  }

  /**
   * 503 {@code PGRST000} with {@code Retry-After}: PostgREST cannot reach PostgreSQL (§2.8);
   * details carry libpq's text.
   */
  public static ResponseDefinitionBuilder dbDown503(int retryAfterSeconds) {
    return error(
            Version.V13,
            503,
            "PGRST000",
            "Database connection error. Retrying the connection.",
            LIBPQ_REFUSED,
            null)
        .withHeader("Retry-After", Integer.toString(retryAfterSeconds));
  }

  /** 503 {@code PGRST002}: schema cache not loaded yet, with {@code Retry-After}. */
  public static ResponseDefinitionBuilder schemaCacheLoading503(int retryAfterSeconds) {
    return error(
            Version.V13,
            503,
            "PGRST002",
            "Could not query the database for the schema cache. Retrying.",
            null,
            null)
        .withHeader("Retry-After", Integer.toString(retryAfterSeconds));
  }

  /** 504 {@code PGRST003}: timed out waiting for a pool connection. */
  public static ResponseDefinitionBuilder poolTimeout504() {
    return error(
        Version.V13,
        504,
        "PGRST003",
        "Timed out acquiring connection from connection pool.",
        null,
        null);
  }

  /** 500 {@code 57014}: statement timeout (Supabase: 8 s for {@code authenticated}). */
  public static ResponseDefinitionBuilder statementTimeout500() {
    return error(
        Version.V13, 500, "57014", "canceling statement due to statement timeout", null, null);
  }

  /**
   * 404 for an unknown table: v13+ {@code PGRST205} with the fuzzy-match hint, v12 a bare {@code
   * {}} body (§2.9).
   */
  public static ResponseDefinitionBuilder tableNotFound(Version version, String table) {
    if (version == Version.V12) {
      return aResponse().withStatus(404).withHeader("Content-Type", JSON).withBody("{}");
    }
    return error(
        version,
        404,
        "PGRST205",
        "Could not find the table 'public." + table + "' in the schema cache",
        null,
        "Perhaps you meant the table 'public.codebase_chat_sessions'");
  }

  /** 400 {@code PGRST100}: the query string did not parse. */
  public static ResponseDefinitionBuilder parseError400(String details) {
    return error(
        Version.V13,
        400,
        "PGRST100",
        "\"failed to parse filter (eq)\" (line 1, column 4)",
        details,
        null);
  }

  // ---- Supabase gateway / platform ----

  /** 401 from the gateway when no {@code apikey} was sent (no {@code code}). */
  public static ResponseDefinitionBuilder noApiKey() {
    return gateway(
        401,
        "{\"message\":\"No API key found in request\","
            + "\"hint\":\"No `apikey` request header or url param was found.\"}");
  }

  /** 401 from the gateway for a wrong {@code apikey} (no {@code code}). */
  public static ResponseDefinitionBuilder invalidApiKey() {
    return gateway(
        401,
        "{\"message\":\"Invalid API key\","
            + "\"hint\":\"Double check your Supabase `anon` or `service_role` API key.\"}");
  }

  /** 540: the project is paused (body undocumented; an empty one is used). */
  public static ResponseDefinitionBuilder projectPaused540() {
    return aResponse().withStatus(540);
  }

  /** 544: the gateway timed out waiting for the project (body undocumented). */
  public static ResponseDefinitionBuilder gatewayTimeout544() {
    return aResponse().withStatus(544);
  }

  /** 502/520/521/522: Cloudflare or the proxy could not reach the upstream (HTML body). */
  public static ResponseDefinitionBuilder upstreamDown(int status) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "text/html")
        .withBody("<html><body>error code: " + status + "</body></html>");
  }

  /** 429 with {@code Retry-After} (the Data API documents no body for it). */
  public static ResponseDefinitionBuilder tooManyRequests(int retryAfterSeconds) {
    return aResponse()
        .withStatus(429)
        .withHeader("Retry-After", Integer.toString(retryAfterSeconds));
  }

  private static ResponseDefinitionBuilder gateway(int status, String body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(body);
  }

  private static String quote(@Nullable String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
