package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.internal.PostgrestError;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The rows of {@code public.codebase_chat_sessions} ({@link Session}s) with the table's RLS
 * policies ({@code auth.uid() = user_id} for every command), and the bodies of the functions that
 * write messages, as migration {@code 20261203000000} and its successors define them. Every method
 * holds the table's monitor for its whole run, so each is atomic, as one SQL statement (or one
 * function call) is; a function that fails changes nothing. Rows handed out are deep copies.
 */
final class SessionTable {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Clock clock;
  private final Map<String, Session> sessionsById = new LinkedHashMap<>();

  private final NamedWrites named;
  private final EndedVersions ended;

  private final Random random = new Random();
  // now() of the statement running, as PostgreSQL's now() is the transaction's start.
  private @Nullable String statementTime;

  SessionTable(Clock clock) {
    this.clock = clock;
    this.named = new NamedWrites(clock);
    this.ended = new EndedVersions(clock);
  }

  /**
   * Runs {@code statement} under the table's monitor with one time for every row it stamps: the
   * clock's when it starts.
   */
  synchronized <T> T atOneTime(Supplier<T> statement) {
    String outer = statementTime;
    statementTime = outer != null ? outer : Session.TIMESTAMP.format(clock.instant());
    try {
      return statement.get();
    } finally {
      statementTime = outer;
    }
  }

  private String now() {
    return statementTime != null ? statementTime : Session.TIMESTAMP.format(clock.instant());
  }

  // ---------------------------------------------------------------- plain table requests

  /** Copies of the rows {@code caller} may see that pass {@code where}, in insertion order. */
  synchronized List<ObjectNode> select(
      Caller caller, Predicate<ObjectNode> where, boolean withHistory) {
    return visible(caller, where).stream().map(session -> session.view(withHistory)).toList();
  }

  /**
   * Sets {@code changes} on every visible row that passes {@code where}, each row then through the
   * update trigger (only a role that bypasses RLS may change {@code user_id} or {@code session_id})
   * and the table's constraints, the unique session id last. {@code checkCount} sees the number of
   * such rows first; an exception it or a check throws aborts the update with nothing changed.
   */
  synchronized List<ObjectNode> update(
      Caller caller,
      Predicate<ObjectNode> where,
      ObjectNode changes,
      IntConsumer checkCount,
      boolean withHistory) {
    List<Session> targets = visible(caller, where);
    checkCount.accept(targets.size());
    Map<String, Session> updated = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>(sessionsById.keySet());
    for (Session session : targets) {
      Session working = session.copy();
      ObjectNode before = working.fields();
      working.row.setAll(changes.deepCopy());
      boolean rekeyed =
          !Objects.equals(session.row.get("user_id"), working.row.get("user_id"))
              || !Objects.equals(session.row.get("session_id"), working.row.get("session_id"));
      if (rekeyed && !caller.bypassesRls()) {
        throw PostgrestError.sql(
            "42501", "user_id and session_id of a chat session cannot be changed");
      }
      working.touch(now(), before);
      working.checkNotNull(caller.bypassesRls());
      working.check(caller.bypassesRls());
      String oldId = session.row.get("session_id").asText();
      String newId = working.row.get("session_id").asText();
      if (!newId.equals(oldId) && !taken.add(newId)) {
        throw SqlErrors.duplicateSessionId(newId, caller.bypassesRls());
      }
      updated.put(oldId, working);
    }
    // Rebuilt in the same order, so that a renamed row keeps its place.
    Map<String, Session> rows = new LinkedHashMap<>();
    sessionsById.forEach(
        (id, session) -> {
          Session after = updated.getOrDefault(id, session);
          rows.put(after.row.get("session_id").asText(), after);
        });
    sessionsById.clear();
    sessionsById.putAll(rows);
    return updated.values().stream().map(session -> session.view(withHistory)).toList();
  }

  /**
   * Inserts a row for {@code owner} with the values of {@code columns} (the other columns take
   * their defaults), checked against the table's constraints, the unique session id last. {@code
   * rowVisible}: whether a violation shows the row (the caller bypasses RLS).
   */
  synchronized ObjectNode insert(
      @Nullable UUID owner, ObjectNode columns, boolean withHistory, boolean rowVisible) {
    Session session = new Session(owner, "", now());
    for (String column : Session.FIELDS) {
      if (columns.has(column)) {
        session.row.set(column, columns.get(column).deepCopy());
      }
    }
    session.row.set("session_id", columns.get("session_id")); // absent: set() stores a NullNode
    ended.continueIn(session);
    session.checkNamespace(sessionsById.get(session.row.path("session_id").asText("")), rowVisible);
    session.checkNotNull(rowVisible);
    session.check(rowVisible);
    String sessionId = session.row.get("session_id").asText();
    if (sessionsById.containsKey(sessionId)) {
      throw SqlErrors.duplicateSessionId(sessionId, rowVisible);
    }
    sessionsById.put(sessionId, session);
    return session.view(withHistory);
  }

