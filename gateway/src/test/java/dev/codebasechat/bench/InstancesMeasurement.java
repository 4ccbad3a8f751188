package dev.codebasechat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.bench.MeasurementResult.GoalCheck;
import dev.codebasechat.bench.MeasurementResult.ResultTable;
import dev.codebasechat.bench.MeasurementResult.Verdict;
import dev.codebasechat.e2e.GatewayProcess;
import dev.codebasechat.gateway.GatewayClient;
import dev.codebasechat.gateway.GatewayClient.Answer;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several gateway processes on one database behind a client that rotates over them, as behind a
 * load balancer (issue 13): requests per second with one, two and three instances; then a run of
 * three with a database outage and a {@code kill -9} of one instance (restarted with the service
 * key), after which every acknowledged message must be stored exactly once and in acknowledgement
 * order, and reads must have shown every write acknowledged longer ago than the debounce window
 * plus the freshness bound. Loopback only, bounded in count and time.
 */
public final class InstancesMeasurement {
  private static final Duration FRESHNESS = Duration.ofSeconds(1);
  private static final Duration DEBOUNCE = Duration.ofMillis(500);

  /** A write acknowledged this long ago is in the database and past every instance's bound. */
  private static final Duration VISIBLE_AFTER = FRESHNESS.plus(DEBOUNCE).plusMillis(300);

  /**
   * A write confirmed by the database this long ago is past every instance's bound: the bound and
   * the reading instance's own revalidation (at most 300 ms), as docs/durability.md promises it.
   */
  private static final Duration VISIBLE_AFTER_CONFIRMATION = FRESHNESS.plusMillis(300);

  /** How often the watch asks the database which messages it holds. */
  private static final Duration WATCH_INTERVAL = Duration.ofMillis(50);

  private static final int SESSIONS_PER_USER = 3;
  private static final int THREADS = 8;

  /**
   * After a disturbance ends, how long writes held back by it may still take to show: the
   * write-behind's next retry (backoff up to RemoteGuard's 5 s, ±50 % jitter: 7.5 s), the debounce
   * and the bound. (A run with 6 s here saw 1 of 2 906 reads miss such a write.)
   */
  private static final Duration RECOVERY = Duration.ofMillis(9_500);

  private InstancesMeasurement() {}

  /** One session of the load: its owner's token and what was acknowledged, in order. */
  private static final class LoadSession {
    final String id;
    final String token;

    /** Acknowledged message ids with the nanoTime of their send and of their acknowledgement. */
    final List<long[]> times = Collections.synchronizedList(new ArrayList<>());

    final List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger next = new AtomicInteger();

    LoadSession(String id, String token) {
      this.id = id;
      this.token = token;
    }
  }

  /** What one load run saw. */
  private record Run(
      String name,
      int instances,
      double seconds,
      int reads,
      int appends,
      int refused,
      Distribution readLatency,
      Distribution appendLatency,
      List<Long> staleNanos,
      int readsMissingOldWrites,
      int readsMissingOldWritesOutsideDisturbances,
      int localReadsMissingOldWritesOutsideDisturbances,
      List<Long> staleSinceConfirmationNanos,
      int readsMissingConfirmedWrites,
      int localReadsMissingConfirmedWrites,
      Map<String, Integer> sources,
      Map<String, Integer> refusals,
      List<RecordedRequest> traffic) {}

  /** A read that did not show some acknowledged messages: when it began, and which. */
  private record PartialRead(
      long began,
      int port,
      String session,
      boolean local,
      List<String> missing,
      List<long[]> times) {}

  /**
   * When each message was first seen in the database (nanoTime), by asking it every {@link
   * #WATCH_INTERVAL}: a confirmation time at most that much (plus the query) late.
   */
  private static final class ConfirmationWatch implements AutoCloseable {
    /** Sequence numbers looked at again: far more than the appends that run at once. */
    private static final long LOOK_BACK = 200;

