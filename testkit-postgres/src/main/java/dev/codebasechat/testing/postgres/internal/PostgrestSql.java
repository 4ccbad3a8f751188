package dev.codebasechat.testing.postgres.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.testing.internal.ApiRequest;
import dev.codebasechat.testing.internal.FilterGrammar;
import dev.codebasechat.testing.internal.Schema;
import dev.codebasechat.testing.internal.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The statement PostgREST builds for a request (the same CTE shape: {@code pgrst_source}, {@code
 * json_to_record(set)} of the payload, {@code RETURNING}, {@code json_agg}), answering the columns
 * {@code total_result_set}, {@code page_total}, {@code body} (a JSON array of the rows, or empty),
 * {@code response_headers}, {@code response_status}, {@code response_inserted}. Every value of the
 * request is a bound parameter; identifiers are quoted. Stateless.
 */
final class PostgrestSql {

  /** {@code response.status} and {@code response.headers}, which SQL may set. */
  private static final String RESPONSE_GUCS =
      "nullif(current_setting('response.headers', true), '') AS response_headers,"
          + " nullif(current_setting('response.status', true), '') AS response_status";

  private static final String ROWS = "coalesce(json_agg(_postgrest_t), '[]')::text";

  private PostgrestSql() {}

  static Sql of(Statement statement, String schema) {
    if (statement instanceof Statement.Read read) {
      return read(read, qualified(schema, read.table()));
    }
    if (statement instanceof Statement.Insert insert) {
      return insert(insert, qualified(schema, insert.table()));
    }
    if (statement instanceof Statement.Update update) {
      return update(update, qualified(schema, update.table()));
    }
    if (statement instanceof Statement.Delete delete) {
      String qt = qualified(schema, delete.table());
      Sql mutation = new Sql().append("DELETE FROM " + qt).append(where(qt, delete.query()));
      return mutation(mutation, qt, delete.query(), delete.representation(), false, false);
    }
    return call((Statement.Call) statement, schema);
  }

  private static String qualified(String schema, Schema.Table table) {
    return Sql.ident(schema) + "." + Sql.ident(table.name());
  }

  private static Sql read(Statement.Read read, String qt) {
    ApiRequest query = read.query();
    Sql where = where(qt, query);
    Sql sql = new Sql().append("WITH pgrst_source AS ( SELECT " + selectList(qt, query.select));
    sql.append(" FROM " + qt).append(where).append(orderBy(qt, query.order));
    Long limit = read.limit();
    if (limit != null || read.offset() > 0) {
      sql.append(" LIMIT " + (limit == null ? "ALL" : limit) + " OFFSET " + read.offset());
    }
    sql.append(" ) ");
    String total = "null::bigint";
    if (read.countsRows()) {
      if (limit != null || read.offset() > 0) {
        sql.append(", pgrst_source_count AS (SELECT 1 FROM " + qt).append(where).append(") ");
        total = "(SELECT pg_catalog.count(*) FROM pgrst_source_count)";
      } else {
        total = "pg_catalog.count(_postgrest_t)";
      }
    }
    return sql.append(
        "SELECT "
            + total
            + " AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, "
            + ROWS
            + " AS body, "
            + RESPONSE_GUCS
            + ", null::int AS response_inserted FROM ( SELECT * FROM pgrst_source ) _postgrest_t");
  }

  /** The EXPLAIN of {@code read}'s count query, whose plan's "Plan Rows" a planned count is. */
  static Sql plannedCount(Statement.Read read, String schema) {
    String qt = qualified(schema, read.table());
    return new Sql()
        .append("EXPLAIN (FORMAT JSON) SELECT 1 FROM " + qt)
        .append(where(qt, read.query()));
  }

  private static Sql insert(Statement.Insert insert, String qt) {
    List<String> columns = insert.columns();
    String resolution = insert.resolution();
    boolean merge = "merge-duplicates".equals(resolution);
    Sql mutation =
        new Sql()
            .append(
                "INSERT INTO " + qt + (columns.isEmpty() ? " " : "(" + identList(columns) + ") "))
            .append(fromJsonBody(insert.table(), columns, insert.payload(), true));
    if (merge) {
      mutation.append("WHERE " + insertedCounter(true));
    }
    if (resolution != null) {
      mutation.append(" ON CONFLICT(" + identList(insert.conflictColumns()) + ") ");
      if (!merge || columns.isEmpty()) {
        mutation.append("DO NOTHING");
      } else {
        String set =
            columns.stream()
                .map(Sql::ident)
                .map(column -> column + " = EXCLUDED." + column)
                .collect(Collectors.joining(", "));
        mutation.append("DO UPDATE SET " + set + " WHERE " + insertedCounter(false));
      }
    }
    return mutation(mutation, qt, insert.query(), insert.representation(), merge, false);
  }

