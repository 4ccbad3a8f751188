package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.internal.ApiRequest;
import dev.codebasechat.testing.internal.Backend;
import dev.codebasechat.testing.internal.Identity;
import dev.codebasechat.testing.internal.Json;
import dev.codebasechat.testing.internal.PostgrestError;
import dev.codebasechat.testing.internal.Schema;
import dev.codebasechat.testing.internal.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory backend: the table {@code public.codebase_chat_sessions} (with its computed field
 * {@code conversation_history}) and the migrations' public functions, their rules taken from the
 * {@code schema} module ({@link SessionTableRules}, {@code PgTimestamp}), their grants and Row
 * Level Security as the migrations set them: {@code anon} and {@code authenticator} have no
 * privilege at all; {@code authenticated} sees, updates, clears, deletes and appends to its own
 * rows only, may INSERT and UPDATE only {@code session_id}, {@code user_id} and the session's
 * fields (the update trigger refuses a change of the first two), and executes the functions but the
 * two operator functions; {@code service_role} sees every row, may change its owner and its id, and
 * executes only {@code store_chat_session_for} and {@code append_chat_messages_for}. Statements it
 * has no answer for (other operators, casts, upserts, several rows at once, the computed field in a
 * filter or an order, times relative to now, service_role's updates of the columns the triggers
 * keep) are PGRST127 saying so, never something plausible. Thread-safe: each statement is atomic,
 * as one SQL statement is.
 */
public final class MemoryBackend implements Backend {

  private static final String TABLE = SqlErrors.TABLE;

  /** Columns an INSERT or UPDATE by {@code authenticated} may set (its column grants). */
  private static final Set<String> GRANTED =
      Set.of("session_id", "user_id", "repo", "current_file", "context_cache", "metadata");

  /** The roles a request may switch to: authenticator's grants, and authenticator itself. */
  private static final Set<String> ROLES =
      Set.of("anon", "authenticated", "service_role", "authenticator");

  /**
   * Roles of the database that authenticator is not granted (the owner and the predefined roles of
   * PostgreSQL 15): switching to one is refused.
   */
  private static final Set<String> UNGRANTED_ROLES =
      Set.of(
          "postgres",
          "pg_database_owner",
          "pg_read_all_data",
          "pg_write_all_data",
          "pg_monitor",
          "pg_read_all_settings",
          "pg_read_all_stats",
          "pg_stat_scan_tables",
          "pg_read_server_files",
          "pg_write_server_files",
          "pg_execute_server_program",
          "pg_signal_backend",
          "pg_checkpoint");

  private final SessionTable table;
  private final ChatFunctions functions;
  private final AtomicReference<@Nullable Runnable> beforeWrite = new AtomicReference<>();

  public MemoryBackend(Clock clock) {
    this.table = new SessionTable(clock);
    this.functions = new ChatFunctions(table);
  }

  @Override
  public void start() {}

  @Override
  public void stop() {}

  @Override
  public Schema schema() {
    return DeclaredSchema.SCHEMA;
  }

  @Override
  public void reset() {
    table.clear();
    beforeWrite.set(null);
  }

  @Override
  public void userExists(UUID user) {
    // No users table here: any user id may own sessions.
  }

  @Override
  public Result run(Statement statement, Identity who, Context request) {
    Schema.Table target = statement.table();
    if (target != null && target.name().equals(DeclaredSchema.MESSAGES)) {
      throw SqlErrors.unsupported("the fake does not hold the table " + DeclaredSchema.MESSAGES);
    }
    if (request.timezone() != null && !DeclaredSchema.utc(request.timezone())) {
      throw SqlErrors.unsupported(
          "the fake writes times in UTC only, not in " + request.timezone());
    }
    Caller caller = caller(who);
    boolean writes =
        statement instanceof Statement.Call call
            ? call.routine().volatileFunction()
            : !(statement instanceof Statement.Read);
    if (writes) {
      Runnable action = beforeWrite.getAndSet(null);
      if (action != null) {
        action.run();
      }
    }
    return table.atOneTime(() -> execute(statement, caller, request));
  }

