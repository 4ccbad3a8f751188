package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An error answer as the platform gives it, thrown from wherever it arises (the front's parsing,
 * the keys, a backend) and rendered once by {@link #reply}: PostgREST's body {@code {code, details,
 * hint, message}} (all four keys, {@code client-error-verbosity=verbose}) with {@code Proxy-Status}
 * (v13+), or the API gateway's own {@code {message, hint}}. A database error keeps its SQLSTATE,
 * message, detail and hint and takes its status from PostgREST's {@code mapSQLtoHTTP}
 * (reference/postgrest.md §2.5) when rendered, because a 42501 is a 401 or a 403 depending on the
 * role the request ran as.
 */
public final class PostgrestError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final int FROM_SQLSTATE = -1;

  private final int status;
  private final String code;
  private final String text;
  private final @Nullable String details;
  private final @Nullable String hint;
  private final boolean gateway;

  @SuppressWarnings("serial") // never serialized: an answer on its way up the stack
  private final Map<String, String> headers;

  private PostgrestError(
      int status,
      String code,
      String message,
      @Nullable String details,
      @Nullable String hint,
      boolean gateway,
      Map<String, String> headers) {
    super(message, null, false, false);
    this.text = message;
    this.status = status;
    this.code = code;
    this.details = details;
    this.hint = hint;
    this.gateway = gateway;
    this.headers = Map.copyOf(headers);
  }

  /** A PostgREST error with a fixed status ({@code PGRSTxxx}). */
  public static PostgrestError of(
      int status, String code, String message, @Nullable String details, @Nullable String hint) {
    return new PostgrestError(status, code, message, details, hint, false, Map.of());
  }

  /** A database error: its status follows from {@code sqlState} and the role when rendered. */
  public static PostgrestError sql(
      String sqlState, String message, @Nullable String details, @Nullable String hint) {
    return new PostgrestError(FROM_SQLSTATE, sqlState, message, details, hint, false, Map.of());
  }

  /** {@link #sql} without details and hint. */
  public static PostgrestError sql(String sqlState, String message) {
    return sql(sqlState, message, null, null);
  }

  /** The API gateway's 401 about the {@code apikey}: its own body, {@code {message, hint}}. */
  static PostgrestError gateway(String message, String hint) {
    return new PostgrestError(401, "", message, null, hint, true, Map.of());
  }

  public PostgrestError withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new PostgrestError(status, code, text, details, hint, gateway, more);
  }

  public String code() {
    return code;
  }

  /** PGRST100: a query parameter that does not parse. */
  public static PostgrestError parse(String message, String details) {
    return of(400, "PGRST100", message, details, null);
  }

  /** PGRST127: a part of PostgREST's grammar that the backend answering does not implement. */
  public static PostgrestError notImplemented(String details) {
    return of(400, "PGRST127", "Feature not implemented", details, null);
  }

  /** PGRST127 for a part of PostgREST that the test kit lacks: {@code what}, said so. */
  public static PostgrestError notInKit(String what) {
    return notImplemented(what + " (not implemented by the test kit)");
  }

  /** PGRST102: the body is not what the request needs. */
  public static PostgrestError invalidBody(String message) {
    return of(400, "PGRST102", message, null, null);
  }

  /** PGRST116: a single object was asked for and the statement had {@code rows} rows. */
  public static PostgrestError notSingular(long rows) {
    return of(
        406,
        "PGRST116",
        "Cannot coerce the result to a single JSON object",
        "The result contains " + rows + " rows",
        null);
  }

  /**
   * The answer. {@code authed}: the request ran as another role than the anonymous one (a 42501 is
   * then a 403, not a 401); {@code postgrestMajor} picks v12's texts and headers where they differ.
   */
  public Reply reply(boolean authed, int postgrestMajor) {
    if (gateway) {
      ObjectNode body = Json.MAPPER.createObjectNode().put("message", text).put("hint", hint);
      return Reply.json(status, body.toString()).sized();
    }
    int answered = status == FROM_SQLSTATE ? statusOf(code, text, authed, postgrestMajor) : status;
    String message = text;
    if (postgrestMajor < 13 && code.equals("PGRST116")) {
      message = "JSON object requested, multiple (or no) rows returned";
    }
    ObjectNode body = Json.MAPPER.createObjectNode().put("code", code).put("details", details);
    body.put("hint", hint).put("message", message);
    Reply reply = Reply.json(answered, body.toString());
    if (postgrestMajor >= 13) {
      reply = reply.sized().withHeader("Proxy-Status", "PostgREST; error=" + code);
    }
    if (answered == 401 && !headers.containsKey("WWW-Authenticate")) {
      reply = reply.withHeader("WWW-Authenticate", "Bearer");
    }
    if (answered == 503 && !headers.containsKey("Retry-After")) {
      reply = reply.withHeader("Retry-After", "0");
    }
    for (Map.Entry<String, String> header : headers.entrySet()) {
      reply = reply.withHeader(header.getKey(), header.getValue());
    }
    return reply;
  }

  /**
   * PostgREST's {@code mapSQLtoHTTP} (src/library/PostgREST/Error.hs); the 401 for a JWT role the
   * database lacks came with PostgREST 13.
   */
  static int statusOf(String sqlState, String message, boolean authed, int postgrestMajor) {
    return switch (sqlState) {
      case "23503", "23505" -> 409;
      case "25006" -> 405;
      case "21000" -> message.endsWith("requires a WHERE clause") ? 400 : 500;
      case "22023" ->
          postgrestMajor >= 13 && message.startsWith("role") && message.endsWith("does not exist")
              ? 401
              : 400;
      case "53400", "42P17" -> 500;
      case "57P01" -> 503;
      case "P0001" -> 400;
      case "42883" -> message.startsWith("function xmlagg(") ? 406 : 404;
      case "42P01" -> 404;
      case "42501" -> authed ? 403 : 401;
      default ->
          switch (sqlState.substring(0, 2)) {
            case "08", "53" -> 503;
            case "0L", "0P", "28" -> 403;
            case "09",
                "25",
                "2D",
                "38",
                "39",
                "3B",
                "40",
                "54",
                "55",
                "57",
                "58",
                "F0",
                "HV",
                "P0",
                "XX" ->
                500;
            case "PT" -> ptStatus(sqlState);
            default -> 400;
          };
    };
  }

  private static int ptStatus(String sqlState) {
    try {
      return Integer.parseInt(sqlState.substring(2));
    } catch (NumberFormatException e) {
      return 500;
    }
  }
}
