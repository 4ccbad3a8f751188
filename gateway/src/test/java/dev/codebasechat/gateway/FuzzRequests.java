package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The requests of the fuzz run ({@link OpenApiFuzzTest}), generated from the OpenAPI document:
 * valid ones drawn from each operation's parameter and body schemas ({@link SchemaValues}), and
 * invalid ones, each a valid request with one thing the document forbids. Every request stands for
 * a session of its own by {@link #PLACEHOLDER}, replaced when it is sent. Stateless.
 */
final class FuzzRequests {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final String PLACEHOLDER = "chat-1-placeholder0id";

  /** Fields whose values are any JSON: a change inside them breaks no schema. */
  private static final Set<String> FREE_FORM = Set.of("code", "contextCache", "metadata");

  /** The text fields the gateway reads (an unknown field of the compatible route is ignored). */
  static final Set<String> READ_TEXT =
      Set.of("sessionId", "message", "role", "content", "id", "repo", "currentFile");

  /** Stands for a lone surrogate, written as the JSON escape the generator cannot produce. */
  private static final String LONE_SURROGATE = "<lone-surrogate>";

  private static final OpenApiContract CONTRACT = OpenApiContract.GATEWAY;
  private static final SchemaValues VALUES = new SchemaValues(CONTRACT.document());

  private FuzzRequests() {}

  /** One operation of the document. */
  record Operation(String method, String template, JsonNode definition) {
    @Override
    public String toString() {
      return method + " " + template;
    }

    List<JsonNode> parameters(String in) {
      List<JsonNode> out = new ArrayList<>();
      JsonNode item = CONTRACT.document().path("paths").path(template);
      for (JsonNode list : List.of(item.path("parameters"), definition.path("parameters"))) {
        for (JsonNode parameter : list) {
          JsonNode resolved = VALUES.resolve(parameter);
          if (resolved.path("in").asText().equals(in)) {
            out.add(resolved);
          }
        }
      }
      return out;
    }

    Optional<JsonNode> bodySchema() {
      JsonNode body = VALUES.resolve(definition.path("requestBody"));
      JsonNode schema = body.path("content").path(Responses.JSON_TYPE).path("schema");
      return schema.isMissingNode() ? Optional.empty() : Optional.of(schema);
    }

    boolean bodyRequired() {
      return VALUES.resolve(definition.path("requestBody")).path("required").asBoolean(false);
    }

    boolean needsToken() {
      return !definition.has("security") || !definition.get("security").isEmpty();
    }
  }

  /** A request; {@link #PLACEHOLDER} stands for the session created for the try. */
  record Request(
      Operation operation,
      Map<String, List<String>> query,
      Optional<JsonNode> body,
      Optional<String> rawBody,
      String sessionId,
      Map<String, String> headers,
      String mutation) {

    String target(String session) {
      String path = operation.template().replace("{id}", sessionId.replace(PLACEHOLDER, session));
      StringBuilder query = new StringBuilder();
      this.query.forEach(
          (name, values) ->
              values.forEach(
                  value ->
                      query
                          .append(query.length() == 0 ? "?" : "&")
                          .append(name)
                          .append('=')
                          .append(
                              URLEncoder.encode(
                                      value.replace(PLACEHOLDER, session), StandardCharsets.UTF_8)
                                  .replace("+", "%20"))));
      return path + query;
    }

    Optional<byte[]> bytes(String session) {
      Optional<String> text = rawBody.or(() -> body.map(JsonNode::toString));
      return text.map(
          t ->
              t.replace(PLACEHOLDER, session)
                  .replace(LONE_SURROGATE, "\\ud800")
                  .getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      String shown = rawBody.or(() -> body.map(JsonNode::toString)).orElse("");
      return operation
          + (mutation.isEmpty() ? "" : " [" + mutation + "]")
          + " query="
          + query
          + " headers="
          + headers.keySet()
          + " body="
          + (shown.length() > 200 ? shown.substring(0, 200) + "…" : shown);
    }
  }

  static List<Operation> operations() {
    List<Operation> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> item : CONTRACT.document().path("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : item.getValue().properties()) {
        if (!op.getKey().equals("parameters")) {
          out.add(
              new Operation(
                  op.getKey().toUpperCase(java.util.Locale.ROOT), item.getKey(), op.getValue()));
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ valid requests

  /** A valid request of any operation. */
  static Arbitrary<Request> valid() {
    return Arbitraries.of(operations()).flatMap(FuzzRequests::valid);
  }

  private static Arbitrary<Request> valid(Operation operation) {
    Arbitrary<Map<String, List<String>>> query = query(operation);
    Arbitrary<Optional<JsonNode>> body =
        operation
            .bodySchema()
            .map(
                schema -> {
                  Arbitrary<Optional<JsonNode>> present =
                      VALUES.of(schema).map(FuzzRequests::withTheSession).map(Optional::of);
                  return operation.bodyRequired()
                      ? present
                      : Arbitraries.oneOf(present, Arbitraries.just(Optional.<JsonNode>empty()));
                })
            .orElse(Arbitraries.just(Optional.empty()));
    Arbitrary<String> mediaType =
        Arbitraries.of(Responses.JSON_TYPE, "application/json; charset=utf-8", "Application/JSON");
    return Combinators.combine(query, body, mediaType)
        .as(
            (q, b, type) -> {
              Map<String, List<String>> parameters = new LinkedHashMap<>(q);
              if (operation.template().equals("/api/codebase/chat")
                  && operation.method().equals("DELETE")
                  && b.isEmpty()) {
                // The session is named by the body or, without one, by ?sessionId= (the document
                // says so in words: one schema cannot).
                parameters.put("sessionId", List.of(PLACEHOLDER));
              }
              Map<String, String> headers = new LinkedHashMap<>();
              if (b.isPresent()) {
                headers.put("Content-Type", type);
              }
              return new Request(
                  operation, parameters, b, Optional.empty(), PLACEHOLDER, headers, "");
            });
  }

  /** Query parameters: each optional one present or not, or present and empty (same as absent). */
  private static Arbitrary<Map<String, List<String>>> query(Operation operation) {
    List<Arbitrary<Optional<Map.Entry<String, String>>>> parameters = new ArrayList<>();
    for (JsonNode parameter : operation.parameters("query")) {
      String name = parameter.path("name").asText();
      Arbitrary<String> value =
          isSessionId(parameter.path("schema"))
              ? Arbitraries.just(PLACEHOLDER)
              : VALUES.of(parameter.path("schema")).map(FuzzRequests::queryText);
      Arbitrary<Optional<Map.Entry<String, String>>> present =
          value.map(v -> Optional.of(Map.entry(name, v)));
      if (parameter.path("required").asBoolean(false)) {
        parameters.add(present);
      } else {
        parameters.add(
            Arbitraries.oneOf(
                present,
                Arbitraries.just(Optional.of(Map.entry(name, ""))),
                Arbitraries.just(Optional.empty())));
      }
    }
    return Combinators.combine(parameters)
        .as(
            entries -> {
              Map<String, List<String>> query = new LinkedHashMap<>();
              entries.forEach(e -> e.ifPresent(p -> query.put(p.getKey(), List.of(p.getValue()))));
              return query;
            });
  }

  private static String queryText(JsonNode value) {
    return value.isTextual() ? value.textValue() : value.toString();
  }

  private static boolean isSessionId(JsonNode schema) {
    return schema.path("$ref").asText().endsWith("/SessionId");
  }

  /** A body naming a session names the one created for the try. */
  private static JsonNode withTheSession(JsonNode body) {
    if (body.isObject() && body.has("sessionId")) {
      ((ObjectNode) body).put("sessionId", PLACEHOLDER);
    }
    return body;
  }

  // ------------------------------------------------------------------ invalid requests

  /** A valid request with one thing the document forbids; an operation with a body more often. */
  static Arbitrary<Request> invalid() {
    // Operations that take a body are drawn more often: a body has the most to break.
    List<Tuple.Tuple2<Integer, Arbitrary<Operation>>> operations = new ArrayList<>();
    for (Operation operation : operations()) {
      if (operation.needsToken()) {
        operations.add(
            Tuple.of(operation.bodySchema().isPresent() ? 3 : 1, Arbitraries.just(operation)));
      }
    }
    return Arbitraries.frequencyOf(operations)
        .flatMap(operation -> valid(operation).flatMap(FuzzRequests::broken));
  }

  private static Arbitrary<Request> broken(Request valid) {
    Operation operation = valid.operation();
    // Weighted: a body has the most to break.
    List<Tuple.Tuple2<Integer, Arbitrary<Request>>> ways = new ArrayList<>();
    ways.add(
        Tuple.of(
            1,
            Arbitraries.of(
                    "",
                    "Bearer",
                    "Bearer x.y.z",
                    "Basic Zm9vOmJhcg==",
                    "Bearer " + "A".repeat(9_000))
                .map(header -> withToken(valid, header))));
    if (operation.template().contains("{id}")) {
      ways.add(
          Tuple.of(
              1,
              Arbitraries.of(
                      "chat-1-x",
                      "CHAT-1737201600000-abcdef12",
                      "chat-1737201600000-" + "a".repeat(41),
                      "..",
                      "chat-1737201600000-abc%20def",
                      "eq.chat-1737201600000-abcdef12")
                  .map(id -> withId(valid, id))));
    }
    for (JsonNode parameter : operation.parameters("query")) {
      ways.add(Tuple.of(2, brokenQuery(valid, parameter)));
    }
    if (valid.body().isPresent()) {
      ways.add(Tuple.of(8, brokenBody(valid)));
      ways.add(
          Tuple.of(
              2,
              Arbitraries.of(
                      "[]", "42", "\"text\"", "null", "{", "{\"a\":}", "{} {}", "{\"a\":1,\"a\":2}")
                  .map(raw -> withRawBody(valid, raw))));
      ways.add(
          Tuple.of(
              1,
              Arbitraries.of(
                      "text/plain",
                      "application/x-www-form-urlencoded",
                      "application/json; charset=latin1")
                  .map(type -> withMediaType(valid, type))));
    } else if (operation.method().equals("GET")) {
      ways.add(
          Tuple.of(
              1,
              Arbitraries.just(
                  new Request(
                      operation,
                      valid.query(),
                      Optional.of(NODES.objectNode()),
                      Optional.empty(),
                      valid.sessionId(),
                      Map.of("Content-Type", Responses.JSON_TYPE),
                      "a GET with a body"))));
    }
    return Arbitraries.frequencyOf(ways);
  }

  private static Request withToken(Request valid, String authorization) {
    Map<String, String> headers = new LinkedHashMap<>(valid.headers());
    headers.put("Authorization", authorization);
    return mutated(
        valid,
        headers,
        authorization.isEmpty() ? "no token" : "token " + authorization.split(" ")[0]);
  }

  private static Request withId(Request valid, String id) {
    return new Request(
        valid.operation(),
        valid.query(),
        valid.body(),
        valid.rawBody(),
        id,
        valid.headers(),
        "path: id " + id);
  }

  private static Request withRawBody(Request valid, String raw) {
    return new Request(
        valid.operation(),
        valid.query(),
        valid.body(),
        Optional.of(raw),
        valid.sessionId(),
        valid.headers(),
        "json: " + raw);
  }

  private static Request withMediaType(Request valid, String type) {
    Map<String, String> headers = new LinkedHashMap<>(valid.headers());
    headers.put("Content-Type", type);
    return mutated(valid, headers, "media type " + type);
  }

  private static Request mutated(Request valid, Map<String, String> headers, String what) {
    return new Request(
        valid.operation(),
        valid.query(),
        valid.body(),
        valid.rawBody(),
        valid.sessionId(),
        headers,
        what);
  }

  private static Arbitrary<Request> brokenQuery(Request valid, JsonNode parameter) {
    String name = parameter.path("name").asText();
    JsonNode schema = VALUES.resolve(parameter.path("schema"));
    List<String> values = new ArrayList<>(List.of("a\u0007b"));
    if (schema.path("type").asText().equals("integer")) {
      values = new ArrayList<>(List.of("abc", "1.5", "1e3", "+1", "99999999999999", "0x10"));
      values.add(Long.toString(schema.path("minimum").asLong() - 1));
      if (schema.has("maximum")) {
        values.add(Long.toString(schema.path("maximum").asLong() + 1));
      }
    } else if (schema.has("maxLength")) {
      values.add("r".repeat(schema.path("maxLength").asInt() + 1));
    }
    if (isSessionId(parameter.path("schema"))) {
      values.add("chat-1-x");
    }
    Arbitrary<Request> badValue =
        Arbitraries.of(values)
            .map(value -> withQuery(valid, name, List.of(value), "query: " + name + "=" + value));
    List<String> current = valid.query().getOrDefault(name, List.of());
    String twice =
        current.isEmpty() || current.get(0).isEmpty()
            ? (isSessionId(parameter.path("schema")) ? PLACEHOLDER : "1")
            : current.get(0);
    Arbitrary<Request> repeated =
        Arbitraries.just(
            withQuery(valid, name, List.of(twice, twice), "query: " + name + " twice"));
    return Arbitraries.oneOf(badValue, repeated);
  }

  private static Request withQuery(Request valid, String name, List<String> values, String what) {
    Map<String, List<String>> query = new LinkedHashMap<>(valid.query());
    query.put(name, values);
    return new Request(
        valid.operation(),
        query,
        valid.body(),
        valid.rawBody(),
        valid.sessionId(),
        valid.headers(),
        what);
  }

  /** The valid body with one thing its schema forbids, somewhere in it. */
  private static Arbitrary<Request> brokenBody(Request valid) {
    JsonNode body = valid.body().orElseThrow();
    List<String> pointers = new ArrayList<>();
    collectObjects(body, "", pointers);
    return Combinators.combine(
            Arbitraries.of(pointers),
            Arbitraries.of(
                "drop a field",
                "wrong type",
                "unknown field",
                "too long",
                "empty",
                "control character",
                "NUL",
                "unpaired surrogate",
                "out of range"),
            Arbitraries.integers().between(0, 1_000))
        .as(
            (pointer, how, pick) -> {
              ObjectNode copy = body.deepCopy();
              ObjectNode target = (ObjectNode) (pointer.isEmpty() ? copy : copy.at(pointer));
              List<String> names = new ArrayList<>();
              target.fieldNames().forEachRemaining(names::add);
              String field = names.isEmpty() ? "x" : names.get(pick % names.size());
              switch (how) {
                case "drop a field" -> target.remove(field);
                case "wrong type" ->
                    target.set(
                        field,
                        target.path(field).isTextual()
                            ? NODES.numberNode(42)
                            : NODES.textNode("not-" + target.path(field).getNodeType()));
                case "unknown field" -> target.put("bogus" + pick, 1);
                case "too long" -> target.put(field, "x".repeat(200_001));
                case "empty" -> target.put(field, "");
                case "control character" -> target.put(field, "a\u0007b");
                case "NUL" -> target.put(field, "a\u0000b");
                case "unpaired surrogate" -> target.put(field, "a" + LONE_SURROGATE + "b");
                default -> target.put(field, pick % 2 == 0 ? -1 : 253_402_300_800_000L);
              }
              return new Request(
                  valid.operation(),
                  valid.query(),
                  Optional.of(copy),
                  Optional.empty(),
                  valid.sessionId(),
                  valid.headers(),
                  (how.equals("unpaired surrogate") ? "words: " : "body: ")
                      + how
                      + " at "
                      + (pointer.isEmpty() ? "/" : pointer)
                      + " "
                      + field);
            });
  }

  private static void collectObjects(JsonNode node, String pointer, List<String> out) {
    if (node.isObject()) {
      out.add(pointer);
      node.properties()
          .forEach(
              e -> {
                if (!FREE_FORM.contains(e.getKey())) {
                  collectObjects(
                      e.getValue(), pointer + "/" + OpenApiContract.escape(e.getKey()), out);
                }
              });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectObjects(node.get(i), pointer + "/" + i, out);
      }
    }
  }
}
