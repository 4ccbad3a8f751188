package dev.codebasechat.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;

/**
 * An OkHttp network interceptor that records every exchange as it went on the wire: the request
 * line and headers OkHttp actually sent (Host, Content-Length, User-Agent … included), the body
 * bytes, the status, and when the request left and its answer arrived ({@link System#nanoTime()}).
 * The same instrument measures every contender, so their bytes and lags compare like for like.
 */
final class WireTap implements Interceptor {

  /** One exchange. {@code answeredAtNanos} is 0 and {@code status} -1 when no answer came. */
  record Exchange(
      String method,
      String path,
      long headerBytes,
      long bodyBytes,
      String body,
      int status,
      long sentAtNanos,
      long answeredAtNanos) {
    boolean succeeded() {
      return status >= 200 && status < 300;
    }
  }

  private final ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    String body = "";
    long bodyBytes = 0;
    RequestBody requestBody = request.body();
    if (requestBody != null) {
      Buffer buffer = new Buffer();
      requestBody.writeTo(buffer);
      bodyBytes = buffer.size();
      body = buffer.readString(StandardCharsets.UTF_8);
    }
    // HTTP/1.1 on the wire: "METHOD target HTTP/1.1\r\n", "Name: value\r\n" each, then "\r\n".
    String target =
        request.url().encodedPath()
            + (request.url().encodedQuery() == null ? "" : "?" + request.url().encodedQuery());
    long headerBytes =
        request.method().length() + 1 + target.length() + " HTTP/1.1\r\n".length() + 2;
    for (int i = 0; i < request.headers().size(); i++) {
      headerBytes +=
          request.headers().name(i).length()
              + 2
              + request.headers().value(i).getBytes(StandardCharsets.UTF_8).length
              + 2;
    }
    long sentAt = System.nanoTime();
    try {
      Response response = chain.proceed(request);
      exchanges.add(
          new Exchange(
              request.method(),
              request.url().encodedPath(),
              headerBytes,
              bodyBytes,
              body,
              response.code(),
              sentAt,
              System.nanoTime()));
      return response;
    } catch (IOException e) {
      exchanges.add(
          new Exchange(
              request.method(),
              request.url().encodedPath(),
              headerBytes,
              bodyBytes,
              body,
              -1,
              sentAt,
              0));
      throw e;
    }
  }

  List<Exchange> exchanges() {
    return new ArrayList<>(exchanges);
  }

  void clear() {
    exchanges.clear();
  }
}
