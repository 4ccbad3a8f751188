package dev.codebasechat.springai.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of PostgreSQL that counts the bytes of the JDBC driver's wire protocol in
 * each direction, so that a JDBC store's traffic is measured as the PostgREST-compatible server
 * measures an HTTP store's.
 */
final class CountingProxy implements AutoCloseable {
  final AtomicLong toDatabase = new AtomicLong();
  final AtomicLong fromDatabase = new AtomicLong();
  private final ServerSocket server;
  private final int targetPort;

  CountingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "counting-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void reset() {
    toDatabase.set(0);
    fromDatabase.set(0);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket database = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        client.setTcpNoDelay(true);
        database.setTcpNoDelay(true);
        pump(client, database, toDatabase);
        pump(database, client, fromDatabase);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to, AtomicLong counter) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16384];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int read; (read = in.read(buffer)) >= 0; ) {
                  counter.addAndGet(read);
                  out.write(buffer, 0, read);
                  out.flush();
                }
              } catch (IOException e) {
                // the other side closed
              } finally {
                try {
                  to.close();
                } catch (IOException ignored) {
                  // closing anyway
                }
              }
            },
            "counting-proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
