package dev.codebasechat.bench;

import dev.codebasechat.bench.MeasurementResult.Chart;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Series;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;

/**
 * Measurement 1: bytes sent to the database to persist a 500-message conversation arriving as 250
 * turns (a user message and the assistant's answer per turn), by the store, the original's full-row
 * upsert and a bare client, next to the bytes of the messages themselves.
 *
 * <p>Two pacings, because the original's cost depends on whether its debounce fires between
 * messages: <b>live chat</b> (the answer 2 s after the question, the next question 6 s later: every
 * gap is longer than the 500 ms window, so every message is saved on its own, as in a real
 * conversation with a model answering) and <b>fast stream</b> (a whole turn every 100 ms, e.g. an
 * import: faster than the window). Time is a manual clock, so 250 turns of live chat take seconds,
 * not half an hour; the HTTP is real, against FakeSupabase on this machine. Bytes are counted by
 * one OkHttp network interceptor for every contender ({@link WireTap}).
 */
public final class WireBytesMeasurement {
  private static final String PREFIX_OURS = "ours";

  private WireBytesMeasurement() {}

  enum Pacing {
    LIVE("live chat (answer after 2 s, next question after 6 s: every gap > the 500 ms window)"),
    STREAM("fast stream (a turn every 100 ms: faster than the window)");

    final String label;

    Pacing(String label) {
      this.label = label;
    }
  }

  record Traffic(String contender, long requests, long bodyBytes, long headerBytes) {
    long total() {
      return bodyBytes + headerBytes;
    }
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = BenchSupport.Options.parse(args);
    int turns = options.quick() ? 50 : 250;
    Map<String, Double> figures = new LinkedHashMap<>();
    List<ResultTable> tables = new ArrayList<>();
    List<Double> oursBytes = new ArrayList<>();
    List<Double> originalBytes = new ArrayList<>();
    List<Double> bareBytes = new ArrayList<>();
    List<Double> messageBytes = new ArrayList<>();
    long liveMessageBytes = 0;
    Traffic liveOurs = null;
    Traffic liveOriginal = null;
    try (FakeSupabase fake = FakeSupabase.create().start()) {
      BenchSupport.acceptOriginalUpserts(fake);
      BenchSupport.User caller = BenchSupport.users(fake, 1).get(0);
      for (Pacing pacing : Pacing.values()) {
        long floor = 0;
        for (int i = 0; i < 2 * turns; i++) {
          floor +=
              Conversation.jsonBytes(Conversation.message(PREFIX_OURS, i, java.time.Instant.EPOCH));
        }
        long t0 = System.nanoTime();
        Traffic ours = ours(fake, caller, pacing, turns);
        long t1 = System.nanoTime();
        Traffic original = original(fake, caller, pacing, turns);
        long t2 = System.nanoTime();
        Traffic bare = bare(fake, caller, pacing, turns);
        System.out.printf(
            java.util.Locale.ROOT,
            "  %s: ours %.1f s, original %.1f s, bare %.1f s%n",
            pacing,
            (t1 - t0) / 1e9,
            (t2 - t1) / 1e9,
            (System.nanoTime() - t2) / 1e9);
        List<List<String>> rows = new ArrayList<>();
        rows.add(
            List.of(
                "the messages themselves (floor)",
                "—",
                BenchSupport.bytes(floor),
                "—",
                BenchSupport.bytes(floor),
                "1.00×"));
        for (Traffic t : List.of(ours, bare, original)) {
          rows.add(
              List.of(
                  t.contender(),
                  BenchSupport.number(t.requests()),
                  BenchSupport.bytes(t.bodyBytes()),
                  BenchSupport.bytes(t.headerBytes()),
                  BenchSupport.bytes(t.total()),
                  BenchSupport.ratio((double) t.bodyBytes() / floor)));
          String key =
              pacing.name().toLowerCase(java.util.Locale.ROOT) + "." + t.contender().split(" ")[0];
          figures.put(key + ".requests", (double) t.requests());
          figures.put(key + ".bodyBytes", (double) t.bodyBytes());
          figures.put(key + ".headerBytes", (double) t.headerBytes());
        }
        figures.put(
            pacing.name().toLowerCase(java.util.Locale.ROOT) + ".messageBytes", (double) floor);
        tables.add(
            new ResultTable(
                pacing.label + ", " + (2 * turns) + " messages",
                List.of(
                    "contender",
                    "requests",
                    "request bodies",
                    "request line + headers",
                    "total",
                    "bodies ÷ message bytes"),
                rows));
        oursBytes.add((double) ours.total());
        originalBytes.add((double) original.total());
        bareBytes.add((double) bare.total());
        messageBytes.add((double) floor);
        if (pacing == Pacing.LIVE) {
          liveOurs = ours;
          liveOriginal = original;
          liveMessageBytes = floor;
        }
      }
    }
    double fewer = (double) liveOriginal.total() / liveOurs.total();
    double fewerBodies = (double) liveOriginal.bodyBytes() / liveOurs.bodyBytes();
    double overFloor = (double) liveOurs.bodyBytes() / liveMessageBytes;
    double overFloorTotal = (double) liveOurs.total() / liveMessageBytes;
    List<GoalCheck> goals =
        List.of(
            new GoalCheck(
                "ours ≥ 100× fewer bytes than original-style",
                BenchSupport.ratio(fewer)
                    + " fewer (bodies + headers; bodies alone "
                    + BenchSupport.ratio(fewerBodies)
                    + "), live chat",
                Verdict.of(fewer >= 100),
                ""),
            new GoalCheck(
                "ours within 1.5× of the message bytes",
                BenchSupport.ratio(overFloor)
                    + " (request bodies); "
                    + BenchSupport.ratio(overFloorTotal)
                    + " with request lines and headers",
                Verdict.of(overFloor <= 1.5),
                "headers are mostly the two JWTs every request must carry (apikey and the user's token)"));
    List<String> notes =
        List.of(
            "Live chat is the case that matters: a model's answer takes seconds, so every message of a real conversation is"
                + " saved on its own and the original re-sent the whole history each time (bytes grow with the square of the"
                + " length). In the fast stream its trailing debounce never fires until the stream stops, so it sends the history"
                + " once at the end — few bytes, but nothing was persisted for the whole stream (see measurement 2).",
            "The store's bodies carry each message once plus the function's arguments; the bare client sends one request per"
                + " message, so the same bodies as the store in live chat and more requests (and headers) in the fast stream.",
            "Message bytes are the JSON of each message as stored (id, role, content, timestamp): user questions of ~"
                + Conversation.USER_CHARS
                + " characters, answers of ~"
                + Conversation.ASSISTANT_CHARS
                + ".");
    Chart chart =
        new Chart(
            "bytes.svg",
            "Bytes sent to persist a " + (2 * turns) + "-message conversation (log scale)",
            "bytes",
            true,
            List.of("live chat", "fast stream"),
            List.of(
                new Series("message bytes (floor)", messageBytes),
                new Series("ours", oursBytes),
                new Series("bare client", bareBytes),
                new Series("original-style", originalBytes)));
    BenchSupport.write(
        new MeasurementResult(
            "bytes",
            "1. Bytes sent to the database for a 500-message conversation (250 turns)",
            "FakeSupabase (WireMock) on this machine plays PostgREST; the original's upserts are answered 201 by a stub."
                + " Manual clock and scheduler drive the debounce timers (bytes do not depend on wall time); HTTP is real."
                + " Each contender gets the same "
                + (2 * turns)
                + " messages in a fresh session; bytes are counted by one OkHttp"
                + " network interceptor (request line and headers as sent, and bodies).",
            tables,
            goals,
            notes,
            List.of(chart),
            figures),
        options.out());
    BenchSupport.exit();
  }

