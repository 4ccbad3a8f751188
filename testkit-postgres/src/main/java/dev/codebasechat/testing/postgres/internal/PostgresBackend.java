package dev.codebasechat.testing.postgres.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codebasechat.testing.internal.Backend;
import dev.codebasechat.testing.internal.Identity;
import dev.codebasechat.testing.internal.Json;
import dev.codebasechat.testing.internal.PostgrestError;
import dev.codebasechat.testing.internal.Schema;
import dev.codebasechat.testing.internal.Statement;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.MigrationRunner;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The PostgreSQL backend: one database of an {@link EmbeddedSupabase} cluster with the migrations
 * applied, reached as PostgREST reaches it: a pool ({@code db-pool}) of {@code authenticator}
 * connections, each request a {@link DatabaseRequest} (its transaction and PostgREST's settings)
 * running the statement of {@link PostgrestSql}. Every rule of the data (types, constraints,
 * grants, Row Level Security, the functions) is the database's own. Thread-safe.
 */
public final class PostgresBackend implements Backend {

  /** How to make the database and the pool. */
  public record Options(
      PostgresMajor major,
      String databaseName,
      @Nullable MigrationRunner migrations,
      EmbeddedSupabase.Privileges privileges,
      int poolSize,
      Duration poolAcquisitionTimeout) {}

  private static final String SCHEMA = "public";

  private final Options options;
  private final Set<UUID> knownUsers = ConcurrentHashMap.newKeySet();
  private @Nullable SupabaseDatabase database;
  private @Nullable HikariDataSource pool;
  private volatile @Nullable Schema schema;

  public PostgresBackend(Options options) {
    this.options = options;
  }

  /** The first start creates the database and applies the migrations; each start opens a pool. */
  @Override
  public synchronized void start() {
    if (pool != null) {
      return;
    }
    EmbeddedSupabase cluster = EmbeddedSupabase.on(options.major());
    if (database == null) {
      SupabaseDatabase created =
          cluster.createDatabase(options.databaseName(), options.privileges());
      created.migrate(
          options.migrations() == null ? MigrationRunner.bundled() : options.migrations());
      database = created;
    }
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(cluster.jdbcUrl("authenticator", options.databaseName()));
    hikari.setMaximumPoolSize(options.poolSize());
    hikari.setMinimumIdle(0);
    hikari.setConnectionTimeout(options.poolAcquisitionTimeout().toMillis());
    hikari.setPoolName("supabase-test-server");
    pool = new HikariDataSource(hikari);
    reloadSchema();
  }

  @Override
  public synchronized void stop() {
    if (pool != null) {
      pool.close();
      pool = null;
    }
  }

  /** The database, for assertions and setup as its owner. */
  public synchronized SupabaseDatabase database() {
    return started(database);
  }

  /** Reads the schema cache again, as PostgREST does on {@code NOTIFY pgrst, 'reload schema'}. */
  public void reloadSchema() {
    try (Connection connection = pool().getConnection()) {
      schema = CatalogSchema.load(connection, SCHEMA);
    } catch (SQLException e) {
      throw new IllegalStateException("could not load the schema cache: " + e.getMessage(), e);
    }
  }

  private synchronized HikariDataSource pool() {
    return started(pool);
  }

  private static <T> T started(@Nullable T part) {
    if (part == null) {
      throw new IllegalStateException(
          "SupabaseTestServer is not started: call start() or register it as an extension");
    }
    return part;
  }

  @Override
  public Schema schema() {
    return started(schema);
  }

  @Override
  public void reset() {
    knownUsers.clear();
    try (Connection owner = database().ownerConnection();
        java.sql.Statement statement = owner.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              // The private schema holds the records of named clears and deletes: a test's
              // reset forgets them, as the in-memory backend does.
              "select quote_ident(schemaname) || '.' || quote_ident(tablename) from pg_tables"
                  + " where schemaname in ('public', 'codebase_chat_private')")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      tables.add("auth.users");
      statement.execute("truncate table " + String.join(", ", tables) + " cascade");
    } catch (SQLException e) {
      throw new IllegalStateException("could not empty the test database", e);
    }
  }

  @Override
  public void userExists(UUID user) {
    if (!knownUsers.add(user)) {
      return;
    }
    try {
      database()
          .executeAsOwner(
              "insert into auth.users (id, email) values (?, ?) on conflict (id) do nothing",
              user,
              user + "@example.test");
    } catch (SQLException e) {
      knownUsers.remove(user);
      throw new IllegalStateException("could not create user " + user, e);
    }
  }

  @Override
  public Result run(Statement statement, Identity who, Context request) {
    DatabaseRequest asRequest =
        DatabaseRequest.withClaims(who.role(), who.claimsJson())
            .to(request.method(), request.path())
            .withHeaders(request.headersJson());
    if (request.timezone() != null) {
      asRequest = asRequest.withTimezone(request.timezone());
    }
    if (statement instanceof Statement.Call call && !call.routine().volatileFunction()) {
      asRequest = asRequest.readOnly();
    }
    Sql sql = PostgrestSql.of(statement, SCHEMA);
    try (Connection connection = pool().getConnection()) {
      return asRequest.run(
          connection,
          transaction -> {
            Result result = execute(transaction, sql);
            statement.checkRows(result.count()); // a refusal rolls back
            if (statement instanceof Statement.Read read) {
              Long counted = result.total();
              result =
                  result.withTotal(
                      read.total(
                          counted == null ? 0 : counted, () -> plannedRows(transaction, read)));
            }
            return result;
          });
    } catch (SQLException e) {
      throw error(e);
    }
  }

  private static Result execute(Connection connection, Sql sql) throws SQLException {
    try (PreparedStatement statement = sql.prepare(connection);
        ResultSet rs = statement.executeQuery()) {
      rs.next();
      Object total = rs.getObject("total_result_set");
      Object inserted = rs.getObject("response_inserted");
      String body = rs.getString("body");
      List<JsonNode> rows = new ArrayList<>();
      if (body != null && !body.isEmpty()) {
        Json.MAPPER.readTree(body).forEach(rows::add);
      }
      return new Result(
          rows,
          rs.getLong("page_total"),
          total instanceof Number n ? n.longValue() : null,
          inserted instanceof Number n ? n.intValue() : null,
          rs.getString("response_status"),
          rs.getString("response_headers"));
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL answered JSON that does not parse", e);
    }
  }

  /** The planner's estimate of the rows {@code read} selects, as PostgREST reads it. */
  private static long plannedRows(Connection connection, Statement.Read read) {
    try (PreparedStatement explain = PostgrestSql.plannedCount(read, SCHEMA).prepare(connection);
        ResultSet rs = explain.executeQuery()) {
      rs.next();
      return Json.MAPPER.readTree(rs.getString(1)).path(0).path("Plan").path("Plan Rows").asLong();
    } catch (SQLException e) {
      throw error(e);
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL answered an EXPLAIN that does not parse", e);
    }
  }

  /** The answer to a failed statement: the database's error, or PostgREST's about the pool. */
  private static PostgrestError error(SQLException e) {
    if (e instanceof SQLTransientConnectionException) {
      // HikariCP's acquisition timeout: PostgREST's pool timeout.
      return PostgrestError.of(
          504, "PGRST003", "Timed out acquiring connection from connection pool.", null, null);
    }
    ServerErrorMessage server =
        e instanceof PSQLException psql ? psql.getServerErrorMessage() : null;
    if (server == null || server.getSQLState() == null) {
      // No answer from the server: the connection broke (hasql's ClientError).
      return PostgrestError.of(
          503, "PGRST001", "Database client error. Retrying the connection.", e.getMessage(), null);
    }
    String message = server.getMessage();
    return PostgrestError.sql(
        server.getSQLState(), message == null ? "" : message, server.getDetail(), server.getHint());
  }
}
