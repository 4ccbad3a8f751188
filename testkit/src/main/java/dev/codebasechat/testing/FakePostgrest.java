package dev.codebasechat.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.Request;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.testing.FakeTokens.Caller;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Answers one request the way the Supabase gateway plus PostgREST would for the chat-session table,
 * its computed field {@code conversation_history} and its five functions. Stateless itself: state
 * lives in {@link FakeTable}.
 */
final class FakePostgrest {

  static final String REST_PREFIX = "/rest/v1/";
  static final String OBJECT_MEDIA_TYPE = "application/vnd.pgrst.object+json";

  static final Pattern SESSION_ID = SessionTableRules.SESSION_ID;

  /** Columns {@code authenticated} may UPDATE (its column-level grant). */
  static final Set<String> UPDATABLE = Set.of("repo", "current_file", "context_cache", "metadata");

  private static final Set<String> RESERVED =
      Set.of("select", "order", "limit", "offset", "apikey", "columns", "on_conflict");

  static final String APPEND = "append_chat_messages";
  static final String CLEAR = "clear_chat_history";
  static final String DELETE = "delete_chat_session";
  static final String CHANGES = "chat_session_changes";
  static final String STORE_FOR = "store_chat_session_for";
  static final String APPEND_FOR = "append_chat_messages_for";
  static final String APPEND_BATCH = "append_chat_messages_batch";

  /** Each function's parameters, in order. */
  private static final Map<String, List<String>> FUNCTIONS =
      Map.of(
          APPEND, List.of("p_session_id", "p_messages", "p_repo", "p_current_file"),
          CLEAR, List.of("p_session_id"),
          DELETE, List.of("p_session_id"),
          CHANGES, List.of("p_session_id", "p_since_version"),
          STORE_FOR, List.of("p_owner", "p_session_id", "p_expected_version", "p_session"),
          APPEND_FOR, List.of("p_owner", "p_session_id", "p_messages", "p_repo", "p_current_file"),
          APPEND_BATCH, List.of("p_appends"));

  private static final Set<String> OPTIONAL_ARGUMENTS = Set.of("p_repo", "p_current_file");

  /**
   * The functions only {@code service_role} may execute; {@code authenticated} executes the others.
   */
  private static final Set<String> SERVICE_FUNCTIONS = Set.of(STORE_FOR, APPEND_FOR);

  /**
   * The functions that write, before which {@link FakePostgrestTransformer} runs a test's
   * interleaving.
   */
  static final Set<String> WRITING_FUNCTIONS =
      Set.of(APPEND, CLEAR, DELETE, STORE_FOR, APPEND_FOR, APPEND_BATCH);

  /**
   * Numbers kept as written (1.50, 1e3), as jsonb keeps them, so sizes are counted as the SQL
   * counts them.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  /**
   * Columns a role that bypasses RLS may also UPDATE (the fake's subset of {@code service_role}'s
   * grant).
   */
  static final Set<String> SERVICE_UPDATABLE =
      Set.of("repo", "current_file", "context_cache", "metadata");

  /** Columns an INSERT by {@code authenticated} may set (its column-level grant). */
  static final Set<String> INSERTABLE =
      Set.of("session_id", "user_id", "repo", "current_file", "context_cache", "metadata");

  private final FakeTable table;
  private final FakeTokens tokens;
  private final String apiKey;
  private final String serviceKey;
  private final int postgrestMajor;

  FakePostgrest(
      FakeTable table, FakeTokens tokens, String apiKey, String serviceKey, int postgrestMajor) {
    this.table = table;
    this.tokens = tokens;
    this.apiKey = apiKey;
    this.serviceKey = serviceKey;
    this.postgrestMajor = postgrestMajor;
  }

  Reply handle(Request request) {
    try {
      return route(request);
    } catch (PostgrestErrors.Failure failure) {
      return failure.reply;
    } catch (RuntimeException e) {
      // A bug of the fake, not an answer PostgREST would give: say so instead of Jetty's HTML page.
      return PostgrestErrors.error(500, "XX000", "FakeSupabase failed: " + e, null, null).reply;
    }
  }

