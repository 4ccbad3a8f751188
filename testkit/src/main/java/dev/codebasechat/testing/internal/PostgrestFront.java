package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.testing.internal.Backend.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The one PostgREST front (reference/postgrest.md, PostgREST 12–14): routes a request, checks its
 * keys and token ({@link ProjectKeys}), reads its grammar ({@link ApiRequest}, {@link Preferences},
 * {@link RowRange}, {@link MediaTypes}), resolves it against the backend's {@link Schema}, has the
 * {@link Backend} run the {@link Statement} (functions: {@link FunctionCalls}), and shapes the
 * answer: status (200/201/204/206/416), {@code Content-Range}, {@code Content-Type}, {@code
 * Content-Profile}, {@code Preference-Applied}, {@code Allow} for OPTIONS, and every error as
 * PostgREST writes it (a schema profile outside Supabase's {@code public, graphql_public} is
 * PGRST106). The same code answers for every backend, so two backends can differ only in what their
 * data and rules do. Thread-safe; never throws for anything a client may send.
 */
public final class PostgrestFront {
  static final String REST = "/rest/v1/";
  static final String JWKS = "/auth/v1/.well-known/jwks.json";

  /** Supabase's {@code db-schemas}: the tables and functions live in the first. */
  private static final List<String> EXPOSED_SCHEMAS = List.of("public", "graphql_public");

  private final Backend backend;
  private final ProjectKeys keys;
  private final int postgrestMajor;
  private final long maxRows;
  private final FunctionCalls functions;

  /** The methods of a table; any other is PGRST117 before the table is looked up. */
  private static final Set<String> TABLE_METHODS =
      Set.of("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS");

  /** The methods of a function; any other is PGRST101. */
  private static final Set<String> FUNCTION_METHODS = Set.of("GET", "HEAD", "POST", "OPTIONS");

  /**
   * @param maxRows PostgREST's {@code db-max-rows}; 0 for none
   */
  public PostgrestFront(Backend backend, ProjectKeys keys, int postgrestMajor, long maxRows) {
    this.backend = backend;
    this.keys = keys;
    this.postgrestMajor = postgrestMajor;
    this.maxRows = maxRows;
    this.functions = new FunctionCalls(backend, postgrestMajor);
  }

