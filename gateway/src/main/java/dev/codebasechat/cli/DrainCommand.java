package dev.codebasechat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.JournalDrain;
import dev.codebasechat.operator.JournalDrain.DrainReport;
import dev.codebasechat.operator.JournalDrain.DrainedSession;
import dev.codebasechat.operator.JournalDrain.Outcome;
import dev.codebasechat.operator.JournalInspection;
import dev.codebasechat.resilience.Resilience;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code drain}: sends every journaled pending write to the database now. */
@Command(
    name = "drain",
    mixinStandardHelpOptions = true,
    description = {
      "Sends every write in DATA_DIR/journal.db that the database has not confirmed yet, now, with"
          + " the service key (SUPABASE_SERVICE_ROLE_KEY or SUPABASE_SECRET_KEY). A gateway replays a"
          + " user's journaled writes when that user next presents a token (tokens are never stored);"
          + " drain is for writes whose owners do not come back.",
      "The service key bypasses Row Level Security, so drain enforces ownership itself: a write is"
          + " applied only to a session row owned by the write's user (or a new row created for that"
          + " user), with optimistic concurrency on the row's version; a session owned by another user"
          + " is never written and its writes are set aside (see: set-aside).",
      "Progress goes to standard error (a bar on a terminal, a line per session otherwise); the"
          + " report (delivered, set aside with the reason, still pending) to standard output.",
      "Needs the journal to itself: stop the gateway first.",
      "Embedded default: nothing to drain (every write is stored in DATA_DIR/sessions.db at once);"
          + " says so, exit 0.",
      "",
      "Exit codes: 0 every journaled write delivered (or none was pending), 1 some were set aside"
          + " or are still pending (see the report), or the command failed (no service key, file in"
          + " use), 2 bad option or settings."
    })