  private Reply route(Request request) {
    String url = request.getUrl();
    int q = url.indexOf('?');
    String path = q < 0 ? url : url.substring(0, q);
    List<Map.Entry<String, String>> query = parseQuery(q < 0 ? "" : url.substring(q + 1));
    checkApiKey(request, query);
    if (!path.startsWith(REST_PREFIX)) {
      throw new PostgrestErrors.Failure(
          Reply.json(404, "{\"message\":\"no Route matched with those values\"}"));
    }
    Caller caller = tokens.callerOf(request.getHeader("Authorization"));
    String resource = decode(path.substring(REST_PREFIX.length()));
    String method = request.getMethod().getName();
    if (resource.startsWith("rpc/")) {
      if (!method.equals("POST")) {
        throw PostgrestErrors.error(
            405, "PGRST101", "Cannot use the " + method + " method on RPC", null, null);
      }
      return rpc(resource.substring(4), caller, request.getBodyAsString());
    }
    if (!resource.equals(PostgrestErrors.TABLE)) {
      throw PostgrestErrors.unknownTable(resource, postgrestMajor);
    }
    if (caller.anonymous()) {
      throw PostgrestErrors.permissionDeniedForTable(true);
    }
    boolean singular = accepts(request, OBJECT_MEDIA_TYPE);
    Set<String> prefer = preferences(request);
    // planned and estimated counts are exact here: the fake has no planner and no db-max-rows.
    boolean count =
        prefer.stream()
            .anyMatch(
                p ->
                    p.equals("count=exact")
                        || p.equals("count=planned")
                        || p.equals("count=estimated"));
    boolean representation = prefer.contains("return=representation");
    return switch (method) {
      case "GET", "HEAD" -> select(caller, query, singular, count);
      case "PATCH" -> update(caller, query, request.getBodyAsString(), singular, representation);
      case "POST" -> insert(caller, query, request.getBodyAsString(), prefer, representation);
      case "DELETE" -> delete(caller, query, representation);
      default ->
          throw PostgrestErrors.error(
              400,
              "PGRST127",
              "Feature not implemented",
              "the fake answers only GET, HEAD, PATCH, POST and DELETE on "
                  + PostgrestErrors.TABLE
                  + ", not "
                  + method,
              null);
    };
  }

  private void checkApiKey(Request request, List<Map.Entry<String, String>> query) {
    String key = request.getHeader("apikey");
    if (key == null) {
      key =
          query.stream()
              .filter(e -> e.getKey().equals("apikey"))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
    }
    if (key == null || key.isEmpty()) {
      throw PostgrestErrors.missingApiKey();
    }
    if (!key.equals(apiKey) && !key.equals(serviceKey)) {
      throw PostgrestErrors.invalidApiKey();
    }
  }

  // ---------------------------------------------------------------- GET

  private Reply select(
      Caller caller, List<Map.Entry<String, String>> query, boolean singular, boolean count) {
    List<String> columns = selectedColumns(query);
    List<QueryFilter> filters = filters(query);
    Comparator<ObjectNode> order = order(single(query, "order"));
    long offset = nonNegative(query, "offset", 0);
    long limit = nonNegative(query, "limit", Long.MAX_VALUE);
    List<ObjectNode> rows =
        new ArrayList<>(table.select(caller, filters, columns.contains(FakeTable.HISTORY)));
    if (order != null) {
      rows.sort(order);
    }
    int total = rows.size();
    if (count && offset > total) {
      throw PostgrestErrors.offsetPastEnd(offset, total);
    }
    List<ObjectNode> page = rows.stream().skip(offset).limit(limit).toList();
    String range = contentRange(offset, page.size(), count ? Integer.toString(total) : "*");
    if (singular) {
      if (page.size() != 1) {
        throw PostgrestErrors.notSingular(page.size(), postgrestMajor);
      }
      return objectReply(200, project(page.get(0), columns)).withHeader("Content-Range", range);
    }
    int status = count && page.size() < total ? 206 : 200;
    return Reply.json(status, projectAll(page, columns).toString())
        .withHeader("Content-Range", range);
  }

  private static String contentRange(long first, int size, String total) {
    return (size == 0 ? "*" : first + "-" + (first + size - 1)) + "/" + total;
  }

