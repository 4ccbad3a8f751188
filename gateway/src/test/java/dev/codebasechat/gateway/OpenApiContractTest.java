package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.gateway.GatewayClient.Answer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The judge itself: answers the document allows pass, and each way an answer can break it — a
 * status, a header, a media type or a body it does not document — is caught and named.
 */
class OpenApiContractTest {
  private static final OpenApiContract CONTRACT = OpenApiContract.GATEWAY;
  private static final String SESSION =
      """
      {"id":"chat-1737201600000-abcdef12","repo":null,"currentFile":null,"contextCache":{},
       "metadata":{},"messageCount":1,"messages":[{"id":"m1","role":"user","content":"hi",
       "timestamp":"2025-01-18T12:00:00.000000Z"}],"lastActivity":"2025-01-18T12:00:00.000000Z"}""";

  private static Answer answer(int status, String body, String... headers) {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("content-type", "application/json");
    map.put("cache-control", "no-store");
    map.put("date", "Sat, 18 Jan 2025 12:00:00 GMT");
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i].toLowerCase(java.util.Locale.ROOT), headers[i + 1]);
    }
    return new Answer(status, map, body.getBytes(StandardCharsets.UTF_8));
  }

  private static Answer session(String body) {
    return answer(200, body, "X-Session-Source", "cache", "X-Pending-Writes", "0");
  }

  @Test
  void aDocumentedAnswer_conforms() {
    assertThat(
            CONTRACT.problems(
                "GET", "/v1/sessions/chat-1737201600000-abcdef12", session(SESSION), false))
        .isEmpty();
    assertThat(
            CONTRACT.problems(
                "GET",
                "/v1/sessions/chat-1737201600000-abcdef12?last=1",
                answer(
                    503,
                    "{\"error\":\"later\",\"code\":\"session_unavailable\",\"retryAfterSeconds\":1}",
                    "Retry-After",
                    "1"),
                false))
        .isEmpty();
  }

  @Test
  void anUndocumentedStatus_isCaught() {
    assertThat(
            CONTRACT.problems(
                "GET",
                "/v1/sessions/chat-1737201600000-abcdef12",
                answer(418, "{\"error\":\"x\",\"code\":\"teapot\"}"),
                false))
        .containsExactly("status 418 is not documented for GET /v1/sessions/{id}");
  }

  @Test
  void aMissingRequiredHeader_anUndocumentedHeader_andABadHeaderValue_areCaught() {
    assertThat(
            CONTRACT.problems(
                "GET",
                "/v1/sessions/chat-1737201600000-abcdef12",
                answer(200, SESSION, "X-Pending-Writes", "0", "X-Debug", "1"),
                false))
        .containsExactlyInAnyOrder(
            "the required header X-Session-Source is missing",
            "the header x-debug is not documented for this response");
    assertThat(
            CONTRACT.problems(
                "GET",
                "/v1/sessions/chat-1737201600000-abcdef12",
                answer(200, SESSION, "X-Session-Source", "elsewhere", "X-Pending-Writes", "-1"),
                false))
        .hasSize(2)
        .allMatch(p -> p.startsWith("header X-"));
  }

  @Test
  void aBodyThatBreaksTheSchema_isCaught() {
    assertThat(
            CONTRACT.problems(
                "GET",
                "/v1/sessions/chat-1737201600000-abcdef12",
                session(SESSION.replace("\"messageCount\":1", "\"messageCount\":\"one\"")),
                false))
        .singleElement()
        .asString()
        .contains("messageCount");
    assertThat(
            CONTRACT.problems(
                "GET",
                "/v1/sessions/chat-1737201600000-abcdef12",
                session(SESSION.replace("\"repo\":null,", "\"repo\":null,\"owner\":\"x\",")),
                false))
        .singleElement()
        .asString()
        .contains("owner");
    assertThat(
            CONTRACT.problems(
                "POST",
                "/v1/sessions/chat-1737201600000-abcdef12/messages",
                answer(400, "{\"error\":\"x\",\"code\":\"session_unavailable\"}"),
                false))
        .singleElement()
        .asString()
        .contains("code");
  }

  @Test
  void aWrongMediaType_orABodyThatIsNoJson_isCaught() {
    Answer text = session(SESSION);
    text.headers().put("content-type", "text/html");
    assertThat(CONTRACT.problems("GET", "/v1/sessions/chat-1737201600000-abcdef12", text, false))
        .singleElement()
        .asString()
        .startsWith("media type text/html is not documented");
    assertThat(
            CONTRACT.problems(
                "GET", "/v1/sessions/chat-1737201600000-abcdef12", session("<html>"), false))
        .containsExactly("the body is not JSON");
  }

  @Test
  void unknownPathsAndMethods_mustGetTheirOwnAnswers() {
    Answer notFound = answer(404, "{\"error\":\"no such route\",\"code\":\"route_not_found\"}");
    Answer notAllowed =
        answer(
            405,
            "{\"error\":\"not here\",\"code\":\"method_not_allowed\"}",
            "Allow",
            "DELETE, GET, PATCH");

    assertThat(CONTRACT.problems("GET", "/v2/nothing", notFound, false)).isEmpty();
    assertThat(CONTRACT.problems("PUT", "/v1/sessions/chat-1-abcdefgh", notAllowed, false))
        .isEmpty();
    assertThat(CONTRACT.problems("GET", "/v2/nothing", session(SESSION), false)).isNotEmpty();
    assertThat(
            CONTRACT.problems(
                "PUT",
                "/v1/sessions/chat-1-abcdefgh",
                answer(405, "{\"error\":\"x\",\"code\":\"method_not_allowed\"}"),
                false))
        .containsExactly("the required header Allow is missing");
  }

  @Test
  void theHttpLayersBareRefusals_passOnlyForRawRequests() {
    Answer bare = new Answer(400, new LinkedHashMap<>(Map.of("content-length", "0")), new byte[0]);

    assertThat(CONTRACT.problems("GET", "/v1/sessions", bare, true)).isEmpty();
    assertThat(CONTRACT.problems("GET", "/v1/sessions", bare, false)).isNotEmpty();
  }

  @Test
  void assertConforms_failsNamingTheRequestAndTheProblem() {
    assertThatThrownBy(
            () ->
                CONTRACT.assertConforms(
                    "GET", "/v1/sessions", answer(200, "{\"sessions\":[]}"), false))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("GET /v1/sessions breaks the OpenAPI document")
        .hasMessageContaining("X-Session-Source");
  }
}
