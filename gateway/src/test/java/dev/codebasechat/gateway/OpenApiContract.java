package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;
import dev.codebasechat.gateway.GatewayClient.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenAPI document ({@code gateway/src/main/resources/openapi.json}) as the judge of every
 * answer the gateway's tests receive: {@link GatewayClient} hands each answer to {@link
 * #assertConforms}, so a status, a header or a body the document does not allow for that request
 * fails the test that received it, and the document cannot drift from the code.
 *
 * <p>What it checks, for the operation the request's method and path select: the status is one of
 * the operation's responses (a target that is not percent-encoded UTF-8 must get {@code
 * InvalidUrl}, a path that is no route {@code RouteNotFound}, a method the route does not take
 * {@code MethodNotAllowed}); every header the response requires is there, every header sent is
 * declared (besides the framing headers {@code Content-Type}, {@code Content-Length}, {@code Date},
 * {@code Connection}, {@code Transfer-Encoding}) and its value fits its schema; the media type is
 * the response's and the body fits its schema — JSON Schema 2020-12 in OpenAPI 3.1's dialect,
 * checked by networknt's json-schema-validator — or is empty when the response has no content. A
 * request sent as raw bytes may also get what only the HTTP layer answers ({@code
 * HttpLayerRefusal}: 400 or 431 without a JSON body).
 *
 * <p>Thread-safe; schemas are compiled once per JSON pointer.
 */
public final class OpenApiContract {
  /** The document the gateway serves, read from the class path as the gateway reads it. */
  public static final OpenApiContract GATEWAY = load();

  private static final String LOCATION = "classpath:openapi.json";
  private static final Set<String> FRAMING_HEADERS =
      Set.of("content-type", "content-length", "date", "connection", "transfer-encoding");
  private static final Set<Integer> HTTP_LAYER_STATUSES = Set.of(400, 431);
  private static final List<String> METHODS =
      List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  private final JsonNode document;
  private final JsonSchemaFactory factory;
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

  private OpenApiContract(JsonNode document) {
    this.document = document;
    this.factory =
        JsonSchemaFactory.getInstance(
            SpecVersion.VersionFlag.V202012,
            builder ->
                builder
                    .metaSchema(OpenApi31.getInstance())
                    .defaultMetaSchemaIri(OpenApi31.getInstance().getIri()));
  }

