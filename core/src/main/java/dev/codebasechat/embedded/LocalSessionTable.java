package dev.codebasechat.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.internal.TableJson;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.schema.PgTimestamp;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.sqlite.Durability;
import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.SqliteFileBuilder;
import dev.codebasechat.sqlite.internal.Sql;
import dev.codebasechat.sqlite.internal.SqliteDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code codebase_chat_sessions} table and its functions ({@code append_chat_messages}, {@code
 * clear_chat_history}, {@code delete_chat_session}) on a local SQLite file, for the embedded
 * default where no Supabase is configured and this file is the store of record. Nothing here is
 * ever "released": what is written stays until cleared or deleted.
 *
 * <p><b>Owner isolation</b> stands in for Row Level Security: every method takes the verified
 * caller and touches only that caller's rows. Another user's session behaves exactly like a missing
 * one (empty, {@code false}, absent from lists), except that {@link #append} cannot create a
 * session under an id already taken and throws {@link SessionIdTakenException}, as the database
 * answers 42501.
 *
 * <p><b>Shapes</b> follow PostgREST: {@link #fetch} returns the columns {@code session_id, user_id,
 * repo, current_file, conversation_history, context_cache, metadata, message_count, version,
 * last_activity}; {@link #list} rows have {@code session_id, repo, current_file, message_count,
 * last_activity, created_at}; timestamps are ISO-8601 strings with offset, as PostgREST renders
 * {@code timestamptz}.
 *
 * <p><b>Cost.</b> Messages live in their own table keyed by (session, position) with a unique
 * (session, message id), so an append costs O(new messages · log n), not O(history); {@code
 * conversation_history} is assembled on {@link #fetch}.
 *
 * <p><b>Durability and concurrency</b> are those of {@link SqliteJournal}: WAL mode, {@code
 * synchronous} per {@link Durability}, each method one IMMEDIATE transaction committed before it
 * returns (all or nothing); thread-safe, writes serialised. Failures of the file throw {@link
 * JournalException}; malformed arguments throw {@link IllegalArgumentException} naming the
 * argument.
 *
 * <p><b>Why this class is long.</b> Every statement of the embedded table and the transaction it
 * runs in are kept together: the table's rules ({@code SessionTableRules}) are checked inside the
 * same transaction that writes, which is what makes a write here as atomic as the migration's
 * functions.
 */
public final class LocalSessionTable implements AutoCloseable {

  /**
   * What {@link #append} did: new messages stored, the history's length, the row's version, whether
   * the call created the session, and the row's last activity.
   */
  public record AppendResult(
      int appended, int messageCount, long version, boolean created, Instant lastActivity) {}

  /** The row's version, history length and last activity after a context update or a clear. */
  public record RowVersion(long version, int messageCount, Instant lastActivity) {}

  /** One page of {@link #list}, newest activity first, and how many rows match in all. */
  public record Page(List<ObjectNode> rows, long total) {}

  /**
   * Counts over every user's sessions, for operators ({@link #totals}).
   *
   * @param sessions rows
   * @param activeSince rows whose last activity is at or after the given instant
   * @param messages messages in all of them
   */
  public record Totals(long sessions, long activeSince, long messages) {}

  /** Same as the table's {@code codebase_chat_sessions_session_id_format} constraint. */
  public static final Pattern SESSION_ID = SessionTableRules.SESSION_ID;

  public static final int MAX_MESSAGES_PER_APPEND = SessionTableRules.MAX_MESSAGES_PER_APPEND;
  public static final int MAX_MESSAGES_PER_SESSION = SessionTableRules.MAX_MESSAGES_PER_SESSION;

  /** 2: sessions keep the size of their history ({@code history_bytes}) for its 16 MiB limit. */
  static final int SCHEMA_VERSION = 2;

  /** {@code PRAGMA application_id} of a session table file: "CBCS". */
  static final int APPLICATION_ID = 0x43424353;

  private static final SqliteDatabase.Schema SCHEMA =
      new SqliteDatabase.Schema(
          APPLICATION_ID,
          SCHEMA_VERSION,
          List.of(
              "CREATE TABLE IF NOT EXISTS sessions ("
                  + " id INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE,"
                  + " user_id TEXT NOT NULL, repo TEXT, current_file TEXT,"
                  + " context_cache TEXT NOT NULL DEFAULT '{}', metadata TEXT NOT NULL DEFAULT '{}',"
                  + " message_count INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,"
                  + " last_activity INTEGER NOT NULL, created_at INTEGER NOT NULL,"
                  + " updated_at INTEGER NOT NULL, history_bytes INTEGER NOT NULL DEFAULT 0)",
              "CREATE INDEX IF NOT EXISTS sessions_user_activity"
                  + " ON sessions (user_id, last_activity DESC)",
              "CREATE TABLE IF NOT EXISTS messages ("
                  + " session INTEGER NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL,"
                  + " body TEXT NOT NULL, PRIMARY KEY (session, seq),"
                  + " UNIQUE (session, message_id)) WITHOUT ROWID"),
          java.util.Map.of(
              1,
              List.of(
                  "ALTER TABLE sessions ADD COLUMN history_bytes INTEGER NOT NULL DEFAULT 0",
                  "UPDATE sessions SET history_bytes = (SELECT coalesce(sum(length(CAST(m.body AS BLOB))), 0)"
                      + " FROM messages m WHERE m.session = sessions.id)")));

  private final SqliteDatabase database;
  private final Clock clock;
  private final ObjectMapper mapper = new ObjectMapper();

  private LocalSessionTable(Clock clock, SqliteDatabase database) {
    this.clock = clock;
    this.database = database;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Appends {@code messages} to the caller's session {@code sessionId}, creating it on first use;
   * mirrors {@code append_chat_messages}. A message whose id is already stored, or repeated earlier
   * in the batch, is skipped, so a retry stores nothing twice. {@code repo} and {@code
   * currentFile}, when present, replace the stored values. The version moves by one when anything
   * changed, not at all otherwise. Atomic and durable on return.
   *
   * @param messages a JSON array of at most {@value #MAX_MESSAGES_PER_APPEND} messages as the
   *     function takes them ({@link SessionTableRules#batch}); stored as given
   * @throws SessionIdTakenException when the id belongs to another user's session, or is new and in
   *     another user's conversation namespace ({@link SessionTableRules#mayCreate})
   * @throws TableConstraintException when the history would exceed {@value
   *     #MAX_MESSAGES_PER_SESSION} messages or 16 MiB, or {@code repo} or {@code currentFile} is
   *     too long
   * @throws IllegalArgumentException when an argument is malformed (the message names it, in the
   *     function's words)
   */
  public AppendResult append(
      UUID owner,
      String sessionId,
      JsonNode messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    return append(owner, sessionId, messages, repo, currentFile, true)
        .orElseThrow(() -> new SessionIdTakenException(sessionId));
  }

  /**
   * {@link #append} to the caller's session only if it exists, checked in the transaction that
   * appends; mirrors {@code append_chat_messages} with {@code p_create} false. Empty, storing
   * nothing, when the caller has no session by that id (missing, or another user's: the answer does
   * not tell them apart).
   *
   * @throws TableConstraintException as {@link #append} does
   * @throws IllegalArgumentException as {@link #append} does
   */
  public Optional<AppendResult> appendExisting(
      UUID owner,
      String sessionId,
      JsonNode messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    return append(owner, sessionId, messages, repo, currentFile, false);
  }

  /**
   * What PostgreSQL refuses besides the batch's rules: text jsonb cannot hold (a NUL character, an
   * unpaired surrogate), a number it cannot store, a timestamp it cannot read (30 February, a zone
   * beyond ±15:59) — all of them, as {@code insert_messages} reads every timestamp.
   *
   * @throws IllegalArgumentException naming the message and what is wrong
   */
  private static void checkStorable(JsonNode messages) {
    for (int pos = 0; pos < messages.size(); pos++) {
      JsonNode message = messages.get(pos);
      PgJsonb.checkFits(message, "p_messages[" + pos + "]", SessionTableRules.MAX_MESSAGE_BYTES);
      if (PgTimestamp.read(message.path("timestamp").asText()).outcome()
          != PgTimestamp.Outcome.READ) {
        throw new IllegalArgumentException(
            "p_messages[" + pos + "].timestamp is not a date-time PostgreSQL can read");
      }
    }
  }

  /** The append; {@code create}: a missing session is created for {@code owner}. */
  private Optional<AppendResult> append(
      UUID owner,
      String sessionId,
      JsonNode messages,
      Optional<String> repo,
      Optional<String> currentFile,
      boolean create) {
    SessionTableRules.checkSessionId(sessionId);
    List<SessionTableRules.Checked> candidates = SessionTableRules.batch(messages);
    checkStorable(messages);
    SessionTableRules.checkRepo(repo);
    SessionTableRules.checkCurrentFile(currentFile);
    long now = clock.millis();
    return database.write(
        "append to session",
        connection -> {
          // Under another user's conversation namespace nothing is created: the id reads as taken.
          boolean created =
              create
                  && SessionTableRules.mayCreate(sessionId, owner)
                  && Sql.update(
                          connection,
                          "INSERT INTO sessions (session_id, user_id, repo, current_file, last_activity,"
                              + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                              + " ON CONFLICT (session_id) DO NOTHING",
                          sessionId,
                          owner.toString(),
                          repo.orElse(null),
                          currentFile.orElse(null),
                          now,
                          now,
                          now)
                      == 1;
          Optional<SessionRow> found = SessionRow.read(connection, owner, sessionId);
          if (found.isEmpty()) {
            return Optional.<AppendResult>empty(); // nothing was written: the insert did nothing
          }
          SessionRow row = found.get();
          long seq =
              Sql.queryLong(
                  connection,
                  "SELECT coalesce(max(seq), 0) FROM messages WHERE session = ?",
                  row.id());
          int appended = 0;
          // Counted as the migrations count history_bytes (jsonb text and a separator each), so
          // that a session is full here exactly when the database would refuse the append.
          long appendedBytes = 0;
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO messages (session, seq, message_id, body) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT (session, message_id) DO NOTHING")) {
            for (SessionTableRules.Checked candidate : candidates) {
              insert.setLong(1, row.id());
              insert.setLong(2, seq + 1);
              insert.setString(3, candidate.id());
              insert.setString(4, TableJson.text(candidate.message()));
              if (insert.executeUpdate() == 1) {
                seq++;
                appended++;
                appendedBytes += SessionTableRules.historyBytesOf(candidate.message());
              }
            }
          }
          // Thrown inside the transaction: it rolls back, nothing of the batch stays.
          SessionTableRules.checkHistory(
              row.messageCount() + appended, row.historyBytes() + appendedBytes);
          boolean repoChanges = repo.isPresent() && !repo.get().equals(row.repo());
          boolean fileChanges =
              currentFile.isPresent() && !currentFile.get().equals(row.currentFile());
          if (appended == 0 && !repoChanges && !fileChanges) {
            return Optional.of(
                new AppendResult(
                    0,
                    row.messageCount(),
                    row.version(),
                    created,
                    Instant.ofEpochMilli(row.lastActivity())));
          }
          Sql.update(
              connection,
              "UPDATE sessions SET message_count = message_count + ?, history_bytes = history_bytes + ?,"
                  + " repo = coalesce(?, repo), current_file = coalesce(?, current_file),"
                  + " version = version + 1, last_activity = ?, updated_at = ? WHERE id = ?",
              appended,
              appendedBytes,
              repo.orElse(null),
              currentFile.orElse(null),
              now,
              now,
              row.id());
          return Optional.of(
              new AppendResult(
                  appended,
                  row.messageCount() + appended,
                  row.version() + 1,
                  created,
                  Instant.ofEpochMilli(now)));
        });
  }

  /**
   * The caller's session as PostgREST returns the row; empty when the caller has none by that id.
   */
  public Optional<ObjectNode> fetch(UUID owner, String sessionId) {
    return onOwnRow(
        "fetch session",
        false,
        owner,
        sessionId,
        (connection, row) -> {
          ArrayNode history = mapper.createArrayNode();
          try (PreparedStatement statement =
                  Sql.prepare(
                      connection,
                      "SELECT body FROM messages WHERE session = ? ORDER BY seq",
                      row.id());
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              history.add(SessionRow.parse(rows.getString(1), database.path()));
            }
          }
          return row.json(owner, Optional.of(SessionRow.inHistoryOrder(history)), database.path());
        });
  }

  /**
   * The caller's session without its history, as PostgREST returns the row for {@code
   * select=session_id,user_id,repo,current_file,context_cache,metadata,message_count,version,last_activity};
   * empty when the caller has none by that id. Reads no message.
   */
  public Optional<ObjectNode> head(UUID owner, String sessionId) {
    return onOwnRow(
        "read session head",
        false,
        owner,
        sessionId,
        (connection, row) -> row.json(owner, Optional.empty(), database.path()));
  }

  /**
   * Applies {@code patch} to the caller's session, as a PostgREST {@code PATCH}: fields {@code
   * repo}, {@code current_file} (strings or null), {@code context_cache}, {@code metadata} (JSON
   * objects, replaced whole). Moves the version by one.
   *
   * @return the new version, or empty when the caller has no session by that id
   * @throws TableConstraintException when a value breaks one of the table's CHECK constraints (a
   *     context cache or metadata that is no JSON object or too large, a repo or path too long)
   * @throws IllegalArgumentException naming the field when the patch has another field, or a repo
   *     or path that is not a string or null
   */
  public Optional<RowVersion> updateContext(UUID owner, String sessionId, JsonNode patch) {
    SessionTableRules.checkContextPatch(patch);
    long now = clock.millis();
    return onOwnRow(
        "update session context",
        true,
        owner,
        sessionId,
        (connection, row) -> {
          Sql.update(
              connection,
              "UPDATE sessions SET repo = ?, current_file = ?, context_cache = ?, metadata = ?,"
                  + " version = version + 1, last_activity = ?, updated_at = ? WHERE id = ?",
              patch.has("repo") ? textOrNull(patch.get("repo")) : row.repo(),
              patch.has("current_file") ? textOrNull(patch.get("current_file")) : row.currentFile(),
              patch.has("context_cache")
                  ? TableJson.text(patch.get("context_cache"))
                  : row.contextCache(),
              patch.has("metadata") ? TableJson.text(patch.get("metadata")) : row.metadata(),
              now,
              now,
              row.id());
          return new RowVersion(row.version() + 1, row.messageCount(), Instant.ofEpochMilli(now));
        });
  }

  /** Empties the caller's session's history; mirrors {@code clear_chat_history}. */
  public Optional<RowVersion> clear(UUID owner, String sessionId) {
    long now = clock.millis();
    return onOwnRow(
        "clear session",
        true,
        owner,
        sessionId,
        (connection, row) -> {
          Sql.update(connection, "DELETE FROM messages WHERE session = ?", row.id());
          Sql.update(
              connection,
              "UPDATE sessions SET message_count = 0, history_bytes = 0, version = version + 1,"
                  + " last_activity = ?, updated_at = ? WHERE id = ?",
              now,
              now,
              row.id());
          return new RowVersion(row.version() + 1, 0, Instant.ofEpochMilli(now));
        });
  }

  /** Deletes the caller's session; {@code false} when the caller has none by that id. */
  public boolean delete(UUID owner, String sessionId) {
    return onOwnRow(
            "delete session",
            true,
            owner,
            sessionId,
            (connection, row) -> {
              Sql.update(connection, "DELETE FROM messages WHERE session = ?", row.id());
              return Sql.update(connection, "DELETE FROM sessions WHERE id = ?", row.id());
            })
        .isPresent();
  }

  /**
   * The caller's sessions, most recent activity first (ties by session id), optionally only those
   * of {@code repo}, with the total count as PostgREST's {@code count=exact} gives it.
   */
  public Page list(UUID owner, int limit, int offset, Optional<String> repo) {
    checkPaging(limit, offset);
    String filter =
        repo.isPresent() ? " WHERE s.user_id = ? AND s.repo = ?" : " WHERE s.user_id = ?";
    Object[] filterValues =
        repo.isPresent()
            ? new Object[] {owner.toString(), repo.get()}
            : new Object[] {owner.toString()};
    return page("list sessions", false, filter, filterValues, limit, offset);
  }

  /**
   * One page of {@code sessions s} rows matching {@code filter}, newest activity first, with the
   * total; {@code operatorColumns} adds {@code user_id} and {@code history_bytes}.
   */
  private Page page(
      String what,
      boolean operatorColumns,
      String filter,
      Object[] filterValues,
      int limit,
      int offset) {
    // The history is "[" + bodies joined by "," + "]": its length follows from the bodies.
    String extra =
        operatorColumns
            ? ", s.user_id, (SELECT coalesce(sum(length(CAST(m.body AS BLOB))) + max(count(*) - 1, 0), 0)"
                + " FROM messages m WHERE m.session = s.id) + 2 AS history_bytes"
            : "";
    return database.read(
        what,
        connection -> {
          long total =
              Sql.queryLong(connection, "SELECT count(*) FROM sessions s" + filter, filterValues);
          List<Object> parameters = new ArrayList<>(List.of(filterValues));
          parameters.add(limit);
          parameters.add(offset);
          List<ObjectNode> rows = new ArrayList<>();
          try (PreparedStatement statement =
                  Sql.prepare(
                      connection,
                      "SELECT s.session_id, s.repo, s.current_file, s.message_count, s.last_activity,"
                          + " s.created_at"
                          + extra
                          + " FROM sessions s"
                          + filter
                          + " ORDER BY s.last_activity DESC, s.session_id ASC LIMIT ? OFFSET ?",
                      parameters.toArray());
              ResultSet result = statement.executeQuery()) {
            while (result.next()) {
              ObjectNode row = mapper.createObjectNode();
              row.put("session_id", result.getString(1));
              row.put("repo", result.getString(2));
              row.put("current_file", result.getString(3));
              row.put("message_count", result.getInt(4));
              row.put("last_activity", SessionRow.time(result.getLong(5)));
              row.put("created_at", SessionRow.time(result.getLong(6)));
              if (operatorColumns) {
                row.put("user_id", result.getString(7));
                row.put("history_bytes", result.getLong(8));
              }
              rows.add(row);
            }
          }
          return new Page(rows, total);
        });
  }

  /**
   * Every user's sessions (or only {@code owner}'s), most recent activity first (ties by session
   * id), for operator tools only: unlike every other method it is not confined to one owner. Rows
   * have {@code session_id, user_id, repo, current_file, message_count, last_activity, created_at}
   * and {@code history_bytes}, the size of {@code conversation_history} as JSON text.
   *
   * @throws IllegalArgumentException if {@code limit} or {@code offset} is negative
   */
  public Page listAll(Optional<UUID> owner, int limit, int offset) {
    checkPaging(limit, offset);
    String filter = owner.isPresent() ? " WHERE s.user_id = ?" : "";
    Object[] filterValues =
        owner.isPresent() ? new Object[] {owner.get().toString()} : new Object[0];
    return page("list all sessions", true, filter, filterValues, limit, offset);
  }

  private static void checkPaging(int limit, int offset) {
    if (limit < 0 || offset < 0) {
      throw new IllegalArgumentException(
          "limit and offset must not be negative but were " + limit + " and " + offset);
    }
  }

  /** Counts over every user's sessions (or only {@code owner}'s), for operator tools. */
  public Totals totals(Optional<UUID> owner, Instant activeSince) {
    String filter = owner.isPresent() ? " WHERE user_id = ?" : "";
    Object[] filterValues =
        owner.isPresent() ? new Object[] {owner.get().toString()} : new Object[0];
    return database.read(
        "count sessions",
        connection -> {
          List<Object> parameters = new ArrayList<>();
          parameters.add(activeSince.toEpochMilli());
          parameters.addAll(List.of(filterValues));
          try (PreparedStatement statement =
                  Sql.prepare(
                      connection,
                      "SELECT count(*), coalesce(sum(last_activity >= ?), 0), coalesce(sum(message_count), 0)"
                          + " FROM sessions"
                          + filter,
                      parameters.toArray());
              ResultSet result = statement.executeQuery()) {
            result.next();
            return new Totals(result.getLong(1), result.getLong(2), result.getLong(3));
          }
        });
  }

  /** Folds the write-ahead log into the file; see {@link SqliteJournal#checkpoint()}. */
  public void checkpoint() {
    database.checkpoint();
  }

  public Path path() {
    return database.path();
  }

  @Override
  public void close() {
    database.close();
  }

  /** Work on one of the caller's rows. */
  @FunctionalInterface
  private interface RowWork<T> {
    T run(Connection connection, SessionRow row) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction on the caller's session {@code sessionId}; empty, without
   * running it, when the caller has no such session (another user's counts as none).
   */
  private <T> Optional<T> onOwnRow(
      String what, boolean writes, UUID owner, String sessionId, RowWork<T> work) {
    SqliteDatabase.Work<Optional<T>> onRow =
        connection -> {
          Optional<SessionRow> row = SessionRow.read(connection, owner, sessionId);
          return row.isEmpty() ? Optional.empty() : Optional.of(work.run(connection, row.get()));
        };
    return writes ? database.write(what, onRow) : database.read(what, onRow);
  }

  private static @Nullable String textOrNull(JsonNode node) {
    return node.isNull() ? null : node.asText();
  }

  /** Options for {@link LocalSessionTable}; see {@link SqliteFileBuilder}. Not thread-safe. */
  public static final class Builder extends SqliteFileBuilder<Builder> {

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Opens the table.
     *
     * @throws JournalException when the file cannot be opened, is corrupt or holds something else
     */
    public LocalSessionTable build() {
      return new LocalSessionTable(clock(), open(SCHEMA));
    }
  }
}
