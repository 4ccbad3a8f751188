package dev.codebasechat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.operator.SessionListing;
import dev.codebasechat.operator.SessionListing.Listing;
import dev.codebasechat.operator.SessionListing.SessionRow;
import dev.codebasechat.postgrest.PostgrestException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sessions}: every user's sessions, newest activity first, with totals. */
@Command(
    name = "sessions",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the sessions of all users, newest activity first: session id, owner, message count,"
          + " size of the history, last update, repo; then totals (sessions, active in the last 24 h,"
          + " messages).",
      "Supabase mode: reads the table with the service key (SUPABASE_SERVICE_ROLE_KEY or"
          + " SUPABASE_SECRET_KEY), which bypasses Row Level Security; without it the command fails.",
      "Embedded default: reads DATA_DIR/sessions.db (stop the gateway first: one process per file).",
      "",
      "Exit codes: 0 listed, 1 failed (no service key, database unreachable, file in use), 2 bad"
          + " option or settings."
    })
final class SessionsCommand implements Callable<Integer> {

  static final Duration ACTIVE_WINDOW = Duration.ofHours(24);

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Option(
      names = "--user",
      paramLabel = "<uuid>",
      converter = Converters.UserIdConverter.class,
      description = "Only this user's sessions.")
  Optional<UUID> user;

  @Option(
      names = "--limit",
      paramLabel = "<n>",
      defaultValue = "50",
      converter = Converters.WholeNumberConverter.class,
      description =
          "Show at most this many sessions (1..10000); default ${DEFAULT-VALUE}. Totals count all.")
  int limit;

  @Option(names = "--json", description = "Print one JSON document instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 10_000) {
      throw new OperatorException(
          OperatorException.USAGE, "--limit must be from 1 to 10000 but was " + limit);
    }
    OperatorContext context = main.context();
    Settings settings = context.settings();
    Instant activeSince = context.clock().instant().minus(ACTIVE_WINDOW);
    Listing listing;
    if (settings.embedded()) {
      Optional<LocalSessionTable> table = context.openExistingSessionTable(settings);
      if (table.isEmpty()) {
        listing = new Listing(List.of(), 0, 0, 0);
      } else {
        try (LocalSessionTable open = table.get()) {
          listing = SessionListing.listSessions(open, user, limit, activeSince);
        }
      }
    } else {
      try (OperatorContext.Database database = context.database(settings, "sessions")) {
        listing = SessionListing.listSessions(database.operator(), user, limit, activeSince);
      } catch (PostgrestException e) {
        throw new OperatorException("the database did not answer the listing: " + e.getMessage());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.printJson(out, toJson(listing));
    } else {
      printTable(out, listing);
    }
    return 0;
  }

  private static void printTable(PrintWriter out, Listing listing) {
    String format = "%-46s  %-36s  %8s  %10s  %-20s  %s%n";
    out.printf(Locale.ROOT, format, "SESSION", "OWNER", "MESSAGES", "BYTES", "UPDATED AT", "REPO");
    for (SessionRow row : listing.sessions()) {
      out.printf(
          Locale.ROOT,
          format,
          row.id(),
          row.owner().map(UUID::toString).orElse("-"),
          row.messageCount(),
          row.historyBytes(),
          Output.time(row.lastActivity()),
          row.repo().orElse("-"));
    }
    String shown =
        listing.sessions().size() < listing.totalSessions()
            ? " (" + listing.sessions().size() + " shown)"
            : "";
    out.printf(
        Locale.ROOT,
        "%d sessions%s, %d active in the last 24 h, %d messages%n",
        listing.totalSessions(),
        shown,
        listing.activeSessions(),
        listing.totalMessages());
    out.flush();
  }

  private static ObjectNode toJson(Listing listing) {
    ObjectNode document = Output.object();
    ArrayNode sessions = document.putArray("sessions");
    for (SessionRow row : listing.sessions()) {
      ObjectNode session = sessions.addObject();
      session.put("sessionId", row.id());
      session.put("owner", row.owner().map(UUID::toString).orElse(null));
      session.put("messageCount", row.messageCount());
      session.put("historyBytes", row.historyBytes());
      Output.putTime(session, "updatedAt", row.lastActivity());
      session.put("repo", row.repo().orElse(null));
    }
    ObjectNode totals = document.putObject("totals");
    totals.put("sessions", listing.totalSessions());
    totals.put("activeLast24h", listing.activeSessions());
    totals.put("messages", listing.totalMessages());
    return document;
  }
}
