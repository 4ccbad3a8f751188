package dev.codebasechat.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A sorted, line-per-fact description of everything the migrations define for {@code
 * public.codebase_chat_sessions} and {@code public.codebase_chat_messages}: columns (type, default,
 * identity, nullability), constraints (definition, validated), indexes, RLS flags, policies
 * (command, roles, expressions), table and column grants, triggers, the sequences of schema {@code
 * public} (owner, grants), the private helper schema, and the functions of schemas {@code public}
 * and {@code codebase_chat_private} (arguments, SECURITY DEFINER, volatility, settings, grants,
 * body checksum). Two databases with equal snapshots behave alike for this project; comments, the
 * order of columns and sequence positions are left out.
 */
public final class CatalogSnapshot {
  private static final String TABLES =
      "(to_regclass('public.codebase_chat_sessions'), to_regclass('public.codebase_chat_messages'))";

  private static final List<String> QUERIES =
      List.of(
          "select format('column %s.%s %s default=%s identity=%s notnull=%s', a.attrelid::regclass, a.attname,"
              + " format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attnotnull)"
              + " from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum"
              + " where a.attrelid in "
              + TABLES
              + " and a.attnum > 0 and not a.attisdropped",
          "select format('constraint %s %s %s validated=%s', conrelid::regclass, conname, pg_get_constraintdef(oid),"
              + " convalidated) from pg_constraint where conrelid in "
              + TABLES,
          "select format('index %s', pg_get_indexdef(indexrelid)) from pg_index where indrelid in "
              + TABLES,
          "select format('table %s owner=%s rls=%s force=%s', oid::regclass, relowner::regrole, relrowsecurity,"
              + " relforcerowsecurity) from pg_class where oid in "
              + TABLES,
          "select format('policy %s %s %s %s roles=%s using=%s check=%s', tablename, policyname, permissive, cmd, roles,"
              + " qual, with_check) from pg_policies where schemaname = 'public'"
              + " and tablename in ('codebase_chat_sessions', 'codebase_chat_messages')",
          "select format('table grant %s %s %s grantable=%s', c.oid::regclass, a.grantee::regrole, a.privilege_type,"
              + " a.is_grantable) from pg_class c, aclexplode(c.relacl) a where c.oid in "
              + TABLES,
          "select format('column grant %s.%s %s %s', t.attrelid::regclass, t.attname, a.grantee::regrole,"
              + " a.privilege_type) from pg_attribute t, aclexplode(t.attacl) a where t.attrelid in "
              + TABLES,
          "select format('trigger %s', pg_get_triggerdef(oid)) from pg_trigger"
              + " where tgrelid in "
              + TABLES
              + " and not tgisinternal",
          "select format('sequence %s owner=%s acl=%s', c.oid::regclass, c.relowner::regrole, c.relacl) from pg_class c"
              + " where c.relkind = 'S' and c.relnamespace = 'public'::regnamespace",
          "select format('function %s owner=%s definer=%s volatility=%s config=%s body=%s grants=%s',"
              + " p.oid::regprocedure, p.proowner::regrole, p.prosecdef, p.provolatile, p.proconfig, md5(p.prosrc),"
              + " (select string_agg(a.grantee::regrole::text || ':' || a.privilege_type, ',' order by 1)"
              + "    from aclexplode(p.proacl) a))"
              + " from pg_proc p where p.pronamespace::regnamespace::text in ('public', 'codebase_chat_private')",
          "select format('schema %s owner=%s acl=%s', nspname, nspowner::regrole, nspacl) from pg_namespace"
              + " where nspname = 'codebase_chat_private'");

  private CatalogSnapshot() {}

  /** The snapshot of the database {@code connection} is connected to. */
  public static List<String> of(Connection connection) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (Statement statement = connection.createStatement()) {
      for (String query : QUERIES) {
        try (ResultSet rs = statement.executeQuery(query)) {
          while (rs.next()) {
            lines.add(rs.getString(1));
          }
        }
      }
    }
    lines.sort(null);
    return lines;
  }
}
