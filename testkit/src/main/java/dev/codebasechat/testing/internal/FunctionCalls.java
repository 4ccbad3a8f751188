package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.testing.internal.Backend.Result;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * PostgREST's calls of functions, {@code POST /rpc/<name>} (reference/postgrest.md §1.7): the
 * arguments read from the body by its {@code Content-Type} (a JSON object, the first object of an
 * array, form fields; {@code ?columns=} names them), the function found by its name and argument
 * names (else PGRST202 as PostgREST words it for each version), {@code Prefer: max-affected} and
 * {@code count}, and the answer: the value, the set, or 204 for a void function. {@code OPTIONS}
 * answers which methods the function takes. Calls with GET, and filters, paging, order or select on
 * a function's result, are not implemented: PGRST127 once the function is found. Thread-safe.
 */
final class FunctionCalls {
  private final Backend backend;
  private final int postgrestMajor;

  /**
   * The function a request names: its schema and name, the functions of that name ({@code
   * overloads}) and of that schema ({@code all}), from which PostgREST's hints are drawn.
   */
  private record Named(
      String schema, String name, List<Schema.Routine> overloads, Collection<String> all) {
    String qualified() {
      return schema + "." + name;
    }
  }

  FunctionCalls(Backend backend, int postgrestMajor) {
    this.backend = backend;
    this.postgrestMajor = postgrestMajor;
  }