    private final Map<String, Long> confirmedAt = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    ConfirmationWatch(SupabaseTestServer supabase) throws java.sql.SQLException {
      java.sql.Connection connection = supabase.database().ownerConnection();
      java.sql.PreparedStatement query =
          connection.prepareStatement(
              "select message_id, seq from public.codebase_chat_messages where seq > ?");
      thread =
          new Thread(
              () -> {
                long floor = 0;
                try (connection;
                    query) {
                  while (running) {
                    long now = System.nanoTime();
                    long highest = floor;
                    query.setLong(1, floor);
                    try (java.sql.ResultSet rows = query.executeQuery()) {
                      while (rows.next()) {
                        confirmedAt.putIfAbsent(rows.getString(1), now);
                        highest = Math.max(highest, rows.getLong(2));
                      }
                    }
                    // Rows may commit out of seq order, by the few transactions running at once:
                    // look back.
                    floor = Math.max(floor, highest - LOOK_BACK);
                    BenchSupport.sleepMillis(WATCH_INTERVAL.toMillis());
                  }
                } catch (java.sql.SQLException e) {
                  throw new IllegalStateException("the confirmation watch lost the database", e);
                }
              },
              "confirmation-watch");
      thread.setDaemon(true);
      thread.start();
    }

    Optional<Long> confirmedAt(String messageId) {
      return Optional.ofNullable(confirmedAt.get(messageId));
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(10_000);
    }
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = BenchSupport.Options.parse(args);
    int users = options.quick() ? 10 : 50;
    Duration phase = options.quick() ? Duration.ofSeconds(3) : Duration.ofSeconds(8);
    Duration disturbed = options.quick() ? Duration.ofSeconds(10) : Duration.ofSeconds(30);
    Path dataRoot = Files.createTempDirectory("instances");
    List<Run> scaling = new ArrayList<>();
    Run resilience;
    Map<String, Double> figures = new LinkedHashMap<>();
    List<GoalCheck> goals = new ArrayList<>();
    try (SupabaseTestServer supabase = SupabaseTestServer.create().start()) {
      for (int n = 1; n <= 3; n++) {
        supabase.reset();
        List<GatewayProcess> gateways = start(supabase, dataRoot.resolve("scale" + n), n);
        try {
          List<LoadSession> sessions = sessions(supabase, gateways.get(0), users);
          supabase.clearRequests();
          scaling.add(
              load(
                  n + " instance" + (n > 1 ? "s" : ""),
                  supabase,
                  gateways,
                  sessions,
                  phase,
                  Optional.empty()));
        } finally {
          gateways.forEach(GatewayProcess::close);
        }
      }
      supabase.reset();
      Path dir = dataRoot.resolve("disturbed");
      List<GatewayProcess> gateways = start(supabase, dir, 3);
      try {
        List<LoadSession> sessions = sessions(supabase, gateways.get(0), users);
        supabase.clearRequests();
        resilience =
            load(
                "3 instances, outage and kill -9",
                supabase,
                gateways,
                sessions,
                disturbed,
                Optional.of(dir));
        for (GatewayProcess gateway : gateways) {
          BenchSupport.await(
              "every acknowledged write confirmed",
              Duration.ofSeconds(60),
              () -> {},
              () -> ready(gateway) == 0);
        }
        Check check = check(supabase, sessions);
        goals.add(
            new GoalCheck(
                "every acknowledged message stored exactly once",
                check.missing + " missing, " + check.acknowledged + " acknowledged",
                Verdict.of(check.missing == 0),
                ""));
        goals.add(
            new GoalCheck(
                "stored in acknowledgement order",
                check.outOfOrder + " pairs out of order",
                Verdict.of(check.outOfOrder == 0),
                "pairs (a, b) of a session with a acknowledged before b was sent"));
        int steadyMisses = scaling.stream().mapToInt(Run::readsMissingOldWrites).sum();
        int steadyReads = scaling.stream().mapToInt(Run::reads).sum();
        goals.add(
            new GoalCheck(
                "every read shows every write acknowledged more than "
                    + VISIBLE_AFTER.toMillis()
                    + " ms earlier (debounce + bound + 300 ms), undisturbed runs",
                steadyMisses + " of " + steadyReads + " reads missed one",
                Verdict.of(steadyMisses == 0),
                ""));
        goals.add(
            new GoalCheck(
                "the same in the disturbed run, outside the outage and the restart (+ "
                    + RECOVERY.toMillis() / 1000.0
                    + " s for the held-back writes' next retry), answers from the database or the cache",
                resilience.readsMissingOldWritesOutsideDisturbances()
                    + " of "
                    + resilience.reads()
                    + " reads missed one ("
                    + resilience.readsMissingOldWrites()
                    + " counting the disturbances, "
                    + resilience.localReadsMissingOldWritesOutsideDisturbances()
                    + " answered local outside them)",
                Verdict.of(resilience.readsMissingOldWritesOutsideDisturbances() == 0),
                "while the database is away or an instance is down, acknowledged writes wait in a journal"));
        List<Run> all = new ArrayList<>(scaling);
        all.add(resilience);
        int confirmedMisses = all.stream().mapToInt(Run::readsMissingConfirmedWrites).sum();
        int localMisses = all.stream().mapToInt(Run::localReadsMissingConfirmedWrites).sum();
        int allReads = all.stream().mapToInt(Run::reads).sum();
        int localReads = all.stream().mapToInt(run -> run.sources().getOrDefault("local", 0)).sum();
        goals.add(
            new GoalCheck(
                "every read answered from the database or the cache shows every write the database confirmed more than "
                    + VISIBLE_AFTER_CONFIRMATION.toMillis()
                    + " ms earlier (bound + 300 ms), every run, the outage and the"
                    + " kill -9 included",
                confirmedMisses + " of " + (allReads - localReads) + " reads missed one",
                Verdict.of(confirmedMisses == 0),
                "confirmation = first seen by a watch asking the database every "
                    + WATCH_INTERVAL.toMillis()
                    + " ms. "
                    + localReads
                    + " reads were answered X-Session-Source: local (the database did not answer the"
                    + " revalidation within 300 ms, the outage mostly), which may be behind other instances' writes;"
                    + " "
                    + localMisses
                    + " of them were"));
        figures.put("readsMissingConfirmedWrites", (double) confirmedMisses);
        figures.put("disturbed.acknowledged", (double) check.acknowledged);
        figures.put("disturbed.missing", (double) check.missing);
        figures.put("disturbed.outOfOrder", (double) check.outOfOrder);
      } finally {
        gateways.forEach(GatewayProcess::close);
      }
    } finally {
      EmbeddedSupabase.stopAll();
    }

