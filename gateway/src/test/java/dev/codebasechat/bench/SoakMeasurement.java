package dev.codebasechat.bench;

import dev.codebasechat.e2e.GatewayProcess;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The soak (issue 28), run by {@code scripts/bench-soak}: three gateway processes in Supabase mode
 * over the PostgREST-compatible test server on embedded PostgreSQL, on loopback, under steady chat
 * traffic from {@link SoakUsers} for {@code --minutes} (15), with a database outage of 20 s every 3
 * minutes (from 1:40; alternately refused connections and PostgREST's 503 without its database) and
 * a {@code kill -9} of one gateway every 5 minutes (from 3:10; restarted at once, with the service
 * key, on the same data directory and port). {@link SoakSampler} records every minute; at the end,
 * once every instance reports nothing pending, {@link SoakLedger} checks every acknowledged message
 * is stored once and in order. {@link SoakReport} writes the tables and charts: into BENCHMARKS.md
 * and docs/bench for the full run (15 minutes, 200 users), into target/bench/soak otherwise.
 */
public final class SoakMeasurement {
  static final int INSTANCES = 3;
  static final Duration OUTAGE = Duration.ofSeconds(20);
  static final Duration OUTAGE_EVERY = Duration.ofMinutes(3);
  static final Duration FIRST_OUTAGE = Duration.ofSeconds(100);
  static final Duration KILL_EVERY = Duration.ofMinutes(5);
  static final Duration FIRST_KILL = Duration.ofSeconds(190);

  /** Something that happened to the system under test, at a second of the run. */
  record Event(double second, String what) {}

  private SoakMeasurement() {}

  public static void main(String[] args) throws Exception {
    int minutes = 15;
    int userCount = 200;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--minutes" -> minutes = Integer.parseInt(args[++i]);
        case "--users" -> userCount = Integer.parseInt(args[++i]);
        case "--report-from" -> {
          // The report of an earlier run again, from its raw figures (after a change of the
          // report).
          Path raw = Path.of(args[++i]);
          new SoakReport(BenchSupport.JSON.readValue(raw.toFile(), SoakReport.Run.class)).write();
          BenchSupport.exit();
          return;
        }
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + "; usage: scripts/bench-soak [--minutes 15] [--users 200]"
                    + " | --report-from target/bench/soak/soak-raw.json");
      }
    }
    Machine machine = Machine.current();
    long wallStart = System.nanoTime();
    Path root = Files.createTempDirectory("soak");
    List<Path> dataDirs = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      dataDirs.add(root.resolve("gateway" + i));
    }
    SoakReport.Result result;
    try (SupabaseTestServer supabase = SupabaseTestServer.create().start()) {
      result = run(supabase, dataDirs, minutes, userCount);
    } finally {
      EmbeddedSupabase.stopAll();
    }
    String command =
        "scripts/bench-soak"
            + (minutes == 15 && userCount == 200
                ? ""
                : " --minutes " + minutes + " --users " + userCount);
    new SoakReport(
            new SoakReport.Run(machine, command, (System.nanoTime() - wallStart) / 1e9, result))
        .write();
    BenchSupport.exit();
  }

  private static SoakReport.Result run(
      SupabaseTestServer supabase, List<Path> dataDirs, int minutes, int userCount)
      throws Exception {
    List<Map<String, String>> envs = new ArrayList<>();
    AtomicReferenceArray<GatewayProcess> gateways = new AtomicReferenceArray<>(INSTANCES);
    for (int i = 0; i < INSTANCES; i++) {
      Map<String, String> env = GatewayProcess.supabaseMode(supabase, dataDirs.get(i));
      env.remove("GATEWAY_BREAKER_OPEN_SECONDS"); // the default, as deployed
      // A restarted instance delivers the journaled writes of users now served elsewhere.
      env.put("SUPABASE_SERVICE_ROLE_KEY", supabase.serviceKey());
      envs.add(env);
      gateways.set(i, GatewayProcess.start(env));
    }
    List<String> tokens = new ArrayList<>();
    for (int u = 0; u < userCount; u++) {
      UUID user = supabase.newUser();
      tokens.add(supabase.tokenFor(user, Duration.ofMinutes(minutes + 60)));
    }
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      ports.add(gateways.get(i).port());
    }
    SoakLedger ledger = new SoakLedger(supabase);
    long start = System.nanoTime();
    SoakUsers users = new SoakUsers(ports, tokens, ledger, start);
    SoakSampler sampler = new SoakSampler(gateways, dataDirs, supabase);
    List<SoakSampler.Sample> samples = Collections.synchronizedList(new ArrayList<>());
    List<Event> events = Collections.synchronizedList(new ArrayList<>());
    ScheduledExecutorService timeline = Executors.newScheduledThreadPool(3);
    users.start();
    System.out.printf(
        "soak: %d users on %d gateways for %d minutes%n", userCount, INSTANCES, minutes);
    for (int m = 1; m <= minutes; m++) {
      int minute = m;
      timeline.schedule(
          () -> {
            SoakSampler.Sample sample = sampler.sample(minute);
            samples.add(sample);
            System.out.println("soak: minute " + minute + ": " + sample);
          },
          Duration.ofMinutes(m).toMillis(),
          TimeUnit.MILLISECONDS);
    }
    long end = Duration.ofMinutes(minutes).toSeconds();
    int outageCount = 0;
    for (long at = FIRST_OUTAGE.toSeconds(); at + OUTAGE.toSeconds() < end; ) {
      Outage kind =
          outageCount++ % 2 == 0 ? Outage.CONNECTION_REFUSED : Outage.DATABASE_UNAVAILABLE;
      timeline.schedule(() -> outage(supabase, kind, events, start), at, TimeUnit.SECONDS);
      at += OUTAGE_EVERY.toSeconds();
    }
    int kills = 0;
    for (long at = FIRST_KILL.toSeconds(); at + 30 < end; at += KILL_EVERY.toSeconds()) {
      int victim = kills++ % INSTANCES;
      timeline.schedule(
          () -> killAndRestart(gateways, victim, envs.get(victim), events, start),
          at,
          TimeUnit.SECONDS);
    }
    Thread checker =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                ledger.checkFinished(users::delete);
                if (!pause(5_000)) {
                  return;
                }
              }
            },
            "soak-ledger");
    checker.setDaemon(true);
    checker.start();
    timeline.shutdown();
    if (!timeline.awaitTermination(minutes + 5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("the soak's timeline did not end");
    }
    users.stop(Duration.ofSeconds(60));
    checker.interrupt();
    checker.join(60_000);
    System.out.println("soak: load stopped; waiting for every instance to confirm its writes");
    for (int i = 0; i < INSTANCES; i++) {
      GatewayProcess gateway = gateways.get(i);
      BenchSupport.await(
          "instance " + i + " confirming every acknowledged write",
          Duration.ofMinutes(2),
          () -> pause(200),
          () -> gateway.pendingWrites() == 0);
    }
    ledger.checkFinished(users::delete);
    ledger.checkTheRest();
    List<Integer> exits = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      exits.add(gateways.get(i).sigterm());
      gateways.get(i).close();
    }
    List<SoakSampler.Sample> ordered = new ArrayList<>(samples);
    ordered.sort(java.util.Comparator.comparingInt(SoakSampler.Sample::minute));
    List<List<SoakUsers.Sample>> requests = new ArrayList<>();
    for (int m = 0; m < minutes; m++) {
      requests.add(users.samples(m));
    }
    List<Event> happened = new ArrayList<>(events);
    happened.sort(java.util.Comparator.comparingDouble(Event::second));
    return new SoakReport.Result(
        minutes,
        userCount,
        ordered,
        requests,
        happened,
        ledger.totals(),
        users.acknowledgedMessages(),
        users.failovers(),
        users.unexpected(),
        exits);
  }

  private static void outage(
      SupabaseTestServer supabase, Outage kind, List<Event> events, long start) {
    events.add(new Event(seconds(start), "outage (" + describe(kind) + ") begins"));
    supabase.goDown(kind);
    pause(OUTAGE.toMillis());
    supabase.goUp();
    events.add(new Event(seconds(start), "outage ends"));
  }

  private static void killAndRestart(
      AtomicReferenceArray<GatewayProcess> gateways,
      int victim,
      Map<String, String> env,
      List<Event> events,
      long start) {
    GatewayProcess killed = gateways.get(victim);
    try {
      killed.kill9();
      events.add(new Event(seconds(start), "kill -9 of gateway " + victim));
      gateways.set(victim, GatewayProcess.start(env));
      events.add(new Event(seconds(start), "gateway " + victim + " listening again"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      killed.close();
    }
  }

  private static String describe(Outage kind) {
    return kind == Outage.CONNECTION_REFUSED
        ? "connections refused"
        : "PostgREST answers 503 without its database";
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  /** Soak harness: waits on the timeline's own thread; false when interrupted. */
  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
