package dev.codebasechat.gateway;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSourceChannel;

/**
 * Refusals of a request whose body is not read — too large, or a body where none belongs — that
 * every client can read. The answer goes out at once (with {@code Connection: close}); then the
 * rest of the body is read and dropped, up to {@link #DISCARD_LIMIT} bytes, and only then is the
 * connection closed. Closing with bytes unread makes the kernel reset the connection, and a client
 * that writes its whole body before reading (Python's urllib, curl without {@code Expect}) then
 * sees a broken pipe instead of the answer. A request with {@code Expect: 100-continue} got no
 * {@code 100} (the gateway sends it only when it reads a body), so its client has sent no body: the
 * connection is closed after the answer (Undertow's continue handler ends the request), and a
 * client that sent the body anyway, without waiting, may see it reset. Beyond the limit the
 * connection is closed anyway: reading is not free. Runs on the exchange's I/O thread; stateless.
 */
final class RefusedBodies {
  /** Most bytes of a refused body read and dropped before the connection is closed regardless. */
  static final long DISCARD_LIMIT = 64L * 1024 * 1024;

  private static final int PIECE = 16 * 1024;

  private RefusedBodies() {}

  /** Answers {@code error} for a request whose body nobody has started to read, then drops it. */
  static void refuseUnread(HttpServerExchange exchange, ApiError error) {
    exchange.setPersistent(false);
    Responses.errorThen(exchange, error, () -> discard(exchange));
  }

  /**
   * Answers {@code error} from inside a body receiver that is reading the body; the receiver goes
   * on reading and hands every later piece to a {@link Discarded}, which ends the connection at the
   * limit.
   */
  static Discarded refuseWhileReading(HttpServerExchange exchange, ApiError error) {
    exchange.setPersistent(false);
    Responses.errorThen(exchange, error, () -> {});
    return new Discarded(exchange);
  }

  /** The pieces of a refused body that a receiver still delivers. Not thread-safe. */
  static final class Discarded {
    private final HttpServerExchange exchange;
    private long dropped;

    private Discarded(HttpServerExchange exchange) {
      this.exchange = exchange;
    }

    /** Drops {@code bytes} more; past the limit the connection is closed. */
    void drop(int bytes) {
      dropped += bytes;
      if (dropped > DISCARD_LIMIT) {
        IoUtils.safeClose(exchange.getConnection());
      }
    }
  }

  private static void discard(HttpServerExchange exchange) {
    StreamSourceChannel channel = exchange.getRequestChannel();
    if (channel == null) {
      IoUtils.safeClose(exchange.getConnection());
      return;
    }
    ChannelListener<StreamSourceChannel> reader = new DiscardingReader(exchange);
    channel.getReadSetter().set(reader);
    reader.handleEvent(channel);
  }

  /**
   * Reads until the body ends (the exchange then completes and the connection closes, as it is not
   * persistent), no more is available yet (waits for the next read event), or the limit is reached.
   */
  private static final class DiscardingReader implements ChannelListener<StreamSourceChannel> {
    private final HttpServerExchange exchange;
    private final ByteBuffer buffer = ByteBuffer.allocate(PIECE);
    private long dropped;

    DiscardingReader(HttpServerExchange exchange) {
      this.exchange = exchange;
    }

    @Override
    public void handleEvent(StreamSourceChannel channel) {
      try {
        while (true) {
          buffer.clear();
          int read = channel.read(buffer);
          if (read < 0) {
            channel.suspendReads();
            return;
          }
          if (read == 0) {
            channel.resumeReads();
            return;
          }
          dropped += read;
          if (dropped > DISCARD_LIMIT) {
            IoUtils.safeClose(exchange.getConnection());
            return;
          }
        }
      } catch (IOException e) {
        // The client went away, or stalled past the read timeout: nobody left to answer.
        IoUtils.safeClose(exchange.getConnection());
      }
    }
  }
}
