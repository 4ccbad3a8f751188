package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik generators of JSON values that a schema of the OpenAPI document accepts, read from the
 * document itself: {@code type} (one or several), {@code enum}, {@code const}, {@code
 * minLength}/{@code maxLength} in characters, {@code minimum}/{@code maximum}, {@code
 * minItems}/{@code maxItems}, {@code properties}, {@code required}, {@code minProperties}, {@code
 * additionalProperties}, {@code oneOf}, {@code $ref}, and an object's {@code oneOf} of narrowing
 * branches. A string with a {@code pattern} is drawn from the schema's {@code examples}, except the
 * few text patterns this class knows (no control characters, no U+0000, not blank); a pattern it
 * does not know without examples is an error, so a change to the document cannot silently go
 * unfuzzed. Strings mix ASCII, accented letters, CJK and emoji (two UTF-16 units, one character),
 * and now and then reach their maximum length exactly. Stateless.
 */
final class SchemaValues {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  static final String NO_CONTROL = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
  static final String NO_NUL = "^[^\\u0000]*$";
  static final String NOT_BLANK = "^[^\\u0000]*\\S[^\\u0000]*$";

  /** One character each: ASCII, punctuation a JSON string must escape, accents, CJK, emoji. */
  private static final List<String> PRINTABLE =
      List.of(
          "a",
          "b",
          "Z",
          "0",
          "9",
          " ",
          "-",
          "_",
          "/",
          ".",
          "\"",
          "\\",
          "é",
          "ß",
          "漢",
          "字",
          "\uD83D\uDE00",
          "\uD83D\uDC4D",
          "\u00A0");

  private static final List<String> WITH_CONTROLS =
      List.of("a", "b", "Z", "0", " ", "\"", "\\", "é", "漢", "\uD83D\uDE00", "\t", "\n", "\u0007");

  /** Longest text drawn at random; a maximum beyond it is reached by one exact-length draw. */
  private static final int TYPICAL_MAX = 300;

  private final JsonNode document;

  SchemaValues(JsonNode document) {
    this.document = document;
  }

  /** Values the schema at {@code pointer} accepts. */
  Arbitrary<JsonNode> at(String pointer) {
    return of(document.at(pointer));
  }

  /** Values {@code schema} accepts. */
  Arbitrary<JsonNode> of(JsonNode schema) {
    JsonNode resolved = resolve(schema);
    if (resolved.has("const")) {
      return Arbitraries.just(resolved.get("const"));
    }
    if (resolved.has("enum")) {
      List<JsonNode> values = new ArrayList<>();
      resolved.get("enum").forEach(values::add);
      return Arbitraries.of(values);
    }
    if (resolved.has("oneOf") && !resolved.has("type")) {
      List<Arbitrary<JsonNode>> branches = new ArrayList<>();
      resolved.get("oneOf").forEach(branch -> branches.add(of(branch)));
      return Arbitraries.oneOf(branches);
    }
    JsonNode type = resolved.path("type");
    if (type.isArray()) {
      List<Arbitrary<JsonNode>> types = new ArrayList<>();
      for (JsonNode each : type) {
        ObjectNode single = resolved.deepCopy();
        single.set("type", each);
        types.add(of(single));
      }
      return Arbitraries.oneOf(types);
    }
    return switch (type.asText("")) {
      case "null" -> Arbitraries.just(NODES.nullNode());
      case "boolean" -> Arbitraries.of(NODES.booleanNode(true), NODES.booleanNode(false));
      case "integer" -> integers(resolved);
      case "string" -> strings(resolved);
      case "array" -> arrays(resolved);
      case "object" -> objects(resolved);
      case "" -> anyJson(2);
      default -> throw new IllegalArgumentException("no generator for type " + type);
    };
  }

  /** {@code schema}, or what its {@code $ref} leads to. */
  JsonNode resolve(JsonNode schema) {
    JsonNode node = schema;
    while (node.has("$ref")) {
      node = document.at(node.get("$ref").asText().substring(1));
    }
    return node;
  }

  private static Arbitrary<JsonNode> integers(JsonNode schema) {
    long min = schema.path("minimum").asLong(Long.MIN_VALUE / 2);
    long max = schema.path("maximum").asLong(Long.MAX_VALUE / 2);
    return Arbitraries.longs().between(min, max).map(NODES::numberNode);
  }

  private static Arbitrary<JsonNode> strings(JsonNode schema) {
    Optional<String> pattern = Optional.ofNullable(schema.path("pattern").textValue());
    if (pattern.isPresent() && !Set.of(NO_CONTROL, NO_NUL, NOT_BLANK).contains(pattern.get())) {
      if (!schema.has("examples")) {
        throw new IllegalArgumentException(
            "a string with the pattern " + pattern.get() + " needs examples to be generated");
      }
      List<JsonNode> examples = new ArrayList<>();
      schema.get("examples").forEach(examples::add);
      return Arbitraries.of(examples);
    }
    List<String> alphabet =
        pattern.map(NO_CONTROL::equals).orElse(false) ? PRINTABLE : WITH_CONTROLS;
    boolean notBlank = pattern.map(NOT_BLANK::equals).orElse(false);
    int min = Math.max(schema.path("minLength").asInt(0), notBlank ? 1 : 0);
    int max = schema.path("maxLength").asInt(TYPICAL_MAX);
    Arbitrary<String> text =
        Arbitraries.of(alphabet)
            .list()
            .ofMinSize(min)
            .ofMaxSize(Math.min(max, TYPICAL_MAX))
            .map(characters -> String.join("", characters));
    if (notBlank) {
      text = text.map(t -> "x" + t.substring(Math.min(t.length(), firstCharacterLength(t))));
    }
    if (max > TYPICAL_MAX) {
      // The limit itself, in characters that take two UTF-16 units each, or one.
      Arbitrary<String> longest =
          Arbitraries.of("\uD83D\uDE00", "x").map(character -> character.repeat(max));
      text = Arbitraries.frequencyOf(Tuple.of(30, text), Tuple.of(1, longest));
    }
    return text.map(NODES::textNode);
  }