  /** One request as it arrived; header names in lower case. */
  public record Request(
      String method,
      String path,
      @Nullable String rawQuery,
      Map<String, List<String>> headers,
      byte[] body) {
    @Nullable String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  private Result run(Exchange x, Statement statement) {
    return backend.run(statement, x.who(), x.context());
  }

  public Reply handle(Request request) {
    if (request.path().equals(JWKS) && request.method().equals("GET")) {
      return Reply.json(200, keys.jwks()).sized();
    }
    if (!request.path().startsWith(REST)) {
      return Reply.json(404, "{\"message\":\"no Route matched with those values\"}").sized();
    }
    Identity who;
    List<ApiRequest.Param> parameters;
    try {
      parameters = ApiRequest.parameters(request.rawQuery());
      String apiKey = request.header("apikey");
      if (apiKey == null) {
        apiKey =
            parameters.stream()
                .filter(p -> p.key().equals("apikey") && p.value() != null)
                .map(ApiRequest.Param::value)
                .findFirst()
                .orElse(null);
      }
      who = keys.identify(apiKey, request.header("authorization"));
    } catch (PostgrestError e) {
      return e.reply(false, postgrestMajor);
    }
    try {
      Reply reply = route(request, who, parameters);
      // PostgREST 13+ sizes every answer but a 204 and a HEAD's (Response.hs, contentLengthHeader).
      boolean sized =
          postgrestMajor >= 13 && reply.status() != 204 && !request.method().equals("HEAD");
      return sized ? reply.sized() : reply;
    } catch (PostgrestError e) {
      return e.reply(who.authed(), postgrestMajor);
    } catch (RuntimeException e) {
      // A bug of the kit, not an answer PostgREST would give: say so plainly.
      return PostgrestError.of(500, "PGRSTX00", "the test kit failed: " + e, null, null)
          .reply(who.authed(), postgrestMajor);
    }
  }

  private Reply route(Request request, Identity who, List<ApiRequest.Param> parameters) {
    String resource = request.path().substring(REST.length());
    if (resource.isEmpty()) {
      throw PostgrestError.of(404, "PGRST126", "Root endpoint metadata is disabled", null, null);
    }
    // PostgREST's order: the path, the schema, the method, the query, the body, then the plan.
    String method = request.method().toUpperCase(Locale.ROOT);
    boolean function = resource.startsWith("rpc/") && resource.indexOf('/', 4) < 0;
    if (!function && resource.contains("/")) {
      throw PostgrestError.of(404, "PGRST125", "Invalid path specified in request URL", null, null);
    }
    String schemaName = profile(request, method);
    if (function && !FUNCTION_METHODS.contains(method)) {
      throw PostgrestError.of(
          405, "PGRST101", "Cannot use the " + method + " method on RPC", null, null);
    }
    if (!function && !TABLE_METHODS.contains(method)) {
      throw PostgrestError.of(405, "PGRST117", "Unsupported HTTP method: " + method, null, null);
    }
    boolean functionRead = function && (method.equals("GET") || method.equals("HEAD"));
    ApiRequest query = new ApiRequest(parameters, postgrestMajor, functionRead);
    Preferences prefer =
        new Preferences(
            request.headers().getOrDefault("prefer", List.of()),
            backend.schema().timezones()::contains,
            postgrestMajor);
    Exchange x =
        new Exchange(
            request,
            who,
            context(request, method, resource, prefer.get("timezone")),
            query,
            prefer,
            RowRange.of(query, request.header("range"), method.equals("GET")),
            schemaName);
    if (function) {
      return functions.call(x, resource.substring(4));
    }
    JsonNode payload =
        method.equals("POST") || method.equals("PATCH")
            ? Json.payload(request.body(), request.header("content-type"), method.equals("PATCH"))
            : null;
    boolean typedColumns = payload != null && !columns(query, payload).isEmpty();
    Schema.Table table = table(x, resource, method, typedColumns);
    if (table == null) {
      return Reply.json(404, "{}");
    }
    if (method.equals("OPTIONS")) {
      // A table is insertable, updatable and deletable, and with a primary key PUT applies too.
      String allow = "OPTIONS,GET,HEAD,POST" + (table.primaryKey().isEmpty() ? "" : ",PUT");
      return Reply.options(allow + ",PATCH,DELETE");
    }
    return switch (method) {
      case "GET", "HEAD" -> read(x, table, method.equals("HEAD"));
      case "POST" -> insert(x, table, Objects.requireNonNull(payload));
      case "PATCH" -> update(x, table, (ObjectNode) Objects.requireNonNull(payload));
      case "DELETE" -> delete(x, table);
      default -> throw PostgrestError.notInKit("PUT");
    };
  }

  /**
   * The table the request names. A missing one is PGRST205 with the closest name as hint; on
   * PostgREST 12 a read or delete runs its SQL and meets PostgreSQL's 42P01, other methods get an
   * empty 404.
   */
  private Schema.@Nullable Table table(
      Exchange x, String resource, String method, boolean typedColumns) {
    Schema schema = backend.schema();
    boolean exposed = x.schema().equals(schema.name());
    Schema.Table table = exposed ? schema.table(resource).orElse(null) : null;
    if (table != null) {
      return table;
    }
    if (postgrestMajor < 13) {
      if (!typedColumns && !method.equals("OPTIONS")) {
        throw PostgrestError.sql(
            "42P01", "relation \"" + x.schema() + "." + resource + "\" does not exist");
      }
      return null; // PostgREST 12's empty 404
    }
    String closest =
        exposed
            ? FuzzyHint.closest(
                schema.tables().keySet(),
                resource,
                postgrestMajor >= 14 ? FuzzyHint.NAMES : FuzzyHint.ANY)
            : null;
    throw PostgrestError.of(
        404,
        "PGRST205",
        "Could not find the table '" + x.schema() + "." + resource + "' in the schema cache",
        null,
        closest == null
            ? null
            : "Perhaps you meant the table '" + x.schema() + "." + closest + "'");
  }

  /** The request as the backend's settings hold it; {@code method} in upper case. */
  private static Backend.Context context(
      Request request, String method, String resource, @Nullable String timezone) {
    ObjectNode headers = Json.MAPPER.createObjectNode();
    for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
      List<String> values = header.getValue();
      if (!header.getKey().equals("apikey") && !values.isEmpty()) {
        headers.put(header.getKey(), values.get(0));
      }
    }
    return new Backend.Context(method, "/" + resource, headers.toString(), timezone);
  }

