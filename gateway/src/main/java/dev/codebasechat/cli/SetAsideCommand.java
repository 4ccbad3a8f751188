package dev.codebasechat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.JournalInspection;
import dev.codebasechat.operator.JournalInspection.EntryLeftInPlace;
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
      "Also lists the journal entries left in place, which no gateway or drain of this version ever"
          + " sends (a key naming no session, an entry this version cannot read, such as a newer"
          + " version's); while one is there, drain leaves its session pending."
          + " --discard-left-in-place --yes removes them after review.",
      "Reads DATA_DIR/journal.db; needs no key. Stop the gateway first (one process per file).",
      "Embedded default: writes are checked and stored at once, never set aside; says so, exit 0.",
      "",
      "Exit codes: 0 shown or discarded, 1 failed (file in use, nothing to discard), 2 bad option or"
          + " settings, or a discard without --yes."
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

  @Option(
      names = "--discard-left-in-place",
      description = "Remove the journal entries left in place (with --yes).")
  boolean discardLeftInPlace;

  @Option(names = "--yes", description = "Confirm --discard or --discard-left-in-place.")
  boolean yes;

  @Override
  public Integer call() {
    if (discard.isPresent() && discardLeftInPlace) {
      throw new OperatorException(
          OperatorException.USAGE,
          "--discard and --discard-left-in-place each remove something else: give one of them");
    }
    if (discardLeftInPlace && !yes) {
      throw new OperatorException(
          OperatorException.USAGE,
          "--discard-left-in-place removes the entries left in place for good; review them first"
              + " (set-aside), then repeat with --yes");
    }
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
      if (discard.isPresent() || discardLeftInPlace) {
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
    if (discardLeftInPlace) {
      return discardLeftInPlace(journal, out);
    }
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
    List<EntryLeftInPlace> leftInPlace;
    if (journal.isEmpty()) {
      records = List.of();
      leftInPlace = List.of();
    } else {
      try (SqliteJournal open = journal.get()) {
        records = JournalInspection.setAsideWrites(open, showContent);
        leftInPlace = JournalInspection.entriesLeftInPlace(open);
      }
    }
    if (json) {
      ObjectNode document = toJson(records);
      ArrayNode left = document.putArray("leftInPlace");
      for (EntryLeftInPlace entry : leftInPlace) {
        ObjectNode item = left.addObject();
        item.put("sequence", entry.sequence());
        item.put("key", entry.key());
        item.put("owner", entry.owner().toString());
        item.put("kind", entry.kind());
        item.put("at", entry.recordedAt().toString());
        item.put("why", entry.why());
      }
      Output.printJson(out, document);
    } else {
      printTable(out, records);
      printLeftInPlace(out, leftInPlace);
    }
    return 0;
  }

  private Integer discardLeftInPlace(Optional<SqliteJournal> journal, PrintWriter out) {
    int removed = 0;
    if (journal.isPresent()) {
      try (SqliteJournal open = journal.get()) {
        removed = JournalInspection.discardLeftInPlace(open);
      }
    }
    if (removed == 0) {
      throw new OperatorException("the journal holds no entries left in place");
    }
    if (json) {
      ObjectNode document = Output.object();
      document.put("discarded", removed);
      Output.printJson(out, document);
      return 0;
    }
    out.println("discarded " + removed + " journal entries left in place");
    out.flush();
    return 0;
  }

  private static void printLeftInPlace(PrintWriter out, List<EntryLeftInPlace> entries) {
    if (entries.isEmpty()) {
      return;
    }
    out.println();
    String format = "%8s  %-46s  %-36s  %-9s  %-20s  %s%n";
    out.printf(
        Locale.ROOT, format, "ENTRY", "KEY", "OWNER", "KIND", "JOURNALED AT", "LEFT IN PLACE: WHY");
    for (EntryLeftInPlace entry : entries) {
      out.printf(
          Locale.ROOT,
          format,
          entry.sequence(),
          entry.key(),
          entry.owner(),
          entry.kind(),
          Output.time(entry.recordedAt()),
          entry.why());
    }
    out.println(
        entries.size()
            + " journal entries left in place: no store or drain of this version sends them, and"
            + " drain leaves their sessions pending; a newer version that wrote them can, else"
            + " remove them with set-aside --discard-left-in-place --yes");
    out.flush();
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