  private static int firstCharacterLength(String text) {
    return text.isEmpty() ? 0 : Character.charCount(text.codePointAt(0));
  }

  private Arbitrary<JsonNode> arrays(JsonNode schema) {
    int min = schema.path("minItems").asInt(0);
    int max = schema.path("maxItems").asInt(5);
    Arbitrary<List<JsonNode>> small =
        of(schema.path("items")).list().ofMinSize(min).ofMaxSize(Math.min(max, 4));
    Arbitrary<List<JsonNode>> full = of(schema.path("items")).list().ofSize(max);
    return Arbitraries.frequencyOf(Tuple.of(40, small), Tuple.of(1, full))
        .map(
            items -> {
              ArrayNode array = NODES.arrayNode();
              items.forEach(array::add);
              return array;
            });
  }

  private Arbitrary<JsonNode> objects(JsonNode schema) {
    if (schema.has("oneOf")) {
      List<Arbitrary<JsonNode>> branches = new ArrayList<>();
      schema.get("oneOf").forEach(branch -> branches.add(objects(narrowed(schema, branch))));
      return Arbitraries.oneOf(branches);
    }
    JsonNode properties = schema.path("properties");
    if (properties.isEmpty()) {
      return anyObject(2);
    }
    Set<String> required = new java.util.HashSet<>();
    schema.path("required").forEach(name -> required.add(name.asText()));
    List<Arbitrary<Optional<Map.Entry<String, JsonNode>>>> fields = new ArrayList<>();
    for (Map.Entry<String, JsonNode> property : properties.properties()) {
      Arbitrary<Optional<Map.Entry<String, JsonNode>>> value =
          of(property.getValue()).map(v -> Optional.of(Map.entry(property.getKey(), v)));
      fields.add(
          required.contains(property.getKey())
              ? value
              : value.optional().map(o -> o.flatMap(x -> x)));
    }
    boolean openToOthers =
        !schema.path("additionalProperties").isBoolean()
            || schema.path("additionalProperties").asBoolean();
    int minProperties = schema.path("minProperties").asInt(0);
    Arbitrary<ObjectNode> object =
        Combinators.combine(fields)
            .as(
                entries -> {
                  ObjectNode node = NODES.objectNode();
                  entries.forEach(
                      entry -> entry.ifPresent(e -> node.set(e.getKey(), e.getValue())));
                  return node;
                })
            .filter(node -> node.size() >= minProperties);
    if (openToOthers) {
      // Fields the document does not know, as the original's clients send them.
      object =
          Combinators.combine(object, Arbitraries.of(false, true))
              .as(
                  (node, extra) -> {
                    if (extra) {
                      node.put("useLLM", true);
                      node.putArray("files").add("src/Main.java");
                    }
                    return node;
                  });
    }
    return object.map(node -> node);
  }

  /** {@code schema} with the branch's required fields and the branch's type for its properties. */
  private ObjectNode narrowed(JsonNode schema, JsonNode branch) {
    ObjectNode merged = schema.deepCopy();
    merged.remove("oneOf");
    ArrayNode required = merged.withArrayProperty("required");
    branch.path("required").forEach(required::add);
    ObjectNode properties = merged.withObjectProperty("properties");
    for (Map.Entry<String, JsonNode> narrowing : branch.path("properties").properties()) {
      ObjectNode property = resolve(properties.path(narrowing.getKey())).deepCopy();
      property.set("type", narrowing.getValue().get("type"));
      properties.set(narrowing.getKey(), property);
    }
    return merged;
  }

  /** Any small JSON value, text without U+0000 (which a request may never carry). */
  static Arbitrary<JsonNode> anyJson(int depth) {
    List<Arbitrary<JsonNode>> leaves =
        List.of(
            Arbitraries.just(NODES.nullNode()),
            Arbitraries.of(true, false).map(NODES::booleanNode),
            Arbitraries.longs().map(NODES::numberNode),
            Arbitraries.doubles().between(-1e9, 1e9).map(NODES::numberNode),
            Arbitraries.of(PRINTABLE)
                .list()
                .ofMaxSize(20)
                .map(c -> NODES.textNode(String.join("", c))));
    if (depth == 0) {
      return Arbitraries.oneOf(leaves);
    }
    List<Arbitrary<JsonNode>> all = new ArrayList<>(leaves);
    all.add(anyObject(depth - 1));
    all.add(
        Arbitraries.lazy(() -> anyJson(depth - 1))
            .list()
            .ofMaxSize(4)
            .map(
                items -> {
                  ArrayNode array = NODES.arrayNode();
                  items.forEach(array::add);
                  return array;
                }));
    return Arbitraries.oneOf(all);
  }

  /** A small JSON object with arbitrary keys. */
  static Arbitrary<JsonNode> anyObject(int depth) {
    Arbitrary<String> keys =
        Arbitraries.of(PRINTABLE).list().ofMinSize(1).ofMaxSize(8).map(c -> String.join("", c));
    return Combinators.combine(keys, Arbitraries.lazy(() -> anyJson(Math.max(0, depth - 1))))
        .as(Map::entry)
        .list()
        .ofMaxSize(4)
        .map(
            entries -> {
              ObjectNode node = NODES.objectNode();
              entries.forEach(e -> node.set(e.getKey(), e.getValue()));
              return node;
            });
  }
}