  /**
   * The schema the request names ({@code Accept-Profile} for GET and HEAD, {@code Content-Profile}
   * for writes), which must be one Supabase exposes; the default is {@code public}.
   */
  private String profile(Request request, String method) {
    boolean write = Set.of("POST", "PATCH", "PUT", "DELETE").contains(method);
    String profile = request.header(write ? "content-profile" : "accept-profile");
    if (profile == null) {
      return EXPOSED_SCHEMAS.get(0);
    }
    if (!EXPOSED_SCHEMAS.contains(profile)) {
      String exposed = String.join(", ", EXPOSED_SCHEMAS);
      throw postgrestMajor < 13
          ? PostgrestError.of(
              406, "PGRST106", "The schema must be one of the following: " + exposed, null, null)
          : PostgrestError.of(
              406,
              "PGRST106",
              "Invalid schema: " + profile,
              null,
              "Only the following schemas are exposed: " + exposed);
    }
    return profile;
  }

  // ------------------------------------------------------------------ tables

  private Reply read(Exchange x, Schema.Table table, boolean head) {
    x.query().refuseAggregates();
    MediaTypes.Answer answer = x.answer();
    x.prefer().refuseInvalidWhenStrict();
    Long limit = x.rows().limit();
    if (maxRows > 0) {
      limit = limit == null ? maxRows : Math.min(limit, maxRows);
    }
    long lower = x.rows().offset();
    Result result =
        run(
            x,
            new Statement.Read(
                table, x.query(), lower, limit, x.prefer().count(), maxRows, answer.singular()));
    long upper = lower + result.count() - 1;
    Long total = result.total();
    boolean unsatisfiable = total != null && lower > total;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        "Content-Range", unsatisfiable ? "*/" + total : Exchange.contentRange(lower, upper, total));
    headers.put("Content-Location", LocationHeaders.contentLocation(x.query().parameters(), table));
    x.putMedia(headers, answer);
    x.putApplied(headers, List.of("count", "handling", "timezone"));
    if (unsatisfiable) {
      // An answer PostgREST builds as a response, not as an error: no Proxy-Status.
      ObjectNode error = Json.MAPPER.createObjectNode().put("code", "PGRST103");
      error.put(
          "details",
          "An offset of " + lower + " was requested, but there are only " + total + " rows.");
      error.putNull("hint").put("message", "Requested range not satisfiable");
      return new Reply(416, headers, head ? null : Json.write(error));
    }
    int status = total != null && 1 + upper - lower < total ? 206 : 200;
    return Exchange.respond(
        result, status, headers, head ? null : answer.write(result.rows(), answer.singular()));
  }

  private Reply insert(Exchange x, Schema.Table table, JsonNode payload) {
    ApiRequest query = x.query();
    Preferences prefer = x.prefer();
    MediaTypes.Answer answer = writeAnswer(x);
    boolean headersOnly = "headers-only".equals(prefer.get("return"));
    if (prefer.get("missing") != null
        || (headersOnly && !query.select.equals(ApiRequest.SELECT_ALL))) {
      throw PostgrestError.notInKit(
          "Prefer: missing= on inserts, and return=headers-only with select=");
    }
    List<String> columns = columns(query, payload);
    requireColumns(table, columns);
    String resolution = prefer.get("resolution");
    List<String> conflict = query.onConflict != null ? query.onConflict : table.primaryKey();
    boolean upsert = resolution != null && !conflict.isEmpty();
    Result result =
        run(
            x,
            new Statement.Insert(
                table,
                query,
                columns,
                payload,
                upsert ? resolution : null,
                conflict,
                prefer.representation() || headersOnly,
                answer.singular()));
    boolean merge = upsert && "merge-duplicates".equals(resolution);
    int status = merge && result.inserted() != null && result.inserted() <= 0 ? 200 : 201;
    Map<String, String> headers = new LinkedHashMap<>();
    if (headersOnly && result.rows().size() == 1 && !table.primaryKey().isEmpty()) {
      headers.put("Location", LocationHeaders.location(table, result.rows().get(0)));
    }
    headers.put(
        "Content-Range", Exchange.contentRange(1, 0, prefer.counts() ? result.count() : null));
    List<String> applied = new ArrayList<>(List.of("return", "count", "handling", "timezone"));
    if (upsert) {
      applied.add("resolution");
    }
    x.putApplied(headers, applied);
    return written(result, status, headers, x, answer);
  }

  private Reply update(Exchange x, Schema.Table table, ObjectNode body) {
    MediaTypes.Answer answer = writeAnswer(x);
    List<String> columns = x.query().columns;
    if (columns != null && x.prefer().get("missing") != null) {
      throw PostgrestError.notInKit("Prefer: missing= with ?columns= on PATCH");
    }
    // ?columns= names what is set: other keys are ignored, a missing one sets NULL.
    ObjectNode payload = columns == null ? body : Json.only(body, columns);
    requireColumns(table, Json.fieldNames(payload));
    requireWhere(x.query(), "UPDATE");
    Result result =
        run(
            x,
            new Statement.Update(
                table,
                x.query(),
                payload,
                x.prefer().representation(),
                answer.singular(),
                x.prefer().maxAffected()));
    Long total = x.prefer().counts() ? result.count() : null;
    return changed(x, result, Exchange.contentRange(0, result.count() - 1, total), answer);
  }

  private Reply delete(Exchange x, Schema.Table table) {
    MediaTypes.Answer answer = writeAnswer(x);
    requireWhere(x.query(), "DELETE");
    Result result =
        run(
            x,
            new Statement.Delete(
                table,
                x.query(),
                x.prefer().representation(),
                answer.singular(),
                x.prefer().maxAffected()));
    Long total = x.prefer().counts() ? result.count() : null;
    return changed(x, result, Exchange.contentRange(1, 0, total), answer);
  }

  /** The answer to a PATCH or DELETE: 204, or 200 with the rows when they were asked for. */
  private Reply changed(Exchange x, Result result, String range, MediaTypes.Answer answer) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", range);
    List<String> applied = List.of("return", "count", "handling", "timezone", "max-affected");
    if (x.method().equals("PATCH")) {
      applied = List.of("missing", "return", "count", "handling", "timezone", "max-affected");
    }
    x.putApplied(headers, applied);
    return written(result, x.prefer().representation() ? 200 : 204, headers, x, answer);
  }

  private Reply written(
      Result result,
      int status,
      Map<String, String> headers,
      Exchange x,
      MediaTypes.Answer answer) {
    if (!x.prefer().representation()) {
      return Exchange.respond(result, status, headers, null);
    }
    x.putMedia(headers, answer);
    return Exchange.respond(
        result, status, headers, answer.write(result.rows(), answer.singular()));
  }

  /** A write's negotiated answer, after the refusals PostgREST's plan of a write makes first. */
  private static MediaTypes.Answer writeAnswer(Exchange x) {
    ApiRequest query = x.query();
    if (query.paged() || !query.order.isEmpty()) {
      throw PostgrestError.notInKit("limit, offset and order on writes");
    }
    query.refuseAggregates();
    x.prefer().refuseInvalidWhenStrict(); // before negotiation, as PostgREST plans writes
    return x.answer();
  }

  /** The columns a write names: {@code ?columns=}, else the keys of its body's (first) object. */
  private static List<String> columns(ApiRequest query, JsonNode payload) {
    if (query.columns != null) {
      return query.columns;
    }
    if (payload.isObject()) {
      return Json.fieldNames(payload);
    }
    return payload.isEmpty() ? List.of() : Json.fieldNames(payload.get(0));
  }

  /**
   * Supabase preloads pg-safeupdate for the authenticator: no UPDATE or DELETE without a filter.
   */
  private static void requireWhere(ApiRequest query, String command) {
    if (query.filters.isEmpty()) {
      throw PostgrestError.sql("21000", command + " requires a WHERE clause");
    }
  }

  /** PGRST204 for a key of the body that is no column of the table (a computed field too). */
  private static void requireColumns(Schema.Table table, List<String> columns) {
    for (String column : columns) {
      if (table.column(column).isEmpty()) {
        throw PostgrestError.of(
            400,
            "PGRST204",
            "Could not find the '"
                + column
                + "' column of '"
                + table.name()
                + "' in the schema cache",
            null,
            null);
      }
    }
  }
}
