package dev.codebasechat.testing.postgres.internal;

import dev.codebasechat.testing.internal.Schema;
import dev.codebasechat.testing.internal.Schema.Column;
import dev.codebasechat.testing.internal.Schema.Parameter;
import dev.codebasechat.testing.internal.Schema.Returns;
import dev.codebasechat.testing.internal.Schema.Routine;
import dev.codebasechat.testing.internal.Schema.Table;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What PostgREST reads from the catalog at start (and on a schema reload): the tables and views of
 * the exposed schema with their columns' types and primary keys, its functions with their input
 * parameters, defaults, volatility and return kind: a {@link Schema}. Stateless.
 */
final class CatalogSchema {
  private CatalogSchema() {}

  static Schema load(Connection connection, String schema) throws SQLException {
    return new Schema(
        schema, tables(connection, schema), routines(connection, schema), timezones(connection));
  }

  /** What PostgREST reads for {@code Prefer: timezone}. */
  private static Set<String> timezones(Connection connection) throws SQLException {
    Set<String> names = new HashSet<>();
    try (PreparedStatement statement =
            connection.prepareStatement("select name from pg_catalog.pg_timezone_names");
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static Map<String, Table> tables(Connection connection, String schema)
      throws SQLException {
    Map<String, List<Column>> columns = new LinkedHashMap<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "select c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)"
                + " from pg_catalog.pg_class c"
                + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                + " join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
                + " where n.nspname = ? and c.relkind in ('r', 'v', 'm', 'f', 'p')"
                + " order by c.relname, a.attnum")) {
      statement.setString(1, schema);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          columns
              .computeIfAbsent(rs.getString(1), t -> new ArrayList<>())
              .add(new Column(rs.getString(2), rs.getString(3)));
        }
      }
    }
    Map<String, List<String>> keys = new HashMap<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "select c.relname, a.attname from pg_catalog.pg_index i"
                + " join pg_catalog.pg_class c on c.oid = i.indrelid"
                + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                + " join lateral unnest(i.indkey) with ordinality as k(attnum, ord) on true"
                + " join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum"
                + " where n.nspname = ? and i.indisprimary order by c.relname, k.ord")) {
      statement.setString(1, schema);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          keys.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2));
        }
      }
    }
    Map<String, Table> tables = new HashMap<>();
    columns.forEach(
        (name, cols) ->
            tables.put(
                name,
                new Table(
                    name, List.copyOf(cols), List.copyOf(keys.getOrDefault(name, List.of())))));
    return Map.copyOf(tables);
  }

  private static Map<String, List<Routine>> routines(Connection connection, String schema)
      throws SQLException {
    Map<String, List<Routine>> routines = new HashMap<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "select p.proname, p.provolatile::text, p.proretset, t.typtype::text, p.prorettype = 'pg_catalog.void'::regtype,"
                + " p.prorettype = 'pg_catalog.record'::regtype, p.pronargs, p.pronargdefaults, p.proargnames,"
                + " p.proargmodes::text[],"
                + " array(select pg_catalog.format_type(x.t, null) from unnest(p.proargtypes) with ordinality as x(t, o)"
                + "       order by x.o), p.prorettype = 'pg_catalog.trigger'::regtype"
                + " from pg_catalog.pg_proc p"
                + " join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
                + " join pg_catalog.pg_type t on t.oid = p.prorettype"
                + " where n.nspname = ? and p.prokind = 'f'")) {
      statement.setString(1, schema);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          boolean volatileFunction = rs.getString(2).equals("v");
          boolean set = rs.getBoolean(3);
          boolean composite = rs.getString(4).equals("c") || rs.getBoolean(6);
          boolean isVoid = rs.getBoolean(5);
          int inputs = rs.getInt(7);
          int defaults = rs.getInt(8);
          List<String> names = strings(rs.getArray(9));
          List<String> modes = strings(rs.getArray(10));
          List<String> types = strings(rs.getArray(11));
          List<String> inputNames = new ArrayList<>();
          for (int i = 0; i < names.size(); i++) {
            String mode = modes.isEmpty() ? "i" : modes.get(i);
            if (mode.equals("i") || mode.equals("b") || mode.equals("v")) {
              inputNames.add(names.get(i));
            }
          }
          List<Parameter> parameters = new ArrayList<>();
          for (int i = 0; i < inputs; i++) {
            String parameterName = i < inputNames.size() ? inputNames.get(i) : "";
            parameters.add(new Parameter(parameterName, types.get(i), i >= inputs - defaults));
          }
          if (rs.getBoolean(12) || !callable(parameters)) {
            continue; // PostgREST's schema cache leaves trigger functions and these out
          }
          Returns returns =
              isVoid
                  ? Returns.VOID
                  : composite
                      ? (set ? Returns.SET_OF_COMPOSITE : Returns.COMPOSITE)
                      : (set ? Returns.SET_OF_SCALAR : Returns.SCALAR);
          routines
              .computeIfAbsent(name, n -> new ArrayList<>())
              .add(new Routine(name, List.copyOf(parameters), returns, volatileFunction));
        }
      }
    }
    routines.replaceAll((name, list) -> List.copyOf(list));
    return Map.copyOf(routines);
  }

  /**
   * PostgREST's {@code callable}: every input parameter named, or one unnamed of a type a raw body
   * can be read into.
   */
  private static boolean callable(List<Parameter> parameters) {
    List<Parameter> unnamed =
        parameters.stream().filter(p -> p.name() == null || p.name().isEmpty()).toList();
    return unnamed.isEmpty()
        || (unnamed.size() == 1
            && Set.of("bytea", "json", "jsonb", "text", "xml").contains(unnamed.get(0).type()));
  }

  private static List<String> strings(@Nullable Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    Object value = array.getArray();
    return value instanceof String[] strings ? Arrays.asList(strings) : List.of();
  }
}
