package dev.codebasechat.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.util.Map;

/** Writes JSON answers; every error goes through {@link #error}, so there is one error shape. */
final class Responses {
  static final String JSON_TYPE = "application/json";

  private Responses() {}

  static void json(HttpServerExchange exchange, int status, ObjectNode body) {
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
    send(exchange, status, JSON_TYPE, bytes);
  }

  /** An answer already serialised as UTF-8 JSON. */
  static void json(HttpServerExchange exchange, int status, byte[] body) {
    send(exchange, status, JSON_TYPE, body);
  }

  static void send(HttpServerExchange exchange, int status, String contentType, byte[] bytes) {
    if (exchange.isResponseStarted()) {
      return;
    }
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
    exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
  }

  static void error(HttpServerExchange exchange, ApiError error) {
    if (exchange.isResponseStarted()) {
      return;
    }
    for (Map.Entry<String, String> header : error.headers().entrySet()) {
      exchange.getResponseHeaders().put(new HttpString(header.getKey()), header.getValue());
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("error", error.getMessage());
    body.put("code", error.code());
    for (Map.Entry<String, Object> extra : error.extraFields().entrySet()) {
      body.putPOJO(extra.getKey(), extra.getValue());
    }
    json(exchange, error.status(), body);
  }
}
