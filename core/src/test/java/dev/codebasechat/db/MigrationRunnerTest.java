package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.MigrationRunner;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;

class MigrationRunnerTest {
  private static int databases;

  private static synchronized String newName(PostgresMajor major) {
    return String.format(
        Locale.ROOT, "runner_%s_%d", major.name().toLowerCase(Locale.ROOT), ++databases);
  }

  @OnEachPostgresMajor
  void apply_freshDatabase_appliesEveryFileInNameOrderAndRecordsIt(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase db =
        EmbeddedSupabase.on(major).createDatabase(newName(major), EmbeddedSupabase.Privileges.NONE);

    List<String> applied = db.migrate();

    List<MigrationRunner.Migration> files =
        new MigrationRunner(SupabaseDatabase.MIGRATIONS).localMigrations();
    assertThat(files.get(0).fileName())
        .isEqualTo("20250118000000_create_codebase_chat_sessions.sql");
    assertThat(applied)
        .containsExactlyElementsOf(files.stream().map(MigrationRunner.Migration::version).toList());
    assertThat(
            db.valueAsOwner(
                "select string_agg(version || '_' || name || '.sql', ',' order by version)"
                    + " from supabase_migrations.schema_migrations"))
        .isEqualTo(
            String.join(",", files.stream().map(MigrationRunner.Migration::fileName).toList()));
    assertThat(
            db.valueAsOwner(
                "select bool_and(cardinality(statements) > 0) from supabase_migrations.schema_migrations"))
        .isEqualTo(true);
  }

  @OnEachPostgresMajor
  void apply_secondRun_appliesNothingAndChangesNoCatalog(PostgresMajor major) throws SQLException {
    SupabaseDatabase db =
        EmbeddedSupabase.on(major).createDatabase(newName(major), EmbeddedSupabase.Privileges.NONE);
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

  @OnEachPostgresMajor
  void apply_failingFile_rollsBackThatFileOnlyAndRecordsItNot(
      PostgresMajor major, @TempDir Path dir) throws SQLException, IOException {
    SupabaseDatabase db =
        EmbeddedSupabase.on(major).createDatabase(newName(major), EmbeddedSupabase.Privileges.NONE);
    Files.writeString(
        dir.resolve("20250101000000_first.sql"), "create table public.first (id int);");
    Files.writeString(
        dir.resolve("20250102000000_second.sql"),
        "create table public.second (id int);\ninsert into public.second values (1);\nselect 1 / 0;");
    Files.writeString(dir.resolve("README.md"), "not a migration");

    try (Connection owner = db.ownerConnection()) {
      SQLException e = AppendChatMessagesTest.sqlError(() -> new MigrationRunner(dir).apply(owner));

      assertThat(e.getSQLState()).isEqualTo("22012");
      assertThat(e.getMessage()).startsWith("20250102000000_second.sql, statement 3:");
    }
    assertThat(
            db.valueAsOwner(
                "select string_agg(version, ',') from supabase_migrations.schema_migrations"))
        .isEqualTo("20250101000000");
    assertThat(
            db.valueAsOwner(
                "select to_regclass('public.first') is not null and to_regclass('public.second') is null"))
        .isEqualTo(true);
  }

  @OnEachPostgresMajor
  void apply_remoteVersionWithoutLocalFile_failsBeforeApplyingAnything(
      PostgresMajor major, @TempDir Path dir) throws SQLException, IOException {
    SupabaseDatabase db =
        EmbeddedSupabase.on(major).createDatabase(newName(major), EmbeddedSupabase.Privileges.NONE);
    Files.writeString(
        dir.resolve("20250101000000_first.sql"), "create table public.first (id int);");
    try (Connection owner = db.ownerConnection()) {
      MigrationRunner.markApplied(
          owner,
          new MigrationRunner.Migration("20240101000000", "gone", "20240101000000_gone.sql", ""));

      assertThatThrownBy(() -> new MigrationRunner(dir).apply(owner))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("20240101000000");
    }
    assertThat(db.valueAsOwner("select to_regclass('public.first') is null")).isEqualTo(true);
  }
}
