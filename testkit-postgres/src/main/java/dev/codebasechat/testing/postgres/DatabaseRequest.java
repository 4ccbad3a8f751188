package dev.codebasechat.testing.postgres;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What PostgREST does around every request (reference/postgrest.md §3.2, §3.8), written once for
 * the PostgreSQL backend of the test server and for tests that run SQL as a request would: one
 * transaction ({@code READ ONLY} for GET and HEAD, and for calls of functions that are not
 * volatile), then, transaction-local, the {@code search_path}, the settings stored for the role
 * ({@code ALTER ROLE … SET}, such as its {@code statement_timeout}), {@code role}, {@code
 * request.jwt.claims}, {@code request.method}, {@code request.path}, {@code request.headers},
 * {@code request.cookies} and, when asked for ({@code Prefer: timezone}), {@code timezone}; then
 * the work; commit, or rollback if the work throws.
 *
 * <p>Immutable and thread-safe; the connection passed to {@link #run} must be logged in as {@code
 * authenticator} (so that switching role behaves as in production) and must not be used by another
 * thread meanwhile. The connection is left in auto-commit mode.
 */
public final class DatabaseRequest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The settings PostgreSQL stores for a role (in this database, or in all), applied in the order
   * that lets this database's override the others; only those a user may set, as PostgREST does.
   */
  private static final String ROLE_SETTINGS =
      "(select pg_catalog.count(pg_catalog.set_config(x.name, x.value, true)) from ("
          + "select pg_catalog.split_part(c.setting, '=', 1) as name,"
          + " pg_catalog.substr(c.setting, pg_catalog.strpos(c.setting, '=') + 1) as value"
          + " from pg_catalog.pg_db_role_setting s"
          + " join pg_catalog.pg_roles r on r.oid = s.setrole"
          + " cross join lateral pg_catalog.unnest(s.setconfig) with ordinality as c(setting, n)"
          + " join pg_catalog.pg_settings p"
          + " on p.name = pg_catalog.split_part(c.setting, '=', 1) and p.context = 'user'"
          + " where r.rolname = ? and s.setdatabase in (0, (select d.oid from pg_catalog.pg_database d"
          + " where d.datname = pg_catalog.current_database()))"
          + " order by s.setdatabase, c.n) x)";

  private final String role;
  private final String claims;
  private final String method;
  private final String path;
  private final String headers;
  private final boolean readOnly;
  private final @Nullable String timezone;

  private DatabaseRequest(
      String role,
      String claims,
      String method,
      String path,
      String headers,
      boolean readOnly,
      @Nullable String timezone) {
    this.role = role;
    this.claims = claims;
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.readOnly = readOnly;
    this.timezone = timezone;
  }

  private DatabaseRequest(String role, String claims) {
    this(role, claims, "POST", "/", "{}", false, null);
  }

  /** A request without a user JWT (only the publishable/anon key): role {@code anon}. */
  public static DatabaseRequest asAnon() {
    ObjectNode claims = JSON.createObjectNode().put("role", "anon");
    return new DatabaseRequest("anon", claims.toString());
  }

  /** A request with the access token of a signed-in user. */
  public static DatabaseRequest asUser(UUID userId) {
    return asUser(userId, false);
  }

  /**
   * A request with the access token of user {@code userId}; {@code anonymousSignIn} marks a user of
   * Supabase's anonymous sign-in ({@code is_anonymous: true}, still role authenticated).
   */
  public static DatabaseRequest asUser(UUID userId, boolean anonymousSignIn) {
    ObjectNode claims =
        JSON.createObjectNode()
            .put("sub", userId.toString())
            .put("role", "authenticated")
            .put("aud", "authenticated")
            .put("is_anonymous", anonymousSignIn);
    return new DatabaseRequest("authenticated", claims.toString());
  }

  /** A request with the service key (role {@code service_role}, no user). */
  public static DatabaseRequest asServiceRole() {
    ObjectNode claims = JSON.createObjectNode().put("role", "service_role").put("iss", "supabase");
    return new DatabaseRequest("service_role", claims.toString());
  }

  /**
   * A request whose JWT carries {@code claimsJson} (a JSON object) and selects {@code role}: for
   * edge cases such as a token with role authenticated but no {@code sub}.
   */
  public static DatabaseRequest withClaims(String role, String claimsJson) {
    return new DatabaseRequest(role, claimsJson);
  }

  /** This request with HTTP method {@code method} (GET and HEAD run read-only) on {@code path}. */
  public DatabaseRequest to(String method, String path) {
    String upper = method.toUpperCase(Locale.ROOT);
    boolean reads = upper.equals("GET") || upper.equals("HEAD");
    return new DatabaseRequest(role, claims, upper, path, headers, reads, timezone);
  }

  /**
   * This request with these headers, a JSON object of lower-case names, as {@code request.headers}.
   */
  public DatabaseRequest withHeaders(String headersJson) {
    return new DatabaseRequest(role, claims, method, path, headersJson, readOnly, timezone);
  }

  /** This request run read-only: PostgREST's call of a function that is not volatile. */
  public DatabaseRequest readOnly() {
    return new DatabaseRequest(role, claims, method, path, headers, true, timezone);
  }

  /**
   * This request with the session time zone {@code zone} ({@code Prefer: timezone}): timestamps are
   * written in it. PostgreSQL refuses a zone it does not know.
   */
  public DatabaseRequest withTimezone(String zone) {
    return new DatabaseRequest(role, claims, method, path, headers, readOnly, zone);
  }

  public String role() {
    return role;
  }

  /** Work run inside the simulated request. */
  @FunctionalInterface
  public interface SqlWork<T> {
    T apply(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} as this request on {@code authenticator}; returns its result after commit. A
   * {@link SQLException} or runtime exception from the work rolls the transaction back and is
   * rethrown unchanged, so tests can assert its SQLSTATE.
   */
  public <T> T run(Connection authenticator, SqlWork<T> work) throws SQLException {
    authenticator.setAutoCommit(false);
    try {
      setUp(authenticator);
      T result = work.apply(authenticator);
      authenticator.commit();
      authenticator.setAutoCommit(true);
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        authenticator.rollback();
        authenticator.setAutoCommit(true);
      } catch (SQLException broken) {
        e.addSuppressed(broken); // the connection broke: what the work met is still the answer
      }
      throw e;
    }
  }

  private void setUp(Connection authenticator) throws SQLException {
    if (readOnly) {
      EmbeddedSupabase.runSql(authenticator, "set transaction read only");
    }
    try (PreparedStatement setup =
        authenticator.prepareStatement(
            "select pg_catalog.set_config('search_path', 'public, extensions', true), "
                + ROLE_SETTINGS
                + ", pg_catalog.set_config('role', ?, true),"
                + " pg_catalog.set_config('request.jwt.claims', ?, true),"
                + " pg_catalog.set_config('request.method', ?, true),"
                + " pg_catalog.set_config('request.path', ?, true),"
                + " pg_catalog.set_config('request.headers', ?, true),"
                + " pg_catalog.set_config('request.cookies', '{}', true)"
                + (timezone == null ? "" : ", pg_catalog.set_config('timezone', ?, true)"))) {
      List<String> values = new ArrayList<>(List.of(role, role, claims, method, path, headers));
      if (timezone != null) {
        values.add(timezone);
      }
      for (int i = 0; i < values.size(); i++) {
        setup.setString(i + 1, values.get(i));
      }
      setup.executeQuery().close();
    }
  }
}
