package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.testing.internal.Backend.Result;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The one PostgREST front (reference/postgrest.md, PostgREST 12–14): routes a request, checks its
 * keys and token ({@link ProjectKeys}), reads its grammar ({@link ApiRequest}, {@link Preferences},
 * the {@code Accept} media type), resolves it against the backend's {@link Schema}, has the {@link
 * Backend} run the {@link Statement}, and shapes the answer: status (200/201/204/206/416), {@code
 * Content-Range}, {@code Content-Type}, {@code Content-Profile}, {@code Preference-Applied}, the
 * single-object media type, and every error as PostgREST writes it (a schema profile outside
 * Supabase's {@code public, graphql_public} is PGRST106). The same code answers for every backend,
 * so two backends can differ only in what their data and rules do. Thread-safe; never throws for
 * anything a client may send.
 */
public final class PostgrestFront {
  static final String REST = "/rest/v1/";
  static final String JWKS = "/auth/v1/.well-known/jwks.json";
  private static final String OBJECT = "application/vnd.pgrst.object+json";

  /** Supabase's {@code db-schemas}: the tables and functions live in the first. */
  private static final List<String> EXPOSED_SCHEMAS = List.of("public", "graphql_public");

  private final Backend backend;
  private final ProjectKeys keys;
  private final int postgrestMajor;
  private final long maxRows;

  /**
   * @param maxRows PostgREST's {@code db-max-rows}; 0 for none
   */
  public PostgrestFront(Backend backend, ProjectKeys keys, int postgrestMajor, long maxRows) {
    this.backend = backend;
    this.keys = keys;
    this.postgrestMajor = postgrestMajor;
    this.maxRows = maxRows;
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

  /** What every part of answering one request needs. */
  private record Exchange(
      Request request,
      Identity who,
      Backend.Context context,
      ApiRequest query,
      Preferences prefer,
      boolean singular,
      String schema) {}

  private Result run(Exchange x, Statement statement) {
    return backend.run(statement, x.who(), x.context());
  }

  public Reply handle(Request request) {
    if (request.path().equals(JWKS) && request.method().equals("GET")) {
      return Reply.json(200, keys.jwks());
    }
    if (!request.path().startsWith(REST)) {
      return Reply.json(404, "{\"message\":\"no Route matched with those values\"}");
    }
    Identity who;
    List<Map.Entry<String, String>> parameters;
    try {
      parameters = ApiRequest.parameters(request.rawQuery());
      String apiKey = request.header("apikey");
      if (apiKey == null) {
        apiKey =
            parameters.stream()
                .filter(p -> p.getKey().equals("apikey"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
      }
      who = keys.identify(apiKey, request.header("authorization"));
    } catch (PostgrestError e) {
      return e.reply(false, postgrestMajor);
    }
    try {
      return route(request, who, new ApiRequest(parameters));
    } catch (PostgrestError e) {
      return e.reply(who.authed(), postgrestMajor);
    } catch (RuntimeException e) {
      // A bug of the kit, not an answer PostgREST would give: say so plainly.
      return PostgrestError.of(500, "PGRSTX00", "the test kit failed: " + e, null, null)
          .reply(who.authed(), postgrestMajor);
    }
  }

  private Reply route(Request request, Identity who, ApiRequest query) {
    String resource = request.path().substring(REST.length());
    if (resource.isEmpty()) {
      throw PostgrestError.of(404, "PGRST126", "Root endpoint metadata is disabled", null, null);
    }
    String method = request.method().toUpperCase(Locale.ROOT);
    String schemaName = profile(request, method); // PGRST106 before any other refusal
    Exchange x =
        new Exchange(
            request,
            who,
            context(request, resource),
            query,
            new Preferences(request.headers().getOrDefault("prefer", List.of())),
            singular(request.header("accept")),
            schemaName);
    if (resource.startsWith("rpc/") && resource.indexOf('/', 4) < 0) {
      return call(x, resource.substring(4));
    }
    if (resource.contains("/")) {
      throw PostgrestError.of(404, "PGRST125", "Invalid path specified in request URL", null, null);
    }
    Schema schema = backend.schema();
    Schema.Table table =
        x.schema().equals(schema.name()) ? schema.table(resource).orElse(null) : null;
    if (table == null) {
      if (postgrestMajor < 13) {
        return Reply.json(404, "{}");
      }
      throw PostgrestError.of(
          404,
          "PGRST205",
          "Could not find the table '" + x.schema() + "." + resource + "' in the schema cache",
          null,
          null);
    }
    return switch (method) {
      case "GET", "HEAD" -> read(x, table, method.equals("HEAD"));
      case "POST" -> insert(x, table);
      case "PATCH" -> update(x, table);
      case "DELETE" -> delete(x, table);
      case "PUT" -> throw PostgrestError.notImplemented("PUT (not implemented by the test kit)");
      default ->
          throw PostgrestError.of(
              405, "PGRST117", "Unsupported HTTP method: " + method, null, null);
    };
  }

  private static Backend.Context context(Request request, String resource) {
    ObjectNode headers = Json.MAPPER.createObjectNode();
    request
        .headers()
        .forEach(
            (name, values) -> {
              if (!name.equals("apikey") && !values.isEmpty()) {
                headers.put(name, values.get(0));
              }
            });
    return new Backend.Context(
        request.method().toUpperCase(Locale.ROOT), "/" + resource, headers.toString());
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

  private static boolean singular(@Nullable String accept) {
    if (accept == null || accept.isBlank()) {
      return false;
    }
    String lower = accept.toLowerCase(Locale.ROOT);
    if (lower.contains(OBJECT)) {
      return true;
    }
    if (lower.contains("application/json") || lower.contains("*/*")) {
      return false;
    }
    throw PostgrestError.of(
        406, "PGRST107", "None of these media types are available: " + accept, null, null);
  }

  // ------------------------------------------------------------------ tables

  private Reply read(Exchange x, Schema.Table table, boolean head) {
    ApiRequest query = x.query();
    Long limit = query.limit.isPresent() ? Long.valueOf(query.limit.getAsLong()) : null;
    if (maxRows > 0) {
      limit = limit == null ? maxRows : Math.min(limit, maxRows);
    }
    Result result =
        run(x, new Statement.Read(table, query, limit, x.prefer().counts(), x.singular()));
    long lower = query.offset;
    long upper = lower + result.count() - 1;
    Long total = result.total();
    int status = 200;
    if (total != null) {
      if (lower > total) {
        throw PostgrestError.of(
                416,
                "PGRST103",
                "Requested range not satisfiable",
                "An offset of " + lower + " was requested, but there are only " + total + " rows.",
                null)
            .withHeader("Content-Range", "*/" + total);
      }
      if (1 + upper - lower < total) {
        status = 206;
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", contentRange(lower, upper, total));
    putMedia(headers, x, x.singular());
    putApplied(headers, x.prefer(), List.of("count"));
    return respond(result, status, headers, head ? null : body(result, x.singular()));
  }

  private Reply insert(Exchange x, Schema.Table table) {
    ApiRequest query = x.query();
    Preferences prefer = x.prefer();
    if ("headers-only".equals(prefer.get("return")) || prefer.get("missing") != null) {
      throw PostgrestError.notImplemented(
          "Prefer: return=headers-only and missing= (not implemented by the test kit)");
    }
    refuseRangeOnWrites(query);
    JsonNode payload = Json.payload(x.request().body(), false);
    List<String> columns;
    if (query.columns != null) {
      columns = query.columns;
    } else if (payload.isObject()) {
      columns = Json.fieldNames(payload);
    } else {
      columns = payload.isEmpty() ? List.of() : Json.fieldNames(payload.get(0));
      for (JsonNode element : payload) {
        if (!new TreeSet<>(columns).equals(new TreeSet<>(Json.fieldNames(element)))) {
          throw PostgrestError.invalidBody("All object keys must match");
        }
      }
    }
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
                prefer.representation(),
                x.singular()));
    boolean merge = upsert && "merge-duplicates".equals(resolution);
    int status = merge && result.inserted() != null && result.inserted() <= 0 ? 200 : 201;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", contentRange(1, 0, prefer.counts() ? result.count() : null));
    putApplied(
        headers,
        prefer,
        upsert ? List.of("resolution", "return", "count") : List.of("return", "count"));
    return written(result, status, headers, x);
  }

  private Reply update(Exchange x, Schema.Table table) {
    refuseRangeOnWrites(x.query());
    ObjectNode payload = (ObjectNode) Json.payload(x.request().body(), true);
    requireColumns(table, Json.fieldNames(payload));
    requireWhere(x.query(), "UPDATE");
    Result result =
        run(
            x,
            new Statement.Update(
                table, x.query(), payload, x.prefer().representation(), x.singular()));
    return changed(x, result, contentRange(0, result.count() - 1, counted(x.prefer(), result)));
  }

  private Reply delete(Exchange x, Schema.Table table) {
    refuseRangeOnWrites(x.query());
    requireWhere(x.query(), "DELETE");
    Result result =
        run(x, new Statement.Delete(table, x.query(), x.prefer().representation(), x.singular()));
    return changed(x, result, contentRange(1, 0, counted(x.prefer(), result)));
  }

  private static @Nullable Long counted(Preferences prefer, Result result) {
    return prefer.counts() ? result.count() : null;
  }

  /** The answer to a PATCH or DELETE: 204, or 200 with the rows when they were asked for. */
  private Reply changed(Exchange x, Result result, String range) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", range);
    putApplied(headers, x.prefer(), List.of("return", "count"));
    return written(result, x.prefer().representation() ? 200 : 204, headers, x);
  }

  private Reply written(Result result, int status, Map<String, String> headers, Exchange x) {
    if (!x.prefer().representation()) {
      return respond(result, status, headers, null);
    }
    putMedia(headers, x, x.singular());
    return respond(result, status, headers, body(result, x.singular()));
  }

  private static void refuseRangeOnWrites(ApiRequest query) {
    if (query.limit.isPresent() || query.offset > 0 || !query.order.isEmpty()) {
      throw PostgrestError.notImplemented(
          "limit, offset and order on writes (not implemented by the test kit)");
    }
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

  // ------------------------------------------------------------------ functions

  private Reply call(Exchange x, String name) {
    ApiRequest query = x.query();
    boolean singular = x.singular();
    String method = x.request().method().toUpperCase(Locale.ROOT);
    if (method.equals("GET") || method.equals("HEAD")) {
      throw PostgrestError.notImplemented(
          "calling functions with GET (not implemented by the test kit)");
    }
    if (!method.equals("POST")) {
      throw PostgrestError.of(
          405, "PGRST101", "Cannot use the " + method + " method on RPC", null, null);
    }
    if (!query.filters.isEmpty() || query.limit.isPresent() || query.offset > 0) {
      throw PostgrestError.notImplemented(
          "filters and paging on function results (not implemented by the test kit)");
    }
    byte[] body = x.request().body();
    JsonNode arguments = body.length == 0 ? Json.MAPPER.createObjectNode() : Json.parse(body);
    if (!(arguments instanceof ObjectNode object)) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
    Set<String> given = new TreeSet<>(Json.fieldNames(object));
    Schema schema = backend.schema();
    List<Schema.Routine> routines =
        x.schema().equals(schema.name()) ? schema.routines(name) : List.of();
    Schema.Routine routine =
        routines.stream()
            .filter(r -> r.accepts(given))
            .findFirst()
            .orElseThrow(() -> noFunction(x.schema() + "." + name, given));
    Result result =
        run(x, new Statement.Call(routine, query, object, singular && !routine.returns().single()));
    if (routine.returns() == Schema.Returns.VOID) {
      return respond(result, 204, new LinkedHashMap<>(), null);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", contentRange(0, result.count() - 1, null));
    putMedia(headers, x, singular);
    boolean one = singular || routine.returns().single();
    return respond(result, 200, headers, body(result, one));
  }

  private static PostgrestError noFunction(String function, Set<String> given) {
    String keys = String.join(", ", given);
    return PostgrestError.of(
        404,
        "PGRST202",
        "Could not find the function "
            + function
            + (given.isEmpty() ? " without parameters" : "(" + keys + ")")
            + " in the schema cache",
        "Searched for the function "
            + function
            + (given.isEmpty()
                ? " without parameters"
                : " with parameter" + (given.size() > 1 ? "s " : " ") + keys)
            + " or with a single unnamed json/jsonb parameter, but no matches were found in the"
            + " schema cache.",
        null);
  }

  // ------------------------------------------------------------------ answers

  /** PostgREST's {@code contentRangeH}. */
  private static String contentRange(long lower, long upper, @Nullable Long total) {
    boolean totalNotZero = total == null || total != 0;
    String range = totalNotZero && lower <= upper ? lower + "-" + upper : "*";
    return range + "/" + (total == null ? "*" : total.toString());
  }

  /**
   * {@code Content-Type}, and {@code Content-Profile}: with more than one schema exposed, PostgREST
   * names the one it answered from.
   */
  private static void putMedia(Map<String, String> headers, Exchange x, boolean singular) {
    headers.put("Content-Type", singular ? OBJECT + "; charset=utf-8" : Reply.JSON);
    headers.put("Content-Profile", x.schema());
  }

  private static void putApplied(
      Map<String, String> headers, Preferences prefer, List<String> keys) {
    String applied = prefer.applied(keys);
    if (applied != null) {
      headers.put("Preference-Applied", applied);
    }
  }

  private static String body(Result result, boolean one) {
    if (one) {
      return Json.write(result.rows().isEmpty() ? Json.MAPPER.nullNode() : result.rows().get(0));
    }
    ArrayNode array = Json.MAPPER.createArrayNode();
    result.rows().forEach(array::add);
    return Json.write(array);
  }

  /** Applies what SQL set in {@code response.status} and {@code response.headers}. */
  private static Reply respond(
      Result result, int status, Map<String, String> headers, @Nullable String body) {
    int answered = status;
    if (result.gucStatus() != null) {
      try {
        answered = Integer.parseInt(result.gucStatus().strip());
      } catch (NumberFormatException e) {
        throw PostgrestError.of(
            500, "PGRST112", "response.status guc must be a valid status code", null, null);
      }
    }
    if (result.gucHeaders() != null) {
      try {
        for (JsonNode entry : Json.MAPPER.readTree(result.gucHeaders())) {
          entry.properties().forEach(f -> headers.putIfAbsent(f.getKey(), f.getValue().asText()));
        }
      } catch (IOException | RuntimeException e) {
        throw PostgrestError.of(
            500,
            "PGRST111",
            "response.headers guc must be a JSON array composed of objects with a single key and a"
                + " string value",
            null,
            null);
      }
    }
    return new Reply(answered, headers, body);
  }
}
