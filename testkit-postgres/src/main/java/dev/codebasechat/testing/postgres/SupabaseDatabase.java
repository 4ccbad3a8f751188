package dev.codebasechat.testing.postgres;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One database of an {@link EmbeddedSupabase} cluster. Hands out connections as the owner ({@code
 * postgres}, a superuser: what {@code supabase db push} and the SQL editor use) and as {@code
 * authenticator} (PostgREST's login role), and runs simulated PostgREST requests.
 *
 * <p>{@link #request} is thread-safe (it serialises requests on one shared authenticator
 * connection); tests that need parallel requests open their own with {@link
 * #authenticatorConnection()}.
 */
public final class SupabaseDatabase {
  /**
   * Where {@code supabase db push} reads migrations from, relative to this project's root (for the
   * project's own tests; {@link #migrate()} reads the copy on the classpath).
   */
  public static final Path MIGRATIONS = Path.of("supabase", "migrations");

  private final EmbeddedSupabase cluster;
  private final String name;
  private Connection sharedApiConnection;

  SupabaseDatabase(EmbeddedSupabase cluster, String name) {
    this.cluster = cluster;
    this.name = name;
  }

  public String name() {
    return name;
  }

  public PostgresMajor major() {
    return cluster.major();
  }

  /** A new connection as the superuser owner of the database; the caller closes it. */
  public Connection ownerConnection() throws SQLException {
    return cluster.connect("postgres", name);
  }

  /** A new connection as {@code authenticator} (LOGIN NOINHERIT); the caller closes it. */
  public Connection authenticatorConnection() throws SQLException {
    return cluster.connect("authenticator", name);
  }

  /**
   * Applies the pending migrations of this project ({@link MigrationRunner#bundled()}); returns the
   * versions applied.
   */
  public List<String> migrate() {
    return migrate(MigrationRunner.bundled());
  }

  /** Applies the pending migrations of {@code runner}; returns the versions applied. */
  public List<String> migrate(MigrationRunner runner) {
    try (Connection owner = ownerConnection()) {
      return runner.apply(owner);
    } catch (SQLException e) {
      throw new IllegalStateException("migrations failed on " + name, e);
    }
  }

  /**
   * Runs {@code work} as one PostgREST request on the shared authenticator connection: see {@link
   * DatabaseRequest#run}.
   */
  public synchronized <T> T request(DatabaseRequest request, DatabaseRequest.SqlWork<T> work)
      throws SQLException {
    if (sharedApiConnection == null || sharedApiConnection.isClosed()) {
      sharedApiConnection = authenticatorConnection();
    }
    return request.run(sharedApiConnection, work);
  }

  /**
   * Creates a user in {@code auth.users} (as Supabase Auth would on sign-up) and returns its id.
   */
  public UUID createUser(boolean anonymous) throws SQLException {
    UUID id = UUID.randomUUID();
    try (Connection owner = ownerConnection();
        PreparedStatement insert =
            owner.prepareStatement(
                "insert into auth.users (id, email, is_anonymous) values (?, ?, ?)")) {
      insert.setObject(1, id);
      insert.setString(2, anonymous ? null : id + "@example.test");
      insert.setBoolean(3, anonymous);
      insert.executeUpdate();
    }
    return id;
  }

  /**
   * The first column of the first row of {@code sql} run as the owner, as JDBC reads it (a {@code
   * Long} for a bigint, say), or null without rows. ({@code SupabaseTestServer#queryAsOwner} reads
   * every row as text.)
   */
  public @Nullable Object valueAsOwner(String sql, Object... parameters) throws SQLException {
    try (Connection owner = ownerConnection();
        PreparedStatement statement = owner.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? rs.getObject(1) : null;
      }
    }
  }

  /** Runs one statement as the owner and returns its update count. */
  public int executeAsOwner(String sql, Object... parameters) throws SQLException {
    try (Connection owner = ownerConnection();
        PreparedStatement statement = owner.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement.executeUpdate();
    }
  }
}
