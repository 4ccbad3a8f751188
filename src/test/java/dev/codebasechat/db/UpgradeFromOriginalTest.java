package dev.codebasechat.db;

import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.MigrationRunner;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SqlStatements;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import static dev.codebasechat.db.AppendChatMessagesTest.sqlError;
import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * A database that ran the ORIGINAL migration (test resource {@code
 * db/original-20250118000000_create_codebase_chat_sessions.sql}, with its insecure policies,
 * indexes and trigger) reaches, through this project's later migrations, the same catalog as a
 * fresh install, keeps its rows, and no longer exposes ownerless rows.
 */
class UpgradeFromOriginalTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Path HARDEN =
      SupabaseDatabase.MIGRATIONS.resolve("20261124000000_harden_codebase_chat_sessions.sql");
  private static final String ALL_ROWS =
      "select string_agg(to_jsonb(s)::text, ',' order by session_id) from public.codebase_chat_sessions s";
  private static final String ORIGINAL_COLUMNS =
      "id, session_id, user_id, repo, current_file, conversation_history, created_at, updated_at, last_activity,"
          + " coalesce(context_cache, '{}') as context_cache, coalesce(metadata, '{}') as metadata";

  private static SupabaseDatabase newDatabase(PostgresMajor major, String purpose, EmbeddedSupabase.Privileges privileges) {
    String name = String.format(Locale.ROOT, "%s_%s_%d", purpose, major.name().toLowerCase(Locale.ROOT),
        NAMES.incrementAndGet());
    return EmbeddedSupabase.on(major).createDatabase(name, privileges);
  }

  /** A database as the original migration left it, recorded as applied the way db push records it. */
  private static SupabaseDatabase originalDatabase(PostgresMajor major) throws SQLException {
    SupabaseDatabase db = newDatabase(major, "original", EmbeddedSupabase.Privileges.LEGACY_DEFAULTS);
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
    try (var in = UpgradeFromOriginalTest.class.getResourceAsStream(
        "/db/original-20250118000000_create_codebase_chat_sessions.sql")) {
      return new String(java.util.Objects.requireNonNull(in, "original migration resource").readAllBytes(),
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
        PreparedStatement select = owner.prepareStatement("select to_jsonb(r)::text from (select " + ORIGINAL_COLUMNS
            + " from public.codebase_chat_sessions order by session_id) r");
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private static long visibleRows(SupabaseDatabase db, DatabaseRequest request) throws SQLException {
    return db.request(request.to("GET", "/codebase_chat_sessions"), c -> {
      try (PreparedStatement select = c.prepareStatement("select count(*) from public.codebase_chat_sessions");
          ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  private static void insertLegacyRow(SupabaseDatabase db, String sessionId, UUID user) throws SQLException {
    // The original client's shape: no message ids, null JSON defaults overwritten with nulls.
    db.executeAsOwner("insert into public.codebase_chat_sessions (session_id, user_id, repo, conversation_history,"
        + " context_cache, metadata) values (?, ?, 'acme/api', '[{\"role\":\"user\",\"content\":\"hi\","
        + "\"timestamp\":\"2025-01-18T10:00:00.000Z\"},{\"role\":\"assistant\",\"content\":\"hello\","
        + "\"timestamp\":\"2025-01-18T10:00:01.000Z\",\"code\":null}]', null, null)", sessionId, user);
  }

  @OnEachPostgresMajor
  void upgrade_originalDatabase_endsWithTheCatalogOfAFreshInstallAndKeepsItsRows(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    UUID bob = upgraded.createUser(false);
    UUID guest = upgraded.createUser(true);
    insertLegacyRow(upgraded, "chat-1705622400000-alice1", alice);
    insertLegacyRow(upgraded, "chat-1705622400001-bob001", bob);
    insertLegacyRow(upgraded, "chat-1705622400002-nobody", null);
    assertThat(visibleRows(upgraded, DatabaseRequest.asAnon())).as("the original's hole: anon reads every row")
        .isEqualTo(3);
    List<String> rowsBefore = originalRows(upgraded);

    List<String> applied = upgraded.migrate();

    SupabaseDatabase fresh = newDatabase(major, "fresh", EmbeddedSupabase.Privileges.LEGACY_DEFAULTS);
    fresh.migrate();
    // Every file after the original, in order.
    assertThat(applied)
        .containsExactlyElementsOf(
            new MigrationRunner(SupabaseDatabase.MIGRATIONS).localMigrations().stream()
                .skip(1)
                .map(MigrationRunner.Migration::version)
                .toList());
    assertThat(snapshot(upgraded)).isEqualTo(snapshot(fresh));
    assertThat(originalRows(upgraded)).isEqualTo(rowsBefore);
    assertThat(upgraded.queryAsOwner("select string_agg(message_count::text, ',' order by session_id)"
        + " from public.codebase_chat_sessions")).isEqualTo("2,2,2");
    assertThat(visibleRows(upgraded, DatabaseRequest.asUser(alice))).isEqualTo(1);
    assertThat(visibleRows(upgraded, DatabaseRequest.asUser(bob))).isEqualTo(1);
    assertThat(visibleRows(upgraded, DatabaseRequest.asUser(guest, true))).isZero();
    assertThat(visibleRows(upgraded, DatabaseRequest.asServiceRole())).isEqualTo(3);
    assertThat(sqlError(() -> visibleRows(upgraded, DatabaseRequest.asAnon())).getSQLState()).isEqualTo("42501");
  }

  @OnEachPostgresMajor
  void upgrade_thenAppendToALegacySession_keepsTheOldMessages(PostgresMajor major) throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    UUID alice = upgraded.createUser(false);
    insertLegacyRow(upgraded, "chat-1705622400000-alice1", alice);
    upgraded.migrate();

    var result = new ChatRpc(upgraded).append(DatabaseRequest.asUser(alice), "chat-1705622400000-alice1",
        ChatFixtures.messages("m3"));

    assertThat(result.get("message_count").asInt()).isEqualTo(3);
    assertThat(result.get("version").asLong()).isEqualTo(1);
  }

  @OnEachPostgresMajor
  void upgrade_rowsBreakingANewConstraint_keepsThemAndChecksOnlyNewWrites(PostgresMajor major) throws SQLException {
    SupabaseDatabase upgraded = originalDatabase(major);
    insertLegacyRow(upgraded, "session-from-an-old-client", null);

    upgraded.migrate();

    assertThat(upgraded.queryAsOwner("select convalidated from pg_constraint"
        + " where conname = 'codebase_chat_sessions_session_id_format'")).isEqualTo(false);
    assertThat(upgraded.queryAsOwner("select count(*) from public.codebase_chat_sessions")).isEqualTo(1L);
    SQLException e = sqlError(() -> upgraded.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id) values ('another-bad-id')"));
    assertThat(e.getSQLState()).isEqualTo("23514");
  }

  @OnEachPostgresMajor
  void harden_runAgainOnAnUpgradedDatabase_changesNothing(PostgresMajor major) throws SQLException, IOException {
    SupabaseDatabase upgraded = originalDatabase(major);
    insertLegacyRow(upgraded, "chat-1705622400000-alice1", upgraded.createUser(false));
    insertLegacyRow(upgraded, "chat-1705622400002-nobody", null);
    upgraded.migrate();
    List<String> catalogBefore = snapshot(upgraded);
    Object rowsBefore = upgraded.queryAsOwner(ALL_ROWS);

    try (Connection owner = upgraded.ownerConnection();
        Statement statement = owner.createStatement()) {
      for (String sql : SqlStatements.split(Files.readString(HARDEN, StandardCharsets.UTF_8))) {
        statement.execute(sql);
      }
    }

    assertThat(snapshot(upgraded)).isEqualTo(catalogBefore);
    assertThat(upgraded.queryAsOwner(ALL_ROWS)).isEqualTo(rowsBefore);
  }

  @OnEachPostgresMajor
  void freshInstall_withOrWithoutLegacyDefaultPrivileges_endsWithTheSameCatalog(PostgresMajor major)
      throws SQLException {
    SupabaseDatabase legacy = newDatabase(major, "legacy", EmbeddedSupabase.Privileges.LEGACY_DEFAULTS);
    SupabaseDatabase current = newDatabase(major, "current", EmbeddedSupabase.Privileges.NONE);

    legacy.migrate();
    current.migrate();

    assertThat(snapshot(current)).isEqualTo(snapshot(legacy));
  }
}
