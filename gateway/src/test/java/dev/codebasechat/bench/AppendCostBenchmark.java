package dev.codebasechat.bench;

import dev.codebasechat.db.ChatFixtures;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

/**
 * Server-side cost of appending ONE message with {@code append_chat_messages} to sessions that
 * already hold 10, 1 000 and 10 000 messages, on embedded PostgreSQL 17 and 15, next to the bytes
 * of the request body PostgREST receives and, for comparison, the body the original full-row upsert
 * sent.
 *
 * <p>Server time is measured inside the database ({@code clock_timestamp()} before and after the
 * call, in a wrapper function created for the benchmark only), within a simulated PostgREST request
 * made as the session's owner; it excludes the network and the commit. Messages are rows of {@code
 * codebase_chat_messages}, so an append is an index probe and an insert whatever the history holds.
 * After every measured append the new row is deleted again (untimed), so every sample sees the same
 * size. Not a test: run with {@code scripts/bench-append [samples]}; prints a Markdown table.
 */
public final class AppendCostBenchmark {
  private static final int[] SIZES = {10, 1_000, 10_000};
  private static final int WARMUP = 30;

  private AppendCostBenchmark() {}

  public static void main(String[] args) throws SQLException {
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    System.out.println(
        "| PostgreSQL | history text | stored messages | message rows' jsonb (stored) | history as JSON text"
            + " | request body (this project) | request body (original upsert) | server median | server p99 |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    try {
      for (PostgresMajor major : new PostgresMajor[] {PostgresMajor.PG17, PostgresMajor.PG15}) {
        SupabaseDatabase db = EmbeddedSupabase.on(major).migratedDatabase("bench_append");
        installTimer(db);
        UUID user = db.createUser(false);
        for (Content content : Content.values()) {
          for (int size : SIZES) {
            System.out.println(measure(db, major, user, content, size, samples));
          }
        }
      }
    } finally {
      EmbeddedSupabase.stopAll();
    }
  }

  private static void installTimer(SupabaseDatabase db) throws SQLException {
    try (Connection owner = db.ownerConnection();
        Statement statement = owner.createStatement()) {
      statement.execute("create schema bench");
      statement.execute("grant usage on schema bench to authenticated");
      statement.execute(
          "create function bench.timed_append(p_session_id text, p_messages jsonb)"
              + " returns double precision language plpgsql security invoker set search_path = '' as $$"
              + " declare t0 timestamptz := clock_timestamp(); begin"
              + " perform public.append_chat_messages(p_session_id, p_messages);"
              + " return extract(epoch from clock_timestamp() - t0) * 1000; end $$");
      statement.execute(
          "grant execute on function bench.timed_append(text, jsonb) to authenticated");
    }
  }

  /**
   * The text of the stored messages, which decides how well PostgreSQL's default (pglz) TOAST
   * compression works and so the cost of rewriting the history: real chat text lies between the
   * two.
   */
  private enum Content {
    /** One md5 repeated eight times per message: compresses about 7:1. */
    REPETITIVE("repeat(md5(i::text), 8)"),
    /** Eight different md5s per message: hex digits, compresses about 1.3:1. */
    VARIED("(select string_agg(md5((i * 31 + k)::text), '') from generate_series(1, 8) k)");

    private final String sql;

    Content(String sql) {
      this.sql = sql;
    }
  }

