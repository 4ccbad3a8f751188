package dev.codebasechat.bench;

import io.undertow.Undertow;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ceiling for measurement 5: Undertow answering every request with one fixed body, straight
 * from its I/O thread (no dispatch, no parsing, nothing computed). Run as its own process: {@code
 * FixedBodyServer BODY_FILE}; prints {@code LISTENING <port>} once bound to a free port on
 * 127.0.0.1, and stops when its standard input closes.
 */
public final class FixedBodyServer {
  private FixedBodyServer() {}

  public static void main(String[] args) throws Exception {
    byte[] body = Files.readAllBytes(Path.of(args[0]));
    ByteBuffer buffer = ByteBuffer.allocateDirect(body.length).put(body).flip();
    Undertow server =
        Undertow.builder()
            .addHttpListener(0, "127.0.0.1")
            .setHandler(
                exchange -> {
                  exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                  exchange.getResponseSender().send(buffer.duplicate());
                })
            .build();
    server.start();
    int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    System.out.println("LISTENING " + port);
    System.out.flush();
    while (System.in.read() >= 0) {
      // runs until the parent closes our standard input (or exits)
    }
    server.stop();
  }
}