  private static OpenApiContract load() {
    try (InputStream in = OpenApiContract.class.getResourceAsStream(ApiDocument.RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(ApiDocument.RESOURCE + " is not on the class path");
      }
      return new OpenApiContract(GatewayClient.JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The document, as parsed. */
  public JsonNode document() {
    return document;
  }

  /**
   * @throws AssertionError listing what in {@code answer} the document does not allow for {@code
   *     method} on {@code target} (a path with an optional query)
   */
  public void assertConforms(String method, String target, Answer answer, boolean rawRequest) {
    List<String> problems = problems(method, target, answer, rawRequest);
    if (!problems.isEmpty()) {
      throw new AssertionError(
          "the answer to "
              + method
              + " "
              + abbreviate(target)
              + " breaks the OpenAPI document: "
              + String.join("; ", problems)
              + "\n  status "
              + answer.status()
              + ", headers "
              + answer.headers()
              + ", body "
              + abbreviate(answer.text()));
    }
  }

  /** What in {@code answer} the document does not allow; empty when it conforms. */
  public List<String> problems(String method, String target, Answer answer, boolean rawRequest) {
    List<String> problems = new ArrayList<>();
    if (rawRequest && isHttpLayerAnswer(answer)) {
      return problems;
    }
    String path =
        decodePath(target.contains("?") ? target.substring(0, target.indexOf('?')) : target);
    Optional<String> template = template(path);
    String responsePointer;
    if (!decodable(target)) {
      responsePointer = "/components/responses/InvalidUrl";
      if (answer.status() != 400) {
        problems.add(
            "the target "
                + abbreviate(target)
                + " is not percent-encoded UTF-8, so the answer must be 400");
        return problems;
      }
    } else if (template.isEmpty()) {
      responsePointer = "/components/responses/RouteNotFound";
      if (answer.status() != 404) {
        problems.add("no route has the path " + abbreviate(path) + ", so the answer must be 404");
        return problems;
      }
    } else {
      JsonNode item = document.path("paths").path(template.get());
      String operation = method.toLowerCase(Locale.ROOT);
      if (!METHODS.contains(operation) || !item.has(operation)) {
        responsePointer = "/components/responses/MethodNotAllowed";
        if (answer.status() != 405) {
          problems.add(method + " is no operation of " + template.get() + ", so 405 is due");
          return problems;
        }
      } else {
        String status = Integer.toString(answer.status());
        if (!item.path(operation).path("responses").has(status)) {
          problems.add(
              "status " + status + " is not documented for " + method + " " + template.get());
          return problems;
        }
        responsePointer =
            "/paths/" + escape(template.get()) + "/" + operation + "/responses/" + status;
      }
    }
    String resolved = resolve(responsePointer);
    JsonNode response = document.at(resolved);
    checkHeaders(resolved, response, answer, problems);
    checkBody(resolved, response, answer, problems);
    return problems;
  }

  private void checkHeaders(
      String pointer, JsonNode response, Answer answer, List<String> problems) {
    JsonNode declared = response.path("headers");
    for (Map.Entry<String, JsonNode> header : declared.properties()) {
      String headerPointer = resolve(pointer + "/headers/" + escape(header.getKey()));
      JsonNode definition = document.at(headerPointer);
      Optional<String> value = answer.header(header.getKey());
      if (value.isEmpty()) {
        if (definition.path("required").asBoolean(false)) {
          problems.add("the required header " + header.getKey() + " is missing");
        }
        continue;
      }
      JsonNode schema = document.at(headerPointer + "/schema");
      JsonNode typed = TextNode.valueOf(value.get());
      if ("integer".equals(schema.path("type").asText())) {
        try {
          typed = LongNode.valueOf(Long.parseLong(value.get().trim()));
        } catch (NumberFormatException e) {
          problems.add("header " + header.getKey() + " is not an integer: " + value.get());
          continue;
        }
      }
      for (ValidationMessage message : schemaAt(headerPointer + "/schema").validate(typed)) {
        problems.add("header " + header.getKey() + ": " + message.getMessage());
      }
    }
    for (String name : answer.headers().keySet()) {
      if (FRAMING_HEADERS.contains(name)) {
        continue;
      }
      boolean known = false;
      for (Iterator<String> it = declared.fieldNames(); it.hasNext(); ) {
        known |= it.next().equalsIgnoreCase(name);
      }
      if (!known) {
        problems.add("the header " + name + " is not documented for this response");
      }
    }
  }

  private void checkBody(String pointer, JsonNode response, Answer answer, List<String> problems) {
    JsonNode content = response.path("content");
    if (content.isMissingNode() || content.isEmpty()) {
      if (answer.body().length > 0) {
        problems.add("the response has no content in the document but a body was sent");
      }
      return;
    }
    String mediaType =
        answer.header("Content-Type").map(OpenApiContract::mediaType).orElse("(none)");
    if (!content.has(mediaType)) {
      problems.add(
          "media type "
              + mediaType
              + " is not documented ("
              + content.fieldNames().next()
              + " is)");
      return;
    }
    String schemaPointer = resolve(pointer + "/content/" + escape(mediaType) + "/schema");
    JsonNode body;
    if (mediaType.equals(Responses.JSON_TYPE)) {
      try {
        body = GatewayClient.JSON.readTree(answer.body());
      } catch (IOException e) {
        problems.add("the body is not JSON");
        return;
      }
    } else {
      body = TextNode.valueOf(new String(answer.body(), StandardCharsets.UTF_8));
    }
    for (ValidationMessage message : schemaAt(schemaPointer).validate(body)) {
      problems.add("body " + message.toString());
    }
  }

  /** The template of the path item that serves {@code path}, as the gateway matches it. */
  Optional<String> template(String path) {
    if (!path.startsWith("/")) {
      return Optional.empty();
    }
    String[] parts = path.substring(1).split("/", -1);
    for (Iterator<String> it = document.path("paths").fieldNames(); it.hasNext(); ) {
      String template = it.next();
      String[] expected = template.substring(1).split("/", -1);
      if (expected.length != parts.length) {
        continue;
      }
      boolean matches = true;
      for (int i = 0; i < parts.length && matches; i++) {
        matches = expected[i].startsWith("{") ? !parts[i].isEmpty() : expected[i].equals(parts[i]);
      }
      if (matches) {
        return Optional.of(template);
      }
    }
    return Optional.empty();
  }

  /** The schema at {@code pointer} of the document, compiled once. */
  JsonSchema schemaAt(String pointer) {
    return schemas.computeIfAbsent(
        pointer, p -> factory.getSchema(SchemaLocation.of(LOCATION + "#" + p)));
  }

  /** {@code pointer}, or where its {@code $ref} leads (within this document). */
  String resolve(String pointer) {
    JsonNode node = document.at(pointer);
    while (node.has("$ref")) {
      pointer = node.get("$ref").asText().substring(1);
      node = document.at(pointer);
    }
    return pointer;
  }

  private static boolean isHttpLayerAnswer(Answer answer) {
    return HTTP_LAYER_STATUSES.contains(answer.status())
        && !answer
            .header("Content-Type")
            .map(OpenApiContract::mediaType)
            .orElse("")
            .equals(Responses.JSON_TYPE);
  }

  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  /** JSON Pointer escaping of one reference token. */
  static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  /**
   * Percent-decoding as the gateway's HTTP server does it for the path: every escape but {@code
   * %2F}, which stays in its segment.
   */
  static String decodePath(String path) {
    StringBuilder out = new StringBuilder();
    java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%'
          && i + 2 < path.length()
          && isHex(path.charAt(i + 1))
          && isHex(path.charAt(i + 2))) {
        int value = Integer.parseInt(path.substring(i + 1, i + 3), 16);
        if (value != '/') {
          pending.write(value);
          i += 2;
          continue;
        }
      }
      if (pending.size() > 0) {
        out.append(pending.toString(StandardCharsets.UTF_8));
        pending.reset();
      }
      out.append(c);
    }
    out.append(pending.toString(StandardCharsets.UTF_8));
    return out.toString();
  }

  /**
   * Whether every part of {@code target} (the path, each query parameter's name and value) is
   * percent-encoded UTF-8: each {@code %} starts two hex digits, and the bytes decode as UTF-8.
   */
  static boolean decodable(String target) {
    int query = target.indexOf('?');
    List<String> parts = new ArrayList<>();
    parts.add(query < 0 ? target : target.substring(0, query));
    if (query >= 0) {
      for (String pair : target.substring(query + 1).split("&", -1)) {
        parts.addAll(List.of(pair.split("=", -1)));
      }
    }
    for (String part : parts) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        if (c != '%') {
          bytes.write(c);
          continue;
        }
        if (i + 2 >= part.length() || !isHex(part.charAt(i + 1)) || !isHex(part.charAt(i + 2))) {
          return false;
        }
        bytes.write(Integer.parseInt(part.substring(i + 1, i + 3), 16));
        i += 2;
      }
      try {
        StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
      } catch (java.nio.charset.CharacterCodingException e) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}
