package dev.codebasechat.cli;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.operator.JournalInspection;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.ServiceKey;
import dev.codebasechat.session.Acknowledgement;
import dev.codebasechat.sqlite.JournalException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What the operator commands share: the environment they were started with, the clock, and how to
 * open the data directory's files and reach the database with the service key. Immutable.
 *
 * <p>Files are those of the gateway: {@code DATA_DIR/journal.db} in Supabase mode and {@code
 * DATA_DIR/sessions.db} in the embedded default. Each belongs to one process at a time, so while a
 * gateway runs on them every command that needs them fails with a message saying so.
 */
final class OperatorContext {

  static final String JOURNAL_FILE = "journal.db";
  static final String SESSIONS_FILE = "sessions.db";

  private final Map<String, String> environment;
  private final Clock clock;
  private final boolean terminal;

  OperatorContext(Map<String, String> environment, Clock clock, boolean terminal) {
    this.environment = Map.copyOf(environment);
    this.clock = clock;
    this.terminal = terminal;
  }

  Clock clock() {
    return clock;
  }

  /** Whether standard error is a terminal (a progress bar redraws in place there). */
  boolean terminal() {
    return terminal;
  }

  /** The environment variables the commands read their settings from. */
  Map<String, String> environment() {
    return environment;
  }

  /**
   * The settings, as the gateway reads them.
   *
   * @throws OperatorException (usage) listing every problem, never a secret's value
   */
  Settings settings() {
    try {
      return Settings.fromEnvironment(environment);
    } catch (Settings.InvalidSettingsException e) {
      throw new OperatorException(
          OperatorException.USAGE,
          java.util.Objects.requireNonNullElse(e.getMessage(), "invalid settings"));
    }
  }

  Path journalPath(Settings settings) {
    return settings.dataDir().resolve(JOURNAL_FILE);
  }

  Path sessionsPath(Settings settings) {
    return settings.dataDir().resolve(SESSIONS_FILE);
  }

  /** The journal, opened (and created when absent). */
  SqliteJournal openJournal(Settings settings) {
    Path path = journalPath(settings);
    try {
      return SqliteJournal.builder().path(path).clock(clock).build();
    } catch (JournalException e) {
      throw fileProblem("journal", e);
    }
  }

  /**
   * Refuses the journal's commands (drain, stats, set-aside) a "nothing here" answer an operator
   * cannot have meant, since acting on it (deleting the volume) loses acknowledged writes: without
   * {@code SUPABASE_URL}, a data directory whose journal still holds writes a Supabase-mode gateway
   * acknowledged; with it, a data directory that does not exist (a mistyped {@code DATA_DIR}).
   *
   * @throws OperatorException (exit 1) naming the directory and what to set
   */
  void checkJournalSettings(Settings settings) {
    if (settings.embedded()) {
      if (!Files.exists(journalPath(settings))) {
        return;
      }
      long entries;
      try (SqliteJournal journal = openJournal(settings)) {
        entries = journal.stats().pendingEntries();
      }
      if (entries > 0) {
        throw new OperatorException(
            "SUPABASE_URL is not set (the embedded default), but "
                + journalPath(settings)
                + " holds "
                + entries
                + " journal entries a gateway in Supabase mode acknowledged: set SUPABASE_URL and"
                + " SUPABASE_ANON_KEY as that gateway had them to work on them");
      }
    } else if (!Files.isDirectory(settings.dataDir())) {
      throw new OperatorException(
          "DATA_DIR "
              + settings.dataDir()
              + " does not exist: give the data directory of the gateway whose journal to read");
    }
  }

  /**
   * Why a gateway without the journal ({@code GATEWAY_ACK=database}, or no {@code SUPABASE_URL})
   * must not start on this data directory: its journal holds writes acknowledged before and not
   * delivered yet, which such a gateway would never deliver, and nothing would say so. Empty when
   * there are none (set-aside records wait for review, not delivery: {@link #unreportedSetAside}).
   *
   * @throws dev.codebasechat.sqlite.JournalException when the journal cannot be opened
   */
  Optional<String> strandedWrites(Settings settings) {
    return journalNotUsedBy(settings)
        .filter(summary -> summary.pendingWrites() > 0)
        .map(
            summary ->
                journalPath(settings)
                    + " holds "
                    + summary.pendingWrites()
                    + " writes acknowledged with GATEWAY_ACK=journal and not delivered yet, which"
                    + " this gateway would never deliver ("
                    + withoutTheJournal(settings)
                    + "): start it as before (SUPABASE_URL, GATEWAY_ACK=journal) until they are"
                    + " delivered, or deliver them with `drain`");
  }

  /**
   * What to tell the operator of a gateway without the journal started on a data directory whose
   * journal holds set-aside writes: such a gateway reports none of them ({@code /readyz}, the
   * metric, hence the alert), and the records stay in the file until reviewed. Empty when there are
   * none, or when the gateway uses the journal (it reports them).
   *
   * @throws dev.codebasechat.sqlite.JournalException when the journal cannot be opened
   */
  Optional<String> unreportedSetAside(Settings settings) {
    return journalNotUsedBy(settings)
        .filter(summary -> summary.setAsideWrites() > 0)
        .map(
            summary ->
                journalPath(settings)
                    + " holds "
                    + summary.setAsideWrites()
                    + " writes the database refused for good, kept for review, which this gateway"
                    + " does not report ("
                    + withoutTheJournal(settings)
                    + ": setAsideWrites on /readyz and sessions_setaside_writes read 0): review"
                    + " them with `set-aside` and remove them with `set-aside --discard <sessionId>"
                    + " --yes`"
                    + (settings.embedded()
                        ? ", with SUPABASE_URL and SUPABASE_ANON_KEY set as the gateway that"
                            + " journaled them had them"
                        : "")
                    + "; the file is kept as it is");
  }