  /**
   * Counts the rows an upsert inserted in {@code pgrst.inserted}: the insert's WHERE adds one per
   * row, the DO UPDATE's WHERE takes one back for each row that existed (PostgREST's trick).
   */
  private static String insertedCounter(boolean insert) {
    return "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true),"
        + " '')::int, 0) "
        + (insert ? "+" : "-")
        + " 1)::text, true) <> '"
        + (insert ? "0" : "-1")
        + "'";
  }

  private static Sql update(Statement.Update update, String qt) {
    List<String> columns = new ArrayList<>();
    update.payload().fieldNames().forEachRemaining(columns::add);
    if (columns.isEmpty()) {
      // UPDATE … SET with nothing to set is not SQL; PostgREST selects no rows of the columns to
      // return instead, so a bad select= is the table's error.
      String returned = update.representation() ? returning(qt, update.query().select) : "NULL";
      Sql none = new Sql().append("SELECT " + returned + " FROM " + qt + " WHERE false");
      return mutation(none, qt, update.query(), update.representation(), false, true);
    }
    String set =
        columns.stream()
            .map(Sql::ident)
            .map(column -> column + " = pgrst_body." + column)
            .collect(Collectors.joining(", "));
    Sql mutation =
        new Sql()
            .append("UPDATE " + qt + " SET " + set + " ")
            .append(fromJsonBody(update.table(), columns, update.payload(), false))
            .append(where(qt, update.query()));
    return mutation(mutation, qt, update.query(), update.representation(), false, false);
  }

  private static Sql mutation(
      Sql mutation,
      String qt,
      ApiRequest query,
      boolean representation,
      boolean countInserted,
      boolean alreadySelects) {
    Sql sql = new Sql().append("WITH pgrst_source AS (").append(mutation);
    if (!alreadySelects) {
      sql.append(" RETURNING " + (representation ? returning(qt, query.select) : "1"));
    }
    return sql.append(
        ") SELECT '' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, "
            + (representation ? ROWS : "''::text")
            + " AS body, "
            + RESPONSE_GUCS
            + ", "
            + (countInserted
                ? "nullif(current_setting('pgrst.inserted', true), '')::int"
                : "null::int")
            + " AS response_inserted FROM ("
            + (representation
                ? "SELECT " + selectList("pgrst_source", query.select) + " FROM pgrst_source"
                : "SELECT * FROM pgrst_source")
            + ") _postgrest_t");
  }

  private static String returning(String qt, List<ApiRequest.SelectItem> select) {
    Set<String> columns = new LinkedHashSet<>();
    for (ApiRequest.SelectItem item : select) {
      if (item.column().equals("*")) {
        return qt + ".*";
      }
      columns.add(qt + "." + Sql.ident(item.column()));
    }
    return String.join(", ", columns);
  }

  /**
   * PostgREST's {@code fromJsonBodyF}: the payload as one parameter of type json, its fields typed
   * by the table's columns through {@code json_to_record(set)}.
   */
  private static Sql fromJsonBody(
      Schema.Table table, List<String> columns, JsonNode payload, boolean includeSelect) {
    Sql sql = new Sql();
    if (includeSelect) {
      sql.append("SELECT " + prefixed("pgrst_body.", columns) + " ");
    }
    sql.append("FROM (SELECT ")
        .value(payload.toString())
        .append("::json AS json_data) pgrst_payload, LATERAL (SELECT ");
    String function = payload.isObject() ? "json_to_record" : "json_to_recordset";
    if (columns.isEmpty()) {
      return sql.append(
          " FROM "
              + (payload.isObject()
                  ? "(values(1)) _ "
                  : "json_array_elements(pgrst_payload.json_data) _ ")
              + ") pgrst_body ");
    }
    String typed =
        columns.stream()
            .map(column -> Sql.ident(column) + " " + table.column(column).orElseThrow().type())
            .collect(Collectors.joining(", "));
    return sql.append(
        identList(columns)
            + " FROM "
            + function
            + "(pgrst_payload.json_data) AS _("
            + typed
            + ") ) pgrst_body ");
  }

  // ------------------------------------------------------------------ functions