  Reply call(Exchange x, String name) {
    String method = x.method(); // GET, HEAD, POST or OPTIONS: the front refused the others
    Schema schema = backend.schema();
    boolean exposed = x.schema().equals(schema.name());
    List<Schema.Routine> routines = exposed ? schema.routines(name) : List.of();
    Named function =
        new Named(x.schema(), name, routines, exposed ? schema.routineNames() : List.of());
    if (method.equals("OPTIONS")) {
      // Found as a call without arguments: a function that needs some is not found.
      Schema.Routine routine = find(function, MediaTypes.Body.FORM, Json.MAPPER.createObjectNode());
      return Reply.options(routine.volatileFunction() ? "OPTIONS,POST" : "OPTIONS,GET,HEAD,POST");
    }
    ObjectNode arguments;
    Schema.Routine routine;
    if (!method.equals("POST")) {
      // GET and HEAD: the query string's arguments, as text; the call runs read-only.
      arguments = Json.MAPPER.createObjectNode();
      x.query().arguments.forEach(arguments::put);
      routine = find(function, MediaTypes.Body.FORM, arguments);
    } else if (postgrestMajor < 13 && "single-object".equals(x.prefer().get("params"))) {
      routine =
          singleJson(routines)
              .orElseThrow(
                  () -> notFound(function, "", " with a single json/jsonb parameter", null));
      arguments = Json.MAPPER.createObjectNode();
      arguments.set(routine.parameters().get(0).name(), body(x));
    } else {
      MediaTypes.Body type = MediaTypes.Body.of(x.request().header("content-type"));
      arguments = arguments(x, type, function);
      routine = find(function, type, arguments);
    }
    ApiRequest query = x.query();
    query.refuseAggregates();
    if (!query.filters.isEmpty()
        || query.paged()
        // PostgREST pages a GET's answer by its Range header too (others' it ignores).
        || (method.equals("GET") && !RowRange.of(query, x.request().header("range"), true).whole())
        || !query.order.isEmpty()
        || !query.select.equals(ApiRequest.SELECT_ALL)) {
      throw PostgrestError.notInKit("filters, paging, order and select on function results");
    }
    MediaTypes.Answer answer = x.answer();
    x.prefer().refuseInvalidWhenStrict();
    Long max = x.prefer().maxAffected();
    if (max != null && postgrestMajor >= 13 && routine.returns().single()) {
      throw PostgrestError.of(
          400,
          "PGRST128",
          "Function must return SETOF or TABLE when max-affected preference is used with"
              + " handling=strict",
          null,
          null);
    }
    boolean single = routine.returns().single();
    Result result =
        backend.run(
            new Statement.Call(routine, query, arguments, answer.singular() && !single, max),
            x.who(),
            x.context());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        "Content-Range",
        Exchange.contentRange(0, result.count() - 1, x.prefer().counts() ? result.count() : null));
    x.putApplied(headers, List.of("params", "count", "handling", "timezone", "max-affected"));
    if (routine.returns() == Schema.Returns.VOID) {
      return Exchange.respond(result, 204, headers, null);
    }
    x.putMedia(headers, answer);
    boolean one = answer.singular() || single;
    return Exchange.respond(
        result, 200, headers, method.equals("HEAD") ? null : answer.write(result.rows(), one));
  }

  /** The arguments as PostgREST's {@code getPayload} reads them for a call. */
  private ObjectNode arguments(Exchange x, MediaTypes.Body type, Named function) {
    byte[] body = x.request().body();
    ObjectNode read =
        switch (type) {
          case JSON -> Json.objectOf(body(x));
          case FORM -> Json.formFields(body);
          case CSV -> throw PostgrestError.notInKit("text/csv request bodies");
          case OTHER ->
              throw MediaTypes.notAcceptable(String.valueOf(x.request().header("content-type")));
          default -> throw noFunction(function, Set.of(), type);
        };
    List<String> columns = x.query().columns;
    if (columns == null || type != MediaTypes.Body.JSON) {
      return read; // PostgREST names form fields by their own keys
    }
    // ?columns= names the arguments: others are dropped, a missing one is NULL.
    return Json.only(read, columns);
  }

  /** The JSON body; an empty one is an empty object. */
  private static JsonNode body(Exchange x) {
    byte[] body = x.request().body();
    return body.length == 0 ? Json.MAPPER.createObjectNode() : Json.parse(body);
  }

  /** The first function of one json or jsonb parameter. */
  private static Optional<Schema.Routine> singleJson(List<Schema.Routine> routines) {
    return routines.stream()
        .filter(r -> r.parameters().size() == 1)
        .filter(r -> Set.of("json", "jsonb").contains(r.parameters().get(0).type()))
        .findFirst();
  }

  private Schema.Routine find(Named function, MediaTypes.Body type, ObjectNode arguments) {
    Set<String> given = new TreeSet<>(Json.fieldNames(arguments));
    for (Schema.Routine routine : function.overloads()) {
      if (routine.accepts(given)) {
        return routine;
      }
    }
    if (postgrestMajor < 14 && type == MediaTypes.Body.JSON) {
      // Before 14.2, a function of one json/jsonb parameter was taken whatever its name, and
      // called without an argument: PostgreSQL then finds no such function.
      Schema.Routine json = singleJson(function.overloads()).orElse(null);
      if (json != null) {
        if (json.parameters().get(0).hasDefault()) {
          arguments.removeAll(); // called without its argument, which has a default
          return json;
        }
        throw PostgrestError.sql(
            "42883",
            "function " + function.qualified() + "() does not exist",
            null,
            "No function matches the given name and argument types. You might need to add"
                + " explicit type casts.");
      }
    }
    throw noFunction(function, given, type);
  }

  /** PGRST202 as PostgREST words it for the body's media type, with its hint. */
  private PostgrestError noFunction(Named function, Set<String> given, MediaTypes.Body type) {
    String keys = String.join(", ", given);
    String unnamed = type.unnamedParameter();
    if (unnamed != null) {
      return notFound(function, "", " with a single unnamed " + unnamed + " parameter", null);
    }
    String parameters =
        given.isEmpty()
            ? " without parameters"
            : " with parameter" + (given.size() > 1 ? "s " : " ") + keys;
    return notFound(
        function,
        given.isEmpty() ? " without parameters" : "(" + keys + ")",
        parameters
            + (type == MediaTypes.Body.JSON
                ? " or with a single unnamed json/jsonb parameter"
                : ""),
        hint(function, given));
  }

  /** PGRST202: no function {@code function}{@code signature}, searched for as {@code searched}. */
  private static PostgrestError notFound(
      Named function, String signature, String searched, @Nullable String hint) {
    return PostgrestError.of(
        404,
        "PGRST202",
        "Could not find the function " + function.qualified() + signature + " in the schema cache",
        "Searched for the function "
            + function.qualified()
            + searched
            + ", but no matches were found in the schema cache.",
        hint);
  }

  /**
   * PostgREST's {@code noRpcHint}: the closest parameter list of a function of that name, else the
   * closest function name of the schema.
   */
  private @Nullable String hint(Named function, Set<String> given) {
    String match;
    if (function.overloads().isEmpty()) {
      double minScore = postgrestMajor >= 14 ? FuzzyHint.NAMES : FuzzyHint.ANY;
      match = FuzzyHint.closest(function.all(), function.name(), minScore);
    } else {
      List<String> lists = new ArrayList<>();
      for (Schema.Routine routine : function.overloads()) {
        lists.add(listed(routine.parameters().stream().map(Schema.Parameter::name).toList()));
      }
      String parameters = FuzzyHint.closest(lists, listed(given), FuzzyHint.ANY);
      match = parameters == null ? null : function.name() + parameters;
    }
    return match == null
        ? null
        : "Perhaps you meant to call the function " + function.schema() + "." + match;
  }

  /** {@code (a, b)}: names sorted, as PostgREST lists parameters in its hints. */
  private static String listed(Collection<String> names) {
    return "(" + String.join(", ", new TreeSet<>(names)) + ")";
  }
}
