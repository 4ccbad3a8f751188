package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options of {@link SupabaseTestServer.Builder}: each refuses a bad value at once, and each
 * good one changes the server as it says (its database, its migrations, PostgREST's pool).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SupabaseTestServerOptionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  // Tests run in the repository root.
  private static final Path PROJECT_MIGRATIONS = Path.of("supabase", "migrations");

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .retryOnConnectionFailure(false)
          .readTimeout(Duration.ofSeconds(30))
          .build();

  record Answer(int status, JsonNode json) {}

  private Answer post(SupabaseTestServer server, String path, String body) throws IOException {
    Request request =
        new Request.Builder()
            .url(server.restUrl() + "/" + path)
            .header("apikey", server.serviceKey())
            .header("Authorization", "Bearer " + server.serviceKey())
            .post(RequestBody.create(body, JSON_TYPE))
            .build();
    try (Response response = http.newCall(request).execute()) {
      return new Answer(response.code(), JSON.readTree(response.body().string()));
    }
  }

  @Test
  void aDatabaseNameThatIsNoPlainLowercaseIdentifier_isRefused() {
    assertThatThrownBy(() -> SupabaseTestServer.builder().databaseName("Tests; drop"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("database name must match [a-z][a-z0-9_]{0,40} but was Tests; drop");
  }

  @Test
  void aDatabaseOfTheClusterCreatedTwice_isRefused_theSecondTime() {
    EmbeddedSupabase cluster = EmbeddedSupabase.on(PostgresMajor.PG17);
    cluster.createDatabase("options_created_once", EmbeddedSupabase.Privileges.NONE);

    assertThatThrownBy(
            () -> cluster.createDatabase("options_created_once", EmbeddedSupabase.Privileges.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("database options_created_once exists already in the cluster of PostgreSQL 17");
    assertThatThrownBy(() -> cluster.createDatabase("1st", EmbeddedSupabase.Privileges.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("database name must match [a-z][a-z0-9_]{0,40} but was 1st");
  }

  @Test
  void aPoolSizeOutside1To100_isRefused() {
    assertThatThrownBy(() -> SupabaseTestServer.builder().pool(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pool size must be in 1..100 but was 0");
    assertThatThrownBy(() -> SupabaseTestServer.builder().pool(101, Duration.ofSeconds(1)))
        .hasMessage("pool size must be in 1..100 but was 101");
  }

  @Test
  void aPoolAcquisitionTimeoutUnder250Ms_isRefused() {
    assertThatThrownBy(() -> SupabaseTestServer.builder().pool(1, Duration.ofMillis(249)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("acquisition timeout must be at least 250 ms but was PT0.249S");
  }

  @Test
  void migrationsFromADirectory_areTheOnesApplied(@TempDir Path migrations) throws IOException {
    String first = "20250118000000_create_codebase_chat_sessions.sql";
    Files.copy(PROJECT_MIGRATIONS.resolve(first), migrations.resolve(first));

    try (SupabaseTestServer server =
        SupabaseTestServer.builder().migrations(migrations).build().start()) {
      Answer call = post(server, "rpc/append_chat_messages", "{}");

      assertThat(server.queryOneAsOwner("select to_regclass('public.codebase_chat_sessions')"))
          .contains("codebase_chat_sessions");
      assertThat(call.status()).isEqualTo(404);
      assertThat(call.json().path("code").asText()).isEqualTo("PGRST202");
    }
  }

  @Test
  void aNamedDatabaseWithAPoolOfOne_whileItsConnectionIsBusy_answers504Pgrst003() throws Exception {
    try (SupabaseTestServer server =
        SupabaseTestServer.builder()
            .databaseName("options_pool_of_one")
            .pool(1, Duration.ofMillis(250))
            .build()
            .start()) {
      asOwner(
          server,
          "create function public.wait_a_while() returns int language sql"
              + " as 'select 1 from pg_sleep(3)'",
          "grant execute on function public.wait_a_while() to service_role");
      server.reloadSchema();

      CompletableFuture<Answer> busy =
          CompletableFuture.supplyAsync(() -> postQuietly(server, "rpc/wait_a_while"));
      await("the pool's one connection busy")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  server
                      .queryOneAsOwner(
                          "select count(*) from pg_stat_activity where wait_event = 'PgSleep'")
                      .orElseThrow()
                      .equals("1"));
      Answer refused = post(server, "rpc/wait_a_while", "{}");

      assertThat(server.queryOneAsOwner("select current_database()"))
          .contains("options_pool_of_one");
      assertThat(refused.status()).isEqualTo(504);
      assertThat(refused.json().path("code").asText()).isEqualTo("PGRST003");
      assertThat(refused.json().path("message").asText())
          .isEqualTo("Timed out acquiring connection from connection pool.");
      assertThat(busy.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }

  private Answer postQuietly(SupabaseTestServer server, String path) {
    try {
      return post(server, path, "{}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void asOwner(SupabaseTestServer server, String... statements) throws SQLException {
    try (Connection owner = server.database().ownerConnection();
        Statement statement = owner.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }
}