final class DrainCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Option(
      names = "--timeout",
      paramLabel = "<duration>",
      defaultValue = "5m",
      converter = Converters.DurationConverter.class,
      description =
          "Start no session after this long (90s, 5m, 1h); the rest stays pending. Default ${DEFAULT-VALUE}.")
  Duration timeout;

  @Option(names = "--json", description = "Print the report as one JSON document.")
  boolean json;

  @Override
  public Integer call() {
    OperatorContext context = main.context();
    Settings settings = context.settings();
    PrintWriter out = spec.commandLine().getOut();
    context.checkJournalSettings(settings);
    if (settings.embedded()) {
      if (json) {
        Output.printJson(out, toJson(new DrainReport(List.of(), 0)));
        return 0;
      }
      out.println(
          "embedded default: nothing to drain; every acknowledged write is stored in "
              + context.sessionsPath(settings)
              + " at once");
      out.flush();
      return 0;
    }
    Optional<SqliteJournal> existing = context.openExistingJournal(settings);
    if (existing.isEmpty()) {
      if (json) {
        Output.printJson(out, toJson(new DrainReport(List.of(), 0)));
        return 0;
      }
      out.println("nothing to drain: there is no journal at " + context.journalPath(settings));
      out.flush();
      return 0;
    }
    if (JournalInspection.summarize(existing.get()).pendingWrites() == 0) {
      // Nothing to send: no key is needed to say so (a script checking before a scale-down).
      existing.get().close();
      if (json) {
        Output.printJson(out, toJson(new DrainReport(List.of(), 0)));
        return 0;
      }
      out.println("nothing to drain: no journaled write is pending");
      out.flush();
      return 0;
    }
    DrainReport report;
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setNameFormat("drain-retry-%d").setDaemon(true).build());
    try (SqliteJournal journal = existing.get();
        OperatorContext.Database database = context.database(settings, "drain")) {
      Instant deadline = context.clock().instant().plus(timeout);
      Progress progress =
          new Progress(spec.commandLine().getErr(), context.clock(), context.terminal());
      report =
          JournalDrain.drain(
              journal,
              database.operator(),
              Resilience.defaults(),
              scheduler,
              context.clock(),
              deadline,
              progress);
      progress.end();
    } finally {
      scheduler.shutdownNow();
    }
    if (json) {
      Output.printJson(out, toJson(report));
    } else {
      printReport(out, report);
    }
    boolean complete =
        report.with(Outcome.SET_ASIDE).isEmpty()
            && report.with(Outcome.STILL_PENDING).isEmpty()
            && report.unreadableEntries() == 0;
    return complete ? 0 : OperatorException.FAILURE;
  }

  private static void printReport(PrintWriter out, DrainReport report) {
    if (report.unreadableEntries() > 0) {
      out.println(
          "left in place  "
              + report.unreadableEntries()
              + " journal entries whose key names no session (set-aside lists those no gateway"
              + " sends)");
    }
    if (report.sessions().isEmpty()) {
      out.println("nothing to drain: no journaled write is pending");
      out.flush();
      return;
    }
    List<DrainedSession> delivered = report.with(Outcome.DELIVERED);
    int newMessages = delivered.stream().mapToInt(DrainedSession::newMessages).sum();
    out.println(
        "delivered      " + delivered.size() + " sessions, " + newMessages + " new messages");
    List<DrainedSession> gone = report.with(Outcome.GONE);
    if (!gone.isEmpty()) {
      out.println(
          "gone           "
              + gone.size()
              + " sessions deleted after their writes were accepted: nothing stored");
    }
    for (Outcome outcome : List.of(Outcome.SET_ASIDE, Outcome.STILL_PENDING)) {
      List<DrainedSession> sessions = report.with(outcome);
      out.println(
          (outcome == Outcome.SET_ASIDE ? "set aside      " : "still pending  ")
              + sessions.size()
              + " sessions");
      for (DrainedSession session : sessions) {
        out.println(
            "  "
                + session.id().value()
                + "  owner "
                + session.owner()
                + "  "
                + session.writes()
                + " writes, "
                + session.messages()
                + " messages: "
                + session.reason().orElse(""));
      }
    }
    out.flush();
  }

  private static ObjectNode toJson(DrainReport report) {
    ObjectNode document = Output.object();
    ArrayNode sessions = document.putArray("sessions");
    for (DrainedSession session : report.sessions()) {
      ObjectNode node = sessions.addObject();
      node.put("sessionId", session.id().value());
      node.put("owner", session.owner().toString());
      node.put("outcome", session.outcome().name().toLowerCase(java.util.Locale.ROOT));
      node.put("writes", session.writes());
      node.put("messages", session.messages());
      node.put("newMessages", session.newMessages());
      node.put("reason", session.reason().orElse(null));
    }
    document.put("unreadableEntries", report.unreadableEntries());
    ObjectNode totals = document.putObject("totals");
    for (Outcome outcome : Outcome.values()) {
      totals.put(outcome.name().toLowerCase(java.util.Locale.ROOT), report.with(outcome).size());
    }
    return document;
  }

  /**
   * Progress on standard error: a bar redrawn in place on a terminal, otherwise one plain line per
   * session (logs and pipes keep every step).
   */
  static final class Progress implements JournalDrain.DrainListener {
    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final java.time.Clock clock;
    private final boolean terminal;
    private Instant started = Instant.EPOCH;
    private int sessions;
    private int messages;
    private int sessionsDone;
    private int messagesDone;

    Progress(PrintWriter err, java.time.Clock clock, boolean terminal) {
      this.err = err;
      this.clock = clock;
      this.terminal = terminal;
    }

    @Override
    public void planned(int sessions, int messages) {
      this.sessions = sessions;
      this.messages = messages;
      this.started = clock.instant();
      if (sessions > 0) {
        err.println("drain: " + sessions + " sessions, " + messages + " messages journaled");
        err.flush();
      }
    }

    @Override
    public void finished(DrainedSession session) {
      sessionsDone++;
      messagesDone += session.messages();
      String counts =
          sessionsDone
              + "/"
              + sessions
              + " sessions, "
              + messagesDone
              + "/"
              + messages
              + " messages, "
              + rate()
              + " msg/s";
      if (terminal) {
        int filled = sessions == 0 ? BAR_WIDTH : BAR_WIDTH * sessionsDone / sessions;
        err.print("\r[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + counts);
      } else {
        err.println(
            "drain: "
                + counts
                + ": "
                + session.id().value()
                + " "
                + session.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + session.reason().map(reason -> " (" + reason + ")").orElse(""));
      }
      err.flush();
    }

    void end() {
      if (terminal && sessionsDone > 0) {
        err.println();
        err.flush();
      }
    }

    private long rate() {
      long millis = Duration.between(started, clock.instant()).toMillis();
      return millis <= 0 ? messagesDone : messagesDone * 1000L / millis;
    }
  }
}
