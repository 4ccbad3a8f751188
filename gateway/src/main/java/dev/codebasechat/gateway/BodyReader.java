package dev.codebasechat.gateway;

import io.undertow.server.HttpServerExchange;
import java.io.ByteArrayOutputStream;
import org.xnio.IoUtils;

/**
 * Reads a request's body on the I/O thread without blocking, in pieces, counting them against the
 * limit: a chunked body has no length up front, and Undertow's own limit drops the connection
 * without an answer. Over the limit, the answer is 413 ({@link RefusedBodies}: sent at once, the
 * rest read and dropped); a client that goes away or stalls past the read timeout has its
 * connection closed, since nobody is left to answer. Stateless.
 */
final class BodyReader {

  /** What runs with the whole body once it is read. */
  interface Next {
    void accept(HttpServerExchange exchange, byte[] body) throws Exception;
  }

  /** What answers when {@link Next} fails. */
  interface Failure {
    void accept(HttpServerExchange exchange, Exception failure);
  }

  private BodyReader() {}

  static void read(HttpServerExchange exchange, long maxBodyBytes, Next next, Failure failure) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    RefusedBodies.Discarded[] refused = new RefusedBodies.Discarded[1];
    exchange
        .getRequestReceiver()
        .receivePartialBytes(
            (received, piece, last) -> {
              if (refused[0] != null) {
                refused[0].drop(piece.length);
                return;
              }
              if (buffer.size() + (long) piece.length > maxBodyBytes) {
                refused[0] =
                    RefusedBodies.refuseWhileReading(
                        received, RequestChecks.tooLarge(maxBodyBytes));
                return;
              }
              buffer.write(piece, 0, piece.length);
              if (last) {
                try {
                  next.accept(received, buffer.toByteArray());
                } catch (Exception e) {
                  failure.accept(received, e);
                }
              }
            },
            (failed, error) -> IoUtils.safeClose(failed.getConnection()));
  }
}
