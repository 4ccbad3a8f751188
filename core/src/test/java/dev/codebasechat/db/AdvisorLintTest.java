package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Supabase advisor lints that concern this schema (reference/postgrest.md §4.5), checked on the
 * migrated database as queries: each test lists the offending objects and expects none.
 */
class AdvisorLintTest {
  private static final Pattern AUTH_CALL = Pattern.compile("auth\\.(uid|jwt|role|email)\\(\\)");
  private static final Pattern WRAPPED_AUTH_CALL =
      Pattern.compile("\\( SELECT auth\\.(uid|jwt|role|email)\\(\\)");

  private static List<String> offenders(PostgresMajor major, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection owner =
            EmbeddedSupabase.on(major).migratedDatabase("chat_functions").ownerConnection();
        Statement statement = owner.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private static int count(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @OnEachPostgresMajor
  void lint0013_everyPublicTable_hasRlsEnabled(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select relname from pg_class where relnamespace = 'public'::regnamespace"
                    + " and relkind in ('r', 'p') and not relrowsecurity"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void lint0003_policies_wrapEveryAuthCallInASelect(PostgresMajor major) throws SQLException {
    List<String> expressions =
        offenders(
            major,
            "select coalesce(qual, '') || ' ' || coalesce(with_check, '')"
                + " from pg_policies where schemaname = 'public'");

    assertThat(expressions)
        .allSatisfy(
            e -> assertThat(count(AUTH_CALL, e)).as(e).isEqualTo(count(WRAPPED_AUTH_CALL, e)))
        .allSatisfy(e -> assertThat(count(AUTH_CALL, e)).as(e).isPositive());
  }

  @OnEachPostgresMajor
  void lint0006_noRoleHasTwoPermissivePoliciesForOneCommand(PostgresMajor major)
      throws SQLException {
    assertThat(
            offenders(
                major,
                "select tablename || ' ' || cmd || ' ' || r from pg_policies, unnest(roles) r"
                    + " where schemaname = 'public' and permissive = 'PERMISSIVE' group by tablename, cmd, r"
                    + " having count(*) > 1"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void policies_areForAuthenticatedOnly(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select policyname from pg_policies where schemaname = 'public'"
                    + " and roles <> '{authenticated}'"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void lint0011_everyFunctionOfOurs_hasAFixedSearchPath(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select oid::regprocedure::text from pg_proc"
                    + " where pronamespace::regnamespace::text in ('public', 'codebase_chat_private')"
                    + " and not coalesce(proconfig, '{}') @> '{\"search_path=\\\"\\\"\"}'"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void lint0028And0029_noSecurityDefinerFunctionInPublic(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select oid::regprocedure::text from pg_proc"
                    + " where pronamespace = 'public'::regnamespace and prosecdef"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void anon_hasNoPrivilegeOnAnyTableSequenceOrFunction(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select t || ' ' || p from unnest(array['public.codebase_chat_sessions',"
                    + " 'public.codebase_chat_messages']) t, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',"
                    + " 'REFERENCES', 'TRIGGER']) p where has_table_privilege('anon', t, p)"
                    + " or has_any_column_privilege('anon', t, 'SELECT, INSERT, UPDATE, REFERENCES')"))
        .isEmpty();
    assertThat(
            offenders(
                major,
                "select c.oid::regclass::text from pg_class c where c.relkind = 'S'"
                    + " and c.relnamespace = 'public'::regnamespace"
                    + " and case when c.relkind = 'S' then has_sequence_privilege('anon', c.oid, 'USAGE, SELECT, UPDATE') end"))
        .isEmpty();
    assertThat(
            offenders(
                major,
                "select oid::regprocedure::text from pg_proc"
                    + " where pronamespace::regnamespace::text in ('public', 'codebase_chat_private')"
                    + " and has_function_privilege('anon', oid, 'EXECUTE')"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void messages_noApiRoleMayWriteThemOrTheirSequence(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select r || ' ' || p from unnest(array['anon', 'authenticated', 'service_role']) r,"
                    + " unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p"
                    + " where has_table_privilege(r, 'public.codebase_chat_messages', p)"
                    + " or has_any_column_privilege(r, 'public.codebase_chat_messages', 'INSERT, UPDATE')"
                    + " or has_sequence_privilege(r, 'public.codebase_chat_messages_seq_seq', 'USAGE, UPDATE')"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void theRecordsOfClearsAndDeletes_noApiRoleChangesThem_andUsersOnlyAddTheirOwn(
      PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select r || ' ' || t || ' ' || p"
                    + " from unnest(array['anon', 'authenticated', 'service_role']) r,"
                    + " unnest(array['codebase_chat_private.session_clears',"
                    + " 'codebase_chat_private.session_deletes']) t,"
                    + " unnest(array['UPDATE', 'DELETE', 'TRUNCATE']) p"
                    + " where has_table_privilege(r, t, p) or has_any_column_privilege(r, t, 'UPDATE')"
                    + " union all select 'anon ' || t"
                    + " from unnest(array['codebase_chat_private.session_clears',"
                    + " 'codebase_chat_private.session_deletes']) t"
                    + " where has_any_column_privilege('anon', t, 'SELECT, INSERT')"
                    + " union all select r || ' reads session_clears'"
                    + " from unnest(array['authenticated', 'service_role']) r"
                    + " where has_table_privilege(r, 'codebase_chat_private.session_clears', 'SELECT')"
                    + " union all select c.relname || ' without row level security'"
                    + " from pg_class c where c.oid in ('codebase_chat_private.session_clears'::regclass,"
                    + " 'codebase_chat_private.session_deletes'::regclass) and not c.relrowsecurity"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void securityDefinerHelpers_areNotExecutableByAnonAndCheckTheirCaller(PostgresMajor major)
      throws SQLException {
    // Every SECURITY DEFINER function lives in the unexposed schema and starts from check_writer
    // (or is a trigger function, which no one calls).
    assertThat(
            offenders(
                major,
                "select oid::regprocedure::text from pg_proc"
                    + " where pronamespace = 'codebase_chat_private'::regnamespace and prosecdef"
                    + " and prorettype <> 'trigger'::regtype and proname <> 'check_writer'"
                    + " and prosrc not like '%codebase_chat_private.check_writer(p_row_id)%'"))
        .isEmpty();
  }

  @OnEachPostgresMajor
  void lint0001_everyForeignKey_isCoveredByAnIndex(PostgresMajor major) throws SQLException {
    assertThat(
            offenders(
                major,
                "select conname from pg_constraint k where k.connamespace = 'public'::regnamespace"
                    + " and k.contype = 'f' and not exists (select 1 from pg_index i"
                    + " where i.indrelid = k.conrelid and i.indkey[0] = k.conkey[1])"))
        .isEmpty();
  }
}
