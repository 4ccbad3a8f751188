package dev.codebasechat.testing.postgres;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * What PostgREST does around every request (reference/postgrest.md §3.2, §3.8), for running SQL
 * exactly as a request with a given JWT would: one transaction ({@code READ ONLY} for GET/HEAD),
 * then {@code set_config('role', …, true)}, {@code set_config('request.jwt.claims', …, true)},
 * {@code request.method} and {@code request.path}, all transaction-local; then the work; commit, or
 * rollback if the work throws.
 *
 * <p>Immutable and thread-safe; the connection passed to {@link #run} must be logged in as {@code
 * authenticator} (so that switching role behaves as in production) and must not be used by another
 * thread meanwhile. The connection is left in auto-commit mode.
 */
public final class DatabaseRequest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String role;
  private final String claims;
  private final String method;
  private final String path;

  private DatabaseRequest(String role, String claims, String method, String path) {
    this.role = role;
    this.claims = claims;
    this.method = method;
    this.path = path;
  }

  /** A request without a user JWT (only the publishable/anon key): role {@code anon}. */
  public static DatabaseRequest asAnon() {
    ObjectNode claims = JSON.createObjectNode().put("role", "anon");
    return new DatabaseRequest("anon", claims.toString(), "POST", "/");
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
    return new DatabaseRequest("authenticated", claims.toString(), "POST", "/");
  }

  /** A request with the service key (role {@code service_role}, no user). */
  public static DatabaseRequest asServiceRole() {
    ObjectNode claims = JSON.createObjectNode().put("role", "service_role").put("iss", "supabase");
    return new DatabaseRequest("service_role", claims.toString(), "POST", "/");
  }

  /**
   * A request whose JWT carries {@code claimsJson} (a JSON object) and selects {@code role}: for
   * edge cases such as a token with role authenticated but no {@code sub}.
   */
  public static DatabaseRequest withClaims(String role, String claimsJson) {
    return new DatabaseRequest(role, claimsJson, "POST", "/");
  }

  /** This request with HTTP method {@code method} (GET and HEAD run read-only) on {@code path}. */
  public DatabaseRequest to(String method, String path) {
    return new DatabaseRequest(role, claims, method.toUpperCase(Locale.ROOT), path);
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
   * {@link SQLException} from the work rolls the transaction back and is rethrown unchanged, so
   * tests can assert its SQLSTATE.
   */
  public <T> T run(Connection authenticator, SqlWork<T> work) throws SQLException {
    authenticator.setAutoCommit(false);
    try {
      if (method.equals("GET") || method.equals("HEAD")) {
        try (Statement statement = authenticator.createStatement()) {
          statement.execute("set transaction read only");
        }
      }
      try (PreparedStatement setup =
          authenticator.prepareStatement(
              "select set_config('search_path', 'public, extensions', true), set_config('role', ?, true),"
                  + " set_config('request.jwt.claims', ?, true), set_config('request.method', ?, true),"
                  + " set_config('request.path', ?, true)")) {
        setup.setString(1, role);
        setup.setString(2, claims);
        setup.setString(3, method);
        setup.setString(4, path);
        setup.executeQuery().close();
      }
      T result = work.apply(authenticator);
      authenticator.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      authenticator.rollback();
      throw e;
    } finally {
      authenticator.setAutoCommit(true);
    }
  }
}
