package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SqlStatements;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
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
  void monitoringQueries_migratedDatabase_allRunAndAnswer(PostgresMajor major)
      throws SQLException, IOException {
    SupabaseDatabase db = EmbeddedSupabase.on(major).migratedDatabase("monitoring");
    UUID user = db.createUser(false);
    String largest = ChatFixtures.newSessionId();
    ChatRpc rpc = new ChatRpc(db);
    rpc.append(
        DatabaseRequest.asUser(user), ChatFixtures.newSessionId(), ChatFixtures.messages("a", "b"));
    rpc.append(
        DatabaseRequest.asUser(user),
        largest,
        "["
            + ChatFixtures.message("big", "x".repeat(100_000))
            + ","
            + ChatFixtures.message("small", "y")
            + "]");
    List<String> queries =
        SqlStatements.split(Files.readString(MONITORING, StandardCharsets.UTF_8));
    List<List<String>> rows = new ArrayList<>();

    try (Connection owner = db.ownerConnection();
        Statement statement = owner.createStatement()) {
      for (String query : queries) {
        List<String> column = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery(query)) {
          while (rs.next()) {
            column.add(
                rs.getString(1)
                    + (rs.getMetaData().getColumnCount() > 1 ? "|" + rs.getString(2) : ""));
          }
        }
        rows.add(column);
      }
    }

    assertThat(queries).hasSize(10);
    assertThat(rows.get(0)).as("recent sessions with their counts").contains(largest + "|" + user);
    assertThat(Long.parseLong(rows.get(1).get(0))).as("sessions").isPositive();
    assertThat(rows.get(3).get(0)).as("total_size").matches("[0-9]+ (bytes|kB|MB)");
    assertThat(rows.get(4)).as("tables_exist").containsExactly("t");
    assertThat(rows.get(5))
        .as("policies")
        .containsExactly(
            "codebase_chat_messages_select_own|codebase_chat_messages",
            "codebase_chat_sessions_delete_own|codebase_chat_sessions",
            "codebase_chat_sessions_insert_own|codebase_chat_sessions",
            "codebase_chat_sessions_select_own|codebase_chat_sessions",
            "codebase_chat_sessions_update_own|codebase_chat_sessions");
    assertThat(rows.get(7).get(0)).as("largest history first").isEqualTo(largest + "|2");
    assertThat(rows.get(8)).as("no NOT VALID constraint").isEmpty();
    assertThat(rows.get(9))
        .as("counts from the history, as the original's queries took them")
        .contains(largest + "|2");
  }
}
