package dev.codebasechat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.gateway.GatewayClient.Answer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several hundred malformed or hostile requests, sent over raw sockets so nothing is cleaned up on
 * the way: each must get a 4xx with the JSON error shape — or, where the HTTP layer itself must
 * refuse (an unparseable request line or header block, oversized headers, forbidden bytes in the
 * head), a 4xx without a JSON body or a closed connection; those cases are marked {@code httpLayer}
 * below. Never a 5xx, never a hang, and the caller's data is byte-identical afterwards.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostileInputTest {
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final int MAX_BODY_KB = 64;

  @TempDir Path dataDir;

  private Gateway gateway;
  private GatewayClient client;
  private String token;
  private String id;

  /** One hostile request and whether only the HTTP layer can answer it. */
  record Hostile(String what, byte[] raw, boolean httpLayer) {}

  @BeforeEach
  void start() {
    Settings settings =
        Settings.fromEnvironment(
            Map.of(
                "DATA_DIR",
                dataDir.toString(),
                "GATEWAY_MAX_BODY_KB",
                Integer.toString(MAX_BODY_KB)));
    gateway = Gateway.builder(settings).host("127.0.0.1").port(0).start();
    client = new GatewayClient(gateway.port());
    token = EmbeddedGatewayTest.token(dataDir, ALICE);
    id =
        client
            .post("/v1/sessions", token, "{\"repo\":\"acme/app\",\"metadata\":{\"k\":\"v\"}}")
            .json()
            .path("id")
            .asText();
    client.post(
        "/v1/sessions/" + id + "/messages",
        token,
        "{\"messages\":[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"hello\"},{\"id\":\"m2\",\"role\":\"assistant\",\"content\":\"hi\",\"code\":{\"a\":[1,2]}}]}");
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void hostileRequests_areAll4xxWithAJsonError_andChangeNothing() {
    byte[] sessionBefore = client.get("/v1/sessions/" + id, token).body();
    byte[] listBefore = client.get("/v1/sessions", token).body();
    byte[] compatBefore = client.get("/api/codebase/chat?sessionId=" + id, token).body();

    List<Hostile> requests = hostileRequests();
    assertThat(requests).hasSizeGreaterThanOrEqualTo(200);
    List<String> problems = new ArrayList<>();
    for (Hostile request : requests) {
      Optional<Answer> answer = client.raw(request.raw());
      Optional<String> problem = judge(request, answer);
      problem.ifPresent(p -> problems.add(request.what() + ": " + p));
    }
    assertThat(problems).isEmpty();

    assertThat(client.get("/v1/sessions/" + id, token).body()).isEqualTo(sessionBefore);
    assertThat(client.get("/v1/sessions", token).body()).isEqualTo(listBefore);
    assertThat(client.get("/api/codebase/chat?sessionId=" + id, token).body())
        .isEqualTo(compatBefore);
    assertThat(client.send("GET", "/healthz", Optional.empty(), Optional.empty()).status())
        .isEqualTo(200);
  }

  @Test
  void loneLineFeedInTheHead_endsTheHeaderLine_asHttp11Allows_andSmugglesNothing() {
    // RFC 9112 2.2 lets a server take a lone LF as a line end: "X-A: a<LF>Authorization: ..." is
    // two ordinary headers. A second Authorization header smuggled this way is refused (401).
    String bob =
        EmbeddedGatewayTest.token(dataDir, UUID.fromString("b0b00000-0000-4000-8000-000000000002"));
    byte[] raw =
        raw(
            "GET /v1/sessions/"
                + id
                + " HTTP/1.1\r\nHost: x\r\n"
                + auth()
                + "X-A: a\nAuthorization: Bearer "
                + bob
                + "\r\nConnection: close\r\n\r\n");

    Answer answer = client.raw(raw).orElseThrow();

    assertThat(answer.status()).isEqualTo(401);
    assertThat(isJsonError(answer)).isTrue();
  }

  @Test
  void foldedOrOddlyNamedHeaders_areNormalisedByTheHttpLayer_andChangeNothing() {
    // Undertow joins an obs-fold continuation into the value and drops a name with a space; what
    // reaches the routes is an ordinary request, answered exactly as the clean one.
    byte[] clean = client.get("/v1/sessions/" + id, token).body();
    String session = "/v1/sessions/" + id;
    for (String odd : List.of("X-A: a\r\n b\r\n", "X A: a\r\n")) {
      Answer answer =
          client
              .raw(
                  raw(
                      "GET "
                          + session
                          + " HTTP/1.1\r\nHost: x\r\n"
                          + odd
                          + auth()
                          + "Connection: close\r\n\r\n"))
              .orElseThrow();
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo(clean);
    }
  }

  private static Optional<String> judge(Hostile request, Optional<Answer> answer) {
    if (answer.isEmpty()) {
      return request.httpLayer()
          ? Optional.empty()
          : Optional.of("connection closed without an answer");
    }
    Answer a = answer.get();
    if (a.status() < 400 || a.status() > 499) {
      return Optional.of("status " + a.status() + " " + a.text());
    }
    boolean jsonError = isJsonError(a);
    if (!jsonError && !request.httpLayer()) {
      return Optional.of("status " + a.status() + " without the JSON error shape: " + a.text());
    }
    return Optional.empty();
  }

  private static boolean isJsonError(Answer a) {
    if (!a.header("Content-Type").orElse("").startsWith("application/json")) {
      return false;
    }
    try {
      JsonNode body = GatewayClient.JSON.readTree(a.body());
      return body.path("error").isTextual()
          && body.path("code").isTextual()
          && !a.text().contains("Exception");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ the requests

  private List<Hostile> hostileRequests() {
    List<Hostile> out = new ArrayList<>();
    String messages = "/v1/sessions/" + id + "/messages";
    String session = "/v1/sessions/" + id;

    // Bodies that are not JSON, not an object, or JSON this API refuses; on every body route.
    List<byte[]> badBodies = new ArrayList<>();
    for (String body : badJson()) {
      badBodies.add(body.getBytes(StandardCharsets.UTF_8));
    }
    badBodies.add(
        new byte[] {
          '{', '"', 'r', 'o', 'l', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
        });
    badBodies.add(new byte[] {(byte) 0xFF, (byte) 0xFE, '{', '}'});
    badBodies.add(
        new byte[] {
          '{',
          '"',
          'c',
          'o',
          'n',
          't',
          'e',
          'n',
          't',
          '"',
          ':',
          '"',
          (byte) 0xED,
          (byte) 0xA0,
          (byte) 0x80,
          '"',
          '}'
        });
    badBodies.add(
        ("{\"role\":\"user\",\"content\":\"x\",\"code\":"
                + "[".repeat(10_000)
                + "]".repeat(10_000)
                + "}")
            .getBytes(StandardCharsets.UTF_8));
    badBodies.add(("{".repeat(5_000) + "}".repeat(5_000)).getBytes(StandardCharsets.UTF_8));
    badBodies.add("{\"a\":".repeat(10_000).getBytes(StandardCharsets.UTF_8));
    for (byte[] body : badBodies) {
      out.add(
          new Hostile("bad body to POST messages", request("POST", messages, json(), body), false));
      out.add(new Hostile("bad body to PATCH", request("PATCH", session, json(), body), false));
    }
    for (String body : badCompatBodies()) {
      out.add(
          new Hostile(
              "bad compat POST " + body,
              request("POST", "/api/codebase/chat", json(), body.getBytes(StandardCharsets.UTF_8)),
              false));
    }
    for (String body : badMessageBodies()) {
      out.add(
          new Hostile(
              "bad message " + abbreviate(body),
              request("POST", messages, json(), body.getBytes(StandardCharsets.UTF_8)),
              false));
    }
    for (String body : badContextBodies()) {
      out.add(
          new Hostile(
              "bad context " + abbreviate(body),
              request("PATCH", session, json(), body.getBytes(StandardCharsets.UTF_8)),
              false));
      out.add(
          new Hostile(
              "bad create " + abbreviate(body),
              request("POST", "/v1/sessions", json(), body.getBytes(StandardCharsets.UTF_8)),
              false));
    }

    // Ids with path tricks, on every route that takes one.
    for (String badId : badIds()) {
      out.add(
          new Hostile(
              "GET id " + abbreviate(badId),
              request("GET", "/v1/sessions/" + badId, auth(), new byte[0]),
              false));
      out.add(
          new Hostile(
              "DELETE id " + abbreviate(badId),
              request("DELETE", "/v1/sessions/" + badId, auth(), new byte[0]),
              false));
      out.add(
          new Hostile(
              "POST id " + abbreviate(badId),
              request(
                  "POST",
                  "/v1/sessions/" + badId + "/messages",
                  json(),
                  "{\"role\":\"user\",\"content\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
              false));
      out.add(
          new Hostile(
              "compat GET id " + abbreviate(badId),
              request("GET", "/api/codebase/chat?sessionId=" + badId, auth(), new byte[0]),
              false));
    }
    for (String jsonId :
        List.of(
            "../../etc/passwd",
            "chat-1-abc",
            "chat-1737201600000-abcdef12\\u0000",
            "*",
            "eq.x",
            "chat-1737201600000-" + "a".repeat(10_000),
            " chat-1737201600000-abcdef12",
            "chat-1737201600000-abcdef1２")) {
      String body = "{\"sessionId\":\"" + jsonId + "\",\"message\":\"x\"}";
      out.add(
          new Hostile(
              "compat POST id " + abbreviate(jsonId),
              request("POST", "/api/codebase/chat", json(), body.getBytes(StandardCharsets.UTF_8)),
              false));
      out.add(
          new Hostile(
              "compat DELETE id " + abbreviate(jsonId),
              request(
                  "DELETE",
                  "/api/codebase/chat",
                  json(),
                  ("{\"sessionId\":\"" + jsonId + "\"}").getBytes(StandardCharsets.UTF_8)),
              false));
    }

    // The compatible DELETE names its session by body or query; both must agree and be well-formed.
    for (String query : List.of("?sessionId=chat-1-x", "?sessionId=chat-1737201600000-other01")) {
      out.add(
          new Hostile(
              "compat DELETE body and query " + query,
              request(
                  "DELETE",
                  "/api/codebase/chat" + query,
                  json(),
                  ("{\"sessionId\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8)),
              false));
    }

    // Query tricks.
    for (String query : badQueries()) {
      out.add(
          new Hostile(
              "query " + abbreviate(query), request("GET", query, auth(), new byte[0]), false));
    }

    // Content types and bodies that do not fit.
    for (String type :
        List.of(
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonp",
            "application/json; charset=latin1",
            "text/json",
            "")) {
      String header = type.isEmpty() ? "" : "Content-Type: " + type + "\r\n";
      out.add(
          new Hostile(
              "content type " + type,
              request(
                  "POST",
                  messages,
                  auth() + header,
                  "{\"role\":\"user\",\"content\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
              false));
      out.add(
          new Hostile(
              "content type on PATCH " + type,
              request(
                  "PATCH",
                  session,
                  auth() + header,
                  "{\"repo\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
              false));
    }
    out.add(
        new Hostile(
            "announced huge body",
            head("POST", messages, json() + "Content-Length: 104857600\r\n"),
            false));
    out.add(
        new Hostile(
            "body over the limit",
            request(
                "POST",
                messages,
                json(),
                ("{\"role\":\"user\",\"content\":\"" + "x".repeat(MAX_BODY_KB * 1024 + 10) + "\"}")
                    .getBytes(StandardCharsets.UTF_8)),
            false));
    out.add(
        new Hostile(
            "chunked body over the limit",
            chunked("POST", messages, json(), "x".repeat(MAX_BODY_KB * 1024 + 10)),
            false));
    out.add(
        new Hostile(
            "GET with a body",
            request("GET", session, json(), "{}".getBytes(StandardCharsets.UTF_8)),
            false));
    out.add(
        new Hostile(
            "Content-Length not a number",
            head("POST", messages, json() + "Content-Length: ten\r\n"),
            true));

    // Wrong methods on every route, unknown routes.
    for (String path :
        List.of(
            "/v1/sessions",
            session,
            messages,
            "/api/codebase/chat",
            "/healthz",
            "/readyz",
            "/metrics",
            "/openapi.json")) {
      for (String method : List.of("PUT", "OPTIONS", "TRACE", "FOO", "PATCH", "POST")) {
        if (Routes.match(path.replace(id, "x")).orElseThrow().route().allows(method)) {
          continue;
        }
        out.add(
            new Hostile(method + " " + path, request(method, path, auth(), new byte[0]), false));
      }
    }
    for (String path :
        List.of(
            "/",
            "/v1",
            "/v2/sessions",
            "/v1/sessions/",
            "/v1/sessions//messages",
            "/api/codebase/chat/",
            "/v1/sessions/" + id + "/messages/m1",
            "/.env",
            "/v1/Sessions",
            "/%2e%2e/%2e%2e/etc/passwd")) {
      out.add(
          new Hostile("unknown route " + path, request("GET", path, auth(), new byte[0]), false));
    }

    // Bad or missing credentials.
    for (String header :
        List.of(
            "",
            "Authorization: Bearer\r\n",
            "Authorization: Bearer x.y.z\r\n",
            "Authorization: bearer " + "A".repeat(20_000) + "\r\n",
            "Authorization: Bearer a\u0001b\r\n",
            "Authorization: Basic Zm9vOmJhcg==\r\n")) {
      out.add(
          new Hostile(
              "credentials " + abbreviate(header),
              request("GET", session, header, new byte[0]),
              false));
    }

    // What only the HTTP layer can refuse: the head itself is broken or too large.
    out.add(
        new Hostile(
            "header over the size limit",
            request(
                "GET", session, auth() + "X-Big: " + "b".repeat(64 * 1024) + "\r\n", new byte[0]),
            true));
    String bob =
        EmbeddedGatewayTest.token(dataDir, UUID.fromString("b0b00000-0000-4000-8000-000000000002"));
    out.add(
        new Hostile(
            "bare CR smuggling a second token",
            raw(
                "GET "
                    + session
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + auth()
                    + "X-A: a\rAuthorization: Bearer "
                    + bob
                    + "\r\nConnection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "NUL in a header value",
            raw(
                "GET "
                    + session
                    + " HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n"
                    + auth()
                    + "Connection: close\r\n\r\n"),
            true));
    out.add(new Hostile("garbage request line", raw("GARBAGE\r\n\r\n"), true));
    for (String name : List.of("X(A)", "X@A", "X/A", "X\"A", "X=A", "X\u00e9A")) {
      out.add(
          new Hostile(
              "header name that is not a token: " + name,
              rawBytes(
                  "GET "
                      + session
                      + " HTTP/1.1\r\nHost: x\r\n"
                      + name
                      + ": a\r\n"
                      + auth()
                      + "Connection: close\r\n\r\n"),
              true));
    }
    for (String length : List.of("abc", "1x", "-1", "+5", "5, 5", "99999999999999999999")) {
      out.add(
          new Hostile(
              "Content-Length that is not a number: " + length,
              rawBytes(
                  "POST /v1/sessions HTTP/1.1\r\nHost: x\r\n"
                      + json()
                      + "Content-Length: "
                      + length
                      + "\r\nConnection: close\r\n\r\n{\"repo\":\"a\"}"),
              true));
    }
    out.add(
        new Hostile(
            "unknown protocol version",
            raw("GET " + session + " HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "relative request target",
            raw("GET v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "space in the request target",
            raw("GET /v1/sessions/chat 1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "control character in the request target",
            raw("GET /v1/sessions/\u0001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "two Content-Length headers",
            raw(
                "POST "
                    + messages
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + json()
                    + "Content-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}"),
            true));
    out.add(
        new Hostile(
            "Content-Length and chunked",
            raw(
                "POST "
                    + messages
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + json()
                    + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "broken chunk size",
            raw(
                "POST "
                    + messages
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + json()
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "invalid UTF-8 percent-encoding in the path",
            raw(
                "GET /v1/sessions/%C3%28 HTTP/1.1\r\nHost: x\r\n"
                    + auth()
                    + "Connection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "raw non-ASCII bytes in the path",
            rawBytes(
                "GET /v1/sessions/\u00ff\u00fe HTTP/1.1\r\nHost: x\r\n"
                    + auth()
                    + "Connection: close\r\n\r\n"),
            true));
    out.add(
        new Hostile(
            "many headers",
            request("GET", session, auth() + "X-H: 1\r\n".repeat(500), new byte[0]),
            true));
    return out;
  }

  private static List<String> badJson() {
    return List.of(
        "",
        "{",
        "}",
        "[",
        "[]",
        "null",
        "true",
        "123",
        "\"text\"",
        "{\"role\":",
        "{\"role\":\"user\"",
        "{'role':'user','content':'x'}",
        "{\"role\":\"user\",\"content\":\"x\",}",
        "{role:\"user\"}",
        "{\"role\":\"user\",\"content\":\"x\"} trailing",
        "{\"role\":\"user\",\"content\":\"x\"}{}",
        "{\"a\":NaN}",
        "{\"a\":1e99999}",
        "{\"a\":01}",
        "/* c */ {\"role\":\"user\"}",
        "{\"a\":\"\\x41\"}",
        "{\"a\":\"unterminated}",
        "{\"a\":\"\t\"}",
        "\u0000",
        "{\"role\":\"user\",\"role\":\"assistant\",\"content\":\"x\"}",
        "{\"repo\":\"a\",\"repo\":\"b\"}",
        "{\"a\":" + "9".repeat(5_000) + "}");
  }

  private static List<String> badCompatBodies() {
    List<String> out = new ArrayList<>();
    out.addAll(
        List.of(
            "{}",
            "{\"sessionId\":null,\"message\":\"x\"}",
            "{\"sessionId\":5,\"message\":\"x\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":null}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":42}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":{\"a\":1}}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"a\\u0000b\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"\\ud800\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"messages\":[]}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"messages\":\"x\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"x\",\"repo\":\"\"}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"x\",\"repo\":5}",
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"x\",\"currentFile\":\"a\\u0007b\"}",
            "{\"sessionId\":[\"chat-1737201600000-abcdef12\"],\"message\":\"x\"}",
            "{\"sessionId\":\"\",\"message\":\"x\"}",
            "[{\"sessionId\":\"chat-1737201600000-abcdef12\",\"message\":\"x\"}]",
            // Refused by the checks of the append itself: the session must not be created first.
            "{\"sessionId\":\"chat-1737201600000-abcdef12\",\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"code\":1e400}]}"));
    StringBuilder tooMany =
        new StringBuilder("{\"sessionId\":\"chat-1737201600000-abcdef12\",\"messages\":[");
    for (int i = 0; i < 501; i++) {
      tooMany.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"x\"}");
    }
    out.add(tooMany.append("]}").toString());
    return out;
  }

  private static List<String> badMessageBodies() {
    List<String> out = new ArrayList<>();
    out.addAll(
        List.of(
            "{}",
            "{\"role\":\"user\"}",
            "{\"content\":\"x\"}",
            "{\"role\":\"robot\",\"content\":\"x\"}",
            "{\"role\":\"USER\",\"content\":\"x\"}",
            "{\"role\":1,\"content\":\"x\"}",
            "{\"role\":null,\"content\":\"x\"}",
            "{\"role\":\"user\",\"content\":5}",
            "{\"role\":\"user\",\"content\":null}",
            "{\"role\":\"user\",\"content\":[\"x\"]}",
            "{\"role\":\"user\",\"content\":{}}",
            "{\"role\":\"user\",\"content\":\"x\",\"id\":5}",
            "{\"role\":\"user\",\"content\":\"x\",\"id\":\"a b\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"id\":\"../m1\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"id\":\"" + "i".repeat(65) + "\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"id\":\"\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"yesterday\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":-1}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":1e400}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":true}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":99999999999999999999}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"+12025-01-18T12:00:00Z\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"-0001-01-18T12:00:00Z\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"0000-12-31T23:59:59Z\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"timestamp\":\"0001-01-01T00:30:00+01:00\"}",
            "{\"role\":\"user\",\"content\":\"a\\u0000b\"}",
            "{\"role\":\"user\",\"content\":\"\\udc00\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"code\":{\"k\\u0000\":1}}",
            "{\"role\":\"user\",\"content\":\"x\",\"extra\":1}",
            "{\"role\":\"user\",\"content\":\"x\",\"repo\":\"\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"repo\":\"" + "r".repeat(600) + "\"}",
            "{\"role\":\"user\",\"content\":\"x\",\"currentFile\":\"a\\nb\"}",
            "{\"messages\":\"x\"}",
            "{\"messages\":[]}",
            "{\"messages\":[1]}",
            "{\"messages\":[null]}",
            "{\"messages\":null}",
            "{\"messages\":{\"role\":\"user\",\"content\":\"x\"}}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"role\":\"user\"}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"bogus\":true}]}"));
    StringBuilder tooMany = new StringBuilder("{\"messages\":[");
    for (int i = 0; i < 501; i++) {
      tooMany.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"x\"}");
    }
    out.add(tooMany.append("]}").toString());
    return out;
  }

  private static List<String> badContextBodies() {
    return List.of(
        "{\"repo\":5}",
        "{\"repo\":\"\"}",
        "{\"repo\":\"a\\u0000b\"}",
        "{\"currentFile\":[]}",
        "{\"contextCache\":\"x\"}",
        "{\"contextCache\":[1]}",
        "{\"metadata\":5}",
        "{\"metadata\":\"x\"}",
        "{\"owner\":\"someone-else\"}",
        "{\"user_id\":\"b0b00000-0000-4000-8000-000000000002\"}",
        "{\"repo\":\"" + "r".repeat(513) + "\"}",
        "{\"metadata\":{\"k\":\"\\ud800\"}}");
  }

  private List<String> badIds() {
    return List.of(
        "..",
        "%2e%2e",
        "..%2F..%2Fetc%2Fpasswd",
        "chat-1737201600000-abcdef12%2F..",
        "%2F",
        "chat-1737201600000-abcdef12%00",
        "chat-1737201600000-%D0%B0bcdef12",
        "chat-%EF%BC%91737201600000-abcdef12",
        "chat-1737201600000-" + "a".repeat(10_000),
        "chat-1737201600000-abcdef12;drop",
        "chat-1737201600000-abc",
        "CHAT-1737201600000-abcdef12",
        "eq.chat-1737201600000-abcdef12",
        "chat-1737201600000-abcdef12%20or%201=1",
        "*",
        "%25",
        "chat-1737201600000-abcdef12%0D%0AX-Injected:%201");
  }

  private List<String> badQueries() {
    String s = "/v1/sessions/" + id;
    return List.of(
        "/v1/sessions?limit=0",
        "/v1/sessions?limit=-1",
        "/v1/sessions?limit=201",
        "/v1/sessions?limit=99999999999999999999",
        "/v1/sessions?limit=1e3",
        "/v1/sessions?limit=abc",
        "/v1/sessions?limit=%00",
        "/v1/sessions?limit=1&limit=2",
        "/v1/sessions?offset=-5",
        "/v1/sessions?offset=2147483648",
        "/v1/sessions?offset=1.5",
        "/v1/sessions?repo=a%07b",
        "/v1/sessions?repo=" + "r".repeat(600),
        s + "?last=-1",
        s + "?last=abc",
        s + "?last=1&last=2",
        s + "?last=99999999999999",
        "/api/codebase/chat",
        "/api/codebase/chat?sessionId=",
        "/api/codebase/chat?sessionId=a&sessionId=b",
        "/api/codebase/chat?sessionId=" + id + "&sessionId=" + id,
        "/api/codebase/chat?sessionid=" + id);
  }

  // ------------------------------------------------------------------ raw request helpers

  private String auth() {
    return "Authorization: Bearer " + token + "\r\n";
  }

  private String json() {
    return auth() + "Content-Type: application/json\r\n";
  }

  private static byte[] request(String method, String path, String headers, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + headers
            + (body.length > 0 ? "Content-Length: " + body.length + "\r\n" : "")
            + "\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static byte[] head(String method, String path, String headers) {
    return (method
            + " "
            + path
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + headers
            + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] chunked(String method, String path, String headers, String content) {
    String body = "{\"role\":\"user\",\"content\":\"" + content + "\"}";
    StringBuilder out =
        new StringBuilder(
            method
                + " "
                + path
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + headers
                + "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < body.length(); i += 8192) {
      String chunk = body.substring(i, Math.min(body.length(), i + 8192));
      out.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    return out.append("0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] raw(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] rawBytes(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String abbreviate(String text) {
    String shown = text.length() > 60 ? text.substring(0, 60) + "…" : text;
    return shown.replace("\r", "\\r").replace("\n", "\\n");
  }
}