    List<List<String>> rows = new ArrayList<>();
    for (Run run : scaling) {
      rows.add(row(run));
      String key = "instances" + run.instances();
      figures.put(key + ".requestsPerSecond", (run.reads() + run.appends()) / run.seconds());
      figures.put(key + ".databaseRequestsPerMessage", databaseRequestsPerMessage(run));
      figures.put(
          key + ".revalidationsPerRead",
          revalidations(run).size() / (double) Math.max(1, run.reads()));
    }
    rows.add(row(resilience));
    Distribution stale =
        resilience.staleNanos().isEmpty()
            ? null
            : Distribution.ofNanos(
                resilience.staleNanos().stream().mapToLong(Long::longValue).toArray());
    List<List<String>> staleRows = new ArrayList<>();
    List<Run> staleRuns = new ArrayList<>(scaling);
    staleRuns.add(resilience);
    for (Run run : staleRuns) {
      Distribution d =
          run.staleNanos().isEmpty()
              ? null
              : Distribution.ofNanos(
                  run.staleNanos().stream().mapToLong(Long::longValue).toArray());
      List<Long> sinceConfirmation = run.staleSinceConfirmationNanos();
      Distribution c =
          sinceConfirmation.isEmpty()
              ? null
              : Distribution.ofNanos(
                  sinceConfirmation.stream().mapToLong(Long::longValue).toArray());
      staleRows.add(
          List.of(
              run.name(),
              run.staleNanos().size() + " of " + run.reads(),
              d == null ? "–" : BenchSupport.ms(d.p50Ms()),
              d == null ? "–" : BenchSupport.ms(d.p99Ms()),
              d == null ? "–" : BenchSupport.ms(d.maxMs()),
              sinceConfirmation.size() + " of " + run.reads(),
              c == null ? "–" : BenchSupport.ms(c.p50Ms()),
              c == null ? "–" : BenchSupport.ms(c.p99Ms()),
              c == null ? "–" : BenchSupport.ms(c.maxMs())));
      if (c != null) {
        String key = run == resilience ? "disturbed" : "instances" + run.instances();
        figures.put(key + ".staleSinceConfirmation.p99Ms", c.p99Ms());
        figures.put(key + ".staleSinceConfirmation.maxMs", c.maxMs());
      }
    }
    if (stale != null) {
      figures.put("disturbed.stale.p50Ms", stale.p50Ms());
      figures.put("disturbed.stale.p99Ms", stale.p99Ms());
      figures.put("disturbed.stale.maxMs", stale.maxMs());
    }
    BenchSupport.write(
        new MeasurementResult(
            "instances",
            "8. Several gateway instances on one database (issue 13)",
            "The PostgREST-compatible test server over PostgreSQL 17 with the migrations; 1, 2 or 3 gateway processes"
                + " (Supabase mode, journal acknowledgement, "
                + DEBOUNCE.toMillis()
                + " ms debounce, GATEWAY_CACHE_FRESHNESS_MS="
                + FRESHNESS.toMillis()
                + ", the service key given) on this machine; "
                + THREADS
                + " client threads rotating over"
                + " them, "
                + users
                + " users with "
                + SESSIONS_PER_USER
                + " sessions each, every request to a random session:"
                + " 80 % reads of the whole session, 20 % appends of one message. "
                + phase.toSeconds()
                + " s per instance count;"
                + " then "
                + disturbed.toSeconds()
                + " s on three instances with the database refusing connections for 2 s"
                + " and one instance killed with kill -9 and restarted. Staleness is, for a read, the age of the oldest"
                + " acknowledged write it did not show (a read that showed every write acknowledged before it began is not"
                + " stale), counted from the acknowledgement and from the database's confirmation (when a watch asking the"
                + " database every "
                + WATCH_INTERVAL.toMillis()
                + " ms first saw it). Everything shares 2 cores: the figures"
                + " are relative.",
            List.of(
                new ResultTable(
                    "throughput and database traffic",
                    List.of(
                        "run",
                        "requests/s",
                        "read p50",
                        "read p99",
                        "append p50",
                        "append p99",
                        "refused",
                        "database requests per appended message",
                        "revalidations per read",
                        "revalidation bytes per read (to / from)"),
                    rows),
                new ResultTable(
                    "staleness of reads: the age of the oldest write a read did not show, since its acknowledgement"
                        + " and since the database confirmed it",
                    List.of(
                        "run",
                        "reads missing an acknowledged write",
                        "p50",
                        "p99",
                        "max",
                        "reads missing a confirmed write",
                        "p50",
                        "p99",
                        "max"),
                    staleRows)),
            goals,
            List.of(
                "Refused or failed requests by run: " + refusalNote(scaling, resilience) + ".",
                "A write acknowledged by one instance reaches the database within its debounce window and is seen by the others"
                    + " at their next read after their freshness bound: staleness is bounded by debounce + bound (+ round trips),"
                    + " except while the database is away or an instance is down, when writes wait in the journal.",
                "Revalidation of an unchanged held session is one chat_session_changes call answered with a few hundred bytes."),
            List.of(),
            figures),
        options.out());
    BenchSupport.exit();
  }

