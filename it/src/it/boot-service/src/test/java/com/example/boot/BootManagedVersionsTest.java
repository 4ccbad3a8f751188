package com.example.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;

/** The library under Spring Boot's dependency management, imported after the BOM. */
class BootManagedVersionsTest {
  @Test
  void sqliteJdbc_isTheLibrarysVersion_notBoots() throws Exception {
    String expected = System.getProperty("expected.sqlite.version");

    assertThat(SQLiteJDBCLoader.getVersion()).isEqualTo(expected);
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite::memory:");
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("select sqlite_version()")) {
      result.next();
      // sqlite-jdbc 3.54.1.0 ships SQLite 3.54.1.
      assertThat(expected).startsWith(result.getString(1) + ".");
    }
  }

  @Test
  void postgresqlDriver_isTheTestKitsVersion_notBoots() {
    assertThat(org.postgresql.util.DriverInfo.DRIVER_VERSION)
        .isEqualTo(System.getProperty("expected.postgresql.version"));
  }

  @Test
  void theEmbeddedDefault_storesAndReads(@TempDir Path dir) {
    Caller alice = new Caller(UUID.randomUUID(), AccessToken.of("a-verified-jwt"));
    try (LocalSessionTable table =
            LocalSessionTable.builder().path(dir.resolve("sessions.db")).build();
        SessionStore sessions = SessionStore.embedded(table).build()) {
      SessionId id = sessions.create(alice);
      sessions.append(alice, id, Append.of(ChatMessage.user("Where is auth handled?")));

      assertThat(sessions.history(alice, id).session().messages())
          .extracting(ChatMessage::content)
          .containsExactly("Where is auth handled?");
    }
  }
}
