package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Real HTTP against a running gateway: the JDK client for well-formed requests, raw sockets for the
 * rest. Every answer is held to the OpenAPI document ({@link OpenApiContract}) before the test sees
 * it: an answer the document does not allow fails the test with what does not fit.
 */
public final class GatewayClient {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TIME_FIELDS = Set.of("timestamp", "lastActivity", "createdAt");

  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public GatewayClient(int port) {
    this.port = port;
  }

  /** An answer: status, headers (lower-case names, first value) and body. */
  public record Answer(int status, Map<String, String> headers, byte[] body) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + text(), e);
      }
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  public Answer send(
      String method, String path, Optional<String> token, Optional<String> jsonBody) {
    Map<String, String> headers = new LinkedHashMap<>();
    token.ifPresent(t -> headers.put("Authorization", "Bearer " + t));
    jsonBody.ifPresent(b -> headers.put("Content-Type", "application/json"));
    return exchange(method, path, headers, jsonBody.map(b -> b.getBytes(StandardCharsets.UTF_8)));
  }

  /** Any request the JDK client can send: these headers and, when present, this body. */
  public Answer exchange(
      String method, String path, Map<String, String> headers, Optional<byte[]> body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    headers.forEach(request::header);
    request.method(
        method,
        body.map(HttpRequest.BodyPublishers::ofByteArray)
            .orElseGet(HttpRequest.BodyPublishers::noBody));
    try {
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      Map<String, String> answerHeaders = new LinkedHashMap<>();
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> answerHeaders.put(name.toLowerCase(Locale.ROOT), values.get(0)));
      Answer answer = new Answer(response.statusCode(), answerHeaders, response.body());
      OpenApiContract.GATEWAY.assertConforms(method, path, answer, false);
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Answer get(String path, String token) {
    return send("GET", path, Optional.of(token), Optional.empty());
  }

  public Answer post(String path, String token, String body) {
    return send("POST", path, Optional.of(token), Optional.of(body));
  }

  public Answer patch(String path, String token, String body) {
    return send("PATCH", path, Optional.of(token), Optional.of(body));
  }

  public Answer delete(String path, String token) {
    return send("DELETE", path, Optional.of(token), Optional.empty());
  }

  public Answer deleteWithBody(String path, String token, String body) {
    return send("DELETE", path, Optional.of(token), Optional.of(body));
  }

  /**
   * Sends {@code raw} bytes as they are and reads the answer until the server closes or the
   * announced length arrived. Empty when the server closed without answering.
   */
  Optional<Answer> raw(byte[] raw) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(raw);
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before reading everything (e.g. a huge body).
      }
      Optional<Answer> answer = readAnswer(socket.getInputStream());
      answer.ifPresent(a -> conforms(raw, a));
      return answer;
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Holds the answer to a raw request to the document: the method and target are read from the
   * request line; a request line that is not {@code METHOD SP target SP version} can only have been
   * refused by the HTTP layer.
   */
  private static void conforms(byte[] raw, Answer answer) {
    String head = new String(raw, 0, Math.min(raw.length, 64 * 1024), StandardCharsets.ISO_8859_1);
    int end = head.indexOf("\r\n");
    String[] requestLine = (end < 0 ? head : head.substring(0, end)).split(" ", -1);
    if (requestLine.length != 3 || !requestLine[1].startsWith("/")) {
      OpenApiContract.GATEWAY.assertConforms("(unparseable)", "(none)", answer, true);
      return;
    }
    OpenApiContract.GATEWAY.assertConforms(requestLine[0], requestLine[1], answer, true);
  }

  static Optional<Answer> readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      try {
        b = in.read();
      } catch (IOException e) {
        b = -1;
      }
      if (b < 0) {
        return Optional.empty();
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return Optional.of(new Answer(status, headers, body));
  }

  /** The tree with timestamps replaced by a marker: they are the only values a test cannot know. */
  static JsonNode withoutTimes(JsonNode node) {
    JsonNode copy = node.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (TIME_FIELDS.contains(name) && object.get(name).isTextual()) {
          object.set(name, TextNode.valueOf("<time>"));
        } else {
          strip(object.get(name));
        }
      }
    } else if (node.isArray()) {
      node.forEach(GatewayClient::strip);
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