  private static Traffic ours(FakeSupabase fake, BenchSupport.User user, Pacing pacing, int turns) {
    WireTap tap = new WireTap();
    ManualClock clock = ManualClock.startingAtEpoch2026();
    ManualScheduler scheduler = new ManualScheduler(clock);
    OkHttpClient http = BenchSupport.tapped(tap);
    SessionId id =
        SessionId.of(
            "chat-1767225600000-bytes" + pacing.name().toLowerCase(java.util.Locale.ROOT) + "ours");
    try (PostgrestClient client = BenchSupport.ourClient(fake, http)) {
      SessionStore store =
          SessionStore.builder(client)
              .clock(clock)
              .scheduler(scheduler)
              .closeTimeout(Duration.ofMillis(10))
              // The manual clock jumps seconds at a time while a request is in flight on real HTTP:
              // neither the deadline nor the breaker's slow-call rule may read that as a slow
              // database.
              .resilience(
                  dev.codebasechat.resilience.Resilience.builder()
                      .slowCallThreshold(Duration.ofHours(1))
                      .build())
              .databaseTimeout(Duration.ofHours(1))
              .build();
      // Time moves a little while waiting: a flush answered after the clock's last jump is followed
      // by the next one a window after that answer.
      Runnable pump = () -> scheduler.advance(Duration.ofMillis(100));
      for (int turn = 0; turn < turns; turn++) {
        if (pacing == Pacing.LIVE) {
          store.append(
              user.caller(),
              id,
              Append.of(List.of(Conversation.message(PREFIX_OURS, 2 * turn, clock.instant()))));
          scheduler.advance(Duration.ofSeconds(2));
          BenchSupport.await(
              "confirmation",
              Duration.ofSeconds(30),
              pump,
              () -> store.pendingSessions().isEmpty());
          store.append(
              user.caller(),
              id,
              Append.of(List.of(Conversation.message(PREFIX_OURS, 2 * turn + 1, clock.instant()))));
          scheduler.advance(Duration.ofSeconds(6));
          BenchSupport.await(
              "confirmation",
              Duration.ofSeconds(30),
              pump,
              () -> store.pendingSessions().isEmpty());
        } else {
          store.append(
              user.caller(),
              id,
              Append.of(List.of(Conversation.message(PREFIX_OURS, 2 * turn, clock.instant()))));
          store.append(
              user.caller(),
              id,
              Append.of(List.of(Conversation.message(PREFIX_OURS, 2 * turn + 1, clock.instant()))));
          scheduler.advance(Duration.ofMillis(100));
        }
      }
      scheduler.advance(Duration.ofSeconds(1));
      BenchSupport.await(
          "confirmation",
          Duration.ofSeconds(30),
          () -> scheduler.advance(Duration.ofMillis(100)),
          () -> store.pendingSessions().isEmpty());
      store.close();
    }
    requireStored(fake, id.value(), 2 * turns);
    return traffic("ours (SessionStore)", tap);
  }

