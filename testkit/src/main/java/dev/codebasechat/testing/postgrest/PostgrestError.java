package dev.codebasechat.testing.postgrest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * An error answer as PostgREST gives it: a status, the body {@code {code, details, hint, message}}
 * (all four keys, {@code null} when absent: {@code client-error-verbosity=verbose}) and headers.
 * Database errors keep PostgreSQL's SQLSTATE, message, detail and hint, and take their status from
 * PostgREST's {@code mapSQLtoHTTP} (reference/postgrest.md §2.5).
 */
final class PostgrestError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  final int status;
  final String code;
  final @Nullable String details;
  final @Nullable String hint;
  final Map<String, String> headers;

  private PostgrestError(
      int status,
      String code,
      String message,
      @Nullable String details,
      @Nullable String hint,
      Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = details;
    this.hint = hint;
    this.headers = Map.copyOf(headers);
  }

  static PostgrestError of(
      int status, String code, String message, @Nullable String details, @Nullable String hint) {
    return new PostgrestError(status, code, message, details, hint, Map.of());
  }

  PostgrestError withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new PostgrestError(status, code, getMessage(), details, hint, more);
  }

  /** PGRST100: a query parameter that does not parse. */
  static PostgrestError parse(String message, String details) {
    return of(400, "PGRST100", message, details, null);
  }

  /** PGRST127: a part of PostgREST's grammar this server does not implement. */
  static PostgrestError notImplemented(String details) {
    return of(
        400,
        "PGRST127",
        "Feature not implemented",
        details + " (not implemented by the test server)",
        null);
  }

  /** PGRST102: the body is not what the request needs. */
  static PostgrestError invalidBody(String message) {
    return of(400, "PGRST102", message, null, null);
  }

  /**
   * The answer to a failed statement. {@code authed}: the request's role is not the anonymous role,
   * which turns a 42501 into 403 instead of 401.
   */
  static PostgrestError fromSql(SQLException e, boolean authed) {
    if (e instanceof SQLTransientConnectionException) {
      // HikariCP's acquisition timeout: PostgREST's pool timeout.
      return of(
          504, "PGRST003", "Timed out acquiring connection from connection pool.", null, null);
    }
    ServerErrorMessage server =
        e instanceof PSQLException psql ? psql.getServerErrorMessage() : null;
    if (server == null || server.getSQLState() == null) {
      // No answer from the server: the connection broke (hasql's ClientError).
      return of(
              503,
              "PGRST001",
              "Database client error. Retrying the connection.",
              e.getMessage(),
              null)
          .withHeader("Retry-After", "0");
    }
    String sqlState = server.getSQLState();
    String message = server.getMessage() == null ? "" : server.getMessage();
    int status = statusOf(sqlState, message, authed);
    PostgrestError error = of(status, sqlState, message, server.getDetail(), server.getHint());
    if (status == 401) {
      error = error.withHeader("WWW-Authenticate", "Bearer");
    }
    if (status == 503) {
      error = error.withHeader("Retry-After", "0");
    }
    return error;
  }

  /** PostgREST's {@code mapSQLtoHTTP} (src/library/PostgREST/Error.hs). */
  static int statusOf(String sqlState, String message, boolean authed) {
    switch (sqlState) {
      case "23503":
      case "23505":
        return 409;
      case "25006":
        return 405;
      case "21000":
        return message.endsWith("requires a WHERE clause") ? 400 : 500;
      case "22023":
        return message.startsWith("role") && message.endsWith("does not exist") ? 401 : 400;
      case "53400":
        return 500;
      case "57P01":
        return 503;
      case "P0001":
        return 400;
      case "42883":
        return message.startsWith("function xmlagg(") ? 406 : 404;
      case "42P01":
        return 404;
      case "42P17":
        return 500;
      case "42501":
        return authed ? 403 : 401;
      default:
        break;
    }
    String prefix = sqlState.substring(0, 2);
    switch (prefix) {
      case "08":
        return 503;
      case "09":
        return 500;
      case "0L":
      case "0P":
      case "28":
        return 403;
      case "25":
      case "2D":
      case "38":
      case "39":
      case "3B":
      case "40":
      case "54":
      case "55":
      case "57":
      case "58":
      case "F0":
      case "HV":
      case "P0":
      case "XX":
        return 500;
      case "53":
        return 503;
      case "PT":
        try {
          return Integer.parseInt(sqlState.substring(2));
        } catch (NumberFormatException ignored) {
          return 500;
        }
      default:
        return 400;
    }
  }

  String body() {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", code);
    body.put("details", details);
    body.put("hint", hint);
    body.put("message", getMessage());
    return body.toString();
  }
}
