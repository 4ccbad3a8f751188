package dev.codebasechat.db;

import static dev.codebasechat.db.AppendChatMessagesTest.sqlError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.MigrationRunner;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SqlStatements;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database that ran the ORIGINAL migration (test resource {@code
 * db/original-20250118000000_create_codebase_chat_sessions.sql}, with its insecure policies,
 * indexes and trigger) reaches, through this project's later migrations, the same catalog as a
 * fresh install, keeps its rows and every stored message (in its stored order, with its JSON, now
 * as rows of codebase_chat_messages), and no longer exposes ownerless rows.
 */
class UpgradeFromOriginalTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Path HARDEN =
      SupabaseDatabase.MIGRATIONS.resolve("20261124000000_harden_codebase_chat_sessions.sql");
  private static final String ALL_ROWS =
      "select string_agg(to_jsonb(s)::text, ',' order by session_id) from public.codebase_chat_sessions s";

  /**
   * The original's columns; {@code s.conversation_history} is the column before the upgrade and the
   * computed field after it.
   */
  private static final String ORIGINAL_COLUMNS =
      "id, session_id, user_id, repo, current_file, s.conversation_history as conversation_history, created_at,"
          + " updated_at, last_activity, coalesce(context_cache, '{}') as context_cache,"
          + " coalesce(metadata, '{}') as metadata";

  /**
   * The migration before the one that moved the messages into rows: the state the hardening file
   * knows.
   */
  private static final String LAST_WITH_A_HISTORY_COLUMN = "20261202000000";

  private static SupabaseDatabase newDatabase(
      PostgresMajor major, String purpose, EmbeddedSupabase.Privileges privileges) {
    String name =
        String.format(
            Locale.ROOT,
            "%s_%s_%d",
            purpose,
            major.name().toLowerCase(Locale.ROOT),
            NAMES.incrementAndGet());
    return EmbeddedSupabase.on(major).createDatabase(name, privileges);
  }

  /**
   * A database as the original migration left it, recorded as applied the way db push records it.
   */
  private static SupabaseDatabase originalDatabase(PostgresMajor major) throws SQLException {
    SupabaseDatabase db =
        newDatabase(major, "original", EmbeddedSupabase.Privileges.LEGACY_DEFAULTS);
    try (Connection owner = db.ownerConnection()) {
      EmbeddedSupabase.runSql(owner, originalMigration());
      MigrationRunner.Migration original =
          new MigrationRunner(SupabaseDatabase.MIGRATIONS).localMigrations().get(0);
      assertThat(original.version()).isEqualTo("20250118000000");
      MigrationRunner.markApplied(owner, original);
    }
    return db;
  }

  private static String originalMigration() {
    try (var in =
        UpgradeFromOriginalTest.class.getResourceAsStream(
            "/db/original-20250118000000_create_codebase_chat_sessions.sql")) {
      return new String(
          java.util.Objects.requireNonNull(in, "original migration resource").readAllBytes(),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<String> snapshot(SupabaseDatabase db) throws SQLException {
    try (Connection owner = db.ownerConnection()) {
      return CatalogSnapshot.of(owner);
    }
  }

  private static List<String> originalRows(SupabaseDatabase db) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection owner = db.ownerConnection();
        PreparedStatement select =
            owner.prepareStatement(
                "select to_jsonb(r)::text from (select "
                    + ORIGINAL_COLUMNS
                    + " from public.codebase_chat_sessions s order by session_id) r");
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private static long visibleRows(SupabaseDatabase db, DatabaseRequest request)
      throws SQLException {
    return count(db, request, "codebase_chat_sessions");
  }

  private static long count(SupabaseDatabase db, DatabaseRequest request, String table)
      throws SQLException {
    return db.request(
        request.to("GET", "/" + table),
        c -> {
          try (PreparedStatement select =
                  c.prepareStatement("select count(*) from public." + table);
              ResultSet rs = select.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  /**
   * The history of {@code sessionId} as JSON text: the column before the upgrade, the field after
   * it.
   */
  private static Object history(SupabaseDatabase db, String sessionId) throws SQLException {
    return db.valueAsOwner(
        "select s.conversation_history::text from public.codebase_chat_sessions s"
            + " where s.session_id = ?",
        sessionId);
  }

  /**
   * This project's migrations up to and including {@code lastVersion}, as a directory of their own.
   */
  private static MigrationRunner migrationsUpTo(String lastVersion, Path dir) throws IOException {
    for (MigrationRunner.Migration m :
        new MigrationRunner(SupabaseDatabase.MIGRATIONS).localMigrations()) {
      if (m.version().compareTo(lastVersion) <= 0) {
        Files.copy(SupabaseDatabase.MIGRATIONS.resolve(m.fileName()), dir.resolve(m.fileName()));
      }
    }
    return new MigrationRunner(dir);
  }

  private static void insertLegacyRow(SupabaseDatabase db, String sessionId, UUID user)
      throws SQLException {
    // The original client's shape: no message ids, null JSON defaults overwritten with nulls.
    db.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id, user_id, repo, conversation_history,"
            + " context_cache, metadata) values (?, ?, 'acme/api', '[{\"role\":\"user\",\"content\":\"hi\","
            + "\"timestamp\":\"2025-01-18T10:00:00.000Z\"},{\"role\":\"assistant\",\"content\":\"hello\","
            + "\"timestamp\":\"2025-01-18T10:00:01.000Z\",\"code\":null}]', null, null)",
        sessionId,
        user);
  }

  @OnEachPostgresMajor
  void upgrade_originalDatabase_endsWithTheCatalogOfAFreshInstallAndKeepsItsRows(
      PostgresMajor major) throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    UUID bob = upgraded.createUser(false);
    UUID guest = upgraded.createUser(true);
    insertLegacyRow(upgraded, "chat-1705622400000-alice1", alice);
    insertLegacyRow(upgraded, "chat-1705622400001-bob001", bob);
    insertLegacyRow(upgraded, "chat-1705622400002-nobody", null);
    assertThat(visibleRows(upgraded, DatabaseRequest.asAnon()))
        .as("the original's hole: anon reads every row")
        .isEqualTo(3);
    List<String> rowsBefore = originalRows(upgraded);

    List<String> applied = upgraded.migrate();

    SupabaseDatabase fresh =
        newDatabase(major, "fresh", EmbeddedSupabase.Privileges.LEGACY_DEFAULTS);
    fresh.migrate();
    // Every file after the original, in order.
    assertThat(applied)
        .containsExactlyElementsOf(
            new MigrationRunner(SupabaseDatabase.MIGRATIONS)
                .localMigrations().stream()
                    .skip(1)
                    .map(MigrationRunner.Migration::version)
                    .toList());
    assertThat(snapshot(upgraded)).isEqualTo(snapshot(fresh));
    assertThat(originalRows(upgraded)).isEqualTo(rowsBefore);
    assertThat(
            upgraded.valueAsOwner(
                "select string_agg(message_count::text, ',' order by session_id)"
                    + " from public.codebase_chat_sessions"))
        .isEqualTo("2,2,2");
    assertThat(
            upgraded.valueAsOwner(
                "select bool_and(s.history_bytes = octet_length(s.conversation_history::text))"
                    + " from public.codebase_chat_sessions s"))
        .isEqualTo(true);
    assertThat(count(upgraded, DatabaseRequest.asUser(alice), "codebase_chat_messages"))
        .as("alice's messages")
        .isEqualTo(2);
    assertThat(count(upgraded, DatabaseRequest.asUser(guest, true), "codebase_chat_messages"))
        .isZero();
    assertThat(visibleRows(upgraded, DatabaseRequest.asUser(alice))).isEqualTo(1);
    assertThat(visibleRows(upgraded, DatabaseRequest.asUser(bob))).isEqualTo(1);
    assertThat(visibleRows(upgraded, DatabaseRequest.asUser(guest, true))).isZero();
    assertThat(visibleRows(upgraded, DatabaseRequest.asServiceRole())).isEqualTo(3);
    assertThat(sqlError(() -> visibleRows(upgraded, DatabaseRequest.asAnon())).getSQLState())
        .isEqualTo("42501");
  }

  @OnEachPostgresMajor
  void upgrade_thenAppendToALegacySession_keepsTheOldMessages(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    insertLegacyRow(upgraded, "chat-1705622400000-alice1", alice);
    upgraded.migrate();

    var result =
        new ChatRpc(upgraded)
            .append(
                DatabaseRequest.asUser(alice),
                "chat-1705622400000-alice1",
                ChatFixtures.messages("m3"));

    assertThat(result.get("message_count").asInt()).isEqualTo(3);
    assertThat(result.get("version").asLong()).isEqualTo(1);
  }

  @OnEachPostgresMajor
  void upgrade_rowsBreakingANewConstraint_keepsThemAndChecksOnlyNewWrites(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    insertLegacyRow(upgraded, "session-from-an-old-client", null);
    Object historyBefore = history(upgraded, "session-from-an-old-client");

    upgraded.migrate();

    assertThat(
            upgraded.valueAsOwner(
                "select convalidated from pg_constraint"
                    + " where conname = 'codebase_chat_sessions_session_id_format'"))
        .isEqualTo(false);
    assertThat(upgraded.valueAsOwner("select count(*) from public.codebase_chat_sessions"))
        .isEqualTo(1L);
    assertThat(history(upgraded, "session-from-an-old-client"))
        .as("its messages moved too")
        .isEqualTo(historyBefore);
    assertThat(upgraded.valueAsOwner("select message_count from public.codebase_chat_sessions"))
        .isEqualTo(2);
    SQLException e =
        sqlError(
            () ->
                upgraded.executeAsOwner(
                    "insert into public.codebase_chat_sessions (session_id) values ('another-bad-id')"));
    assertThat(e.getSQLState()).isEqualTo("23514");
  }

  @OnEachPostgresMajor
  void upgrade_legacyMessages_keepEveryMessageInItsStoredOrderAndJson(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    String sessionId = "chat-1705622400000-legacy";
    // No id, an id repeated (twice), ids that are no valid id, timestamps out of order, missing,
    // unreadable (month 13, a word PostgreSQL reads as a date, a number), without a zone, and an
    // element that is no object at all.
    upgraded.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id, user_id, conversation_history)"
            + " values (?, ?, ?::jsonb)",
        sessionId,
        alice,
        """
        [{"role":"user","content":"no id","timestamp":"2025-01-18T10:00:05.000Z"},
         {"id":"m1","role":"assistant","content":"first m1","timestamp":"2025-01-18T10:00:01.000Z","code":null},
         {"id":"m1","role":"user","content":"second m1","timestamp":"2025-01-18T10:00:02.000Z"},
         {"id":"m2","role":"user","content":"month 13","timestamp":"2025-13-01T10:00:00.000Z"},
         {"id":"m1","content":"third m1, no role","timestamp":"yesterday"},
         {"id":"has space","content":"bad id","timestamp":1705622400000},
         {"id":7,"content":"numeric id"},
         "a bare string",
         {"id":"m3","role":"user","content":"no zone","timestamp":"2025-01-18T09:00:00"},
         {"id":"m4","role":"user","content":"later","timestamp":"2025-01-18T11:00:00.000+01:00","metadata":{"k":[1,2]}}]
        """);
    Object historyBefore = history(upgraded, sessionId);

    upgraded.migrate();

    assertThat(history(upgraded, sessionId)).isEqualTo(historyBefore);
    assertThat(
            upgraded.valueAsOwner(
                "select s.message_count || ' ' || (s.history_bytes"
                    + " = octet_length(s.conversation_history::text)) from public.codebase_chat_sessions s where s.session_id = ?",
                sessionId))
        .isEqualTo("10 true");
    assertThat(
            upgraded.valueAsOwner(
                "select string_agg(m.message_id, ',' order by m.sent_at, m.seq)"
                    + " from public.codebase_chat_messages m join public.codebase_chat_sessions s on s.id = m.session_row_id"
                    + " where s.session_id = ? and m.message_id not like 'legacy-%'",
                sessionId))
        .as("the first of each valid id keeps it")
        .isEqualTo("m1,m2,m3,m4");
    assertThat(count(upgraded, DatabaseRequest.asUser(alice), "codebase_chat_messages"))
        .isEqualTo(10);
  }

  @OnEachPostgresMajor
  void upgrade_wordsPostgresReadsAsDates_areNoTimestampsOfTheMessages(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    String sessionId = "chat-1705622400000-alice1";
    upgraded.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id, user_id, conversation_history)"
            + " values (?, ?, ?::jsonb)",
        sessionId,
        alice,
        "["
            + ChatFixtures.message("m1", "x", "2025-01-18T10:00:00Z")
            + ","
            + ChatFixtures.message("m2", "x", "yesterday")
            + ","
            + ChatFixtures.message("m3", "x", "now")
            + ","
            + ChatFixtures.message("m4", "x", "infinity")
            + "]");
    upgraded.migrate();

    new ChatRpc(upgraded)
        .append(
            DatabaseRequest.asUser(alice),
            sessionId,
            "[" + ChatFixtures.message("m5", "x", "2025-01-18T11:00:00Z") + "]");

    assertThat(AppendChatMessagesTest.historyIds(upgraded, sessionId))
        .as("m2 to m4 are as of m1's timestamp")
        .isEqualTo("m1,m2,m3,m4,m5");
  }

  @OnEachPostgresMajor
  void upgrade_historyThatIsNoArray_becomesAHistoryOfThatOneValue(
      PostgresMajor major, @TempDir Path dir) throws SQLException, IOException {
    SupabaseDatabase upgraded = originalDatabase(major);
    String sessionId = "chat-1705622400000-alice1";
    upgraded.migrate(migrationsUpTo(LAST_WITH_A_HISTORY_COLUMN, dir));
    // A row the history check was left NOT VALID for.
    try (Connection owner = upgraded.ownerConnection();
        Statement statement = owner.createStatement()) {
      statement.execute(
          "alter table public.codebase_chat_sessions"
              + " drop constraint codebase_chat_sessions_history_is_array");
      statement.execute(
          "insert into public.codebase_chat_sessions (session_id, conversation_history)"
              + " values ('"
              + sessionId
              + "', '{\"role\":\"user\",\"content\":\"hi\"}')");
      statement.execute(
          "alter table public.codebase_chat_sessions add constraint"
              + " codebase_chat_sessions_history_is_array check (jsonb_typeof(conversation_history) = 'array') not valid");
    }

    upgraded.migrate();

    assertThat(history(upgraded, sessionId))
        .isEqualTo("[{\"role\": \"user\", \"content\": \"hi\"}]");
    assertThat(upgraded.valueAsOwner("select message_count from public.codebase_chat_sessions"))
        .isEqualTo(1);
  }

  @OnEachPostgresMajor
  void upgrade_originalRowWhoseHistoryIsNoArray_goesThroughEveryMigration(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    String sessionId = "chat-1705622400000-alice1";
    upgraded.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id, conversation_history)"
            + " values (?, '{\"role\":\"user\",\"content\":\"hi\"}'::jsonb)",
        sessionId);

    upgraded.migrate();

    assertThat(history(upgraded, sessionId))
        .isEqualTo("[{\"role\": \"user\", \"content\": \"hi\"}]");
  }

  @OnEachPostgresMajor
  void upgrade_thenRetryALegacyMessage_storesNothingTwice(PostgresMajor major) throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    String sessionId = "chat-1705622400000-alice1";
    upgraded.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id, user_id, conversation_history)"
            + " values (?, ?, ?::jsonb)",
        sessionId,
        alice,
        ChatFixtures.messages("m1", "m2"));
    upgraded.migrate();

    var retry =
        new ChatRpc(upgraded)
            .append(DatabaseRequest.asUser(alice), sessionId, ChatFixtures.messages("m2"));

    assertThat(retry.get("appended").asInt()).isZero();
    assertThat(AppendChatMessagesTest.historyIds(upgraded, sessionId)).isEqualTo("m1,m2");
  }

  @OnEachPostgresMajor
  void upgrade_changesSinceAVersionBeforeIt_answerAResetWithTheWholeHistory(
      PostgresMajor major, @TempDir Path dir) throws SQLException, IOException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    String sessionId = "chat-1705622400000-alice1";
    insertLegacyRow(upgraded, sessionId, alice);
    // Two writes of the history column before the upgrade: versions 1 and 2.
    upgraded.migrate(migrationsUpTo(LAST_WITH_A_HISTORY_COLUMN, dir));
    upgraded.executeAsOwner(
        "update public.codebase_chat_sessions set conversation_history = conversation_history"
            + " || ?::jsonb where session_id = ?",
        ChatFixtures.messages("m3"),
        sessionId);
    upgraded.executeAsOwner(
        "update public.codebase_chat_sessions set conversation_history = conversation_history"
            + " || ?::jsonb where session_id = ?",
        ChatFixtures.messages("m4"),
        sessionId);
    upgraded.migrate();
    ChatRpc rpc = new ChatRpc(upgraded);

    var sinceOne = rpc.changes(DatabaseRequest.asUser(alice), sessionId, 1L);
    var sinceTwo = rpc.changes(DatabaseRequest.asUser(alice), sessionId, 2L);

    assertThat(sinceOne.get("reset").asBoolean())
        .as("which message came with which version is not known")
        .isTrue();
    assertThat(sinceOne.get("messages").size()).isEqualTo(4);
    assertThat(sinceTwo.get("unchanged").asBoolean()).isTrue();
  }

  @OnEachPostgresMajor
  void harden_runAgainOnADatabaseItUpgraded_changesNothing(PostgresMajor major, @TempDir Path dir)
      throws SQLException, IOException {
    SupabaseDatabase upgraded = originalDatabase(major);
    insertLegacyRow(upgraded, "chat-1705622400000-alice1", upgraded.createUser(false));
    insertLegacyRow(upgraded, "chat-1705622400002-nobody", null);
    // The hardening file knows the schema with the history column; the later move of the messages
    // into rows is beyond it.
    upgraded.migrate(migrationsUpTo(LAST_WITH_A_HISTORY_COLUMN, dir));
    List<String> catalogBefore = snapshot(upgraded);
    Object rowsBefore = upgraded.valueAsOwner(ALL_ROWS);

    try (Connection owner = upgraded.ownerConnection();
        Statement statement = owner.createStatement()) {
      for (String sql : SqlStatements.split(Files.readString(HARDEN, StandardCharsets.UTF_8))) {
        statement.execute(sql);
      }
    }

    assertThat(snapshot(upgraded)).isEqualTo(catalogBefore);
    assertThat(upgraded.valueAsOwner(ALL_ROWS)).isEqualTo(rowsBefore);
    long later =
        new MigrationRunner(SupabaseDatabase.MIGRATIONS)
            .localMigrations().stream()
                .filter(m -> m.version().compareTo(LAST_WITH_A_HISTORY_COLUMN) > 0)
                .count();
    assertThat(upgraded.migrate()).as("the rest still applies").hasSize((int) later);
  }

  @OnEachPostgresMajor
  void freshInstall_withOrWithoutLegacyDefaultPrivileges_endsWithTheSameCatalog(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase legacy =
        newDatabase(major, "legacy", EmbeddedSupabase.Privileges.LEGACY_DEFAULTS);
    SupabaseDatabase current = newDatabase(major, "current", EmbeddedSupabase.Privileges.NONE);

    legacy.migrate();
    current.migrate();

    assertThat(snapshot(current)).isEqualTo(snapshot(legacy));
  }
}