  private Reply objectReply(int status, ObjectNode object) {
    return new Reply(
        status, Map.of("Content-Type", OBJECT_MEDIA_TYPE + "; charset=utf-8"), object.toString());
  }

  /**
   * The columns of {@code select}: {@code *} (also the default) is every real column, the computed
   * field {@code conversation_history} only when named.
   */
  private static List<String> selectedColumns(List<Map.Entry<String, String>> query) {
    String select = single(query, "select");
    if (select == null || select.isBlank()) {
      return List.copyOf(FakeTable.COLUMNS.keySet());
    }
    Set<String> columns = new LinkedHashSet<>();
    for (String item : select.split(",", -1)) {
      String column = item.strip();
      if (column.equals("*")) {
        columns.addAll(FakeTable.COLUMNS.keySet());
      } else {
        if (!column.equals(FakeTable.HISTORY)) {
          FakeTable.typeOf(column);
        }
        columns.add(column);
      }
    }
    return List.copyOf(columns);
  }

  private static ObjectNode project(ObjectNode row, List<String> columns) {
    ObjectNode shaped = JSON.createObjectNode();
    columns.forEach(column -> shaped.set(column, row.get(column)));
    return shaped;
  }

  private static ArrayNode projectAll(List<ObjectNode> rows, List<String> columns) {
    ArrayNode array = JSON.createArrayNode();
    rows.forEach(row -> array.add(project(row, columns)));
    return array;
  }

  private static List<QueryFilter> filters(List<Map.Entry<String, String>> query) {
    List<QueryFilter> filters = new ArrayList<>();
    for (Map.Entry<String, String> parameter : query) {
      if (!RESERVED.contains(parameter.getKey())) {
        filters.add(QueryFilter.parse(parameter.getKey(), parameter.getValue()));
      }
    }
    return filters;
  }