  /**
   * What the journal of a gateway that will not use it holds; empty when the gateway uses it or
   * there is no journal.
   */
  private Optional<JournalInspection.JournalSummary> journalNotUsedBy(Settings settings) {
    if (!settings.embedded() && settings.acknowledgement() == Acknowledgement.JOURNAL) {
      return Optional.empty();
    }
    Path path = journalPath(settings);
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    try (SqliteJournal journal = SqliteJournal.builder().path(path).clock(clock).build()) {
      return Optional.of(JournalInspection.summarize(journal));
    }
  }

  private static String withoutTheJournal(Settings settings) {
    return settings.embedded() ? "SUPABASE_URL is not set" : "GATEWAY_ACK=database";
  }

  /** The journal if the file exists; empty when nothing was ever journaled there. */
  Optional<SqliteJournal> openExistingJournal(Settings settings) {
    return Files.exists(journalPath(settings))
        ? Optional.of(openJournal(settings))
        : Optional.empty();
  }

  /** The embedded default's session table if the file exists. */
  Optional<LocalSessionTable> openExistingSessionTable(Settings settings) {
    Path path = sessionsPath(settings);
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalSessionTable.builder().path(path).clock(clock).build());
    } catch (JournalException e) {
      throw fileProblem("session table", e);
    }
  }

  private static OperatorException fileProblem(String what, JournalException e) {
    return new OperatorException(
        fileProblem(
            what,
            e,
            "probably a running gateway: stop the gateway first (operator commands need the file to"
                + " themselves)"));
  }

  /**
   * A failure to open one of the data directory's files in an operator's words: which file, what is
   * wrong with it and, for a file another process has open, {@code whenInUse} (who probably has it
   * and what to do). Never more than the file's path and SQLite's reason.
   */
  static String fileProblem(String what, JournalException e, String whenInUse) {
    return switch (e.reason()) {
      case IN_USE -> "the " + what + " " + e.path() + " is in use by another process, " + whenInUse;
      case CORRUPT ->
          "the "
              + what
              + " "
              + e.path()
              + " cannot be read: it is corrupt or not a "
              + what
              + " ("
              + (e.getCause() instanceof java.sql.SQLException sql
                  ? sql.getMessage()
                  : e.getMessage())
              + "); it was left as it was";
      case NEWER_VERSION ->
          "the "
              + what
              + " "
              + e.path()
              + " cannot be read: "
              + e.detail()
              + ": run that version or a later one; it was left as it was";
      default -> "cannot open the " + what + ": " + e.getMessage();
    };
  }

  /**
   * Why the file system refused, in a person's words: Java's own exceptions often carry only the
   * path ({@code NoSuchFileException: /data}).
   */
  static String ioReason(java.io.IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return "a file that is not a directory is in the way";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory, or the file system does not allow it there";
    }
    if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
      return fs.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    // The operating system's words ("Is a directory"), in the lower case of the rest of the line.
    String message = String.valueOf(e.getMessage());
    return message.isEmpty()
        ? message
        : Character.toLowerCase(message.charAt(0)) + message.substring(1);
  }

  /** What the data directory's file {@code path} is, by its name. */
  static String fileKind(Path path) {
    String name = String.valueOf(path.getFileName());
    return name.equals(JOURNAL_FILE)
        ? "journal"
        : name.equals(SESSIONS_FILE) ? "session table" : "file";
  }

  /**
   * A client for the project and the operator scope of the service key.
   *
   * @throws OperatorException when no service key is configured or a key is not of the right kind
   */
  Database database(Settings settings, String purpose) {
    if (settings.embedded()) {
      throw new OperatorException(
          "there is no database in the embedded default (SUPABASE_URL is not set)");
    }
    if (settings.serviceKey().isEmpty()) {
      throw new OperatorException(
          purpose
              + " reads every user's data and needs the project's service key:"
              + " set SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY)");
    }
    ServiceKey serviceKey;
    ApiKey apiKey;
    try {
      serviceKey = settings.operatorServiceKey().orElseThrow();
    } catch (IllegalArgumentException notAServiceKey) {
      throw new OperatorException(String.valueOf(notAServiceKey.getMessage()));
    }
    try {
      apiKey = settings.userApiKey().orElseThrow();
    } catch (IllegalArgumentException notAnApiKey) {
      throw new OperatorException(String.valueOf(notAnApiKey.getMessage()));
    }
    PostgrestClient client =
        PostgrestClient.builder()
            .projectUrl(settings.supabaseUrl().orElseThrow())
            .apiKey(apiKey)
            .build();
    return new Database(client, client.operator(serviceKey));
  }

  /** The project's Data API with the service key; closing releases the HTTP client. */
  record Database(PostgrestClient client, OperatorScope operator) implements AutoCloseable {
    @Override
    public void close() {
      client.close();
    }
  }
}
