package dev.codebasechat.bench;

import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Series;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import dev.codebasechat.gateway.Gateway;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import okhttp3.OkHttpClient;

/**
 * Measurement 7: a 500-message chat that only writes, in Supabase mode over real SQL (the
 * PostgREST-compatible test server on PostgreSQL 17 with the migrations): the gateway's appends
 * against the original-style whole-row upsert and a bare client that sends one call per message.
 * For each: the append's latency as its caller sees it, and what reached the database — requests,
 * bytes sent to it and bytes received from it, per message, as the database's HTTP server counted
 * them.
 */
public final class ChatWithoutReadsMeasurement {
  /**
   * A chat's rhythm compressed ten times: turns (a question and its answer) every 60 ms, and every
   * contender's write window 50 ms instead of 500, so each turn is saved on its own, as in a chat.
   */
  private static final Duration TURN = Duration.ofMillis(60);

  private static final Duration WINDOW = Duration.ofMillis(50);

  private ChatWithoutReadsMeasurement() {}

  /** What one contender did. */
  record Run(
      String contender,
      Distribution appends,
      int requests,
      long bytesToDatabase,
      long bytesFromDatabase,
      int historyReads) {}

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = BenchSupport.Options.parse(args);
    int count = options.quick() ? 100 : 500;
    List<ChatMessage> chat = Conversation.messages("c", 0, count, Clock.systemUTC().instant());
    long messageBytes = chat.stream().mapToLong(Conversation::jsonBytes).sum();
    List<Run> runs = new ArrayList<>();
    try (SupabaseTestServer supabase = SupabaseTestServer.create().start();
        // The original client against the schema it was written for: it writes conversation_history
        // itself, which this project's migrations no longer allow.
        SupabaseTestServer originalSchema =
            SupabaseTestServer.builder()
                .databaseName("chat500_original")
                .legacyDefaultPrivileges() // Supabase's grants of those days, which the original
                // relied on
                .migrations(originalMigrations())
                .build()
                .start()) {
      runs.add(gateway(supabase, chat));
      runs.add(original(originalSchema, chat));
      runs.add(bare(supabase, chat));
    } finally {
      EmbeddedSupabase.stopAll();
    }
    Map<String, Double> figures = new LinkedHashMap<>();
    List<List<String>> rows = new ArrayList<>();
    for (Run run : runs) {
      rows.add(
          List.of(
              run.contender(),
              BenchSupport.ms(run.appends().p50Ms()),
              BenchSupport.ms(run.appends().p99Ms()),
              String.valueOf(run.requests()),
              BenchSupport.number((double) run.requests() / count),
              BenchSupport.bytes((double) run.bytesToDatabase() / count),
              BenchSupport.bytes((double) run.bytesFromDatabase() / count),
              String.valueOf(run.historyReads())));
      String key = run.contender().replaceAll("[^a-z]+", "_");
      figures.put(key + ".append.p50Ms", run.appends().p50Ms());
      figures.put(key + ".append.p99Ms", run.appends().p99Ms());
      figures.put(key + ".requestsPerMessage", (double) run.requests() / count);
      figures.put(key + ".bytesToDatabasePerMessage", (double) run.bytesToDatabase() / count);
      figures.put(key + ".bytesFromDatabasePerMessage", (double) run.bytesFromDatabase() / count);
    }
    Run ours = runs.get(0);
    Run original = runs.get(1);
    double perMessage = (double) messageBytes / count;
    List<GoalCheck> goals =
        List.of(
            new GoalCheck(
                "bytes received from the database per appended message ≤ 2 × the message's own ("
                    + BenchSupport.bytes(perMessage)
                    + ")",
                BenchSupport.bytes((double) ours.bytesFromDatabase() / count) + " per message",
                Verdict.of(ours.bytesFromDatabase() <= 2 * messageBytes),
                ""),
            new GoalCheck(
                "no write downloads the history",
                ours.historyReads() + " reads of the history",
                Verdict.of(ours.historyReads() == 0),
                ""),
            new GoalCheck(
                "bytes sent to the database: the messages once (O(new messages))",
                BenchSupport.bytes((double) ours.bytesToDatabase() / count)
                    + " per message; original-style "
                    + BenchSupport.bytes((double) original.bytesToDatabase() / count),
                Verdict.of(ours.bytesToDatabase() < 2 * messageBytes),
                ""));
    List<String> categories = runs.stream().map(Run::contender).toList();
    BenchSupport.write(
        new MeasurementResult(
            "chat500",
            "7. A " + count + "-message chat that only writes, Supabase mode over real SQL",
            "The PostgREST-compatible test server over PostgreSQL 17 with the migrations, on this machine. One user writes "
                + count
                + " messages (every other one a question of ~"
                + Conversation.USER_CHARS
                + " characters, the others"
                + " answers of ~"
                + Conversation.ASSISTANT_CHARS
                + "; "
                + BenchSupport.bytes(perMessage)
                + " of JSON on average),"
                + " in turns of a question and its answer, no reads. A chat's rhythm compressed ten times: a turn every "
                + TURN.toMillis()
                + " ms and every contender's write window "
                + WINDOW.toMillis()
                + " ms (500 ms by default), so"
                + " each turn is saved on its own. Ours: the gateway (in this JVM) in Supabase mode, the client POSTs"
                + " /v1/sessions then each message to /v1/sessions/{id}/messages. Original-style: the original's store"
                + " (whole-row upsert after the debounce). Bare: one append_chat_messages call per"
                + " message, waited for. Latency is the caller's (HTTP to the gateway for ours, the library call for the others);"
                + " requests and bytes are what the database's HTTP server received and sent (request line, headers and body).",
            List.of(
                new ResultTable(
                    count + " messages",
                    List.of(
                        "contender",
                        "append p50",
                        "append p99",
                        "database requests",
                        "requests per message",
                        "bytes to the database per message",
                        "bytes from the database per message",
                        "history reads"),
                    rows)),
            goals,
            List.of(
                "The gateway coalesces a session's writes within its write window into one call that carries only the new"
                    + " messages; its answer is a few fields. The original-style store also coalesces, but every save uploads the"
                    + " whole history, so bytes per message grow with the conversation.",
                "The bare client pays a round trip per message and the database's work per call; its caller waits for it."),
            List.of(
                new Chart(
                    "chat500-bytes.svg",
                    "bytes per message, to and from the database (log scale)",
                    "bytes",
                    true,
                    categories,
                    List.of(
                        new Series(
                            "to the database",
                            runs.stream().map(r -> (double) r.bytesToDatabase() / count).toList()),
                        new Series(
                            "from the database",
                            runs.stream()
                                .map(r -> (double) r.bytesFromDatabase() / count)
                                .toList())))),
            figures),
        options.out());
    BenchSupport.exit();
  }

  private static int historyReads(List<RecordedRequest> requests) {
    return (int)
        requests.stream()
            .filter(
                r ->
                    r.method().equals("GET")
                        && (r.query().isEmpty()
                            || r.query().contains("conversation_history")
                            || r.query().contains("select=%2A")))
            .filter(r -> r.isOnTable("codebase_chat_sessions"))
            .count();
  }

  private static Run gateway(SupabaseTestServer supabase, List<ChatMessage> chat) throws Exception {
    supabase.reset();
    String token = supabase.tokenFor(supabase.newUser(), Duration.ofHours(2));
    Path dataDir = Files.createTempDirectory("chat500");
    Gateway gateway =
        Gateway.builder(
                Settings.fromEnvironment(
                    Map.of(
                        "SUPABASE_URL", supabase.baseUrl(),
                        "SUPABASE_ANON_KEY", supabase.apiKey(),
                        "DATA_DIR", dataDir.toString(),
                        "GATEWAY_DEBOUNCE_MS", Long.toString(WINDOW.toMillis()))))
            .host("127.0.0.1")
            .port(0)
            .start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + gateway.port();
    try {
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
                  .header("Authorization", "Bearer " + token)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String id = BenchSupport.JSON.readTree(created.body()).path("id").asText();
      long[] latencies = new long[chat.size()];
      long start = System.nanoTime();
      for (int i = 0; i < chat.size(); i++) {
        String body = Conversation.json(chat.get(i)).toString();
        long before = System.nanoTime();
        HttpResponse<String> answer =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + id + "/messages"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        latencies[i] = System.nanoTime() - before;
        if (answer.statusCode() != 200) {
          throw new IllegalStateException(
              "append answered " + answer.statusCode() + ": " + answer.body());
        }
        paceTurns(start, i);
      }
      awaitStored(supabase, id, chat.size());
      List<RecordedRequest> requests = supabase.requests();
      return summary("ours (gateway)", latencies, requests);
    } finally {
      gateway.close();
    }
  }

  private static Run original(SupabaseTestServer supabase, List<ChatMessage> chat)
      throws Exception {
    supabase.reset();
    UUID user = supabase.newUser();
    String token = supabase.tokenFor(user, Duration.ofHours(2));
    OkHttpClient http = OriginalStyleStore.httpClient().build();
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    OriginalStyleStore store =
        new OriginalStyleStore(
            http, supabase.restUrl(), supabase.apiKey(), timers, Clock.systemUTC(), WINDOW);
    String id = "chat-1767225600000-original500";
    try {
      long[] latencies = new long[chat.size()];
      long start = System.nanoTime();
      for (int i = 0; i < chat.size(); i++) {
        long before = System.nanoTime();
        store.addMessage(token, user, id, chat.get(i)).join();
        latencies[i] = System.nanoTime() - before;
        paceTurns(start, i);
      }
      BenchSupport.await("original saves", Duration.ofSeconds(60), () -> {}, store::idle);
      awaitStored(supabase, id, chat.size());
      return summary("original-style", latencies, supabase.requests());
    } finally {
      store.close();
      timers.shutdownNow();
    }
  }

  /** A migrations directory holding only the original schema's file. */
  private static Path originalMigrations() throws java.io.IOException {
    Path dir = Files.createTempDirectory("original-schema");
    try (var in =
        ChatWithoutReadsMeasurement.class.getResourceAsStream(
            "/db/original-20250118000000_create_codebase_chat_sessions.sql")) {
      Files.copy(
          java.util.Objects.requireNonNull(in, "original schema resource"),
          dir.resolve("20250118000000_create_codebase_chat_sessions.sql"));
    }
    return dir;
  }

  private static Run bare(SupabaseTestServer supabase, List<ChatMessage> chat) {
    supabase.reset();
    String token = supabase.tokenFor(supabase.newUser(), Duration.ofHours(2));
    BareClient client = new BareClient(new OkHttpClient(), supabase.restUrl(), supabase.apiKey());
    String id = "chat-1767225600000-bare0500";
    long[] latencies = new long[chat.size()];
    long start = System.nanoTime();
    for (int i = 0; i < chat.size(); i++) {
      long before = System.nanoTime();
      int status = client.append(token, id, List.of(chat.get(i)));
      latencies[i] = System.nanoTime() - before;
      if (status != 200) {
        throw new IllegalStateException("bare append answered " + status);
      }
      paceTurns(start, i);
    }
    return summary("bare client", latencies, supabase.requests());
  }

  /** After the answer of a turn (every second message), wait for the next turn. */
  private static void paceTurns(long start, int index) {
    if (index % 2 == 1) {
      BenchSupport.parkUntil(start + (index / 2 + 1) * TURN.toNanos());
    }
  }

  private static void awaitStored(SupabaseTestServer supabase, String id, int count) {
    BenchSupport.await(
        "the chat in the database",
        Duration.ofSeconds(60),
        () -> {},
        () ->
            supabase
                .queryOneAsOwner( // Qualified: the column of the original schema, the computed
                    // field of this project's.
                    "select jsonb_array_length(s.conversation_history) from public.codebase_chat_sessions s where s.session_id = ?",
                    id)
                .map(n -> Integer.parseInt(n) == count)
                .orElse(false));
  }

  private static Run summary(String contender, long[] latencies, List<RecordedRequest> requests) {
    long to = requests.stream().mapToLong(RecordedRequest::bytesReceived).sum();
    long from = requests.stream().mapToLong(RecordedRequest::bytesSent).sum();
    System.out.printf(
        Locale.ROOT,
        "%s: %d requests, %d bytes to the database, %d from it%n",
        contender,
        requests.size(),
        to,
        from);
    return new Run(
        contender,
        Distribution.ofNanos(latencies),
        requests.size(),
        to,
        from,
        historyReads(requests));
  }
}
