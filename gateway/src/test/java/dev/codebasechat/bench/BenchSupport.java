package dev.codebasechat.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.testing.FakeSupabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/** Plumbing shared by the measurements: options, result files, clients, formatting. */
final class BenchSupport {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchSupport() {}

  /** Command-line options of a measurement's child JVM: {@code [--quick] --out FILE}. */
  record Options(boolean quick, Path out) {
    static Options parse(String[] args) {
      boolean quick = false;
      Path out = null;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> quick = true;
          case "--out" -> out = Path.of(args[++i]);
          default ->
              throw new IllegalArgumentException(
                  "unknown option " + args[i] + "; expected [--quick] --out FILE");
        }
      }
      if (out == null) {
        throw new IllegalArgumentException("--out FILE is required");
      }
      return new Options(quick, out);
    }
  }

  static void write(MeasurementResult result, Path out) throws IOException {
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, JSON.writeValueAsString(result), StandardCharsets.UTF_8);
  }

  /**
   * Ends a measurement's JVM once its result is written. Idle OkHttp dispatcher threads (not
   * daemons, kept for 60 s) would otherwise hold the JVM, and the whole run, for a minute.
   */
  static void exit() {
    System.out.flush();
    System.exit(0);
  }

  static MeasurementResult read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), MeasurementResult.class);
  }

  /**
   * An OkHttp client recording into {@code tap}, allowing as many requests in flight as the
   * library's own client does ({@link PostgrestClient#DEFAULT_MAX_CONCURRENT_REQUESTS}; OkHttp's
   * default of 5 per host would make writes queue in the client and distort lags).
   */
  static OkHttpClient tapped(WireTap tap) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(PostgrestClient.DEFAULT_MAX_CONCURRENT_REQUESTS);
    dispatcher.setMaxRequestsPerHost(PostgrestClient.DEFAULT_MAX_CONCURRENT_REQUESTS);
    return new OkHttpClient.Builder().dispatcher(dispatcher).addNetworkInterceptor(tap).build();
  }

  /** Our PostgREST client over {@code http}, with the library's default timeouts. */
  static PostgrestClient ourClient(FakeSupabase fake, OkHttpClient http) {
    return PostgrestClient.builder()
        .okHttpClient(http)
        .restUrl(fake.restUrl())
        .apiKey(ApiKey.of(fake.apiKey()))
        .build();
  }

  /**
   * The fake has no table upserts; the original's full-row upsert is answered 201 (as PostgREST
   * answers {@code return=minimal}) by a stub of higher priority, after WireMock read the body.
   */
  static void acceptOriginalUpserts(FakeSupabase fake) {
    fake.wireMock()
        .stubFor(
            post(urlPathEqualTo("/rest/v1/codebase_chat_sessions"))
                .atPriority(1)
                .willReturn(aResponse().withStatus(201)));
  }

  /** A user of the fake: its id and a token valid for two hours. */
  record User(UUID id, String token) {
    Caller caller() {
      return new Caller(id, AccessToken.of(token));
    }
  }

  static List<User> users(FakeSupabase fake, int count) {
    List<User> users = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      UUID user = UUID.nameUUIDFromBytes(("bench-user-" + i).getBytes(StandardCharsets.UTF_8));
      users.add(new User(user, fake.tokenFor(user, Duration.ofHours(2))));
    }
    return users;
  }

  /** Users of the test server (created in {@code auth.users}) with tokens valid for two hours. */
  static List<User> users(dev.codebasechat.testing.SupabaseTestServer server, int count) {
    List<User> users = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      UUID user = UUID.nameUUIDFromBytes(("bench-user-" + i).getBytes(StandardCharsets.UTF_8));
      users.add(new User(user, server.tokenFor(user, Duration.ofHours(2))));
    }
    return users;
  }

  /** Waits (polling every millisecond, running {@code pump} each time) until {@code done}. */
  static void await(String what, Duration timeout, Runnable pump, BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      pump.run();
      if (done.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting after " + timeout + " for " + what);
      }
      sleepMillis(1);
    }
  }

  /**
   * Parks (does not spin: spinning would take one of the machine's two cores) until {@code
   * deadline}.
   */
  static void parkUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
    }
  }

  static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static String bytes(double bytes) {
    if (bytes >= 1024 * 1024) {
      return String.format(Locale.ROOT, "%.2f MiB", bytes / 1024 / 1024);
    }
    if (bytes >= 10 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }
    return String.format(Locale.ROOT, "%,.0f B", bytes);
  }

  static String ms(double millis) {
    if (Double.isNaN(millis)) {
      return "—";
    }
    if (millis >= 1000) {
      return String.format(Locale.ROOT, "%,.2f s", millis / 1000);
    }
    if (millis >= 10) {
      return String.format(Locale.ROOT, "%.0f ms", millis);
    }
    if (millis >= 0.1) {
      return String.format(Locale.ROOT, "%.2f ms", millis);
    }
    return String.format(Locale.ROOT, "%.1f µs", millis * 1000);
  }

  static String ratio(double ratio) {
    if (ratio >= 100) {
      return String.format(Locale.ROOT, "%,.0f×", ratio);
    }
    return String.format(Locale.ROOT, "%.2f×", ratio);
  }

  static String number(double value) {
    return String.format(Locale.ROOT, value == Math.rint(value) ? "%,.0f" : "%,.3f", value);
  }
}