  private static @Nullable Comparator<ObjectNode> order(@Nullable String order) {
    if (order == null) {
      return null;
    }
    Comparator<ObjectNode> result = null;
    for (String term : order.split(",", -1)) {
      String[] parts = term.strip().split("\\.", -1);
      String column = parts[0];
      if (column.equals(FakeTable.HISTORY)) {
        throw PostgrestErrors.parseError(
            "order", order, "the fake does not order by the computed field " + FakeTable.HISTORY);
      }
      ColumnType type = FakeTable.typeOf(column);
      boolean descending = false;
      Boolean nullsFirst = null;
      for (int i = 1; i < parts.length; i++) {
        switch (parts[i]) {
          case "asc" -> descending = false;
          case "desc" -> descending = true;
          case "nullsfirst" -> nullsFirst = true;
          case "nullslast" -> nullsFirst = false;
          default ->
              throw PostgrestErrors.parseError(
                  "order",
                  order,
                  "unexpected \""
                      + parts[i]
                      + "\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"");
        }
      }
      // PostgreSQL puts NULLs last ascending and first descending unless told otherwise.
      boolean nullsGoFirst = nullsFirst != null ? nullsFirst : descending;
      Comparator<JsonNode> values = descending ? type.order().reversed() : type.order();
      Comparator<JsonNode> withNulls =
          nullsGoFirst ? Comparator.nullsFirst(values) : Comparator.nullsLast(values);
      Comparator<ObjectNode> byTerm =
          Comparator.comparing(row -> nonNull(row.get(column)), withNulls);
      result = result == null ? byTerm : result.thenComparing(byTerm);
    }
    return result;
  }

  private static @Nullable JsonNode nonNull(@Nullable JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  private static long nonNegative(List<Map.Entry<String, String>> query, String name, long absent) {
    String value = single(query, name);
    if (value == null) {
      return absent;
    }
    try {
      long parsed = Long.parseLong(value.strip());
      if (parsed >= 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // falls through to the parse error
    }
    throw PostgrestErrors.parseError(name, value, "expecting a non-negative integer");
  }

  // ---------------------------------------------------------------- PATCH

  private Reply update(
      Caller caller,
      List<Map.Entry<String, String>> query,
      String body,
      boolean singular,
      boolean representation) {
    ObjectNode changes = parseObject(body);
    requireColumns(changes);
    for (Map.Entry<String, JsonNode> field : List.copyOf(changes.properties())) {
      String column = field.getKey();
      if (!(caller.bypassesRls() ? SERVICE_UPDATABLE : UPDATABLE).contains(column)) {
        throw PostgrestErrors.permissionDeniedForTable(false);
      }
      JsonNode value = field.getValue();
      try {
        if (column.equals("context_cache")) {
          SessionTableRules.checkContextCache(value);
        } else if (column.equals("metadata")) {
          SessionTableRules.checkMetadata(value);
        }
      } catch (TableConstraintException e) {
        throw PostgrestErrors.of(e);
      }
      if (column.equals("repo") || column.equals("current_file")) {
        if (value.isContainerNode()) {
          throw PostgrestErrors.invalidText("text", value.toString());
        }
        if (!value.isNull()) {
          changes.put(
              column, value.asText()); // a JSON number or boolean lands in a text column as text
          checkLength(column, value.asText());
        }
      }
    }
    List<String> columns = selectedColumns(query);
    List<QueryFilter> filters = filters(query);
    if (filters.isEmpty()) {
      throw PostgrestErrors.withoutWhereClause("UPDATE");
    }
    List<ObjectNode> updated =
        table.update(
            caller,
            filters,
            changes,
            rows -> {
              // PostgREST rolls the transaction back when a singular answer was asked for.
              if (singular && rows != 1) {
                throw PostgrestErrors.notSingular(rows, postgrestMajor);
              }
            },
            representation && columns.contains(FakeTable.HISTORY));
    String range = contentRange(0, updated.size(), "*");
    if (!representation) {
      return Reply.empty(204).withHeader("Content-Range", range);
    }
    if (singular) {
      return objectReply(200, project(updated.get(0), columns)).withHeader("Content-Range", range);
    }
    return Reply.json(200, projectAll(updated, columns).toString())
        .withHeader("Content-Range", range);
  }

  /**
   * PGRST204 for a key of the body that is no column of the table, before any privilege is looked
   * at: the computed field {@code conversation_history} too, for every role.
   */
  private static void requireColumns(ObjectNode body) {
    for (String column : (Iterable<String>) body::fieldNames) {
      if (!FakeTable.COLUMNS.containsKey(column)) {
        throw PostgrestErrors.unknownBodyColumn(column);
      }
    }
  }

  private static void checkLength(String column, String text) {
    try {
      if (column.equals("repo")) {
        SessionTableRules.checkRepo(java.util.Optional.of(text));
      } else {
        SessionTableRules.checkCurrentFile(java.util.Optional.of(text));
      }
    } catch (TableConstraintException e) {
      throw PostgrestErrors.of(e);
    }
  }

  // ---------------------------------------------------------------- POST (insert one row)

  private Reply insert(
      Caller caller,
      List<Map.Entry<String, String>> query,
      String body,
      Set<String> prefer,
      boolean representation) {
    if (prefer.stream().anyMatch(p -> p.startsWith("resolution="))
        || query.stream().anyMatch(e -> e.getKey().equals("on_conflict"))) {
      throw PostgrestErrors.error(
          400,
          "PGRST127",
          "Feature not implemented",
          "the fake does not support upserts on " + PostgrestErrors.TABLE,
          null);
    }
    if (body.strip().startsWith("[")) {
      throw PostgrestErrors.error(
          400,
          "PGRST127",
          "Feature not implemented",
          "the fake inserts one row (a JSON object) per request",
          null);
    }
    ObjectNode row = parseObject(body);
    requireColumns(row);
    for (String column : (Iterable<String>) row::fieldNames) {
      if (!caller.bypassesRls() && !INSERTABLE.contains(column)) {
        throw PostgrestErrors.permissionDeniedForTable(false);
      }
    }
    JsonNode sessionId = row.path("session_id");
    if (!sessionId.isTextual() || !SESSION_ID.matcher(sessionId.asText()).matches()) {
      throw PostgrestErrors.checkViolation("codebase_chat_sessions_session_id_format");
    }
    // user_id defaults to auth.uid(): null for service_role, which the NOT NULL column refuses.
    @Nullable UUID owner = caller.userId();
    if (row.hasNonNull("user_id")) {
      String userId = row.get("user_id").asText();
      try {
        owner = UUID.fromString(userId);
      } catch (IllegalArgumentException e) {
        throw PostgrestErrors.invalidText("uuid", userId);
      }
    }
    if (owner == null) {
      throw PostgrestErrors.sql(
          400,
          "23502",
          "null value in column \"user_id\" of relation \""
              + PostgrestErrors.TABLE
              + "\" violates not-null constraint");
    }
    if (!caller.bypassesRls() && !owner.equals(caller.userId())) {
      throw PostgrestErrors.sql(
          403,
          "42501",
          "new row violates row-level security policy for table \"" + PostgrestErrors.TABLE + "\"");
    }
    for (String column : List.of("context_cache", "metadata")) {
      if (row.has(column) && !row.get(column).isObject()) {
        throw PostgrestErrors.checkViolation("codebase_chat_sessions_" + column + "_is_object");
      }
    }
    List<String> columns = selectedColumns(query);
    ObjectNode inserted =
        table.insert(
            owner, sessionId.asText(), row, representation && columns.contains(FakeTable.HISTORY));
    if (inserted == null) {
      throw PostgrestErrors.sql(
          409,
          "23505",
          "duplicate key value violates unique constraint \"codebase_chat_sessions_session_id_key\"");
    }
    if (!representation) {
      return Reply.empty(201).withHeader("Content-Range", "*/*");
    }
    ArrayNode rows = JSON.createArrayNode();
    rows.add(project(inserted, columns));
    return Reply.json(201, rows.toString()).withHeader("Content-Range", "*/*");
  }

  // ---------------------------------------------------------------- DELETE

  private Reply delete(
      Caller caller, List<Map.Entry<String, String>> query, boolean representation) {
    List<QueryFilter> filters = filters(query);
    if (filters.isEmpty()) {
      throw PostgrestErrors.withoutWhereClause("DELETE");
    }
    List<String> columns = selectedColumns(query);
    List<ObjectNode> deleted =
        table.deleteWhere(caller, filters, representation && columns.contains(FakeTable.HISTORY));
    String range = contentRange(0, deleted.size(), "*");
    if (!representation) {
      return Reply.empty(204).withHeader("Content-Range", range);
    }
    return Reply.json(200, projectAll(deleted, columns).toString())
        .withHeader("Content-Range", range);
  }

  // ---------------------------------------------------------------- RPC

  /**
   * {@code POST /rpc/<function>}, in PostgreSQL's order: the function is looked up by its argument
   * names (PGRST202), EXECUTE is checked (42501), the arguments are read into their types (22P02),
   * then the body runs with its own checks.
   */
  private Reply rpc(String function, Caller caller, String body) {
    ObjectNode arguments = parseObject(body);
    List<String> parameters = FUNCTIONS.get(function);
    Set<String> given = new TreeSet<>();
    arguments.fieldNames().forEachRemaining(given::add);
    if (parameters == null
        || !parameters.containsAll(given)
        || !given.containsAll(
            parameters.stream().filter(p -> !OPTIONAL_ARGUMENTS.contains(p)).toList())) {
      throw PostgrestErrors.unknownFunction(function, given);
    }
    boolean allowed =
        SERVICE_FUNCTIONS.contains(function)
            ? caller.bypassesRls()
            : !caller.anonymous() && !caller.bypassesRls();
    if (!allowed) {
      throw PostgrestErrors.insufficientPrivilege(
          caller.anonymous(), "permission denied for function " + function);
    }
    if (function.equals(STORE_FOR)) {
      return storeFor(arguments);
    }
    if (function.equals(APPEND_FOR)) {
      return appendFor(arguments);
    }
    if (function.equals(APPEND_BATCH)) {
      return appendBatch(caller, arguments);
    }
    Long sinceVersion =
        function.equals(CHANGES) ? bigintArgument(arguments, "p_since_version") : null;
    // caller_for: a signed-in user, then a valid session id.
    UUID user = caller.userId();
    if (user == null) {
      throw PostgrestErrors.insufficientPrivilege(
          false, function + " needs a signed-in user (the JWT has no sub)");
    }
    String sessionId = sessionIdArgument(arguments);
    for (String text : List.of("p_repo", "p_current_file")) {
      String value = textArgument(arguments, text);
      if (value != null) {
        checkLength(text.equals("p_repo") ? "repo" : "current_file", value);
      }
    }
    return switch (function) {
      case APPEND -> {
        JsonNode messages = arguments.get("p_messages");
        FakeTable.checkMessages(messages, SessionTableRules.MAX_MESSAGES_PER_APPEND);
        yield Reply.json(
            200,
            table
                .append(
                    user,
                    sessionId,
                    messages,
                    textArgument(arguments, "p_repo"),
                    textArgument(arguments, "p_current_file"))
                .toString());
      }
      case CLEAR -> {
        ObjectNode cleared = table.clearHistory(user, sessionId);
        if (cleared == null) {
          yield Reply.json(200, "null");
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("session_id", sessionId);
        result.put("message_count", 0);
        result.put("version", cleared.get("version").asLong());
        result.set("last_activity", cleared.get("last_activity"));
        yield Reply.json(200, result.toString());
      }
      case CHANGES -> {
        if (sinceVersion == null || sinceVersion < 0) {
          throw PostgrestErrors.invalidParameter(
              "p_since_version must be a version (a number, 0 or more)");
        }
        ObjectNode changes = table.changes(user, sessionId, sinceVersion);
        yield Reply.json(200, changes == null ? "null" : changes.toString());
      }
      default -> Reply.json(200, Boolean.toString(table.delete(user, sessionId)));
    };
  }

  /** {@code store_chat_session_for}, for service_role (EXECUTE already checked). */
  private Reply storeFor(ObjectNode arguments) {
    UUID owner = uuidArgument(arguments, "p_owner");
    Long expectedVersion = bigintArgument(arguments, "p_expected_version");
    JsonNode session = arguments.get("p_session");
    if (session != null && session.isNull()) {
      session = null; // a JSON null is the SQL NULL: delete
    }
    if (owner == null) {
      throw PostgrestErrors.invalidParameter("p_owner must be a user id");
    }
    String sessionId = sessionIdArgument(arguments);
    JsonNode target = JSON.createArrayNode();
    if (session != null) {
      if (!session.isObject()) {
        throw PostgrestErrors.invalidParameter("p_session must be a JSON object or null");
      }
      if (session.has(FakeTable.HISTORY)) {
        target = session.get(FakeTable.HISTORY);
      }
      // jsonb_array_length of what is not an array
      if (target.isObject()) {
        throw PostgrestErrors.invalidParameter("cannot get array length of a non-array");
      }
      if (!target.isArray()) {
        throw PostgrestErrors.invalidParameter("cannot get array length of a scalar");
      }
      if (target.size() > SessionTableRules.MAX_MESSAGES_PER_SESSION) {
        throw PostgrestErrors.checkViolation("codebase_chat_sessions_history_max_messages");
      }
    }
    boolean written =
        table.storeFor(owner, sessionId, expectedVersion, (ObjectNode) session, target);
    return Reply.json(200, Boolean.toString(written));
  }

  /**
   * {@code append_chat_messages_for}, for service_role (EXECUTE already checked): the append of
   * {@code p_owner}, or null when the session id belongs to someone else.
   */
  private Reply appendFor(ObjectNode arguments) {
    UUID owner = uuidArgument(arguments, "p_owner");
    if (owner == null) {
      throw PostgrestErrors.invalidParameter("p_owner must be a user id");
    }
    String sessionId = sessionIdArgument(arguments);
    JsonNode messages = arguments.get("p_messages");
    FakeTable.checkMessages(messages, SessionTableRules.MAX_MESSAGES_PER_APPEND);
    String repo = textArgument(arguments, "p_repo");
    String currentFile = textArgument(arguments, "p_current_file");
    for (String text : List.of("p_repo", "p_current_file")) {
      String value = textArgument(arguments, text);
      if (value != null) {
        checkLength(text.equals("p_repo") ? "repo" : "current_file", value);
      }
    }
    ObjectNode answer = table.appendFor(owner, sessionId, messages, repo, currentFile);
    return Reply.json(200, answer == null ? "null" : answer.toString());
  }

  /**
   * {@code append_chat_messages_batch}, for authenticated (EXECUTE already checked): the shape of
   * the whole request checked first (22023, storing nothing), then each append as {@code
   * append_chat_messages} of the caller, in session id order, a refusal of the database (42501
   * another user's session, 22023, 23514) answered for that session alone; all under the table's
   * lock, as one transaction.
   */
  private Reply appendBatch(Caller caller, ObjectNode arguments) {
    UUID user = caller.userId();
    if (user == null) {
      throw PostgrestErrors.insufficientPrivilege(
          false, APPEND_BATCH + " needs a signed-in user (the JWT has no sub)");
    }
    JsonNode appends = arguments.get("p_appends");
    if (appends == null || !appends.isArray()) {
      throw PostgrestErrors.invalidParameter("p_appends must be a JSON array of appends");
    }
    if (appends.size() > SessionTableRules.MAX_APPENDS_PER_BATCH) {
      throw PostgrestErrors.invalidParameter(
          "p_appends must hold at most " + SessionTableRules.MAX_APPENDS_PER_BATCH + " appends");
    }
    Set<String> seen = new HashSet<>();
    Set<String> fields = Set.of("session_id", "messages", "repo", "current_file");
    int total = 0;
    for (int pos = 0; pos < appends.size(); pos++) {
      JsonNode item = appends.get(pos);
      String at = "p_appends[" + pos + "]";
      if (!item.isObject()) {
        throw PostgrestErrors.invalidParameter(at + " must be a JSON object");
      }
      for (java.util.Iterator<String> names = item.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!fields.contains(name)) {
          throw PostgrestErrors.invalidParameter(
              at
                  + " has an unknown field \""
                  + name
                  + "\" (allowed: session_id, messages, repo, current_file)");
        }
      }
      if (!item.path("session_id").isTextual()) {
        throw PostgrestErrors.invalidParameter(at + ".session_id must be a string");
      }
      if (!seen.add(item.get("session_id").textValue())) {
        throw PostgrestErrors.invalidParameter(
            at + ".session_id repeats a session of the request: each session at most once");
      }
      if (!item.path("messages").isArray()) {
        throw PostgrestErrors.invalidParameter(at + ".messages must be a JSON array of messages");
      }
      for (String text : List.of("repo", "current_file")) {
        JsonNode value = item.path(text);
        if (!value.isMissingNode() && !value.isNull() && !value.isTextual()) {
          throw PostgrestErrors.invalidParameter(
              at + ".repo and .current_file must be strings or null");
        }
      }
      total += item.get("messages").size();
    }
    if (total > SessionTableRules.MAX_MESSAGES_PER_APPEND) {
      throw PostgrestErrors.invalidParameter("p_appends must hold at most 1000 messages in all");
    }
    List<JsonNode> ordered = new ArrayList<>();
    appends.forEach(ordered::add);
    ordered.sort(Comparator.comparing(item -> item.get("session_id").textValue()));
    ArrayNode answers = JSON.createArrayNode();
    synchronized (table) {
      for (JsonNode item : ordered) {
        String sessionId = item.get("session_id").textValue();
        JsonNode answer;
        try {
          ObjectNode single = JSON.createObjectNode();
          single.put("p_session_id", sessionId);
          sessionIdArgument(single);
          String repo = item.path("repo").isTextual() ? item.get("repo").textValue() : null;
          String file =
              item.path("current_file").isTextual() ? item.get("current_file").textValue() : null;
          if (repo != null) {
            checkLength("repo", repo);
          }
          if (file != null) {
            checkLength("current_file", file);
          }
          JsonNode messages = item.get("messages");
          FakeTable.checkMessages(messages, SessionTableRules.MAX_MESSAGES_PER_APPEND);
          answer = table.appendFor(user, sessionId, messages, repo, file);
          if (answer == null) {
            answer =
                refusal(
                    sessionId,
                    "42501",
                    APPEND_BATCH
                        + ": this session id belongs to a session the caller does not own");
          }
        } catch (PostgrestErrors.Failure failure) {
          JsonNode error = parseObject(java.util.Objects.requireNonNull(failure.reply.body()));
          String code = error.path("code").asText();
          if (!Set.of("22023", "22001", "23514").contains(code)) {
            throw failure;
          }
          answer = refusal(sessionId, code, error.path("message").asText());
        }
        answers.add(answer);
      }
    }
    return Reply.json(200, answers.toString());
  }

  private static ObjectNode refusal(String sessionId, String code, String message) {
    ObjectNode answer = JSON.createObjectNode();
    answer.put("session_id", sessionId);
    answer.putObject("refused").put("code", code).put("message", message);
    return answer;
  }

  /**
   * A {@code bigint} argument: null for JSON null; 22P02 or 22003 when PostgreSQL cannot read it as
   * one.
   */
  private static @Nullable Long bigintArgument(ObjectNode arguments, String name) {
    JsonNode value = arguments.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    String text = value.isTextual() ? value.textValue() : value.toString();
    if (value.isTextual() || value.isIntegralNumber()) {
      String digits = text.strip();
      if (digits.matches("[+-]?[0-9]+")) {
        try {
          return Long.parseLong(digits.startsWith("+") ? digits.substring(1) : digits);
        } catch (NumberFormatException e) {
          throw PostgrestErrors.sql(
              400, "22003", "value \"" + text + "\" is out of range for type bigint");
        }
      }
    }
    throw PostgrestErrors.invalidText("bigint", text);
  }

  /** A {@code uuid} argument: null for JSON null; 22P02 when PostgreSQL cannot read it as one. */
  private static @Nullable UUID uuidArgument(ObjectNode arguments, String name) {
    JsonNode value = arguments.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    String text = value.isTextual() ? value.textValue() : value.toString();
    String hex = text.strip();
    if (hex.startsWith("{") && hex.endsWith("}")) {
      hex = hex.substring(1, hex.length() - 1);
    }
    if (hex.matches("(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")) {
      String plain = hex.replace("-", "");
      return UUID.fromString(
          plain.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
    }
    throw PostgrestErrors.invalidText("uuid", text);
  }

  private static String sessionIdArgument(ObjectNode arguments) {
    JsonNode value = arguments.get("p_session_id");
    if (value == null
        || !value.isValueNode()
        || value.isNull()
        || !SESSION_ID.matcher(value.asText()).matches()) {
      throw PostgrestErrors.invalidParameter("p_session_id must match " + SESSION_ID.pattern());
    }
    return value.asText();
  }

  private static @Nullable String textArgument(ObjectNode arguments, String name) {
    JsonNode value = arguments.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isValueNode()) {
      throw PostgrestErrors.invalidText("text", value.toString());
    }
    return value.asText();
  }

  // ---------------------------------------------------------------- request parts

  private static ObjectNode parseObject(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.isObject()) {
        return (ObjectNode) node;
      }
    } catch (JsonProcessingException e) {
      // falls through to PostgREST's answer
    }
    throw PostgrestErrors.invalidBody();
  }

  private static List<Map.Entry<String, String>> parseQuery(String query) {
    List<Map.Entry<String, String>> parameters = new ArrayList<>();
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      parameters.add(new SimpleEntry<>(decode(key), decode(value)));
    }
    return parameters;
  }

  private static String decode(String text) {
    // PostgREST decodes percent-escapes only; a literal '+' stays a '+'.
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static @Nullable String single(List<Map.Entry<String, String>> query, String name) {
    return query.stream()
        .filter(e -> e.getKey().equals(name))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }

  private static boolean accepts(Request request, String mediaType) {
    String accept = request.getHeader("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains(mediaType);
  }

  private static Set<String> preferences(Request request) {
    Set<String> preferences = new HashSet<>();
    HttpHeader prefer = request.getHeaders().getHeader("Prefer");
    if (!prefer.isPresent()) {
      return preferences;
    }
    for (String header : prefer.values()) {
      for (String value : header.split(",", -1)) {
        preferences.add(value.strip().toLowerCase(Locale.ROOT));
      }
    }
    return preferences;
  }
}
