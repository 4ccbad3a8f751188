package dev.codebasechat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.JournalInspection;
import dev.codebasechat.operator.JournalInspection.JournalSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code stats}: the local side, what the journal holds. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the local side of Supabase mode: the journal DATA_DIR/journal.db, its size, the writes"
          + " acknowledged but not yet confirmed by the database (pending writes and sessions, the"
          + " oldest), set-aside writes, and the local copies of sessions kept for reads while the"
          + " database is away. Reads only the file; needs no key. Stop the gateway first (one process"
          + " per file).",
      "Embedded default: there is no journal (every write goes straight to DATA_DIR/sessions.db);"
          + " says so and exits 0.",
      "",
      "Exit codes: 0 shown, 1 failed (file in use or unreadable), 2 bad option or settings."
    })
final class StatsCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON document.")
  boolean json;

  /** A journal with nothing in it. */
  private static final JournalSummary NOTHING =
      new JournalSummary(0, 0, Optional.empty(), 0, 0, 0, 0);

  /** The {@code --json} document; {@code journal} empty in the embedded default, which has none. */
  private static ObjectNode document(
      Optional<Path> journal, boolean exists, JournalSummary summary) {
    ObjectNode document = Output.object();
    document.put("mode", journal.isPresent() ? "supabase" : "embedded");
    document.put("journal", journal.map(Path::toString).orElse(null));
    document.put("journalExists", exists);
    document.put("fileBytes", summary.fileBytes());
    document.put("pendingWrites", summary.pendingWrites());
    document.put("pendingSessions", summary.pendingSessions());
    Output.putTime(document, "oldestPending", summary.oldestPending());
    document.put("setAsideWrites", summary.setAsideWrites());
    document.put("localCopies", summary.localCopies());
    document.put("localCopyBytes", summary.localCopyBytes());
    return document;
  }

  @Override
  public Integer call() {
    OperatorContext context = main.context();
    Settings settings = context.settings();
    PrintWriter out = spec.commandLine().getOut();
    context.checkJournalSettings(settings);
    if (settings.embedded()) {
      if (json) {
        // The document of a journal with nothing in it: in the embedded default nothing waits.
        Output.printJson(out, document(Optional.empty(), false, NOTHING));
        return 0;
      }
      out.println(
          "embedded default: no journal; every acknowledged write is stored in "
              + context.sessionsPath(settings)
              + " directly (see: chat-gateway sessions)");
      out.flush();
      return 0;
    }
    Path path = context.journalPath(settings);
    Optional<SqliteJournal> journal = context.openExistingJournal(settings);
    JournalSummary summary;
    if (journal.isEmpty()) {
      summary = NOTHING;
    } else {
      try (SqliteJournal open = journal.get()) {
        summary = JournalInspection.summarize(open);
      }
    }
    Instant now = context.clock().instant();
    if (json) {
      Output.printJson(out, document(Optional.of(path), journal.isPresent(), summary));
      return 0;
    }
    String format = "%-14s %s%n";
    out.printf(
        Locale.ROOT,
        format,
        "journal",
        path + (journal.isPresent() ? " (" + summary.fileBytes() + " bytes)" : " (none yet)"));
    out.printf(
        Locale.ROOT,
        format,
        "pending",
        summary.pendingWrites()
            + " writes in "
            + summary.pendingSessions()
            + " sessions"
            + summary
                .oldestPending()
                .map(at -> ", oldest " + Output.time(at) + " (" + age(at, now) + " ago)")
                .orElse(""));
    out.printf(
        Locale.ROOT,
        format,
        "set aside",
        summary.setAsideWrites()
            + " writes"
            + (summary.setAsideWrites() > 0 ? " (see: chat-gateway set-aside)" : ""));
    out.printf(
        Locale.ROOT,
        format,
        "local copies",
        summary.localCopies() + " sessions, " + summary.localCopyBytes() + " bytes");
    out.flush();
    return 0;
  }

  /** {@code 42 s}, {@code 5 min}, {@code 3 h}, {@code 2 d}. */
  static String age(Instant since, Instant now) {
    Duration age = Duration.between(since, now);
    if (age.isNegative()) {
      return "0 s";
    }
    if (age.toMinutes() < 1) {
      return age.toSeconds() + " s";
    }
    if (age.toHours() < 1) {
      return age.toMinutes() + " min";
    }
    if (age.toDays() < 1) {
      return age.toHours() + " h";
    }
    return age.toDays() + " d";
  }
}
