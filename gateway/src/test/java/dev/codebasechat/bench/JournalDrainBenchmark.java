package dev.codebasechat.bench;

import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Two measurements of issue 5, each comparing alternatives in one run, against a FakeSupabase on
 * this machine:
 *
 * <ol>
 *   <li>Append latency seen by the caller (median, p99) without a journal, with the journal at
 *       {@code PROCESS_CRASH_SAFE} and at {@code FULL} (the default and the strictest).
 *   <li>Drain after an outage: a restarted store replays 10 000 journaled messages of 1 000
 *       sessions; time until all are confirmed and the number of database requests it took.
 * </ol>
 *
 * Run with {@code scripts/bench-drain}.
 */
public final class JournalDrainBenchmark {

  private JournalDrainBenchmark() {}

  public static void main(String[] args) throws Exception {
    int appends = args.length > 0 ? Integer.parseInt(args[0]) : 3_000;
    Path dir = Files.createTempDirectory("drain-bench");
    try (FakeSupabase fake = FakeSupabase.create().start()) {
      System.out.println(
          "## append latency (" + appends + " appends of one message, 100 sessions)");
      System.out.println("| store | median | p99 |");
      System.out.println("| --- | ---: | ---: |");
      fake.goDown(
          Outage.DATABASE_UNAVAILABLE); // nothing confirms: only the acknowledgement is timed
      appendLatency(fake, null, appends, "no journal (memory only)");
      appendLatency(
          fake,
          dir.resolve("normal.db"),
          appends,
          "journal, PROCESS_CRASH_SAFE (synchronous=NORMAL)");
      appendLatency(
          fake, dir.resolve("full.db"), appends, "journal, FULL (synchronous=FULL, default)");

      drain(fake, dir.resolve("drain.db"));
    }
  }

  private static void appendLatency(
      FakeSupabase fake, Path journalFile, int appends, String label) {
    List<Caller> callers = callers(fake, 10);
    SqliteJournal journal =
        journalFile == null
            ? null
            : SqliteJournal.builder()
                .path(journalFile)
                .durability(
                    label.contains("FULL") ? Durability.FULL : Durability.PROCESS_CRASH_SAFE)
                .build();
    try (PostgrestClient client = client(fake)) {
      SessionStore.Builder builder = SessionStore.builder(client).debounce(Duration.ofHours(1));
      if (journal != null) {
        builder.journal(journal);
      }
      SessionStore store = builder.closeTimeout(Duration.ofMillis(10)).build();
      long[] nanos = new long[appends];
      Clock clock = Clock.systemUTC();
      for (int i = 0; i < appends; i++) {
        Caller caller = callers.get(i % callers.size());
        SessionId id = SessionId.of(String.format("chat-1767225600000-lat%06d", i % 100));
        ChatMessage message =
            new ChatMessage(
                MessageId.of("m" + i),
                Role.USER,
                "message " + i,
                clock.instant(),
                Optional.empty());
        long start = System.nanoTime();
        store.append(caller, id, Append.of(List.of(message)));
        nanos[i] = System.nanoTime() - start;
      }
      Arrays.sort(nanos);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f µs | %.1f µs |%n",
          label,
          nanos[appends / 2] / 1e3,
          nanos[(int) (appends * 0.99)] / 1e3);
      store.close();
    } finally {
      if (journal != null) {
        journal.close();
      }
    }
  }

  private static void drain(FakeSupabase fake, Path journalFile) throws Exception {
    int sessions = 1_000;
    int perSession = 10;
    List<Caller> callers = callers(fake, 100);
    fake.goDown(Outage.CONNECTION_REFUSED);
    try (SqliteJournal journal = SqliteJournal.builder().path(journalFile).build();
        PostgrestClient client = client(fake)) {
      SessionStore store =
          SessionStore.builder(client).journal(journal).closeTimeout(Duration.ofMillis(10)).build();
      Clock clock = Clock.systemUTC();
      for (int s = 0; s < sessions; s++) {
        Caller caller = callers.get(s % callers.size());
        SessionId id = SessionId.of(String.format("chat-1767225600000-drain%06d", s));
        List<ChatMessage> batch = new ArrayList<>();
        for (int m = 0; m < perSession; m++) {
          batch.add(
              new ChatMessage(
                  MessageId.of("s" + s + "m" + m),
                  Role.USER,
                  "message " + m,
                  clock.instant(),
                  Optional.empty()));
        }
        store.append(caller, id, Append.of(batch.subList(0, 5)));
        store.append(caller, id, Append.of(batch.subList(5, 10)));
      }
      store.close(); // the outage outlives this process: everything stays journaled
    }
    fake.goUp();
    fake.reset();

    try (SqliteJournal journal = SqliteJournal.builder().path(journalFile).build();
        PostgrestClient client = client(fake)) {
      long journaled = journal.stats().pendingEntries();
      long start = System.nanoTime();
      SessionStore store = SessionStore.builder(client).journal(journal).build();
      for (Caller caller : callers) {
        store.list(caller, SessionQuery.limit(1)); // each owner comes back with a token
      }
      while (!store.pendingSessions().isEmpty()) {
        Thread.onSpinWait();
      }
      long elapsed = System.nanoTime() - start;
      long appendsSent = fake.countRequests(".*/rpc/append_chat_messages");
      long reads = fake.countRequests(".*/codebase_chat_sessions");
      long stored = fake.sessions().stream().mapToLong(s -> s.messageIds().size()).sum();
      System.out.println();
      System.out.println("## drain after an outage");
      System.out.printf(
          Locale.ROOT,
          "| journaled entries | sessions | messages stored | time to confirm all | append requests | other requests |%n"
              + "| ---: | ---: | ---: | ---: | ---: | ---: |%n| %d | %d | %d | %.2f s | %d | %d |%n",
          journaled,
          sessions,
          stored,
          elapsed / 1e9,
          appendsSent,
          reads);
      store.close();
    }
  }

  private static List<Caller> callers(FakeSupabase fake, int count) {
    List<Caller> callers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      UUID user =
          UUID.nameUUIDFromBytes(("user" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      callers.add(new Caller(user, AccessToken.of(fake.tokenFor(user, Duration.ofHours(2)))));
    }
    return callers;
  }

  private static PostgrestClient client(FakeSupabase fake) {
    return PostgrestClient.builder()
        .restUrl(fake.restUrl())
        .apiKey(ApiKey.of(fake.apiKey()))
        .connectTimeout(Duration.ofMillis(500))
        .build();
  }
}