  private static Sql call(Statement.Call call, String schema) {
    Schema.Routine routine = call.routine();
    List<Schema.Parameter> passed =
        routine.parameters().stream().filter(p -> call.arguments().has(p.name())).toList();
    Schema.Returns returns = routine.returns();
    boolean scalar =
        returns != Schema.Returns.COMPOSITE && returns != Schema.Returns.SET_OF_COMPOSITE;
    String args =
        passed.stream()
            .map(p -> Sql.ident(p.name()))
            .map(name -> name + " := pgrst_body." + name)
            .collect(Collectors.joining(", "));
    String typed =
        passed.stream()
            .map(p -> Sql.ident(p.name()) + " " + p.type())
            .collect(Collectors.joining(", "));
    String invocation = Sql.ident(schema) + "." + Sql.ident(routine.name()) + "(" + args + ")";
    String source =
        scalar ? "(SELECT " + invocation + " pgrst_scalar) pgrst_call" : invocation + " pgrst_call";
    Sql sql =
        new Sql()
            .append(
                "WITH pgrst_source AS (SELECT "
                    + (scalar ? "pgrst_call.pgrst_scalar" : "pgrst_call.*")
                    + " ");
    if (passed.isEmpty()) {
      sql.append("FROM " + source);
    } else {
      List<String> names = passed.stream().map(Schema.Parameter::name).toList();
      sql.append("FROM (SELECT ")
          .value(call.arguments().toString())
          .append(
              "::json AS json_data) pgrst_payload, LATERAL (SELECT "
                  + identList(names)
                  + " FROM json_to_record(pgrst_payload.json_data) AS _("
                  + typed
                  + ") LIMIT 1) pgrst_body, LATERAL "
                  + source);
    }
    return sql.append(
        ") SELECT null::bigint AS total_result_set, "
            + (returns.single() ? "1" : "pg_catalog.count(_postgrest_t)")
            + " AS page_total, "
            + (scalar ? "coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')::text" : ROWS)
            + " AS body, "
            + RESPONSE_GUCS
            + ", null::int AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t");
  }

  // ------------------------------------------------------------------ parts

  private static Sql where(String qt, ApiRequest query) {
    Sql where = new Sql();
    for (int i = 0; i < query.filters.size(); i++) {
      where.append(i == 0 ? " WHERE " : " AND ").append(filter(qt, query.filters.get(i)));
    }
    return where;
  }

  /** The SQL of {@code filter}: the value bound as a literal of unknown type. */
  private static Sql filter(String qt, ApiRequest.Filter filter) {
    Sql sql = new Sql().append(filter.negated() ? "NOT " : "");
    sql.append(qt + "." + Sql.ident(filter.column()) + " ");
    String operator = filter.operator();
    String value = filter.value();
    return switch (operator) {
      case "is" -> sql.append("IS " + value.toUpperCase(Locale.ROOT).replace('_', ' '));
      case "in" ->
          sql.append("= ANY (").value(arrayLiteral(FilterGrammar.inList(value))).append(")");
      case "like", "ilike" ->
          sql.append(FilterGrammar.SIMPLE_OPERATORS.get(operator) + " ")
              .value(value.replace('*', '%'));
      default -> sql.append(FilterGrammar.SIMPLE_OPERATORS.get(operator) + " ").value(value);
    };
  }

  /** A PostgreSQL array literal of {@code elements}, every element quoted: {@code {"a","b\"c"}}. */
  private static String arrayLiteral(List<String> elements) {
    return elements.stream()
        .map(element -> '"' + element.replace("\\", "\\\\").replace("\"", "\\\"") + '"')
        .collect(Collectors.joining(",", "{", "}"));
  }

  private static String orderBy(String qt, List<ApiRequest.OrderTerm> terms) {
    StringBuilder order = new StringBuilder();
    for (ApiRequest.OrderTerm term : terms) {
      order.append(order.length() == 0 ? " ORDER BY " : ", ");
      order.append(qt).append('.').append(Sql.ident(term.column()));
      order.append(term.descending() ? " DESC" : " ASC");
      if (term.nullsFirst() != null) {
        order.append(term.nullsFirst() ? " NULLS FIRST" : " NULLS LAST");
      }
    }
    return order.toString();
  }

  private static String selectList(String source, List<ApiRequest.SelectItem> items) {
    StringBuilder list = new StringBuilder();
    for (ApiRequest.SelectItem item : items) {
      list.append(list.length() > 0 ? ", " : "");
      if (item.column().equals("*")) {
        list.append(source).append(".*");
        continue;
      }
      String column = source + "." + Sql.ident(item.column());
      list.append(item.cast() != null ? "CAST(" + column + " AS " + item.cast() + ")" : column);
      if (item.alias() != null || item.cast() != null) {
        list.append(" AS ").append(Sql.ident(item.alias() != null ? item.alias() : item.column()));
      }
    }
    return list.toString();
  }

  private static String identList(List<String> names) {
    return prefixed("", names);
  }

  private static String prefixed(String prefix, List<String> names) {
    return names.stream().map(name -> prefix + Sql.ident(name)).collect(Collectors.joining(", "));
  }
}