  private static String refusalNote(List<Run> scaling, Run resilience) {
    List<String> parts = new ArrayList<>();
    List<Run> all = new ArrayList<>(scaling);
    all.add(resilience);
    for (Run run : all) {
      parts.add(
          run.name() + ": " + (run.refusals().isEmpty() ? "none" : run.refusals().toString()));
    }
    return String.join("; ", parts);
  }

  private static List<String> row(Run run) {
    List<RecordedRequest> changes = revalidations(run);
    long to = changes.stream().mapToLong(RecordedRequest::bytesReceived).sum();
    long from = changes.stream().mapToLong(RecordedRequest::bytesSent).sum();
    int reads = Math.max(1, run.reads());
    return List.of(
        run.name(),
        BenchSupport.number((run.reads() + run.appends()) / run.seconds()),
        BenchSupport.ms(run.readLatency().p50Ms()),
        BenchSupport.ms(run.readLatency().p99Ms()),
        BenchSupport.ms(run.appendLatency().p50Ms()),
        BenchSupport.ms(run.appendLatency().p99Ms()),
        String.valueOf(run.refused()),
        BenchSupport.number(databaseRequestsPerMessage(run)),
        BenchSupport.number(changes.size() / (double) reads),
        BenchSupport.bytes((double) to / reads)
            + " / "
            + BenchSupport.bytes((double) from / reads));
  }

  private static List<RecordedRequest> revalidations(Run run) {
    return run.traffic().stream().filter(r -> r.isCallOf("chat_session_changes")).toList();
  }