  /** The statement itself, at one time: the checks before the data, then the data. */
  private Result execute(Statement statement, Caller caller, Context request) {
    if (statement instanceof Statement.Call call) {
      boolean readOnly = request.method().equals("GET") || request.method().equals("HEAD");
      if (readOnly && call.routine().volatileFunction()) {
        // PostgreSQL refuses the first write of the function, in words that depend on its body.
        throw SqlErrors.unsupported(
            "the fake does not run " + call.routine().name() + " read-only (a GET or HEAD call)");
      }
      // Each function here answers one value: its row count is known before it runs.
      call.checkRows(1);
      // Every function here returns jsonb.
      JsonNode value = functions.call(call.routine().name(), caller, call.arguments());
      return Result.of(List.of(stored(value)), null);
    }
    if (!caller.authenticated() && !caller.bypassesRls()) {
      throw SqlErrors.permissionDenied("table " + TABLE);
    }
    // A write that returns nothing selects nothing: its select is not even read.
    boolean returns = !(statement instanceof Statement.Insert insert) || insert.representation();
    returns &= !(statement instanceof Statement.Update update) || update.representation();
    returns &= !(statement instanceof Statement.Delete delete) || delete.representation();
    List<ApiRequest.SelectItem> select = returns ? statement.query().select : ApiRequest.SELECT_ALL;
    List<String> columns = selected(select);
    boolean history = columns.contains(Session.HISTORY);
    Predicate<ObjectNode> where = where(statement.query());
    // Checked before anything changed: a rollback.
    IntConsumer singular = statement::checkRows;
    if (statement instanceof Statement.Read read) {
      runPolicies(caller);
      return read(read, caller, where, select, history);
    }
    if (statement instanceof Statement.Update update) {
      ObjectNode changes = changes(update.payload(), caller);
      runPolicies(caller);
      boolean representation = update.representation();
      if (changes.isEmpty()) {
        // UPDATE … SET with nothing to set is not SQL: PostgREST selects no rows instead.
        singular.accept(0);
        return written(List.of(), representation, select);
      }
      // The payload is read into the columns' types only for a row the update reaches.
      IntConsumer reached =
          rows -> {
            if (rows > 0) {
              SqlErrors.refuseUnreadable(changes);
              UUID owner = ChatFunctions.uuidArgument(changes, "user_id");
              if (owner != null) {
                changes.put("user_id", owner.toString());
              }
            }
            singular.accept(rows);
          };
      return written(
          table.update(caller, where, changes, reached, representation && history),
          representation,
          select);
    }
    if (statement instanceof Statement.Delete delete) {
      runPolicies(caller);
      boolean representation = delete.representation();
      return written(
          table.deleteWhere(caller, where, singular, representation && history),
          representation,
          select);
    }
    Statement.Insert insert = (Statement.Insert) statement;
    if (insert.resolution() == null && insert.payload().isArray() && insert.payload().isEmpty()) {
      return written(List.of(), insert.representation(), select); // no row: nothing to check
    }
    return written(List.of(insert(insert, caller, history)), insert.representation(), select);
  }

  /**
   * Who the statement runs as; PostgreSQL refuses a role it does not have or authenticator may not
   * become (a sub that uuid_in does not read fails only where {@code auth.uid()} is evaluated).
   */
  private static Caller caller(Identity who) {
    if (UNGRANTED_ROLES.contains(who.role())) {
      throw PostgrestError.sql("42501", "permission denied to set role \"" + who.role() + "\"");
    }
    if (!ROLES.contains(who.role())) {
      throw PostgrestError.sql("22023", "role \"" + who.role() + "\" does not exist");
    }
    return new Caller(who.role(), who.sub());
  }

  /**
   * The policies' {@code (select auth.uid())}, which PostgreSQL runs once the statement's
   * privileges and values are checked, before the first row is read: a sub that is no uuid fails
   * here.
   */
  private static void runPolicies(Caller caller) {
    if (caller.authenticated()) {
      caller.userId();
    }
  }

  private Result read(
      Statement.Read read,
      Caller caller,
      Predicate<ObjectNode> where,
      List<ApiRequest.SelectItem> select,
      boolean history) {
    List<ObjectNode> rows = new ArrayList<>(table.select(caller, where, history));
    Comparator<ObjectNode> order = order(read.query().order);
    if (order != null) {
      rows.sort(order);
    }
    long limit = read.limit() == null ? Long.MAX_VALUE : read.limit();
    List<ObjectNode> page = rows.stream().skip(read.offset()).limit(limit).toList();
    read.checkRows(page.size());
    Result shaped = written(page, true, select);
    Long total =
        read.total(
            rows.size(),
            () -> {
              throw SqlErrors.unsupported(
                  "the fake has no query planner to estimate a count (Prefer: count=planned, or"
                      + " count=estimated beyond db-max-rows); count=exact counts");
            });
    return shaped.withTotal(total);
  }