  /** Deletes every visible row that passes {@code where}; the rows as they were. */
  synchronized List<ObjectNode> deleteWhere(
      Caller caller, Predicate<ObjectNode> where, IntConsumer checkCount, boolean withHistory) {
    List<Session> targets = visible(caller, where);
    checkCount.accept(targets.size());
    List<ObjectNode> deleted = new ArrayList<>();
    for (Session session : targets) {
      // The statement's snapshot still sees the messages the cascade removes.
      deleted.add(session.view(withHistory));
      drop(session.row.get("session_id").asText());
    }
    return deleted;
  }

  // ---------------------------------------------------------------- the functions

  /**
   * The body of {@code append_chat_messages} after {@code caller_for} and {@code check_messages}:
   * creates the session owned by the caller when absent, stores the messages whose ids are new (of
   * repeats within the batch the first), each where its timestamp puts it, and updates the
   * counters, {@code repo} and {@code current_file} in one update of the row, or not at all when
   * nothing changes.
   *
   * @param rowVisible whether a broken CHECK shows the row (the caller bypasses RLS)
   * @throws PostgrestError 42501 when another user owns the id; 22023 naming the first timestamp
   *     PostgreSQL cannot read; 23514 when the row would break a CHECK
   */
  synchronized ObjectNode append(
      UUID caller,
      String sessionId,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile,
      boolean rowVisible) {
    Session proposed = proposed(caller, sessionId, repo, currentFile, rowVisible);
    Session stored = sessionsById.get(sessionId);
    if (stored != null && !caller.equals(stored.owner())) {
      throw SqlErrors.foreignSession("append_chat_messages");
    }
    return appendTo(
        sessionId,
        stored == null ? proposed : stored.copy(),
        stored == null,
        messages,
        repo,
        currentFile);
  }

  /**
   * The body of {@code append_as} with {@code p_create} false: {@link #append} to {@code owner}'s
   * session, or null, changing nothing, when {@code owner} has no session with that id (missing or
   * another user's). No row is proposed, so the row's CHECKs are those of the update alone.
   */
  synchronized @Nullable ObjectNode appendExisting(
      UUID owner,
      String sessionId,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile) {
    Session stored = sessionsById.get(sessionId);
    if (stored == null || !owner.equals(stored.owner())) {
      return null;
    }
    return appendTo(sessionId, stored.copy(), false, messages, repo, currentFile);
  }

  /** {@code add_messages} on {@code session} (a copy, stored once it passed its checks). */
  private ObjectNode appendTo(
      String sessionId,
      Session session,
      boolean created,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile) {
    ObjectNode row = session.row;
    ObjectNode before = session.fields();
    int added = session.insertMessages(session.version() + 1, messages);
    if (repo != null) {
      row.put("repo", repo);
    }
    if (currentFile != null) {
      row.put("current_file", currentFile);
    }
    if (added > 0 || !before.equals(session.fields())) {
      session.touch(now(), before);
      // add_messages updates the row as its owner (SECURITY DEFINER): a broken CHECK shows it.
      session.check(true);
    }
    sessionsById.put(sessionId, session);
    ObjectNode result = NODES.objectNode().put("session_id", sessionId).put("appended", added);
    result.put("message_count", row.get("message_count").asInt()).put("version", session.version());
    result.put("created", created).set("last_activity", row.get("last_activity"));
    return result;
  }

  /**
   * The body of {@code append_chat_messages_for}: {@link #append} as {@code owner}, or null,
   * changing nothing, when the session id belongs to another user.
   */
  synchronized @Nullable ObjectNode appendFor(
      UUID owner,
      String sessionId,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile,
      boolean rowVisible) {
    Session stored = sessionsById.get(sessionId);
    if (stored != null && !owner.equals(stored.owner())) {
      proposed(owner, sessionId, repo, currentFile, rowVisible); // checked before the conflict
      return null;
    }
    return append(owner, sessionId, messages, repo, currentFile, rowVisible);
  }

