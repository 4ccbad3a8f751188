package dev.codebasechat.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.xnio.IoUtils;

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
    head(exchange, status, contentType, bytes.length);
    exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
  }

  private static void head(
      HttpServerExchange exchange, int status, String contentType, int length) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, length);
  }

  static void error(HttpServerExchange exchange, ApiError error) {
    if (exchange.isResponseStarted()) {
      return;
    }
    json(exchange, error.status(), errorBody(exchange, error));
  }

  /**
   * {@link #error}, then {@code afterSent} once the answer is flushed, leaving the exchange open:
   * the request's body is still the caller's to read (or drop). A failure to send closes the
   * connection.
   */
  static void errorThen(HttpServerExchange exchange, ApiError error, Runnable afterSent) {
    if (exchange.isResponseStarted()) {
      return;
    }
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(errorBody(exchange, error));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
    head(exchange, error.status(), JSON_TYPE, bytes.length);
    exchange
        .getResponseSender()
        .send(
            ByteBuffer.wrap(bytes),
            new IoCallback() {
              @Override
              public void onComplete(HttpServerExchange done, Sender sender) {
                // Closing the sender flushes the answer and ends the response, not the exchange.
                sender.close(
                    new IoCallback() {
                      @Override
                      public void onComplete(HttpServerExchange flushed, Sender closed) {
                        afterSent.run();
                      }

                      @Override
                      public void onException(
                          HttpServerExchange failed, Sender closed, IOException e) {
                        IoUtils.safeClose(failed.getConnection());
                      }
                    });
              }

              @Override
              public void onException(HttpServerExchange failed, Sender sender, IOException e) {
                IoUtils.safeClose(failed.getConnection());
              }
            });
  }

  /** {@code {"error": message, "code": code, ...}}; the error's headers go on the exchange. */
  private static ObjectNode errorBody(HttpServerExchange exchange, ApiError error) {
    for (Map.Entry<String, String> header : error.headers().entrySet()) {
      exchange.getResponseHeaders().put(new HttpString(header.getKey()), header.getValue());
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("error", error.getMessage());
    body.put("code", error.code());
    for (Map.Entry<String, Object> extra : error.extraFields().entrySet()) {
      body.putPOJO(extra.getKey(), extra.getValue());
    }
    return body;
  }
}