  private static double databaseRequestsPerMessage(Run run) {
    long writes =
        run.traffic().stream()
            .filter(
                r ->
                    r.isCallOf("append_chat_messages")
                        || r.isCallOf("append_chat_messages_for")
                        || r.isCallOf("store_chat_session_for"))
            .count();
    return writes / (double) Math.max(1, run.appends());
  }

  private static List<GatewayProcess> start(SupabaseTestServer supabase, Path dir, int count) {
    List<GatewayProcess> gateways = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      gateways.add(GatewayProcess.start(env(supabase, dir.resolve("gateway" + i))));
    }
    return gateways;
  }

  private static Map<String, String> env(SupabaseTestServer supabase, Path dataDir) {
    Map<String, String> env = GatewayProcess.supabaseMode(supabase, dataDir);
    env.put("GATEWAY_CACHE_FRESHNESS_MS", Long.toString(FRESHNESS.toMillis()));
    env.put("GATEWAY_DEBOUNCE_MS", Long.toString(DEBOUNCE.toMillis()));
    env.put("SUPABASE_SERVICE_ROLE_KEY", supabase.serviceKey());
    return env;
  }

  private static List<LoadSession> sessions(
      SupabaseTestServer supabase, GatewayProcess through, int users) {
    List<LoadSession> sessions = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      UUID user = supabase.newUser();
      String token = supabase.tokenFor(user, Duration.ofHours(2));
      for (int s = 0; s < SESSIONS_PER_USER; s++) {
        Answer created = through.client().post("/v1/sessions", token, "{\"repo\":\"acme/load\"}");
        if (created.status() != 201) {
          throw new IllegalStateException(
              "creating a session answered " + created.status() + ": " + created.text());
        }
        sessions.add(new LoadSession(created.json().path("id").asText(), token));
      }
    }
    // A session created through one instance exists for the others once it reaches the database.
    BenchSupport.await(
        "the sessions in the database",
        Duration.ofSeconds(60),
        () -> {},
        () -> ready(through) == 0);
    return sessions;
  }

  /**
   * The load for {@code length}; with {@code disturbDir}, an outage of 2 s at a quarter of it and a
   * kill -9 of the last instance at half of it (restarted at once with the same data directory).
   */
  private static Run load(
      String name,
      SupabaseTestServer supabase,
      List<GatewayProcess> gateways,
      List<LoadSession> sessions,
      Duration length,
      Optional<Path> disturbDir)
      throws Exception {
    List<GatewayProcess> live = new java.util.concurrent.CopyOnWriteArrayList<>(gateways);
    List<Long> readNanos = Collections.synchronizedList(new ArrayList<>());
    List<Long> appendNanos = Collections.synchronizedList(new ArrayList<>());
    List<Long> stale = Collections.synchronizedList(new ArrayList<>());
    /** Reads that missed a write acknowledged more than VISIBLE_AFTER before: when they began. */
    List<long[]> lateReads = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> sources = new ConcurrentHashMap<>();
    List<long[]> disturbances = Collections.synchronizedList(new ArrayList<>());
    List<PartialRead> partialReads = Collections.synchronizedList(new ArrayList<>());
    ConfirmationWatch watch = new ConfirmationWatch(supabase);
    Map<String, Integer> refusals = new ConcurrentHashMap<>();
    AtomicInteger refused = new AtomicInteger();
    AtomicLong requestCounter = new AtomicLong();
    long start = System.nanoTime();
    long end = start + length.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    for (int t = 0; t < THREADS; t++) {
      pool.submit(
          () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < end) {
              LoadSession session = sessions.get(random.nextInt(sessions.size()));
              GatewayProcess gateway =
                  live.get((int) (requestCounter.getAndIncrement() % live.size()));
              try {
                if (random.nextInt(100) < 20) {
                  int status = append(gateway.client(), session, appendNanos);
                  if (status != 200) {
                    refused.incrementAndGet();
                    refusals.merge("append " + status, 1, Integer::sum);
                  }
                } else {
                  read(
                      gateway.client(),
                      gateway.port(),
                      session,
                      readNanos,
                      stale,
                      lateReads,
                      partialReads,
                      sources);
                }
              } catch (RuntimeException e) {
                refused.incrementAndGet(); // an instance being killed or restarted
                refusals.merge(e.getClass().getSimpleName(), 1, Integer::sum);
              }
            }
            return null;
          });
    }
    if (disturbDir.isPresent()) {
      BenchSupport.parkUntil(start + length.toNanos() / 4);
      long down = System.nanoTime();
      supabase.goDown(Outage.CONNECTION_REFUSED);
      BenchSupport.sleepMillis(2_000);
      supabase.goUp();
      disturbances.add(new long[] {down, System.nanoTime()});
      BenchSupport.parkUntil(start + length.toNanos() / 2);
      GatewayProcess victim = gateways.get(gateways.size() - 1);
      live.remove(victim);
      long killed = System.nanoTime();
      victim.kill9();
      GatewayProcess restarted =
          GatewayProcess.start(
              env(supabase, disturbDir.get().resolve("gateway" + (gateways.size() - 1))));
      gateways.set(gateways.size() - 1, restarted);
      live.add(restarted);
      disturbances.add(new long[] {killed, System.nanoTime()});
    }
    pool.shutdown();
    if (!pool.awaitTermination(length.toSeconds() + 60, TimeUnit.SECONDS)) {
      pool.shutdownNow();
      throw new IllegalStateException("the load did not stop");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // Messages acknowledged at the end reach the database within the debounce window.
    BenchSupport.sleepMillis(DEBOUNCE.plus(WATCH_INTERVAL).multipliedBy(2).toMillis());
    watch.close();
    List<Long> staleSinceConfirmation = new ArrayList<>();
    int missingConfirmed = 0;
    int missingConfirmedLocal = 0;
    for (PartialRead read : partialReads) {
      long oldest = -1;
      for (String id : read.missing()) {
        Optional<Long> confirmed = watch.confirmedAt(id);
        if (confirmed.isPresent() && confirmed.get() < read.began()) {
          oldest = Math.max(oldest, read.began() - confirmed.get());
        }
      }
      if (oldest >= 0) {
        staleSinceConfirmation.add(oldest);
        if (oldest > VISIBLE_AFTER_CONFIRMATION.toNanos() && read.local()) {
          missingConfirmedLocal++;
        } else if (oldest > VISIBLE_AFTER_CONFIRMATION.toNanos()) {
          missingConfirmed++;
          StringBuilder why = new StringBuilder();
          for (int i = 0; i < read.missing().size(); i++) {
            String id = read.missing().get(i);
            why.append(
                String.format(
                    java.util.Locale.ROOT,
                    " %s(sent %+.3f ack %+.3f confirmed %s)",
                    id,
                    (read.times().get(i)[0] - start) / 1e9,
                    (read.times().get(i)[1] - start) / 1e9,
                    watch
                        .confirmedAt(id)
                        .map(t -> String.format(java.util.Locale.ROOT, "%+.3f", (t - start) / 1e9))
                        .orElse("never")));
          }
          // For whoever looks into a miss: which writes, and when they were sent, acknowledged,
          // confirmed.
          System.err.printf(
              java.util.Locale.ROOT,
              "late read at %+.3f s through :%d of %s, missing%s%n",
              (read.began() - start) / 1e9,
              read.port(),
              read.session(),
              why);
        }
      }
    }
    int outside = 0;
    int lateLocal = 0;
    for (long[] late : lateReads) {
      long began = late[0];
      boolean disturbed = false;
      for (long[] window : disturbances) {
        disturbed |= began >= window[0] && began <= window[1] + RECOVERY.toNanos();
      }
      if (!disturbed && late[1] == 1) {
        lateLocal++;
      } else if (!disturbed) {
        outside++;
      }
    }
    return new Run(
        name,
        gateways.size(),
        seconds,
        readNanos.size(),
        appendNanos.size(),
        refused.get(),
        Distribution.ofNanos(readNanos.stream().mapToLong(Long::longValue).toArray()),
        Distribution.ofNanos(appendNanos.stream().mapToLong(Long::longValue).toArray()),
        new ArrayList<>(stale),
        lateReads.size(),
        outside,
        lateLocal,
        staleSinceConfirmation,
        missingConfirmed,
        missingConfirmedLocal,
        new java.util.TreeMap<>(sources),
        new java.util.TreeMap<>(refusals),
        supabase.requests());
  }

  /** The answer's status; an acknowledged message is recorded with its times. */
  private static int append(GatewayClient client, LoadSession session, List<Long> latencies) {
    String messageId =
        "m" + session.next.getAndIncrement() + "-" + UUID.randomUUID().toString().substring(0, 8);
    long sent = System.nanoTime();
    Answer answer =
        client.post(
            "/v1/sessions/" + session.id + "/messages",
            session.token,
            "{\"id\":\""
                + messageId
                + "\",\"role\":\"user\",\"content\":\"a question of the load, about the journal\"}");
    long acknowledged = System.nanoTime();
    if (answer.status() != 200) {
      return answer.status();
    }
    latencies.add(acknowledged - sent);
    synchronized (session) {
      session.acknowledged.add(messageId);
      session.times.add(new long[] {sent, acknowledged});
    }
    return 200;
  }

  private static void read(
      GatewayClient client,
      int port,
      LoadSession session,
      List<Long> latencies,
      List<Long> stale,
      List<long[]> lateReads,
      List<PartialRead> partialReads,
      Map<String, Integer> sources) {
    List<String> ackedBefore;
    List<long[]> timesBefore;
    long began = System.nanoTime();
    synchronized (session) {
      ackedBefore = new ArrayList<>(session.acknowledged);
      timesBefore = new ArrayList<>(session.times);
    }
    Answer answer = client.get("/v1/sessions/" + session.id, session.token);
    long done = System.nanoTime();
    if (answer.status() != 200) {
      return;
    }
    latencies.add(done - began);
    // "local": the database did not answer the revalidation in time; docs/durability.md says such
    // an
    // answer may be behind other instances' writes, and the header says which answer it is.
    boolean local = answer.header("X-Session-Source").orElse("").equals("local");
    sources.merge(answer.header("X-Session-Source").orElse("none"), 1, Integer::sum);
    Set<String> shown = new HashSet<>();
    for (JsonNode message : answer.json().path("messages")) {
      shown.add(message.path("id").asText());
    }
    long oldestMissing = -1;
    List<String> missing = new ArrayList<>();
    List<long[]> missingTimes = new ArrayList<>();
    for (int i = 0; i < ackedBefore.size(); i++) {
      if (!shown.contains(ackedBefore.get(i))) {
        long age = began - timesBefore.get(i)[1];
        oldestMissing = Math.max(oldestMissing, age);
        missing.add(ackedBefore.get(i));
        missingTimes.add(timesBefore.get(i));
      }
    }
    if (!missing.isEmpty()) {
      partialReads.add(new PartialRead(began, port, session.id, local, missing, missingTimes));
    }
    if (oldestMissing >= 0) {
      stale.add(oldestMissing);
      if (oldestMissing > VISIBLE_AFTER.toNanos()) {
        lateReads.add(new long[] {began, local ? 1 : 0});
      }
    }
  }

  private static int ready(GatewayProcess gateway) {
    return gateway.pendingWrites();
  }

  private record Check(int acknowledged, int missing, int outOfOrder) {}

  /**
   * Every acknowledged message stored once, and a before b whenever a was acknowledged before b was
   * sent.
   */
  private static Check check(SupabaseTestServer supabase, List<LoadSession> sessions) {
    int acknowledged = 0;
    int missing = 0;
    int outOfOrder = 0;
    for (LoadSession session : sessions) {
      List<String> stored =
          supabase.queryAsOwner(
              "select m ->> 'id' from public.codebase_chat_sessions s, jsonb_array_elements(s.conversation_history)"
                  + " with ordinality as h(m, n) where s.session_id = ? order by h.n",
              session.id);
      Map<String, Integer> position = new HashMap<>();
      for (int i = 0; i < stored.size(); i++) {
        position.putIfAbsent(stored.get(i), i);
      }
      List<String> ids = session.acknowledged;
      List<long[]> times = session.times;
      acknowledged += ids.size();
      for (int i = 0; i < ids.size(); i++) {
        Integer pi = position.get(ids.get(i));
        if (pi == null) {
          missing++;
          continue;
        }
        for (int j = 0; j < ids.size(); j++) {
          Integer pj = position.get(ids.get(j));
          if (pj != null && times.get(i)[1] < times.get(j)[0] && pi > pj) {
            outOfOrder++;
          }
        }
      }
    }
    return new Check(acknowledged, missing, outOfOrder);
  }
}
