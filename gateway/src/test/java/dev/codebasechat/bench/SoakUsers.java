package dev.codebasechat.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's chat users, one thread each: a user converses in one session at a time (its message,
 * the assistant's reply a moment later, then a pause), reads the history every few turns, lists its
 * sessions now and then, and starts a new session after {@link #TURNS_PER_SESSION} turns, handing
 * the finished one to {@link SoakLedger}. Users are spread over the gateway instances as a load
 * balancer with affinity spreads them: each has a home instance and fails over to the next when its
 * home refuses connections (killed), coming back once it answers. A 5xx is retried on the same
 * instance after its {@code Retry-After}; a message keeps its id across retries, so a retry after
 * an unknown outcome cannot store it twice. Every answered request's latency is kept by minute and
 * route; every acknowledged message in its session's list, in acknowledgement order.
 */
final class SoakUsers {
  static final int TURNS_PER_SESSION = 15;
  static final int READ_EVERY_TURNS = 5;
  static final int LIST_EVERY_TURNS = 20;

  /** The routes the users call, as the tables name them. */
  enum Route {
    CREATE("create"),
    APPEND("append"),
    READ("read"),
    LIST("list"),
    DELETE("delete");

    final String label;

    Route(String label) {
      this.label = label;
    }
  }

  /** One request's outcome: its route, status (-1: no answer, the connection failed) and time. */
  record Sample(Route route, int status, long nanos) {}

  /** A session of the load: its owner's token and home, and what was acknowledged in it. */
  static final class Conversation {
    final String id;
    final String token;
    final int home;
    final List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());

    Conversation(String id, String token, int home) {
      this.id = id;
      this.token = token;
      this.home = home;
    }
  }

  private final List<Integer> ports;
  private final List<String> tokens;
  private final SoakLedger ledger;
  private final long startNanos;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final Map<Integer, ConcurrentLinkedQueue<Sample>> samplesByMinute =
      new ConcurrentHashMap<>();
  private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger failovers = new AtomicInteger();
  private final AtomicLong acknowledgedMessages = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopping;

  /**
   * @param ports the instances' ports, in order (a restarted instance keeps its port)
   * @param tokens one access token per user
   * @param startNanos when the run began ({@link System#nanoTime()}): minute 0 starts there
   */
  SoakUsers(List<Integer> ports, List<String> tokens, SoakLedger ledger, long startNanos) {
    this.startNanos = startNanos;
    this.ports = List.copyOf(ports);
    this.tokens = List.copyOf(tokens);
    this.ledger = ledger;
  }

  void start() {
    for (int u = 0; u < tokens.size(); u++) {
      int user = u;
      Thread thread = new Thread(() -> converse(user), "soak-user-" + u);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /** Ends the load: each user finishes the request it is in (retries included), then stops. */
  void stop(Duration grace) throws InterruptedException {
    stopping = true;
    long deadline = System.nanoTime() + grace.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        unexpected.add(thread.getName() + " still busy after the grace period");
        thread.interrupt();
      }
    }
  }

  /** The minute (0-based) of the run {@code nanoTime} falls in. */
  int minuteOf(long nanoTime) {
    return (int) ((nanoTime - startNanos) / 60_000_000_000L);
  }

  List<Sample> samples(int minute) {
    return List.copyOf(samplesByMinute.getOrDefault(minute, new ConcurrentLinkedQueue<>()));
  }

  List<String> unexpected() {
    return List.copyOf(unexpected);
  }

  int failovers() {
    return failovers.get();
  }

  long acknowledgedMessages() {
    return acknowledgedMessages.get();
  }

  private void converse(int user) {
    String token = tokens.get(user);
    int home = user % ports.size();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    // Users do not all start at once: spread over the first think time.
    pause(random.nextLong(1, 10_000));
    int turn = 0;
    Conversation conversation = null;
    while (!stopping) {
      try {
        if (conversation == null || conversation.acknowledged.size() >= 2 * TURNS_PER_SESSION) {
          Conversation next = create(token, home);
          if (next == null) {
            continue;
          }
          if (conversation != null) {
            ledger.finished(conversation);
          }
          conversation = next;
          ledger.started(conversation);
        }
        String prefix = "t" + turn;
        append(conversation, prefix + "-user", "user", userText(turn));
        pause(random.nextLong(500, 2_000)); // the model answering
        append(conversation, prefix + "-assistant", "assistant", assistantText(turn));
        turn++;
        if (turn % READ_EVERY_TURNS == 0) {
          call(Route.READ, "GET", "/v1/sessions/" + conversation.id, token, null, home);
        }
        if (turn % LIST_EVERY_TURNS == 0) {
          call(Route.LIST, "GET", "/v1/sessions?limit=20", token, null, home);
        }
        pause(random.nextLong(6_000, 14_000)); // the user reading and typing
      } catch (Stopped e) {
        return;
      }
    }
  }

  private Conversation create(String token, int home) {
    HttpResponse<String> created =
        call(Route.CREATE, "POST", "/v1/sessions", token, "{\"repo\":\"acme/soak\"}", home);
    if (created.statusCode() != 201) {
      unexpected("create", created);
      pause(1_000);
      return null;
    }
    try {
      String id = BenchSupport.JSON.readTree(created.body()).path("id").asText();
      return new Conversation(id, token, home);
    } catch (IOException e) {
      throw new IllegalStateException("a created session's answer is not JSON", e);
    }
  }

  private void append(Conversation conversation, String id, String role, String content) {
    String body =
        "{\"id\":\"" + id + "\",\"role\":\"" + role + "\",\"content\":\"" + content + "\"}";
    HttpResponse<String> answer =
        call(
            Route.APPEND,
            "POST",
            "/v1/sessions/" + conversation.id + "/messages",
            conversation.token,
            body,
            conversation.home);
    if (answer.statusCode() == 200) {
      conversation.acknowledged.add(id);
      acknowledgedMessages.incrementAndGet();
    } else {
      unexpected("append", answer);
    }
  }

  /** Deletes a verified session through its owner's home instance; whether it was deleted. */
  boolean delete(Conversation conversation) {
    HttpResponse<String> answer =
        call(
            Route.DELETE,
            "DELETE",
            "/v1/sessions/" + conversation.id,
            conversation.token,
            null,
            conversation.home);
    return answer.statusCode() == 200;
  }

  /**
   * Sends until answered below 500: on the home instance, the next one when a connection fails, the
   * same one again after a 5xx's {@code Retry-After}. Stopping ends the retries, not a request.
   */
  private HttpResponse<String> call(
      Route route, String method, String path, String token, String body, int home) {
    int instance = home;
    int refusedInARow = 0;
    while (true) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(instance) + path))
              .timeout(Duration.ofSeconds(15))
              .header("Authorization", "Bearer " + token);
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      request.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      long t0 = System.nanoTime();
      try {
        HttpResponse<String> answer =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        record(route, answer.statusCode(), t0);
        if (answer.statusCode() < 500) {
          return answer;
        }
        long retryAfter = answer.headers().firstValueAsLong("Retry-After").orElse(1L);
        pause(Math.min(5, Math.max(1, retryAfter)) * 1_000);
      } catch (IOException e) {
        record(route, -1, t0);
        failovers.incrementAndGet();
        instance = (instance + 1) % ports.size();
        if (++refusedInARow % ports.size() == 0) {
          pause(1_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Stopped();
      }
      if (stopping && Thread.currentThread().isInterrupted()) {
        throw new Stopped();
      }
    }
  }

  private void record(Route route, int status, long startedNanos) {
    long now = System.nanoTime();
    samplesByMinute
        .computeIfAbsent(minuteOf(startedNanos), m -> new ConcurrentLinkedQueue<>())
        .add(new Sample(route, status, now - startedNanos));
  }

  private void unexpected(String what, HttpResponse<String> answer) {
    if (unexpected.size() < 50) {
      // Where and when, without the session id: enough to find it in the run's events.
      unexpected.add(
          String.format(
              java.util.Locale.ROOT,
              "minute %d: %s answered %d: %s",
              minuteOf(System.nanoTime()) + 1,
              what,
              answer.statusCode(),
              answer.body()));
    }
  }

  /** Soak harness: users think between requests (the one place it sleeps). */
  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Stopped();
    }
  }

  private static String userText(int turn) {
    return "Turn " + turn + ": how do I read a file line by line in Java and count the words?";
  }

  private static String assistantText(int turn) {
    return ("Answer "
            + turn
            + ": use Files.lines(path) in a try-with-resources block, split each"
            + " line on whitespace and sum the counts; for large files stream them. ")
        .repeat(4);
  }

  /** Unwinds a user's thread when the run is over. */
  private static final class Stopped extends RuntimeException {
    Stopped() {
      super(null, null, false, false);
    }
  }
}
