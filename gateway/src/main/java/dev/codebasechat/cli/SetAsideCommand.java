package dev.codebasechat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.JournalInspection;
import dev.codebasechat.operator.JournalInspection.SetAsideRecord;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code set-aside}: writes the database refused for good, for review; optionally discards them.
 */
@Command(
    name = "set-aside",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the writes the database refused for good (a policy, a constraint, a session owned by"
          + " another user): session, owner, operation, how many messages, when, and the database's"
          + " reason. Message bodies are shown only with --show-content.",
      "--discard <sessionId> --yes removes that session's set-aside writes from the journal after"
          + " review (its pending writes stay). Without --yes nothing is removed (exit 2).",
      "Reads DATA_DIR/journal.db; needs no key. Stop the gateway first (one process per file).",
      "Embedded default: writes are checked and stored at once, never set aside; says so, exit 0.",
      "",
      "Exit codes: 0 shown or discarded, 1 failed (file in use, nothing to discard), 2 bad option or"
          + " settings, or --discard without --yes."
    })
final class SetAsideCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON document.")
  boolean json;

  @Option(
      names = "--show-content",
      description = "Also show each write itself, message bodies included.")
  boolean showContent;

  @Option(
      names = "--discard",
      paramLabel = "<sessionId>",
      converter = Converters.SessionIdConverter.class,
      description = "Remove this session's set-aside writes (with --yes).")
  Optional<SessionId> discard;

  @Option(names = "--yes", description = "Confirm --discard.")
  boolean yes;

  @Override
  public Integer call() {
    if (discard.isPresent() && !yes) {
      throw new OperatorException(
          OperatorException.USAGE,
          "--discard removes the set-aside writes of "
              + discard.get().value()
              + " for good; review them first (set-aside --show-content), then repeat with --yes");
    }
    OperatorContext context = main.context();
    Settings settings = context.settings();
    PrintWriter out = spec.commandLine().getOut();
    context.checkJournalSettings(settings);
    if (settings.embedded()) {
      if (discard.isPresent()) {
        throw new OperatorException(
            "embedded default: no write is ever set aside, so there is nothing to discard");
      }
      if (json) {
        Output.printJson(out, toJson(List.of()));
        return 0;
      }
      out.println("embedded default: writes are checked and stored at once, never set aside");
      out.flush();
      return 0;
    }
    Optional<SqliteJournal> journal = context.openExistingJournal(settings);
    if (discard.isPresent()) {
      int removed = 0;
      if (journal.isPresent()) {
        try (SqliteJournal open = journal.get()) {
          removed = JournalInspection.discardSetAside(open, discard.get());
        }
      }
      if (removed == 0) {
        throw new OperatorException(
            "session " + discard.get().value() + " has no set-aside writes");
      }
      if (json) {
        ObjectNode document = Output.object();
        document.put("sessionId", discard.get().value());
        document.put("discarded", removed);
        Output.printJson(out, document);
        return 0;
      }
      out.println("discarded " + removed + " set-aside writes of session " + discard.get().value());
      out.flush();
      return 0;
    }
    List<SetAsideRecord> records;
    if (journal.isEmpty()) {
      records = List.of();
    } else {
      try (SqliteJournal open = journal.get()) {
        records = JournalInspection.setAsideWrites(open, showContent);
      }
    }
    if (json) {
      Output.printJson(out, toJson(records));
    } else {
      printTable(out, records);
    }
    return 0;
  }

  private static void printTable(PrintWriter out, List<SetAsideRecord> records) {
    if (records.isEmpty()) {
      out.println("no set-aside writes");
      out.flush();
      return;
    }
    String format = "%-46s  %-36s  %-9s  %8s  %-20s  %s%n";
    out.printf(
        Locale.ROOT, format, "SESSION", "OWNER", "OPERATION", "MESSAGES", "SET ASIDE AT", "REASON");
    for (SetAsideRecord record : records) {
      out.printf(
          Locale.ROOT,
          format,
          record.sessionId().value(),
          record.owner(),
          record.operation(),
          record.messageIds().size(),
          Output.time(record.at()),
          record.reason());
      record.write().ifPresent(write -> out.println("  " + write));
    }
    out.println(records.size() + " set-aside writes");
    out.flush();
  }

  private static ObjectNode toJson(List<SetAsideRecord> records) {
    ObjectNode document = Output.object();
    ArrayNode writes = document.putArray("setAside");
    for (SetAsideRecord record : records) {
      ObjectNode write = writes.addObject();
      write.put("sessionId", record.sessionId().value());
      write.put("owner", record.owner().toString());
      write.put("operation", record.operation());
      write.put("messageCount", record.messageIds().size());
      ArrayNode ids = write.putArray("messageIds");
      record.messageIds().stream().map(MessageId::value).forEach(ids::add);
      write.put("reason", record.reason());
      write.put("at", record.at().toString());
      record.write().ifPresent(content -> write.set("write", content));
    }
    return document;
  }
}
