package dev.codebasechat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.SessionRecovery;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code recover}: one session from the database into the journal's local copy. */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    description = {
      "Reads one session from the database with the service key (SUPABASE_SERVICE_ROLE_KEY or"
          + " SUPABASE_SECRET_KEY), prints a summary (--json: the whole session, messages included),"
          + " and replaces the journal's local copy of it, so the gateway's answers while the database"
          + " is away match the database. When the database has no such session the local copy is"
          + " removed and the command exits 1. Journaled writes of the session that are still pending"
          + " are kept (drain, or the owner's next request, sends them).",
      "Needs DATA_DIR/journal.db to itself: stop the gateway first.",
      "Embedded default: there is no database to recover from (DATA_DIR/sessions.db is the store"
          + " itself), so the command fails (exit 1).",
      "",
      "Exit codes: 0 recovered, 1 failed (no such session, no service key, database unreachable,"
          + " file in use, embedded default), 2 bad session id, option or settings."
    })
final class RecoverCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "<sessionId>",
      converter = Converters.SessionIdConverter.class,
      description = "The session, e.g. chat-1737201600000-abcdef12.")
  SessionId sessionId;

  @Option(names = "--json", description = "Print the whole session as JSON (messages included).")
  boolean json;

  @Override
  public Integer call() {
    OperatorContext context = main.context();
    Settings settings = context.settings();
    if (settings.embedded()) {
      throw new OperatorException(
          "embedded default: there is no database to recover from; "
              + context.sessionsPath(settings)
              + " is the store itself");
    }
    if (!Files.isDirectory(settings.dataDir())) {
      // A mistyped DATA_DIR: the copy to replace is the one a gateway keeps in its own.
      throw new OperatorException(
          "DATA_DIR "
              + settings.dataDir()
              + " does not exist: give the data directory of the gateway whose local copy to"
              + " replace");
    }
    SessionRecovery.Recovery recovery;
    try (OperatorContext.Database database = context.database(settings, "recover");
        SqliteJournal journal = context.openJournal(settings)) {
      recovery = SessionRecovery.recover(database.operator(), journal, sessionId);
    } catch (PostgrestException e) {
      throw new OperatorException(
          "the database did not answer (the local copy is unchanged): " + e.getMessage());
    }
    if (recovery.session().isEmpty()) {
      throw new OperatorException(
          "session "
              + sessionId.value()
              + " does not exist in the database; its local copy (if any) was removed");
    }
    ChatSession session = recovery.session().get();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode document = Output.object();
      document.set("session", SessionRecovery.toJson(session));
      document.put("pendingWrites", recovery.pendingWrites());
      Output.printJson(out, document);
      return 0;
    }
    out.println("session       " + session.id().value());
    out.println("owner         " + session.owner());
    out.println("messages      " + session.messageCount());
    out.println("version       " + session.version());
    out.println("last activity " + Output.time(session.lastActivity()));
    out.println("repo          " + session.repo().orElse("-"));
    out.println("current file  " + session.currentFile().orElse("-"));
    out.println(
        "local copy replaced in "
            + context.journalPath(settings)
            + "; "
            + recovery.pendingWrites()
            + " journaled writes of it still pending");
    out.flush();
    return 0;
  }
}
