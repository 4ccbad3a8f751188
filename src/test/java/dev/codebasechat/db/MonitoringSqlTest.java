package dev.codebasechat.db;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SqlStatements;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Every query of {@code scripts/sql/monitoring.sql} runs against the migrated schema. */
class MonitoringSqlTest {
  private static final Path MONITORING = Path.of("scripts", "sql", "monitoring.sql");

  @OnEachPostgresMajor
  void monitoringQueries_migratedDatabase_allRunAndAnswer(PostgresMajor major) throws SQLException, IOException {
    SupabaseDatabase db = EmbeddedSupabase.on(major).migratedDatabase("monitoring");
    UUID user = db.createUser(false);
    new ChatRpc(db).append(DatabaseRequest.asUser(user), ChatFixtures.newSessionId(), ChatFixtures.messages("a", "b"));
    List<String> queries = SqlStatements.split(Files.readString(MONITORING, StandardCharsets.UTF_8));
    List<String> firstValues = new ArrayList<>();

    try (Connection owner = db.ownerConnection();
        Statement statement = owner.createStatement()) {
      for (String query : queries) {
        try (ResultSet rs = statement.executeQuery(query)) {
          firstValues.add(rs.next() ? rs.getString(1) : null);
        }
      }
    }

    assertThat(queries).hasSize(9);
    assertThat(firstValues.get(3)).as("total_size").matches("[0-9]+ (bytes|kB|MB)");
    assertThat(firstValues.get(4)).as("table_exists").isEqualTo("t");
    assertThat(firstValues.get(5)).as("first policy").isEqualTo("codebase_chat_sessions_delete_own");
    assertThat(firstValues.get(8)).as("no NOT VALID constraint").isNull();
    assertThat(Long.parseLong(firstValues.get(1))).as("sessions").isPositive();
  }
}