  private static Result written(
      List<ObjectNode> rows, boolean representation, List<ApiRequest.SelectItem> select) {
    List<JsonNode> shaped = new ArrayList<>();
    if (representation) {
      rows.forEach(row -> shaped.add(project(row, select)));
    }
    return new Result(shaped, rows.size(), null, null, null, null);
  }

  /**
   * An INSERT of one row: the payload's values of the statement's columns (a column it lacks is
   * NULL) read into the columns' types, the column grants, {@code user_id} defaulting to {@code
   * auth.uid()}, the INSERT policy, the table's constraints, then the unique session id.
   */
  private ObjectNode insert(Statement.Insert insert, Caller caller, boolean history) {
    if (insert.resolution() != null || insert.query().onConflict != null) {
      throw SqlErrors.unsupported("the fake does not support upserts on " + TABLE);
    }
    if (!insert.payload().isObject()) {
      throw SqlErrors.unsupported("the fake inserts one row (a JSON object) per request");
    }
    for (String column : insert.columns()) {
      if (!GRANTED.contains(column)) {
        if (!caller.bypassesRls()) {
          throw SqlErrors.permissionDenied("table " + TABLE);
        }
        // service_role holds every column, but the fake keeps the others to itself.
        throw SqlErrors.unsupported("the fake inserts only the columns " + GRANTED);
      }
    }
    ObjectNode row = typed(insert.payload(), insert.columns());
    SqlErrors.refuseUnreadable(row);
    // user_id may be null (given so, or service_role's auth.uid()): such a row belongs to nobody,
    // and only service_role sees it.
    UUID owner = row.has("user_id") ? ChatFunctions.uuidArgument(row, "user_id") : caller.userId();
    if (!caller.bypassesRls() && (owner == null || !owner.equals(caller.userId()))) {
      throw PostgrestError.sql(
          "42501", "new row violates row-level security policy for table \"" + TABLE + "\"");
    }
    return table.insert(owner, row, history, caller.bypassesRls());
  }

  /**
   * The changes of a PATCH, checked against the column grants and read into the columns' types; the
   * table's constraints are checked on each row the update reaches.
   */
  private static ObjectNode changes(ObjectNode payload, Caller caller) {
    List<String> columns = Json.fieldNames(payload);
    for (String column : columns) {
      if (!GRANTED.contains(column)) {
        if (!caller.bypassesRls()) {
          throw SqlErrors.permissionDenied("table " + TABLE);
        }
        // service_role holds every column, but the fake keeps the triggers' columns to itself.
        throw SqlErrors.unsupported("the fake updates only the columns " + GRANTED);
      }
    }
    return typed(payload, columns);
  }

  /**
   * {@code columns} of {@code payload} as {@code json_to_record} reads them into the table's types:
   * a column the payload lacks is NULL; a number, boolean, object or array bound for a text column
   * is its JSON text.
   */
  private static ObjectNode typed(JsonNode payload, List<String> columns) {
    ObjectNode row = Json.MAPPER.createObjectNode();
    for (String column : columns) {
      JsonNode value = payload.path(column);
      if (value.isMissingNode() || value.isNull()) {
        row.putNull(column);
      } else if (DeclaredSchema.typeOf(column) == ColumnType.TEXT && !value.isTextual()) {
        row.put(column, value.toString());
      } else {
        row.set(column, value);
      }
    }
    return row;
  }

  /** All of the query's filters; each read (and refused) in the query's order. */
  private static Predicate<ObjectNode> where(ApiRequest query) {
    return query.filters.stream()
        .<Predicate<ObjectNode>>map(RowFilter::of)
        .reduce(row -> true, Predicate::and);
  }

  /**
   * The column names {@code select} reads: {@code *} (also the default) is every real column, the
   * computed field {@code conversation_history} only when named.
   */
  private static List<String> selected(List<ApiRequest.SelectItem> select) {
    List<String> columns = new ArrayList<>();
    for (ApiRequest.SelectItem item : select) {
      if (item.cast() != null) {
        throw SqlErrors.unsupported("the fake does not cast columns (" + item.column() + ")");
      }
      if (item.column().equals("*")) {
        columns.addAll(DeclaredSchema.COLUMNS.keySet());
      } else {
        if (!item.column().equals(Session.HISTORY)) {
          DeclaredSchema.typeOf(item.column());
        }
        columns.add(item.column());
      }
    }
    return columns;
  }

