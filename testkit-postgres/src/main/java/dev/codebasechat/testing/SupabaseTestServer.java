package dev.codebasechat.testing;

import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.MigrationRunner;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import dev.codebasechat.testing.postgres.internal.PostgresBackend;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SupabaseUnderTest} over real PostgreSQL: the same PostgREST front as {@code
 * FakeSupabase}, over an embedded PostgreSQL 15 or 17 with Supabase's roles and {@code auth} schema
 * and this project's migrations applied as {@code supabase db push} applies them. Every rule of the
 * data (types, constraints, grants, Row Level Security, the functions) is the database's own;
 * nothing of PostgreSQL's work is done in Java. Each instance has a database of its own in the
 * JVM's shared cluster, created at the first {@link #start()}; {@link #reset()} empties its tables
 * and {@code auth.users}.
 *
 * <p>{@code @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();}
 * It lives in the artifact {@code chat-session-testkit-postgres} (which brings embedded PostgreSQL,
 * the JDBC driver and HikariCP), in the package of the rest of the kit.
 */
public final class SupabaseTestServer extends SupabaseUnderTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final PostgresBackend postgres;

  private SupabaseTestServer(Builder builder, PostgresBackend postgres) {
    super(builder, postgres);
    this.postgres = postgres;
  }

  /** A server over PostgreSQL 17 with this project's migrations, speaking PostgREST 14. */
  public static SupabaseTestServer create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link SupabaseTestServer}; every setter rejects a bad value at once. */
  public static final class Builder extends SupabaseUnderTest.Builder<Builder, SupabaseTestServer> {
    private PostgresMajor major = PostgresMajor.PG17;
    private @Nullable String databaseName;
    private @Nullable Path migrations;
    private boolean legacyDefaultPrivileges;
    private int poolSize = 10;
    private Duration poolAcquisitionTimeout = Duration.ofSeconds(10);

    private Builder() {}

    /** The PostgreSQL major (Supabase runs 15 and 17); default 17. */
    public Builder postgres(PostgresMajor major) {
      this.major = major;
      return this;
    }

    /** The database's name in the shared cluster; default a new unique name. */
    public Builder databaseName(String name) {
      this.databaseName = EmbeddedSupabase.checkDatabaseName(name);
      return this;
    }

    /** The migrations to apply, a {@code supabase/migrations} directory; default this project's. */
    public Builder migrations(Path directory) {
      this.migrations = directory;
      return this;
    }

    /**
     * Grants new objects of {@code public} to the API roles by default privileges, as projects
     * created before 2026 did; default off (Supabase's current default).
     */
    public Builder legacyDefaultPrivileges() {
      this.legacyDefaultPrivileges = true;
      return this;
    }

    /** PostgREST's {@code db-pool} and {@code db-pool-acquisition-timeout}; default 10 and 10 s. */
    public Builder pool(int size, Duration acquisitionTimeout) {
      if (size < 1 || size > 100) {
        throw new IllegalArgumentException("pool size must be in 1..100 but was " + size);
      }
      if (acquisitionTimeout.toMillis() < 250) {
        throw new IllegalArgumentException(
            "acquisition timeout must be at least 250 ms but was " + acquisitionTimeout);
      }
      this.poolSize = size;
      this.poolAcquisitionTimeout = acquisitionTimeout;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    public SupabaseTestServer build() {
      String name =
          databaseName != null
              ? databaseName
              : "supabase_test_"
                  + major.number()
                  + "_"
                  + DATABASES.incrementAndGet()
                  + "_"
                  + ProcessHandle.current().pid();
      return new SupabaseTestServer(
          this,
          new PostgresBackend(
              new PostgresBackend.Options(
                  major,
                  name,
                  migrations == null ? null : new MigrationRunner(migrations),
                  legacyDefaultPrivileges
                      ? EmbeddedSupabase.Privileges.LEGACY_DEFAULTS
                      : EmbeddedSupabase.Privileges.NONE,
                  poolSize,
                  poolAcquisitionTimeout)));
    }
  }

  @Override
  public SupabaseTestServer start() {
    super.start();
    return this;
  }

  /** The database behind the server, for assertions and setup as its owner. */
  public SupabaseDatabase database() {
    return postgres.database();
  }

  /** Reads the schema cache again (after a test changed the schema), as {@code NOTIFY pgrst}. */
  public void reloadSchema() {
    postgres.reloadSchema();
  }

  /** The rows of {@code sql} run as the database owner, first column of each, as text. */
  public List<String> queryAsOwner(String sql, Object... parameters) {
    List<String> rows = new ArrayList<>();
    try (Connection owner = database().ownerConnection();
        PreparedStatement statement = owner.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("query failed: " + e.getMessage(), e);
    }
    return rows;
  }

  /** The first column of the first row of {@code sql} as the owner, if any. */
  public Optional<String> queryOneAsOwner(String sql, Object... parameters) {
    List<String> rows = queryAsOwner(sql, parameters);
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }
}
