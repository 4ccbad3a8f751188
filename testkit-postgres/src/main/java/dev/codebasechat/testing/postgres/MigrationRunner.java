package dev.codebasechat.testing.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Applies {@code supabase/migrations/*.sql} the way {@code supabase db push} does
 * (reference/postgrest.md §4.1, §4.2):
 *
 * <ul>
 *   <li>files named {@code <digits>_<name>.sql}, in file-name order; others are ignored, and so is
 *       a first {@code <ts>_init.sql} older than 20211209000000;
 *   <li>history in {@code supabase_migrations.schema_migrations(version, statements, name)};
 *       versions recorded there are skipped, so running twice applies nothing the second time;
 *   <li>a recorded version without a local file, or a pending file older than the newest recorded
 *       version, is an error (the CLI's {@code --include-all} is not offered);
 *   <li>per file: {@code RESET ALL}, its statements and the history row in <em>one</em>
 *       transaction; a failure rolls back that file only and is thrown.
 * </ul>
 *
 * <p>Runs on the caller's connection (the database owner) and leaves it in auto-commit mode.
 */
public final class MigrationRunner {
  private static final Pattern FILE = Pattern.compile("^([0-9]+)_(.*)\\.sql$");

  /**
   * Where the build puts a copy of this project's {@code supabase/migrations} on the test
   * classpath.
   */
  static final String BUNDLED = "/dev/codebasechat/testing/postgres/migrations/";

  private final List<Migration> migrations;

  /** The migration files of {@code directory} (e.g. a project's {@code supabase/migrations}). */
  public MigrationRunner(Path directory) {
    this.migrations = read(directory);
  }

  /**
   * This project's migrations as shipped in the test-support jar: the files of {@code
   * supabase/migrations} of the version the jar was built from.
   */
  public static MigrationRunner bundled() {
    URL url = MigrationRunner.class.getResource(BUNDLED);
    if (url == null) {
      throw new IllegalStateException(
          "the test-support jar must contain " + BUNDLED + " but does not");
    }
    try {
      URI uri = url.toURI();
      if (uri.getScheme().equals("jar")) {
        try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
          return new MigrationRunner(jar.provider().getPath(uri));
        }
      }
      return new MigrationRunner(Path.of(uri));
    } catch (URISyntaxException | IOException e) {
      throw new IllegalStateException("cannot read the bundled migrations at " + url, e);
    }
  }

  /** A migration file: its version (the leading digits), name, file name and SQL text. */
  public record Migration(String version, String name, String fileName, String sql) {
    @Override
    public String toString() {
      return fileName;
    }
  }

  /** The migration files, in the order {@code db push} applies them. */
  public List<Migration> localMigrations() {
    return migrations;
  }

  private static List<Migration> read(Path directory) {
    List<Migration> migrations = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file :
          files.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList()) {
        String fileName = file.getFileName().toString();
        Matcher m = FILE.matcher(fileName);
        if (!m.matches()) {
          continue;
        }
        boolean legacyInit =
            migrations.isEmpty()
                && m.group(2).equals("init")
                && m.group(1).compareTo("20211209000000") < 0;
        if (!legacyInit) {
          migrations.add(
              new Migration(
                  m.group(1),
                  m.group(2),
                  fileName,
                  Files.readString(file, StandardCharsets.UTF_8)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list migrations in " + directory, e);
    }
    return List.copyOf(migrations);
  }

  /** Applies every pending migration; returns the versions applied, in order. */
  public List<String> apply(Connection owner) throws SQLException {
    ensureHistoryTable(owner);
    NavigableSet<String> applied = appliedVersions(owner);
    List<Migration> local = localMigrations();
    List<String> localVersions = local.stream().map(Migration::version).toList();
    for (String version : applied) {
      if (!localVersions.contains(version)) {
        throw new IllegalStateException(
            "remote migration history has version " + version + " but no local file has it");
      }
    }
    String newestApplied = applied.isEmpty() ? "" : applied.last();
    List<String> done = new ArrayList<>();
    for (Migration migration : local) {
      if (applied.contains(migration.version())) {
        continue;
      }
      if (migration.version().compareTo(newestApplied) < 0) {
        throw new IllegalStateException(
            "local migration "
                + migration.version()
                + " is older than the newest applied "
                + newestApplied);
      }
      applyOne(owner, migration);
      done.add(migration.version());
    }
    return done;
  }

  private static void ensureHistoryTable(Connection owner) throws SQLException {
    try (Statement statement = owner.createStatement()) {
      statement.execute("create schema if not exists supabase_migrations");
      statement.execute(
          "create table if not exists supabase_migrations.schema_migrations (version text not null primary key)");
      statement.execute(
          "alter table supabase_migrations.schema_migrations add column if not exists statements text[]");
      statement.execute(
          "alter table supabase_migrations.schema_migrations add column if not exists name text");
    }
  }

  private static NavigableSet<String> appliedVersions(Connection owner) throws SQLException {
    NavigableSet<String> versions = new TreeSet<>();
    try (Statement statement = owner.createStatement();
        ResultSet rs =
            statement.executeQuery("select version from supabase_migrations.schema_migrations")) {
      while (rs.next()) {
        versions.add(rs.getString(1));
      }
    }
    return versions;
  }

  private static void applyOne(Connection owner, Migration migration) throws SQLException {
    List<String> statements = SqlStatements.split(migration.sql());
    owner.setAutoCommit(false);
    try (Statement statement = owner.createStatement()) {
      statement.execute("reset all");
      for (int i = 0; i < statements.size(); i++) {
        try {
          statement.execute(statements.get(i));
        } catch (SQLException e) {
          throw new SQLException(
              migration.fileName() + ", statement " + (i + 1) + ": " + e.getMessage(),
              e.getSQLState(),
              e);
        }
      }
      record(owner, migration, statements);
      owner.commit();
    } catch (SQLException | RuntimeException e) {
      owner.rollback();
      throw e;
    } finally {
      owner.setAutoCommit(true);
    }
  }

  /** Records {@code migration} as applied without running it, as {@code migration repair} does. */
  public static void markApplied(Connection owner, Migration migration) throws SQLException {
    ensureHistoryTable(owner);
    record(owner, migration, List.of());
  }

  private static void record(Connection owner, Migration migration, List<String> statements)
      throws SQLException {
    try (PreparedStatement insert =
        owner.prepareStatement(
            "insert into supabase_migrations.schema_migrations (version, statements, name) values (?, ?, ?)")) {
      insert.setString(1, migration.version());
      insert.setArray(2, owner.createArrayOf("text", statements.toArray()));
      insert.setString(3, migration.name());
      insert.executeUpdate();
    }
  }
}