  private static Traffic original(
      FakeSupabase fake, BenchSupport.User user, Pacing pacing, int turns) {
    WireTap tap = new WireTap();
    ManualClock clock = ManualClock.startingAtEpoch2026();
    ManualScheduler scheduler = new ManualScheduler(clock);
    OkHttpClient http = OriginalStyleStore.httpClient().addNetworkInterceptor(tap).build();
    String id =
        "chat-1767225600000-bytes" + pacing.name().toLowerCase(java.util.Locale.ROOT) + "orig";
    String token = user.token();
    OriginalStyleStore store =
        new OriginalStyleStore(http, fake.restUrl(), fake.apiKey(), scheduler, clock);
    Runnable pump = scheduler::runDueTasks;
    for (int turn = 0; turn < turns; turn++) {
      ChatMessage question = Conversation.message(PREFIX_OURS, 2 * turn, clock.instant());
      if (pacing == Pacing.LIVE) {
        store.addMessage(token, user.id(), id, question).join();
        scheduler.advance(Duration.ofSeconds(2));
        BenchSupport.await("save", Duration.ofSeconds(30), pump, store::idle);
        store
            .addMessage(
                token,
                user.id(),
                id,
                Conversation.message(PREFIX_OURS, 2 * turn + 1, clock.instant()))
            .join();
        scheduler.advance(Duration.ofSeconds(6));
        BenchSupport.await("save", Duration.ofSeconds(30), pump, store::idle);
      } else {
        store.addMessage(token, user.id(), id, question).join();
        store
            .addMessage(
                token,
                user.id(),
                id,
                Conversation.message(PREFIX_OURS, 2 * turn + 1, clock.instant()))
            .join();
        scheduler.advance(Duration.ofMillis(100));
      }
    }
    scheduler.advance(Duration.ofSeconds(1));
    BenchSupport.await("save", Duration.ofSeconds(30), pump, store::idle);
    store.close();
    if (store.savesFailed() > 0) {
      throw new IllegalStateException("original-style saves failed: " + store.savesFailed());
    }
    return traffic("original-style (full-row upsert)", tap);
  }

  private static Traffic bare(FakeSupabase fake, BenchSupport.User user, Pacing pacing, int turns) {
    WireTap tap = new WireTap();
    BareClient bare = new BareClient(BenchSupport.tapped(tap), fake.restUrl(), fake.apiKey());
    String id =
        "chat-1767225600000-bytes" + pacing.name().toLowerCase(java.util.Locale.ROOT) + "bare";
    java.time.Instant at = ManualClock.startingAtEpoch2026().instant();
    for (int i = 0; i < 2 * turns; i++) {
      int status = bare.append(user.token(), id, List.of(Conversation.message(PREFIX_OURS, i, at)));
      if (status != 200) {
        throw new IllegalStateException("bare append answered " + status);
      }
    }
    requireStored(fake, id, 2 * turns);
    return traffic("bare client (one call per message)", tap);
  }

  private static void requireStored(FakeSupabase fake, String id, int messages) {
    int stored = fake.session(id).map(s -> s.messageIds().size()).orElse(0);
    if (stored != messages) {
      throw new IllegalStateException(
          "session " + id + " holds " + stored + " messages, expected " + messages);
    }
  }

  private static Traffic traffic(String contender, WireTap tap) {
    long body = 0;
    long headers = 0;
    List<WireTap.Exchange> exchanges = tap.exchanges();
    for (WireTap.Exchange e : exchanges) {
      body += e.bodyBytes();
      headers += e.headerBytes();
    }
    return new Traffic(contender, exchanges.size(), body, headers);
  }
}