  private static String measure(
      SupabaseDatabase db, PostgresMajor major, UUID user, Content content, int size, int samples)
      throws SQLException {
    String sessionId = ChatFixtures.newSessionId();
    // Seeded as the table owner, as a migrated history would be: one row per message, a second
    // apart.
    db.executeAsOwner(
        "insert into public.codebase_chat_sessions (session_id, user_id) values (?, ?)",
        sessionId,
        user);
    db.executeAsOwner(
        "insert into public.codebase_chat_messages"
            + " (session_row_id, user_id, message_id, sent_at, added_version, body, body_bytes)"
            + " select s.id, s.user_id, 'm' || i, timestamptz '2025-01-18T12:00:00Z' + i * interval '1 second', 0, b.body,"
            + " octet_length(b.body::text)"
            + " from public.codebase_chat_sessions s, generate_series(1, ?) i,"
            + " lateral (select jsonb_build_object('id', 'm' || i, 'role', case when i % 2 = 0 then 'user' else 'assistant' end,"
            + " 'content', 'message ' || i || ': ' || "
            + content.sql
            + ", 'timestamp',"
            + " to_char((timestamptz '2025-01-18T12:00:00Z' + i * interval '1 second') at time zone 'UTC',"
            + " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) as body) b"
            + " where s.session_id = ?",
        size,
        sessionId);
    db.executeAsOwner(
        "update public.codebase_chat_sessions s set message_count = c.n, history_bytes = c.bytes"
            + " from (select count(*) as n, sum(m.body_bytes + 2) as bytes from public.codebase_chat_messages m"
            + " join public.codebase_chat_sessions t on t.id = m.session_row_id where t.session_id = ?) c"
            + " where s.session_id = ?",
        sessionId,
        sessionId);
    long storedBytes =
        ((Number)
                db.valueAsOwner(
                    "select sum(pg_column_size(m.body)) from public.codebase_chat_messages m"
                        + " join public.codebase_chat_sessions s on s.id = m.session_row_id where s.session_id = ?",
                    sessionId))
            .longValue();
    long textBytes =
        ((Number)
                db.valueAsOwner(
                    "select history_bytes"
                        + " from public.codebase_chat_sessions where session_id = ?",
                    sessionId))
            .longValue();

    double[] times = new double[samples];
    int requestBytes = 0;
    try (Connection api = db.authenticatorConnection();
        Connection owner = db.ownerConnection();
        PreparedStatement trim =
            owner.prepareStatement(
                "with gone as (delete from public.codebase_chat_messages m"
                    + " using public.codebase_chat_sessions s where s.id = m.session_row_id and s.session_id = ?"
                    + " and m.message_id = ? returning m.body_bytes)"
                    + " update public.codebase_chat_sessions s set message_count = s.message_count - 1,"
                    + " history_bytes = s.history_bytes - (select body_bytes + 2 from gone)"
                    + " where s.session_id = ? and exists (select 1 from gone)")) {
      for (int i = -WARMUP; i < samples; i++) {
        String messageId = "bench-" + (i + WARMUP);
        // Acknowledged now, so after every stored message: where a live append goes.
        String messages =
            "["
                + ChatFixtures.message(
                    messageId,
                    "one new message of a typical length, about the size of a short question to the assistant",
                    "2026-12-03T12:00:00.000Z")
                + "]";
        requestBytes =
            ("{\"p_session_id\":\"" + sessionId + "\",\"p_messages\":" + messages + "}")
                .getBytes(StandardCharsets.UTF_8)
                .length;
        double ms =
            DatabaseRequest.asUser(user)
                .to("POST", "/rpc/append_chat_messages")
                .run(
                    api,
                    c -> {
                      try (PreparedStatement call =
                          c.prepareStatement("select bench.timed_append(?, ?::jsonb)")) {
                        call.setString(1, sessionId);
                        call.setString(2, messages);
                        try (ResultSet rs = call.executeQuery()) {
                          rs.next();
                          return rs.getDouble(1);
                        }
                      }
                    });
        if (i >= 0) {
          times[i] = ms;
        }
        trim.setString(1, sessionId);
        trim.setString(2, messageId);
        trim.setString(3, sessionId);
        trim.executeUpdate();
      }
    }
    Arrays.sort(times);
    // The original client upserted the whole row: session_id, user_id, repo, current_file, the
    // whole history, context and metadata. Its body grows with the history.
    long originalBody = textBytes + 260;
    return String.format(
        Locale.ROOT,
        "| %d | %s | %,d | %s | %s | %d B | %s | %.3f ms | %.3f ms |",
        major.number(),
        content.name().toLowerCase(Locale.ROOT),
        size,
        human(storedBytes),
        human(textBytes),
        requestBytes,
        human(originalBody),
        percentile(times, 0.50),
        percentile(times, 0.99));
  }

  private static double percentile(double[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static String human(long bytes) {
    if (bytes < 10_000) {
      return bytes + " B";
    }
    if (bytes < 10_000_000) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
