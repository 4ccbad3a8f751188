package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * PostgREST's error answers, with the bodies and headers of PostgREST v13+ (and v12 where the fake
 * is told to speak it). Every method returns a {@link Failure} to be thrown by the handler.
 */
final class PostgrestErrors {

  static final String TABLE = "codebase_chat_sessions";

  private static final ObjectMapper JSON = new ObjectMapper();

  private PostgrestErrors() {}

  /** An error answer travelling up from deep in request handling. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial")
    final Reply reply;

    Failure(Reply reply) {
      super("PostgREST answer " + reply.status(), null, false, false);
      this.reply = reply;
    }
  }

  static Failure error(
      int status, String code, String message, @Nullable String details, @Nullable String hint) {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", code);
    body.put("details", details);
    body.put("hint", hint);
    body.put("message", message);
    return new Failure(
        Reply.json(status, body.toString()).withHeader("Proxy-Status", "PostgREST; error=" + code));
  }

  /**
   * A database error: {@code 42501} etc., with PostgREST's SQLSTATE → status mapping left to the
   * caller.
   */
  static Failure sql(int status, String sqlState, String message) {
    return error(status, sqlState, message, null, null);
  }

  /** The gateway's answers about the {@code apikey}; these bodies have only message and hint. */
  static Failure apiKey(String message, String hint) {
    ObjectNode body = JSON.createObjectNode();
    body.put("message", message);
    body.put("hint", hint);
    return new Failure(Reply.json(401, body.toString()));
  }

  static Failure missingApiKey() {
    return apiKey(
        "No API key found in request", "No `apikey` request header or url param was found.");
  }

  static Failure invalidApiKey() {
    return apiKey(
        "Invalid API key", "Double check your Supabase `anon` or `service_role` API key.");
  }

  /** PGRST301/PGRST303: the token was refused; PostgREST names the reason in WWW-Authenticate. */
  static Failure invalidToken(String code, String message) {
    Failure failure = error(401, code, message, null, null);
    return new Failure(
        failure.reply.withHeader(
            "WWW-Authenticate",
            "Bearer error=\"invalid_token\", error_description=\"" + message + "\""));
  }

  /**
   * 42501 for a request without the needed privilege: 401 plus {@code WWW-Authenticate: Bearer}
   * when it ran as anon, 403 otherwise (PostgREST's mapping).
   */
  static Failure insufficientPrivilege(boolean anonymous, String message) {
    if (anonymous) {
      return new Failure(sql(401, "42501", message).reply.withHeader("WWW-Authenticate", "Bearer"));
    }
    return sql(403, "42501", message);
  }

  static Failure permissionDeniedForTable(boolean anonymous) {
    return insufficientPrivilege(anonymous, "permission denied for table " + TABLE);
  }

  static Failure undefinedColumn(String column) {
    return sql(400, "42703", "column " + TABLE + "." + column + " does not exist");
  }

  static Failure parseError(String what, String value, String details) {
    return error(
        400,
        "PGRST100",
        "\"failed to parse " + what + " (" + value + ")\" (line 1, column 1)",
        details,
        null);
  }

  static Failure invalidParameter(String message) {
    return sql(400, "22023", message);
  }

  static Failure invalidText(String type, String value) {
    return sql(400, "22P02", "invalid input syntax for type " + type + ": \"" + value + "\"");
  }

  static Failure checkViolation(String constraint) {
    return sql(
        400,
        "23514",
        "new row for relation \"" + TABLE + "\" violates check constraint \"" + constraint + "\"");
  }

  static Failure invalidBody() {
    return error(400, "PGRST102", "Empty or invalid json", null, null);
  }

  static Failure unknownBodyColumn(String column) {
    return error(
        400,
        "PGRST204",
        "Could not find the '" + column + "' column of '" + TABLE + "' in the schema cache",
        null,
        null);
  }

  static Failure notSingular(int rows, int postgrestMajor) {
    String message =
        postgrestMajor >= 13
            ? "Cannot coerce the result to a single JSON object"
            : "JSON object requested, multiple (or no) rows returned";
    return error(406, "PGRST116", message, "The result contains " + rows + " rows", null);
  }

  static Failure offsetPastEnd(long offset, long total) {
    Failure failure =
        error(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            "An offset of " + offset + " was requested, but there are only " + total + " rows.",
            null);
    return new Failure(failure.reply.withHeader("Content-Range", "*/" + total));
  }

  /**
   * A rule of the table broken, as {@link dev.codebasechat.schema.SessionTableRules} reports it.
   */
  static Failure of(dev.codebasechat.schema.TableConstraintException e) {
    return checkViolation(e.constraint());
  }

  static Failure unknownTable(String name, int postgrestMajor) {
    if (postgrestMajor < 13) {
      return new Failure(Reply.json(404, "{}"));
    }
    return error(
        404,
        "PGRST205",
        "Could not find the table 'public." + name + "' in the schema cache",
        null,
        null);
  }

  static Failure unknownFunction(String name, Iterable<String> argumentNames) {
    String args = String.join(", ", argumentNames);
    return error(
        404,
        "PGRST202",
        "Could not find the function public." + name + "(" + args + ") in the schema cache",
        "Searched for the function public."
            + name
            + (args.isEmpty() ? " without parameters" : " with parameters " + args)
            + " or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
        null);
  }

  static Failure withoutWhereClause(String verb) {
    return sql(400, "21000", verb + " requires a WHERE clause");
  }
}
