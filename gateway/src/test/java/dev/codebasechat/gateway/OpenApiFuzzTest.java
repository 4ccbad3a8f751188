package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;
import dev.codebasechat.gateway.FuzzRequests.Operation;
import dev.codebasechat.gateway.FuzzRequests.Request;
import dev.codebasechat.gateway.GatewayClient.Answer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Requests generated from the OpenAPI document, sent to a real gateway (embedded default, real
 * SQLite) over HTTP: for every operation, valid requests drawn from its parameter and body schemas
 * ({@link SchemaValues}), and invalid ones — each a valid request with one thing the document
 * forbids (a required field dropped, a value of the wrong type, too long, out of range, off its
 * pattern or enum, an unknown field, a body that is no object or no JSON, a bad id, a bad or
 * missing token, another media type). Every answer is held to the document by {@link
 * GatewayClient}; a valid request must succeed (or get 413 when its body is over the gateway's
 * limit), an invalid one must be refused with a 4xx, and no answer may be a 5xx. Each try runs on a
 * session created for it. Bounded: a fixed number of tries per property, a few seconds in all.
 */
class OpenApiFuzzTest {

  private static final OpenApiContract CONTRACT = OpenApiContract.GATEWAY;

  private static Path dataDir;
  private static Settings settings;
  private static Gateway gateway;
  private static GatewayClient client;
  private static String token;

  @BeforeContainer
  static void start() throws IOException {
    dataDir = Files.createTempDirectory("openapi-fuzz");
    settings = Settings.fromEnvironment(Map.of("DATA_DIR", dataDir.toString()));
    gateway = Gateway.builder(settings).host("127.0.0.1").port(0).start();
    client = new GatewayClient(gateway.port());
    token = EmbeddedGatewayTest.token(dataDir, EmbeddedGatewayTest.ALICE);
  }

  @AfterContainer
  static void stop() throws IOException {
    gateway.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  // ------------------------------------------------------------------ properties

  @Property(tries = 300)
  void validRequests_succeed_andConform(@ForAll("validRequests") Request request) {
    Statistics.label("operation").collect(request.operation().toString());
    String session = freshSession();
    Optional<byte[]> body = request.bytes(session);
    assertBodyFitsItsSchema(request, session);

    Answer answer = send(request, session, body);

    boolean overTheLimit = body.map(b -> b.length > settings.maxBodyBytes()).orElse(false);
    assertThat(answer.status())
        .as("%s answered %s", request, answer.text())
        .isEqualTo(overTheLimit ? 413 : expectedSuccess(request.operation()));
  }

  @Property(tries = 400)
  void invalidRequests_areRefusedWithADocumented4xx(@ForAll("invalidRequests") Request request) {
    String session = freshSession();
    assertBodyBreaksItsSchemaWhenItShould(request, session);
    Statistics.label("operation").collect(request.operation().toString());
    Statistics.label("mutation")
        .collect(request.mutation().replaceAll("^(\\w+: \\w+( \\w+)?).*", "$1"));

    Answer answer = send(request, session, request.bytes(session));

    assertThat(answer.status()).as("%s answered %s", request, answer.text()).isBetween(400, 499);
  }

  private static Answer send(Request request, String session, Optional<byte[]> body) {
    Map<String, String> headers = new LinkedHashMap<>(request.headers());
    if (request.operation().needsToken() && !headers.containsKey("Authorization")) {
      headers.put("Authorization", "Bearer " + token);
    }
    // An empty Authorization stands for none at all.
    headers.remove("Authorization", "");
    if (body.isPresent() && !headers.containsKey("Content-Type")) {
      headers.put("Content-Type", Responses.JSON_TYPE);
    }
    Answer answer =
        client.exchange(request.operation().method(), request.target(session), headers, body);
    assertThat(answer.status()).as("%s answered %s", request, answer.text()).isLessThan(500);
    return answer;
  }

  private static int expectedSuccess(Operation operation) {
    return operation.definition().path("responses").has("201") ? 201 : 200;
  }

  private static String freshSession() {
    Answer created = client.post("/v1/sessions", token, "{}");
    assertThat(created.status()).isEqualTo(201);
    return created.json().path("id").asText();
  }

  /** A generated valid body must be one the document accepts: else the generator is wrong. */
  private static void assertBodyFitsItsSchema(Request request, String session) {
    Optional<JsonNode> schema = request.operation().bodySchema();
    if (schema.isPresent() && request.body().isPresent()) {
      assertThat(validate(schema.get(), request.body().get(), session))
          .as("the generated body of %s fits its schema", request)
          .isEmpty();
    }
  }

  /**
   * A mutated body must be one the document refuses, by its schema ({@code body:}) or in words (a
   * lone surrogate in a text the gateway reads); other mutations break something else.
   */
  private static void assertBodyBreaksItsSchemaWhenItShould(Request request, String session) {
    if (request.mutation().startsWith("body:")) {
      Assume.that(
          !validate(
                  request.operation().bodySchema().orElseThrow(),
                  request.body().orElseThrow(),
                  session)
              .isEmpty());
    } else if (request.mutation().startsWith("words:")) {
      String field = request.mutation().substring(request.mutation().lastIndexOf(' ') + 1);
      Assume.that(FuzzRequests.READ_TEXT.contains(field));
    }
  }

  private static Set<ValidationMessage> validate(JsonNode schema, JsonNode body, String session) {
    JsonNode concrete;
    try {
      concrete =
          GatewayClient.JSON.readTree(body.toString().replace(FuzzRequests.PLACEHOLDER, session));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return CONTRACT.schemaAt(schema.get("$ref").asText().substring(1)).validate(concrete);
  }

  @Provide
  Arbitrary<Request> validRequests() {
    return FuzzRequests.valid();
  }

  @Provide
  Arbitrary<Request> invalidRequests() {
    return FuzzRequests.invalid();
  }
}
