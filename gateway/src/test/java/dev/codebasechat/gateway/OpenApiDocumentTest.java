package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document itself: valid OpenAPI 3.1 as OpenAPI tools read it, served as checked in,
 * and bound to the code it describes — the route table, every error code the gateway's sources can
 * answer with its status, and every limit, pattern and default the code defines, so that neither
 * can change without the other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenApiDocumentTest {
  private static final Path CHECKED_IN = Path.of("gateway/src/main/resources/openapi.json");
  private static final Path SOURCES = Path.of("gateway/src/main/java/dev/codebasechat/gateway");
  private static final JsonNode DOCUMENT = OpenApiContract.GATEWAY.document();

  @TempDir Path dataDir;

  private static JsonNode schema(String name) {
    return DOCUMENT.path("components").path("schemas").path(name);
  }

  @Test
  void theDocument_isValidOpenApi31_asOpenApiToolsReadIt() throws IOException {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result =
        new OpenAPIV3Parser()
            .readContents(Files.readString(CHECKED_IN, StandardCharsets.UTF_8), null, options);

    assertThat(result.getMessages()).isEmpty();
    assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
    assertThat(result.getOpenAPI().getPaths()).hasSize(Routes.values().length);
    // The same reading finds a document that is not valid (the check can fail).
    com.fasterxml.jackson.databind.node.ObjectNode broken = DOCUMENT.deepCopy();
    broken.remove("info");
    broken.withObjectProperty("paths").withObjectProperty("/healthz").put("get", 5);
    assertThat(new OpenAPIV3Parser().readContents(broken.toString(), null, options).getMessages())
        .isNotEmpty();
  }

  @Test
  void getOpenapiJson_servesTheCheckedInDocument_withoutAToken() throws IOException {
    Settings settings = Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString()));
    try (Gateway gateway = Gateway.builder(settings).host("127.0.0.1").port(0).start()) {
      Answer answer =
          new GatewayClient(gateway.port())
              .send("GET", "/openapi.json", Optional.empty(), Optional.empty());

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.header("Content-Type")).contains(Responses.JSON_TYPE);
      assertThat(answer.body()).isEqualTo(Files.readAllBytes(CHECKED_IN));
    }
  }

  @Test
  void everyRouteAndMethodOfTheGateway_isDocumented_andNoOther() {
    Map<String, Set<String>> documented = new HashMap<>();
    for (Map.Entry<String, JsonNode> item : DOCUMENT.path("paths").properties()) {
      Set<String> methods = new TreeSet<>();
      item.getValue()
          .fieldNames()
          .forEachRemaining(
              name -> {
                if (!name.equals("parameters")) {
                  methods.add(name.toUpperCase(java.util.Locale.ROOT));
                }
              });
      documented.put(item.getKey(), methods);
    }
    Map<String, Set<String>> served = new HashMap<>();
    for (Routes route : Routes.values()) {
      served.put(route.template(), new TreeSet<>(List.of(route.allowHeader().split(", "))));
    }

    assertThat(documented).isEqualTo(served);
    for (Routes route : Routes.values()) {
      for (String method : served.get(route.template())) {
        JsonNode operation =
            DOCUMENT
                .path("paths")
                .path(route.template())
                .path(method.toLowerCase(java.util.Locale.ROOT));
        assertThat(operation.path("security").isArray() && operation.path("security").isEmpty())
            .as(
                "%s %s needs no token in the document exactly when the gateway says so",
                method, route.template())
            .isEqualTo(route.isPublic());
      }
    }
  }

  /**
   * Every {@code ApiError} the gateway's sources make, by its factory, is in the document under its
   * status; and every documented code is made somewhere.
   */
  @Test
  void everyErrorCodeTheSourcesMake_isDocumentedUnderItsStatus_andNoOther() throws IOException {
    Map<String, Set<String>> made = errorCodesInTheSources();
    Map<String, Set<String>> documented = new HashMap<>();
    for (Iterator<String> it = DOCUMENT.path("components").path("schemas").fieldNames();
        it.hasNext(); ) {
      String name = it.next();
      if (name.matches("Error[0-9]{3}")) {
        Set<String> codes = new TreeSet<>();
        schema(name).at("/allOf/1/properties/code/enum").forEach(code -> codes.add(code.asText()));
        documented.put(name.substring("Error".length()), codes);
      }
    }
    documented.put("404", union(documented.get("404"), Set.of("route_not_found")));
    // Any request's answer, documented as its own response (InvalidUrl), as route_not_found is.
    documented.put(
        "400",
        union(
            documented.get("400"),
            Set.of(schema("InvalidUrlError").at("/allOf/1/properties/code/const").asText())));
    documented.put("405", Set.of("method_not_allowed"));

    assertThat(documented).isEqualTo(made);
  }

  @Test
  void theDocumentsLimits_areTheCodes() {
    JsonNode parameters = DOCUMENT.path("components").path("parameters");
    assertThat(parameters.at("/Limit/schema/maximum").asInt()).isEqualTo(SessionQuery.MAX_LIMIT);
    assertThat(parameters.at("/Limit/schema/default").asInt())
        .isEqualTo(SessionRoutes.DEFAULT_LIMIT);
    assertThat(parameters.at("/Offset/schema/maximum").asInt()).isEqualTo(SessionRoutes.MAX_OFFSET);
    assertThat(parameters.at("/Last/schema/maximum").asInt()).isEqualTo(Integer.MAX_VALUE);
    assertThat(schema("Repo").path("maxLength").asInt())
        .isEqualTo(SessionTableRules.MAX_REPO_LENGTH);
    assertThat(schema("CurrentFile").path("maxLength").asInt())
        .isEqualTo(SessionTableRules.MAX_CURRENT_FILE_LENGTH);
    assertThat(schema("Content").path("maxLength").asInt())
        .isEqualTo(ChatMessage.MAX_CONTENT_LENGTH);
    assertThat(schema("CompatChatRequest").at("/properties/message/maxLength").asInt())
        .isEqualTo(ChatMessage.MAX_CONTENT_LENGTH);
    assertThat(schema("AppendMany").at("/properties/messages/maxItems").asInt())
        .isEqualTo(SessionStore.DEFAULT_MAX_MESSAGES_PER_APPEND);
    assertThat(schema("CompatChatRequest").at("/properties/messages/maxItems").asInt())
        .isEqualTo(SessionStore.DEFAULT_MAX_MESSAGES_PER_APPEND);
    assertThat(schema("SessionId").path("pattern").asText())
        .isEqualTo(SessionTableRules.SESSION_ID.pattern());
    assertThat(schema("SessionId").path("maxLength").asInt()).isEqualTo(SessionId.MAX_LENGTH);
    assertThat(schema("MessageId").path("pattern").asText())
        .isEqualTo(SessionTableRules.MESSAGE_ID.pattern());
    assertThat(schema("TimestampInput").at("/oneOf/0/pattern").asText())
        .isEqualTo(SessionJson.TIMESTAMP_INPUT.pattern());
    Set<String> roles = new HashSet<>();
    schema("Role").path("enum").forEach(role -> roles.add(role.asText()));
    assertThat(roles).isEqualTo(SessionTableRules.ROLES);
  }

  /** The contract's judge reads bodies through components: every media type's schema is a $ref. */
  @Test
  void everyBodySchema_isAReferenceToAComponent() {
    List<String> inline = new ArrayList<>();
    collectInlineBodies(DOCUMENT, "", inline);
    assertThat(inline).isEmpty();
  }

  private static void collectInlineBodies(JsonNode node, String pointer, List<String> out) {
    if (!node.isContainerNode()) {
      return;
    }
    if (node.isObject() && node.has("content") && node.get("content").isObject()) {
      node.get("content")
          .properties()
          .forEach(
              media -> {
                // A response's or a request body's media types (a schema property may be named
                // "content" too).
                if (media.getKey().contains("/") && !media.getValue().path("schema").has("$ref")) {
                  out.add(pointer + "/content/" + media.getKey());
                }
              });
    }
    if (node.isObject()) {
      node.properties()
          .forEach(e -> collectInlineBodies(e.getValue(), pointer + "/" + e.getKey(), out));
    } else {
      for (int i = 0; i < node.size(); i++) {
        collectInlineBodies(node.get(i), pointer + "/" + i, out);
      }
    }
  }

  /** Status to codes, read from the calls of ApiError's factories in the gateway's sources. */
  private static Map<String, Set<String>> errorCodesInTheSources() throws IOException {
    Map<Pattern, String> factories = new java.util.LinkedHashMap<>();
    factories.put(Pattern.compile("ApiError\\.of\\(\\s*(\\d{3}),\\s*\"([a-z_]+)\""), null);
    factories.put(Pattern.compile("ApiError\\.badRequest\\(\\s*\"([a-z_]+)\""), "400");
    factories.put(Pattern.compile("ApiError\\.unavailable\\(\\s*\"([a-z_]+)\""), "503");
    factories.put(Pattern.compile("ApiError\\.unauthorized\\(\\s*\"([a-z_]+)\""), "401");
    factories.put(Pattern.compile("\\bof\\(\\s*(\\d{3}),\\s*\"([a-z_]+)\""), null);
    factories.put(Pattern.compile("\\bbadRequest\\(\\s*\"([a-z_]+)\""), "400");
    Map<String, Set<String>> made = new HashMap<>();
    try (Stream<Path> files = Files.list(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file, StandardCharsets.UTF_8);
        for (Map.Entry<Pattern, String> factory : factories.entrySet()) {
          Matcher call = factory.getKey().matcher(source);
          while (call.find()) {
            String status = factory.getValue() == null ? call.group(1) : factory.getValue();
            String code = call.group(factory.getValue() == null ? 2 : 1);
            made.computeIfAbsent(status, s -> new TreeSet<>()).add(code);
          }
        }
      }
    }
    // The named factories of ApiError itself.
    made.computeIfAbsent("400", s -> new TreeSet<>())
        .addAll(Set.of("invalid_json", "invalid_field", "missing_field"));
    made.computeIfAbsent("404", s -> new TreeSet<>()).add("session_not_found");
    made.computeIfAbsent("405", s -> new TreeSet<>()).add("method_not_allowed");
    return made;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}
