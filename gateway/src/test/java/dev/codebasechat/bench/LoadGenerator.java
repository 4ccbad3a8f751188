package dev.codebasechat.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load generator, run as its own process when {@code wrk} is not installed:
 * {@code LoadGenerator URLS METHOD BODY CONNECTIONS SECONDS [HEADER: VALUE]...}. {@code URLS} is
 * one URL or several, comma-separated, used in turn; {@code BODY} is {@code -} for none; {@code
 * %ID%} in it is replaced by a fresh id per request. Each connection is one thread sending its next
 * request when the previous answer arrived. Prints one JSON line with the same fields as the wrk
 * script ({@code scripts/bench-load.lua}).
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  public static void main(String[] args) throws Exception {
    List<URI> uris = new ArrayList<>();
    for (String url : args[0].split(",")) {
      uris.add(URI.create(url));
    }
    String method = args[1];
    String body = args[2];
    int connections = Integer.parseInt(args[3]);
    long seconds = Long.parseLong(args[4]);
    List<String[]> headers = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      int colon = args[i].indexOf(':');
      headers.add(
          new String[] {args[i].substring(0, colon).trim(), args[i].substring(colon + 1).trim()});
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicLong ids = new AtomicLong();
    AtomicLong non2xx = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    List<long[]> samples = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long[] counts = new long[connections];
    long start = System.nanoTime();
    for (int c = 0; c < connections; c++) {
      long[] mine = new long[500_000]; // 16 connections fit in the generator's 512 MiB heap
      samples.add(mine);
      int slot = c;
      Thread thread =
          new Thread(
              () -> {
                int n = 0;
                while (System.nanoTime() < end && n < mine.length) {
                  long id = ids.incrementAndGet();
                  HttpRequest.Builder request =
                      HttpRequest.newBuilder(uris.get((int) (id % uris.size())))
                          .timeout(Duration.ofSeconds(5));
                  headers.forEach(h -> request.header(h[0], h[1]));
                  if (body.equals("-")) {
                    request.method(method, HttpRequest.BodyPublishers.noBody());
                  } else {
                    request.method(
                        method,
                        HttpRequest.BodyPublishers.ofString(
                            body.replace("%ID%", "g" + slot + "-" + id)));
                  }
                  long before = System.nanoTime();
                  try {
                    HttpResponse<byte[]> response =
                        http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() / 100 != 2) {
                      non2xx.incrementAndGet();
                    }
                  } catch (Exception e) {
                    errors.incrementAndGet();
                  }
                  mine[n++] = System.nanoTime() - before;
                }
                counts[slot] = n;
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = System.nanoTime() - start;
    long total = 0;
    for (long n : counts) {
      total += n;
    }
    long[] all = new long[(int) total];
    int k = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(samples.get(c), 0, all, k, (int) counts[c]);
      k += (int) counts[c];
    }
    Distribution d = Distribution.ofNanos(all);
    System.out.printf(
        Locale.ROOT,
        "{\"requests\":%d,\"durationUs\":%d,\"non2xx\":%d,\"errors\":%d,\"p50Us\":%.0f,\"p99Us\":%.0f,\"maxUs\":%.0f}%n",
        total,
        elapsed / 1000,
        non2xx.get(),
        errors.get(),
        d.p50Ms() * 1000,
        d.p99Ms() * 1000,
        d.maxMs() * 1000);
  }
}
