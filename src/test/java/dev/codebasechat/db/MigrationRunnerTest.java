package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

class MigrationRunnerTest {
  private static int databases;

  private static synchronized String newName(PostgresMajor major) {
    return String.format(Locale.ROOT, "runner_%s_%d", major.name().toLowerCase(Locale.ROOT), ++databases);
  }

  @OnEachPostgresMajor
  void apply_freshDatabase_appliesEveryFileInNameOrderAndRecordsIt(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = EmbeddedSupabase.on(major).createDatabase(newName(major), EmbeddedSupabase.Privileges.NONE);

    List<String> applied = db.migrate();

    assertThat(applied).containsExactly("20250118000000", "20261124000000", "20261124000100");
    assertThat(db.queryAsOwner("select string_agg(version || '_' || name, ',' order by version)"
            + " from supabase_migrations.schema_migrations"))
        .isEqualTo("20250118000000_create_codebase_chat_sessions,"
            + "20261124000000_harden_codebase_chat_sessions,20261124000100_chat_session_functions");
    assertThat(db.queryAsOwner("select bool_and(cardinality(statements) > 0) from supabase_migrations.schema_migrations"))
        .isEqualTo(true);
  }

  @OnEachPostgresMajor
  void apply_secondRun_appliesNothingAndChangesNoCatalog(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = EmbeddedSupabase.on(major).createDatabase(newName(major), EmbeddedSupabase.Privileges.NONE);
    db.migrate();
    List<String> before;
    try (Connection owner = db.ownerConnection()) {
      before = CatalogSnapshot.of(owner);
    }

    List<String> second = db.migrate();

    assertThat(second).isEmpty();
    try (Connection owner = db.ownerConnection()) {
      assertThat(CatalogSnapshot.of(owner)).isEqualTo(before);
    }
  }
}