  /**
   * The body of {@code append_chat_messages_for} with {@code p_create} false: {@link
   * #appendExisting} as {@code owner}, and {@code {"session_id", "missing": true}}, changing
   * nothing, when no session has that id (null for another user's, as {@link #appendFor}).
   */
  synchronized @Nullable ObjectNode appendForExisting(
      UUID owner,
      String sessionId,
      JsonNode messages,
      @Nullable String repo,
      @Nullable String currentFile) {
    if (!sessionsById.containsKey(sessionId)) {
      return NODES.objectNode().put("session_id", sessionId).put("missing", true);
    }
    return appendExisting(owner, sessionId, messages, repo, currentFile);
  }

  /**
   * The row {@code append_as} proposes ({@code insert … on conflict do nothing}): PostgreSQL checks
   * its CHECK constraints before it looks for the conflict, so a too long {@code repo} or {@code
   * current_file} is refused even when the session exists, and before its owner is known.
   */
  private Session proposed(
      UUID owner,
      String sessionId,
      @Nullable String repo,
      @Nullable String currentFile,
      boolean rowVisible) {
    Session session = new Session(owner, sessionId, now());
    ended.continueIn(session);
    session.row.put("repo", repo).put("current_file", currentFile);
    session.checkNamespace(sessionsById.get(sessionId), rowVisible);
    session.check(rowVisible);
    return session;
  }

  /**
   * {@code clear_chat_history}: a copy of the row after it, or null without such a session. A clear
   * whose {@code clearId} (not null) the session's last clear carried changes nothing.
   */
  synchronized @Nullable ObjectNode clearHistory(
      UUID caller, String sessionId, @Nullable UUID clearId) {
    Session session = ownSession(caller, sessionId);
    if (session == null) {
      if (clearId != null) {
        named.clearFoundNothing(caller, sessionId, clearId);
      }
      return null;
    }
    return clearOnce(session, clearId);
  }

  /**
   * {@code clear_chat_history_for} (service_role): {@code {"session_id", "missing": true}} without
   * such a session, null for another user's, else the row after the clear, applied once per id.
   */
  synchronized @Nullable ObjectNode clearFor(UUID owner, String sessionId, UUID clearId) {
    Session session = sessionsById.get(sessionId);
    if (session == null) {
      named.clearFoundNothing(owner, sessionId, clearId);
      return NODES.objectNode().put("session_id", sessionId).put("missing", true);
    }
    return owner.equals(session.owner()) ? clearOnce(session, clearId) : null;
  }

  private ObjectNode clearOnce(Session session, @Nullable UUID clearId) {
    UUID owner = Objects.requireNonNull(session.owner());
    String sessionId = session.row.get("session_id").asText();
    if (clearId == null || !named.cleared(owner, sessionId, clearId)) {
      session.removeAll(now());
      if (clearId != null) {
        named.clearedNow(owner, sessionId, clearId);
      }
    }
    return session.row.deepCopy();
  }

  /**
   * {@code delete_chat_session}: whether the caller had such a session. A delete whose {@code
   * deleteId} (not null) the caller's last delete of that id carried deletes nothing and is true.
   */
  synchronized boolean delete(UUID caller, String sessionId, @Nullable UUID deleteId) {
    if (deleteId == null) {
      return ownSession(caller, sessionId) != null && drop(sessionId);
    }
    Boolean answered = named.deleteAnswered(caller, sessionId, deleteId);
    if (answered != null) {
      return answered;
    }
    if (ownSession(caller, sessionId) == null) {
      named.deleteFoundNothing(caller, sessionId, deleteId);
      return false;
    }
    deleteOnce(caller, sessionId, deleteId);
    return true;
  }

  /**
   * {@code delete_chat_session_for} (service_role): whether {@code owner}'s session is deleted now
   * or this delete already had; null for a session of another user.
   */
  synchronized @Nullable Boolean deleteFor(UUID owner, String sessionId, UUID deleteId) {
    Boolean answered = named.deleteAnswered(owner, sessionId, deleteId);
    if (answered != null) {
      return answered;
    }
    Session session = sessionsById.get(sessionId);
    if (session == null) {
      named.deleteFoundNothing(owner, sessionId, deleteId);
      return false;
    }
    if (!owner.equals(session.owner())) {
      return null;
    }
    deleteOnce(owner, sessionId, deleteId);
    return true;
  }

  private void deleteOnce(UUID caller, String sessionId, UUID deleteId) {
    drop(sessionId);
    named.deletedNow(caller, sessionId, deleteId);
  }

