package dev.codebasechat.testing.postgrest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWKSet;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * PostgREST's request handling over a real PostgreSQL database, for {@code
 * dev.codebasechat.testing.SupabaseTestServer}: the platform's {@code apikey} check, JWT
 * verification, one transaction per request with PostgREST's pre-request settings ({@code
 * search_path}, the role's own settings, {@code role}, {@code request.jwt.claims}, {@code
 * request.method}, {@code request.path}, {@code request.headers}, {@code request.cookies}), then
 * the statement PostgREST would build (the same CTE shape: {@code pgrst_source}, {@code
 * json_to_record(set)} of the payload, {@code RETURNING}, {@code json_agg}), and PostgREST's
 * statuses, headers and error bodies. Every rule of the data (types, constraints, grants, Row Level
 * Security, the functions) is PostgreSQL's own: nothing of it is imitated here.
 *
 * <p>Implemented: tables and views of the exposed schema with {@code GET}/{@code HEAD} ({@code
 * select} with aliases and casts, filters {@code eq neq gt gte lt lte like ilike match imatch in is
 * isdistinct cs cd ov} and {@code not.}, {@code order}, {@code limit}, {@code offset}, {@code
 * Prefer: count=exact|estimated}, {@code db-max-rows}), {@code POST} (one object or an array,
 * {@code columns}, {@code on_conflict}, {@code Prefer:
 * resolution=merge-duplicates|ignore-duplicates}), {@code PATCH}, {@code DELETE} (both refused
 * without a filter, as Supabase's pg-safeupdate does), {@code Prefer:
 * return=minimal|representation}, the single-object media type, and {@code POST /rpc/<function>}
 * with named arguments. Everything else of PostgREST's grammar answers 400 PGRST127 saying the test
 * server does not implement it.
 *
 * <p>Thread-safe; each request takes a connection of the pool (PostgREST's {@code db-pool}) for its
 * transaction.
 */
public final class PostgrestEngine implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json; charset=utf-8";
  private static final String OBJECT_MEDIA_TYPE = "application/vnd.pgrst.object+json";
  private static final String REST = "/rest/v1/";

  /** One request as the platform received it; header names in lower case. */
  public record Request(
      String method,
      String path,
      @Nullable String rawQuery,
      Map<String, List<String>> headers,
      byte[] body) {
    @Nullable String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  /** The answer: status, headers, body bytes. */
  public record Response(int status, Map<String, String> headers, byte[] body) {}

  /** How to reach the database and whom to trust. */
  public record Config(
      String jdbcUrl,
      int poolSize,
      Duration poolAcquisitionTimeout,
      String schema,
      byte[] jwtSecret,
      JWKSet signingKeys,
      Map<String, String> projectKeys,
      Clock clock,
      int postgrestMajor,
      long maxRows) {}

  private final HikariDataSource pool;
  private final RequestAuth auth;
  private final Config config;
  private volatile SchemaCache schema;

  private PostgrestEngine(Config config) {
    this.config = config;
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(config.jdbcUrl());
    hikari.setMaximumPoolSize(config.poolSize());
    hikari.setMinimumIdle(0);
    hikari.setConnectionTimeout(config.poolAcquisitionTimeout().toMillis());
    hikari.setPoolName("supabase-test-server");
    hikari.setAutoCommit(true);
    this.pool = new HikariDataSource(hikari);
    this.auth =
        new RequestAuth(
            config.jwtSecret(),
            config.signingKeys(),
            config.projectKeys(),
            config.clock(),
            config.postgrestMajor());
    try {
      reloadSchema();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  public static PostgrestEngine start(Config config) {
    return new PostgrestEngine(config);
  }

  /** Reads the schema cache again, as PostgREST does on {@code NOTIFY pgrst, 'reload schema'}. */
  public void reloadSchema() {
    try (Connection connection = pool.getConnection()) {
      this.schema = SchemaCache.load(connection, config.schema());
    } catch (SQLException e) {
      throw new IllegalStateException("could not load the schema cache: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  /** Answers {@code request}; never throws for anything a client may send. */
  public Response handle(Request request) {
    try {
      return route(request);
    } catch (PostgrestError e) {
      return error(e);
    } catch (RequestAuth.GatewayRefusal e) {
      return new Response(
          401, Map.of("Content-Type", JSON_TYPE), e.body.getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      // A bug of the test server, not an answer PostgREST would give: say so plainly.
      return error(
          PostgrestError.of(500, "PGRSTX00", "SupabaseTestServer failed: " + e, null, null));
    }
  }

  private Response error(PostgrestError e) {
    Map<String, String> headers = new LinkedHashMap<>(e.headers);
    headers.put("Content-Type", JSON_TYPE);
    if (config.postgrestMajor() >= 13) {
      headers.put("Proxy-Status", "PostgREST; error=" + e.code);
    }
    return new Response(e.status, headers, e.body().getBytes(StandardCharsets.UTF_8));
  }

  private Response route(Request request) {
    if (!request.path().startsWith(REST)) {
      return new Response(
          404,
          Map.of("Content-Type", JSON_TYPE),
          "{\"message\":\"no Route matched with those values\"}".getBytes(StandardCharsets.UTF_8));
    }
    QueryParams query = QueryParams.parse(request.rawQuery());
    String apiKey = request.header("apikey");
    if (apiKey == null) {
      apiKey =
          query.all.stream()
              .filter(p -> p.getKey().equals("apikey"))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
    }
    RequestAuth.Identity identity = auth.identify(apiKey, request.header("authorization"));
    String resource = request.path().substring(REST.length());
    if (resource.isEmpty()) {
      throw PostgrestError.of(404, "PGRST126", "Root endpoint metadata is disabled", null, null);
    }
    boolean singular = singular(request.header("accept"));
    Preferences prefer = new Preferences(request.headers().getOrDefault("prefer", List.of()));
    String method = request.method().toUpperCase(Locale.ROOT);
    if (resource.startsWith("rpc/") && resource.indexOf('/', 4) < 0) {
      return call(request, identity, resource.substring(4), query, prefer, singular);
    }
    if (resource.contains("/")) {
      throw PostgrestError.of(404, "PGRST125", "Invalid path specified in request URL", null, null);
    }
    java.util.Optional<SchemaCache.Table> found = schema.table(resource);
    if (found.isEmpty()) {
      if (config.postgrestMajor() < 13) {
        return new Response(
            404,
            Map.of("Content-Type", JSON_TYPE),
            "{}".getBytes(StandardCharsets.UTF_8)); // v12: an empty object
      }
      throw PostgrestError.of(
          404,
          "PGRST205",
          "Could not find the table '" + schema.schema + "." + resource + "' in the schema cache",
          null,
          null);
    }
    SchemaCache.Table table = found.get();
    return switch (method) {
      case "GET", "HEAD" ->
          read(request, identity, table, query, prefer, singular, method.equals("HEAD"));
      case "POST" -> insert(request, identity, table, query, prefer, singular);
      case "PATCH" -> update(request, identity, table, query, prefer, singular);
      case "DELETE" -> delete(request, identity, table, query, prefer, singular);
      case "PUT" -> throw PostgrestError.notImplemented("PUT (single-row upsert)");
      default ->
          throw PostgrestError.of(
              405, "PGRST117", "Unsupported HTTP method: " + method, null, null);
    };
  }

  private static boolean singular(@Nullable String accept) {
    if (accept == null || accept.isBlank()) {
      return false;
    }
    String lower = accept.toLowerCase(Locale.ROOT);
    if (lower.contains(OBJECT_MEDIA_TYPE)) {
      return true;
    }
    if (lower.contains("application/json") || lower.contains("*/*")) {
      return false;
    }
    throw PostgrestError.of(
        406, "PGRST107", "None of these media types are available: " + accept, null, null);
  }

  private String qualified(SchemaCache.Table table) {
    return Sql.ident(schema.schema) + "." + Sql.ident(table.name());
  }

  // ------------------------------------------------------------------ reads

  private Response read(
      Request request,
      RequestAuth.Identity identity,
      SchemaCache.Table table,
      QueryParams query,
      Preferences prefer,
      boolean singular,
      boolean head) {
    String qt = qualified(table);
    long maxRows = config.maxRows();
    Long limit = query.limit.isPresent() ? Long.valueOf(query.limit.getAsLong()) : null;
    if (maxRows > 0) {
      limit = limit == null ? maxRows : Math.min(limit, maxRows);
    }
    Sql where = where(qt, query);
    Sql sql =
        new Sql()
            .append("WITH pgrst_source AS ( SELECT ")
            .append(selectList(qt, query.select))
            .append(" FROM " + qt);
    sql.append(where);
    sql.append(orderBy(qt, query.order));
    if (limit != null || query.offset > 0) {
      sql.append(
          " LIMIT " + (limit == null ? "ALL" : Long.toString(limit)) + " OFFSET " + query.offset);
    }
    sql.append(" ) ");
    boolean counts = prefer.counts();
    String total = "null::bigint";
    if (counts) {
      if (limit != null || query.offset > 0) {
        sql.append(", pgrst_source_count AS (SELECT 1 FROM " + qt).append(where).append(") ");
        total = "(SELECT pg_catalog.count(*) FROM pgrst_source_count)";
      } else {
        total = "pg_catalog.count(_postgrest_t)";
      }
    }
    sql.append(
            "SELECT "
                + total
                + " AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ")
        .append(
            singular
                ? "coalesce((json_agg(_postgrest_t)->0)::text, 'null')"
                : "coalesce(json_agg(_postgrest_t), '[]')::text")
        .append(
            " AS body, "
                + RESPONSE_GUCS
                + ", null::int AS response_inserted FROM ( SELECT * FROM pgrst_source ) _postgrest_t");
    Result result = run(request, identity, true, sql, singular);
    long lower = query.offset;
    long upper = lower + result.pageTotal - 1;
    Long totalRows = result.total;
    int status = 200;
    byte[] body = result.body;
    if (totalRows != null) {
      if (lower > totalRows) {
        return error(
            PostgrestError.of(
                    416,
                    "PGRST103",
                    "Requested range not satisfiable",
                    "An offset of "
                        + lower
                        + " was requested, but there are only "
                        + totalRows
                        + " rows.",
                    null)
                .withHeader("Content-Range", "*/" + totalRows));
      }
      if (1 + upper - lower < totalRows) {
        status = 206;
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", contentRange(lower, upper, totalRows));
    headers.put("Content-Type", singular ? OBJECT_MEDIA_TYPE + "; charset=utf-8" : JSON_TYPE);
    String applied = prefer.applied(List.of("count"));
    if (applied != null) {
      headers.put("Preference-Applied", applied);
    }
    return respond(result, status, headers, head ? new byte[0] : body);
  }

  private Sql where(String qt, QueryParams query) {
    Sql where = new Sql();
    for (int i = 0; i < query.filters.size(); i++) {
      where
          .append(i == 0 ? " WHERE " : " AND ")
          .append(QueryParams.toSql(qt, query.filters.get(i)));
    }
    return where;
  }

  private static String orderBy(String qt, List<QueryParams.OrderTerm> terms) {
    if (terms.isEmpty()) {
      return "";
    }
    StringBuilder order = new StringBuilder(" ORDER BY ");
    for (int i = 0; i < terms.size(); i++) {
      QueryParams.OrderTerm term = terms.get(i);
      if (i > 0) {
        order.append(", ");
      }
      order
          .append(qt)
          .append('.')
          .append(Sql.ident(term.column()))
          .append(term.descending() ? " DESC" : " ASC");
      if (term.nullsFirst() != null) {
        order.append(term.nullsFirst() ? " NULLS FIRST" : " NULLS LAST");
      }
    }
    return order.toString();
  }

  private static String selectList(String source, List<QueryParams.SelectItem> items) {
    StringBuilder list = new StringBuilder();
    for (QueryParams.SelectItem item : items) {
      if (list.length() > 0) {
        list.append(", ");
      }
      if (item.column().equals("*")) {
        list.append(source).append(".*");
        continue;
      }
      String column = source + "." + Sql.ident(item.column());
      if (item.cast() != null) {
        list.append("CAST(").append(column).append(" AS ").append(item.cast()).append(')');
      } else {
        list.append(column);
      }
      if (item.alias() != null || item.cast() != null) {
        list.append(" AS ").append(Sql.ident(item.alias() != null ? item.alias() : item.column()));
      }
    }
    return list.toString();
  }

  /** PostgREST's {@code contentRangeH}. */
  private static String contentRange(long lower, long upper, @Nullable Long total) {
    boolean totalNotZero = total == null || total != 0;
    String range = totalNotZero && lower <= upper ? lower + "-" + upper : "*";
    return range + "/" + (total == null ? "*" : total.toString());
  }

  // ------------------------------------------------------------------ writes

  private Response insert(
      Request request,
      RequestAuth.Identity identity,
      SchemaCache.Table table,
      QueryParams query,
      Preferences prefer,
      boolean singular) {
    if ("headers-only".equals(prefer.get("return"))) {
      throw PostgrestError.notImplemented("Prefer: return=headers-only");
    }
    if (prefer.get("missing") != null) {
      throw PostgrestError.notImplemented("Prefer: missing=");
    }
    refuseRangeOnWrites(query);
    JsonNode payload = payload(request.body(), false);
    List<String> columns = insertColumns(table, payload, query);
    String qt = qualified(table);
    String resolution = prefer.get("resolution");
    List<String> conflictColumns = query.onConflict != null ? query.onConflict : table.primaryKey();
    boolean upsert = resolution != null && !conflictColumns.isEmpty();
    boolean merge = upsert && resolution.equals("merge-duplicates");
    Sql mutation =
        new Sql()
            .append(
                "INSERT INTO " + qt + (columns.isEmpty() ? " " : "(" + identList(columns) + ") "));
    mutation.append(fromJsonBody(table, columns, payload, true));
    if (merge) {
      mutation.append("WHERE " + insertedCounter(true));
    }
    if (upsert) {
      mutation.append(" ON CONFLICT(" + identList(conflictColumns) + ") ");
      if (resolution.equals("ignore-duplicates") || columns.isEmpty()) {
        mutation.append("DO NOTHING");
      } else {
        StringBuilder set = new StringBuilder("DO UPDATE SET ");
        for (int i = 0; i < columns.size(); i++) {
          set.append(i > 0 ? ", " : "")
              .append(Sql.ident(columns.get(i)))
              .append(" = EXCLUDED.")
              .append(Sql.ident(columns.get(i)));
        }
        mutation.append(set.toString()).append(" WHERE " + insertedCounter(false));
      }
    }
    Result result = runMutation(request, identity, table, mutation, query, prefer, singular, merge);
    int status = merge && result.inserted != null && result.inserted <= 0 ? 200 : 201;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        "Content-Range",
        contentRange(1, 0, prefer.counts() ? Long.valueOf(result.pageTotal) : null));
    String applied =
        prefer.applied(
            upsert ? List.of("resolution", "return", "count") : List.of("return", "count"));
    if (applied != null) {
      headers.put("Preference-Applied", applied);
    }
    if (!prefer.representation()) {
      return respond(result, status, headers, new byte[0]);
    }
    headers.put("Content-Type", singular ? OBJECT_MEDIA_TYPE + "; charset=utf-8" : JSON_TYPE);
    return respond(result, status, headers, result.body);
  }

  private static String insertedCounter(boolean insert) {
    String symbol = insert ? "+" : "-";
    String sentinel = insert ? "0" : "-1";
    return "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) "
        + symbol
        + " 1)::text, true) <> '"
        + sentinel
        + "'";
  }

  private List<String> insertColumns(SchemaCache.Table table, JsonNode payload, QueryParams query) {
    List<String> columns;
    if (query.columns != null) {
      columns = query.columns;
    } else if (payload.isObject()) {
      columns = fieldNames(payload);
    } else {
      columns = payload.isEmpty() ? List.of() : fieldNames(payload.get(0));
      Set<String> expected = new TreeSet<>(columns);
      for (JsonNode element : payload) {
        if (!expected.equals(new TreeSet<>(fieldNames(element)))) {
          throw PostgrestError.invalidBody("All object keys must match");
        }
      }
    }
    for (String column : columns) {
      if (table.column(column).isEmpty()) {
        throw PostgrestError.of(
            400,
            "PGRST204",
            "Could not find the '"
                + column
                + "' column of '"
                + table.name()
                + "' in the schema cache",
            null,
            null);
      }
    }
    return columns;
  }

  private Response update(
      Request request,
      RequestAuth.Identity identity,
      SchemaCache.Table table,
      QueryParams query,
      Preferences prefer,
      boolean singular) {
    refuseRangeOnWrites(query);
    JsonNode payload = payload(request.body(), true);
    List<String> columns = fieldNames(payload);
    for (String column : columns) {
      if (table.column(column).isEmpty()) {
        throw PostgrestError.of(
            400,
            "PGRST204",
            "Could not find the '"
                + column
                + "' column of '"
                + table.name()
                + "' in the schema cache",
            null,
            null);
      }
    }
    requireWhere(query, "UPDATE");
    String qt = qualified(table);
    Sql mutation = new Sql();
    if (columns.isEmpty()) {
      // UPDATE … SET with nothing to set is not SQL; PostgREST selects nothing instead.
      mutation.append("SELECT " + qt + ".* FROM " + qt + " WHERE false");
    } else {
      StringBuilder set = new StringBuilder();
      for (String column : columns) {
        set.append(set.length() == 0 ? "" : ", ")
            .append(Sql.ident(column))
            .append(" = pgrst_body.")
            .append(Sql.ident(column));
      }
      mutation
          .append("UPDATE " + qt + " SET " + set + " ")
          .append(fromJsonBody(table, columns, payload, false));
      mutation.append(where(qt, query));
    }
    Result result =
        runMutation(
            request, identity, table, mutation, query, prefer, singular, false, columns.isEmpty());
    return changed(
        result,
        prefer,
        singular,
        contentRange(
            0, result.pageTotal - 1, prefer.counts() ? Long.valueOf(result.pageTotal) : null));
  }

  private Response delete(
      Request request,
      RequestAuth.Identity identity,
      SchemaCache.Table table,
      QueryParams query,
      Preferences prefer,
      boolean singular) {
    refuseRangeOnWrites(query);
    requireWhere(query, "DELETE");
    String qt = qualified(table);
    Sql mutation = new Sql().append("DELETE FROM " + qt).append(where(qt, query));
    Result result = runMutation(request, identity, table, mutation, query, prefer, singular, false);
    return changed(
        result,
        prefer,
        singular,
        contentRange(1, 0, prefer.counts() ? Long.valueOf(result.pageTotal) : null));
  }

  /** The answer to a PATCH or DELETE: 204, or 200 with the rows when they were asked for. */
  private Response changed(
      Result result, Preferences prefer, boolean singular, String contentRange) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", contentRange);
    String applied = prefer.applied(List.of("return", "count"));
    if (applied != null) {
      headers.put("Preference-Applied", applied);
    }
    if (!prefer.representation()) {
      return respond(result, 204, headers, new byte[0]);
    }
    headers.put("Content-Type", singular ? OBJECT_MEDIA_TYPE + "; charset=utf-8" : JSON_TYPE);
    return respond(result, 200, headers, result.body);
  }

  private static void refuseRangeOnWrites(QueryParams query) {
    if (query.limit.isPresent() || query.offset > 0 || !query.order.isEmpty()) {
      throw PostgrestError.notImplemented("limit, offset and order on writes");
    }
  }

  /**
   * Supabase preloads pg-safeupdate for the authenticator: no UPDATE or DELETE without a filter.
   */
  private static void requireWhere(QueryParams query, String command) {
    if (query.filters.isEmpty()) {
      throw PostgrestError.of(400, "21000", command + " requires a WHERE clause", null, null);
    }
  }

  private Result runMutation(
      Request request,
      RequestAuth.Identity identity,
      SchemaCache.Table table,
      Sql mutation,
      QueryParams query,
      Preferences prefer,
      boolean singular,
      boolean countInserted) {
    return runMutation(
        request, identity, table, mutation, query, prefer, singular, countInserted, false);
  }

  private Result runMutation(
      Request request,
      RequestAuth.Identity identity,
      SchemaCache.Table table,
      Sql mutation,
      QueryParams query,
      Preferences prefer,
      boolean singular,
      boolean countInserted,
      boolean alreadySelects) {
    String qt = qualified(table);
    boolean representation = prefer.representation();
    Sql sql = new Sql().append("WITH pgrst_source AS (").append(mutation);
    if (!alreadySelects) {
      sql.append(" RETURNING " + (representation ? returning(qt, query.select) : "1"));
    }
    sql.append(") SELECT '' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ");
    if (representation) {
      sql.append(
          singular
              ? "coalesce((json_agg(_postgrest_t)->0)::text, 'null')"
              : "coalesce(json_agg(_postgrest_t), '[]')::text");
    } else {
      sql.append("''::text");
    }
    sql.append(" AS body, " + RESPONSE_GUCS + ", ")
        .append(
            countInserted
                ? "nullif(current_setting('pgrst.inserted', true), '')::int"
                : "null::int")
        .append(" AS response_inserted FROM (")
        .append(
            representation
                ? "SELECT " + selectList("pgrst_source", query.select) + " FROM pgrst_source"
                : "SELECT * FROM pgrst_source")
        .append(") _postgrest_t");
    return run(request, identity, false, sql, singular);
  }

  private static String returning(String qt, List<QueryParams.SelectItem> select) {
    Set<String> columns = new LinkedHashSet<>();
    for (QueryParams.SelectItem item : select) {
      if (item.column().equals("*")) {
        return qt + ".*";
      }
      columns.add(item.column());
    }
    StringBuilder returning = new StringBuilder();
    for (String column : columns) {
      returning
          .append(returning.length() == 0 ? "" : ", ")
          .append(qt)
          .append('.')
          .append(Sql.ident(column));
    }
    return returning.toString();
  }

  /**
   * PostgREST's {@code fromJsonBodyF}: the payload as one parameter of type json, its fields typed
   * by the table's columns through {@code json_to_record(set)}.
   */
  private Sql fromJsonBody(
      SchemaCache.Table table, List<String> columns, JsonNode payload, boolean includeSelect) {
    boolean object = payload.isObject();
    Sql sql = new Sql();
    if (includeSelect) {
      StringBuilder named = new StringBuilder();
      for (String column : columns) {
        named
            .append(named.length() == 0 ? "" : ", ")
            .append("pgrst_body.")
            .append(Sql.ident(column));
      }
      sql.append("SELECT " + named + " ");
    }
    sql.append("FROM (SELECT ")
        .value(payload.toString())
        .append("::json AS json_data) pgrst_payload, LATERAL (SELECT ");
    if (columns.isEmpty()) {
      sql.append(
          " FROM "
              + (object ? "(values(1)) _ " : "json_array_elements(pgrst_payload.json_data) _ ")
              + ") pgrst_body ");
      return sql;
    }
    StringBuilder names = new StringBuilder();
    StringBuilder typed = new StringBuilder();
    for (String column : columns) {
      SchemaCache.Column c = table.column(column).orElseThrow();
      names.append(names.length() == 0 ? "" : ", ").append(Sql.ident(column));
      typed
          .append(typed.length() == 0 ? "" : ", ")
          .append(Sql.ident(column))
          .append(' ')
          .append(c.type());
    }
    sql.append(
        names
            + " FROM "
            + (object ? "json_to_record" : "json_to_recordset")
            + "(pgrst_payload.json_data) AS _("
            + typed
            + ") ) pgrst_body ");
    return sql;
  }

  private static JsonNode payload(byte[] body, boolean objectOnly) {
    JsonNode payload;
    try {
      payload = body.length == 0 ? null : JSON.readTree(body);
    } catch (IOException e) {
      payload = null;
    }
    if (payload == null || !(payload.isObject() || payload.isArray())) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
    if (payload.isArray()) {
      if (objectOnly) {
        throw PostgrestError.notImplemented("PATCH with a JSON array body");
      }
      for (JsonNode element : payload) {
        if (!element.isObject()) {
          throw PostgrestError.invalidBody("All object keys must match");
        }
      }
    }
    return payload;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  private static String identList(List<String> names) {
    StringBuilder list = new StringBuilder();
    for (String name : names) {
      list.append(list.length() == 0 ? "" : ", ").append(Sql.ident(name));
    }
    return list.toString();
  }

  // ------------------------------------------------------------------ functions

  private Response call(
      Request request,
      RequestAuth.Identity identity,
      String name,
      QueryParams query,
      Preferences prefer,
      boolean singular) {
    String method = request.method().toUpperCase(Locale.ROOT);
    if (method.equals("GET") || method.equals("HEAD")) {
      throw PostgrestError.notImplemented("calling functions with GET");
    }
    if (!method.equals("POST")) {
      throw PostgrestError.of(
          405, "PGRST101", "Cannot use the " + method + " method on RPC", null, null);
    }
    if (!query.filters.isEmpty()
        || query.limit.isPresent()
        || query.offset > 0
        || !query.order.isEmpty()) {
      throw PostgrestError.notImplemented("filters, order and paging on function results");
    }
    JsonNode arguments;
    try {
      arguments =
          request.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(request.body());
    } catch (IOException e) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
    if (arguments == null || !arguments.isObject()) {
      throw PostgrestError.invalidBody("Empty or invalid json");
    }
    Set<String> given = new TreeSet<>(fieldNames(arguments));
    SchemaCache.Routine routine =
        schema.routines(name).stream()
            .filter(r -> r.accepts(given))
            .findFirst()
            .orElseThrow(() -> noFunction(name, given));
    List<SchemaCache.Parameter> passed =
        routine.parameters().stream().filter(p -> given.contains(p.name())).toList();
    String qf = Sql.ident(schema.schema) + "." + Sql.ident(name);
    boolean scalar =
        routine.returns() == SchemaCache.Returns.SCALAR
            || routine.returns() == SchemaCache.Returns.SET_OF_SCALAR
            || routine.returns() == SchemaCache.Returns.VOID;
    StringBuilder args = new StringBuilder();
    StringBuilder names = new StringBuilder();
    StringBuilder typed = new StringBuilder();
    for (SchemaCache.Parameter p : passed) {
      args.append(args.length() == 0 ? "" : ", ")
          .append(Sql.ident(p.name()))
          .append(" := pgrst_body.")
          .append(Sql.ident(p.name()));
      names.append(names.length() == 0 ? "" : ", ").append(Sql.ident(p.name()));
      typed
          .append(typed.length() == 0 ? "" : ", ")
          .append(Sql.ident(p.name()))
          .append(' ')
          .append(p.type());
    }
    String invocation = qf + "(" + args + ")";
    Sql callSql =
        new Sql().append("SELECT " + (scalar ? "pgrst_call.pgrst_scalar" : "pgrst_call.*") + " ");
    if (passed.isEmpty()) {
      callSql.append(
          "FROM "
              + (scalar
                  ? "(SELECT " + invocation + " pgrst_scalar) pgrst_call"
                  : invocation + " pgrst_call"));
    } else {
      callSql
          .append("FROM (SELECT ")
          .value(arguments.toString())
          .append(
              "::json AS json_data) pgrst_payload, LATERAL (SELECT "
                  + names
                  + " FROM json_to_record(pgrst_payload.json_data) AS _("
                  + typed
                  + ") LIMIT 1) pgrst_body, LATERAL ")
          .append(
              scalar
                  ? "(SELECT " + invocation + " pgrst_scalar) pgrst_call"
                  : invocation + " pgrst_call");
    }
    String body =
        switch (routine.returns()) {
          case COMPOSITE -> "coalesce((json_agg(_postgrest_t)->0)::text, 'null')";
          case SCALAR, VOID -> "coalesce((json_agg(_postgrest_t.pgrst_scalar)->0)::text, 'null')";
          case SET_OF_SCALAR ->
              singular
                  ? "coalesce((json_agg(_postgrest_t.pgrst_scalar)->0)::text, 'null')"
                  : "coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')::text";
          case SET_OF_COMPOSITE ->
              singular
                  ? "coalesce((json_agg(_postgrest_t)->0)::text, 'null')"
                  : "coalesce(json_agg(_postgrest_t), '[]')::text";
        };
    boolean single =
        routine.returns() == SchemaCache.Returns.SCALAR
            || routine.returns() == SchemaCache.Returns.COMPOSITE
            || routine.returns() == SchemaCache.Returns.VOID;
    Sql sql =
        new Sql()
            .append("WITH pgrst_source AS (")
            .append(callSql)
            .append(") SELECT null::bigint AS total_result_set, ")
            .append(single ? "1" : "pg_catalog.count(_postgrest_t)")
            .append(
                " AS page_total, "
                    + body
                    + " AS body, "
                    + RESPONSE_GUCS
                    + ", null::int AS response_inserted"
                    + " FROM (SELECT * FROM pgrst_source) _postgrest_t");
    Result result = run(request, identity, !routine.volatileFunction(), sql, singular && !single);
    if (routine.returns() == SchemaCache.Returns.VOID) {
      return respond(result, 204, new LinkedHashMap<>(), new byte[0]);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Range", contentRange(0, result.pageTotal - 1, null));
    headers.put("Content-Type", singular ? OBJECT_MEDIA_TYPE + "; charset=utf-8" : JSON_TYPE);
    return respond(result, 200, headers, result.body);
  }

  private PostgrestError noFunction(String name, Set<String> given) {
    String function = schema.schema + "." + name;
    String keys = String.join(", ", given);
    String message =
        "Could not find the function "
            + function
            + (given.isEmpty() ? " without parameters" : "(" + keys + ")")
            + " in the schema cache";
    String parameters =
        given.isEmpty()
            ? " without parameters"
            : " with parameter" + (given.size() > 1 ? "s " : " ") + keys;
    String details =
        "Searched for the function "
            + function
            + parameters
            + " or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.";
    return PostgrestError.of(404, "PGRST202", message, details, null);
  }

  // ------------------------------------------------------------------ running

  /**
   * {@code response.status} and {@code response.headers}, which SQL may set (PostgREST's GUC
   * headers).
   */
  private static final String RESPONSE_GUCS =
      "nullif(current_setting('response.headers', true), '') AS response_headers,"
          + " nullif(current_setting('response.status', true), '') AS response_status";

  private record Result(
      @Nullable Long total,
      long pageTotal,
      byte[] body,
      @Nullable String gucHeaders,
      @Nullable String gucStatus,
      @Nullable Integer inserted) {}

  private Result run(
      Request request, RequestAuth.Identity identity, boolean readOnly, Sql sql, boolean singular) {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      try {
        if (readOnly) {
          try (Statement statement = connection.createStatement()) {
            statement.execute("SET TRANSACTION READ ONLY");
          }
        }
        preRequest(connection, request, identity);
        Result result;
        try (PreparedStatement statement = sql.prepare(connection);
            ResultSet rs = statement.executeQuery()) {
          rs.next();
          Object total = rs.getObject("total_result_set");
          String body = rs.getString("body");
          Object insertedValue = rs.getObject("response_inserted");
          Integer inserted = insertedValue instanceof Number n ? n.intValue() : null;
          result =
              new Result(
                  total instanceof Number n ? n.longValue() : null,
                  rs.getLong("page_total"),
                  (body == null ? "" : body).getBytes(StandardCharsets.UTF_8),
                  rs.getString("response_headers"),
                  rs.getString("response_status"),
                  inserted);
        }
        if (singular && result.pageTotal != 1) {
          connection.rollback();
          throw singularityError(result.pageTotal);
        }
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(connection);
        if (e instanceof SQLException sqlFailure) {
          throw PostgrestError.fromSql(sqlFailure, identity.authed());
        }
        throw (RuntimeException) e;
      }
    } catch (SQLException e) {
      throw PostgrestError.fromSql(e, identity.authed());
    }
  }

  private PostgrestError singularityError(long rows) {
    String message =
        config.postgrestMajor() >= 13
            ? "Cannot coerce the result to a single JSON object"
            : "JSON object requested, multiple (or no) rows returned";
    return PostgrestError.of(
        406, "PGRST116", message, "The result contains " + rows + " rows", null);
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool discards it
    }
  }

  /** What PostgREST sets in the transaction before the statement (reference/postgrest.md §3.2). */
  private void preRequest(Connection connection, Request request, RequestAuth.Identity identity)
      throws SQLException {
    StringBuilder sql = new StringBuilder("select set_config('search_path', ?, true)");
    List<String> values = new ArrayList<>();
    values.add(Sql.ident(schema.schema) + ", \"extensions\"");
    for (Map.Entry<String, String> setting : schema.settingsOf(identity.role())) {
      sql.append(", set_config(?, ?, true)");
      values.add(setting.getKey());
      values.add(setting.getValue());
    }
    sql.append(
        ", set_config('role', ?, true), set_config('request.jwt.claims', ?, true), set_config('request.method', ?, true),"
            + " set_config('request.path', ?, true), set_config('request.headers', ?, true), set_config('request.cookies', ?, true)");
    values.add(identity.role());
    values.add(identity.claimsJson());
    values.add(request.method().toUpperCase(Locale.ROOT));
    values.add("/" + request.path().substring(REST.length()));
    ObjectNode headers = JSON.createObjectNode();
    request
        .headers()
        .forEach(
            (name, list) -> {
              if (!name.equals("apikey") && !list.isEmpty()) {
                headers.put(name, list.get(0));
              }
            });
    values.add(headers.toString());
    values.add("{}");
    try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
      for (int i = 0; i < values.size(); i++) {
        statement.setString(i + 1, values.get(i));
      }
      statement.executeQuery().close();
    }
  }

  private Response respond(Result result, int status, Map<String, String> headers, byte[] body) {
    int finalStatus = status;
    if (result.gucStatus != null) {
      try {
        finalStatus = Integer.parseInt(result.gucStatus.strip());
      } catch (NumberFormatException e) {
        return error(
            PostgrestError.of(
                500, "PGRST112", "response.status guc must be a valid status code", null, null));
      }
    }
    if (result.gucHeaders != null) {
      try {
        JsonNode list = JSON.readTree(result.gucHeaders);
        for (JsonNode entry : list) {
          entry
              .fields()
              .forEachRemaining(
                  field -> headers.putIfAbsent(field.getKey(), field.getValue().asText()));
        }
      } catch (IOException | RuntimeException e) {
        return error(
            PostgrestError.of(
                500,
                "PGRST111",
                "response.headers guc must be a JSON array composed of objects with a single key and a string value",
                null,
                null));
      }
    }
    return new Response(finalStatus, Map.copyOf(headers), body);
  }
}