  private static ObjectNode project(ObjectNode row, List<ApiRequest.SelectItem> select) {
    ObjectNode shaped = row.objectNode();
    for (ApiRequest.SelectItem item : select) {
      if (item.column().equals("*")) {
        DeclaredSchema.COLUMNS.keySet().forEach(column -> shaped.set(column, value(row, column)));
      } else {
        shaped.set(item.alias() != null ? item.alias() : item.column(), value(row, item.column()));
      }
    }
    return shaped;
  }

  /** A column's value as PostgreSQL writes it: a jsonb one with its keys in jsonb's order. */
  private static @Nullable JsonNode value(ObjectNode row, String column) {
    boolean jsonb =
        column.equals(Session.HISTORY) || DeclaredSchema.typeOf(column) == ColumnType.JSONB;
    return jsonb ? stored(row.get(column)) : row.get(column);
  }

  private static @Nullable Comparator<ObjectNode> order(List<ApiRequest.OrderTerm> terms) {
    Comparator<ObjectNode> result = null;
    for (ApiRequest.OrderTerm term : terms) {
      String column = term.column();
      if (column.equals(Session.HISTORY)) {
        throw SqlErrors.unsupported(
            "the fake does not order by the computed field " + Session.HISTORY);
      }
      ColumnType type = DeclaredSchema.typeOf(column);
      if (type == ColumnType.JSONB) {
        // jsonb's own order (by kind, then size, then keys) is not worth imitating for a table
        // that never sorts by one; an order by text would look plausible and be wrong.
        throw SqlErrors.unsupported("the fake does not order by the jsonb column " + column);
      }
      // PostgreSQL puts NULLs last ascending and first descending unless told otherwise.
      boolean nullsFirst = term.nullsFirst() != null ? term.nullsFirst() : term.descending();
      Comparator<JsonNode> values = term.descending() ? type.order().reversed() : type.order();
      Comparator<JsonNode> withNulls =
          nullsFirst ? Comparator.nullsFirst(values) : Comparator.nullsLast(values);
      Comparator<ObjectNode> byTerm =
          Comparator.comparing(row -> nonNull(row.get(column)), withNulls);
      result = result == null ? byTerm : result.thenComparing(byTerm);
    }
    return result;
  }

  private static @Nullable JsonNode nonNull(@Nullable JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  // ------------------------------------------------------------------ for FakeSupabase

  /** A snapshot of every row with its messages, in creation order, regardless of owner. */
  public List<FakeSession> sessions() {
    return table.all();
  }

  public Optional<FakeSession> session(String sessionId) {
    return Optional.ofNullable(table.row(sessionId));
  }

  /** Stores a session as the table owner would; see {@code FakeSupabase#seedSession}. */
  public void seed(UUID owner, String sessionId, ArrayNode messages) {
    table.atOneTime(
        () -> {
          table.seed(owner, sessionId, messages);
          return null;
        });
  }

  /**
   * {@code append_chat_messages} of {@code owner} without a request: its argument checks, then its
   * body.
   *
   * @throws IllegalStateException if another user owns the session (or its namespace)
   * @throws IllegalArgumentException with the function's words for what it refuses otherwise (a
   *     malformed session or message id, a broken limit)
   */
  public void appendAs(UUID owner, String sessionId, ArrayNode messages) {
    try {
      SessionTableRules.checkSessionId(sessionId);
      SessionTableRules.batch(messages);
      table.atOneTime(() -> table.append(owner, sessionId, messages, null, null, false));
    } catch (PostgrestError e) {
      if (e.code().equals("42501")) {
        throw new IllegalStateException("session " + sessionId + " belongs to another user", e);
      }
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Runs {@code action} once, just before the next write is applied. */
  public void beforeNextWrite(Runnable action) {
    beforeWrite.set(action);
  }

  /**
   * {@code value} as jsonb holds it: a copy whose objects list their keys in jsonb's order, which
   * is the order PostgreSQL writes them in (a JSON null or SQL NULL stays as it is).
   */
  private static @Nullable JsonNode stored(@Nullable JsonNode value) {
    if (value instanceof ObjectNode object) {
      ObjectNode sorted = object.objectNode();
      object
          .propertyStream()
          .sorted(Map.Entry.comparingByKey(PgJsonb.KEY_ORDER))
          .forEach(field -> sorted.set(field.getKey(), stored(field.getValue())));
      return sorted;
    }
    if (value instanceof ArrayNode array) {
      ArrayNode copy = array.arrayNode(array.size());
      array.forEach(element -> copy.add(stored(element)));
      return copy;
    }
    return value;
  }
}