  /**
   * The body of {@code chat_session_changes}: null when the caller has no session with that id;
   * otherwise what changed since {@code sinceVersion}.
   */
  synchronized @Nullable ObjectNode changes(UUID caller, String sessionId, long sinceVersion) {
    Session session = ownSession(caller, sessionId);
    if (session == null) {
      return null;
    }
    ObjectNode row = session.row;
    long version = session.version();
    ObjectNode answer = NODES.objectNode().put("session_id", sessionId).put("version", version);
    for (String column : List.of("message_count", "created_at", "last_activity")) {
      answer.set(column, row.get(column).deepCopy());
    }
    if (sinceVersion == version) {
      return answer.put("unchanged", true);
    }
    boolean reset = sinceVersion > version || row.get("cleared_version").asLong() > sinceVersion;
    ArrayNode messages = answer.put("unchanged", false).put("reset", reset).putArray("messages");
    for (Session.Message message : session.history) {
      if (reset || message.addedVersion() > sinceVersion) {
        messages.add(message.body().deepCopy());
      }
    }
    if (reset || row.get("fields_version").asLong() > sinceVersion) {
      answer.set("fields", session.fields());
    }
    return answer;
  }

  /**
   * The body of {@code store_chat_session_for} after its argument checks.
   *
   * @param session the session to store, or null to delete it
   * @param target its {@code conversation_history} (an array; empty when {@code session} is null)
   * @return false when the row is not at {@code expectedVersion} (null: when there is a row)
   * @throws PostgrestError 42501 when another user owns the id; 22023 from the message checks;
   *     23514 when the row would break a CHECK
   */
  synchronized boolean storeFor(
      UUID owner,
      String sessionId,
      @Nullable Long expectedVersion,
      @Nullable ObjectNode session,
      JsonNode target) {
    Session stored = sessionsById.get(sessionId);
    if (stored != null && !owner.equals(stored.owner())) {
      throw PostgrestError.sql(
          "42501", "store_chat_session_for: this session id belongs to a session of another user");
    }
    if (stored != null
        ? !Objects.equals(expectedVersion, stored.version())
        : expectedVersion != null) {
      return false;
    }
    if (session == null) {
      drop(sessionId);
      return true;
    }
    Session working;
    if (stored == null) {
      working = new Session(owner, sessionId, now());
      ended.continueIn(working);
      working.setFields(session);
      working.checkNamespace(null, true);
      working.check(true);
    } else {
      working = stored.copy();
    }
    // Stored messages that the target no longer holds: a clear happened; start over.
    Set<String> kept = new HashSet<>();
    target.forEach(
        message -> kept.add(Objects.toString(Session.textOrNull(message.get("id")), "")));
    if (!kept.containsAll(working.byKey.keySet())) {
      working.removeAll(now());
    }
    Session.checkMessages(target, SessionTableRules.MAX_MESSAGES_PER_SESSION);
    ObjectNode before = working.fields();
    working.insertMessages(working.version() + 1, target);
    working.setFields(session);
    working.touch(now(), before);
    working.check(true);
    sessionsById.put(sessionId, working);
    return true;
  }

  // ---------------------------------------------------------------- the table owner's writes

  /**
   * Inserts or replaces a row as the table owner would, its messages as the migration moved a
   * legacy history into rows ({@link Session#seeded}).
   */
  synchronized void seed(UUID owner, String sessionId, ArrayNode messages) {
    sessionsById.put(sessionId, Session.seeded(owner, sessionId, now(), messages, random));
  }

  synchronized List<FakeSession> all() {
    return sessionsById.values().stream().map(Session::snapshot).toList();
  }

  synchronized @Nullable FakeSession row(String sessionId) {
    Session session = sessionsById.get(sessionId);
    return session == null ? null : session.snapshot();
  }

  synchronized void clear() {
    sessionsById.clear();
    named.forgetAll();
    ended.forgetAll();
  }

  /** Deletes row {@code sessionId}, its version kept for its owner; whether there was one. */
  private boolean drop(String sessionId) {
    Session gone = sessionsById.remove(sessionId);
    if (gone != null) {
      ended.remember(gone);
    }
    return gone != null;
  }

  private List<Session> visible(Caller caller, Predicate<ObjectNode> where) {
    return sessionsById.values().stream()
        .filter(session -> caller.sees(session.owner()) && where.test(session.row))
        .toList();
  }

  private @Nullable Session ownSession(UUID caller, String sessionId) {
    Session session = sessionsById.get(sessionId);
    return session != null && caller.equals(session.owner()) ? session : null;
  }
}
