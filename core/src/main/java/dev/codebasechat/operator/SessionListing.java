package dev.codebasechat.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.SelectRequest;
import dev.codebasechat.postgrest.SortOrder;
import dev.codebasechat.session.internal.SessionCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Every user's sessions as an operator lists them (the {@code sessions} command): a page, newest
 * activity first, with totals, from the database with the service key or from the embedded
 * default's local table. Reads only.
 *
 * <p><b>The service key.</b> Database calls go through an {@link OperatorScope}, which runs as
 * {@code service_role} and bypasses Row Level Security; never used on behalf of an end user.
 *
 * <p>Stateless: every method is static; thread safety is that of the client or table passed in.
 */
public final class SessionListing {
  private static final int TOTALS_PAGE = 1000;
  private static final String LIST_COLUMNS =
      "session_id,user_id,repo,message_count,last_activity,history_bytes";

  private SessionListing() {}

  /**
   * One session as an operator sees it: every row is listed as the table holds it, rows stored
   * before the table's checks too (their ids may not be ones the gateway accepts, and a row of the
   * original schema may have no owner).
   *
   * @param id the session id as stored
   * @param owner the owning user; empty for a row without one
   * @param historyBytes size of the stored history as JSON text
   */
  public record SessionRow(
      String id,
      Optional<UUID> owner,
      int messageCount,
      long historyBytes,
      Optional<Instant> lastActivity,
      Optional<String> repo) {}

  /**
   * A page of sessions, newest activity first, plus totals over all matching sessions.
   *
   * @param activeSessions sessions with activity at or after the {@code activeSince} asked for
   */
  public record Listing(
      List<SessionRow> sessions, long totalSessions, long activeSessions, long totalMessages) {
    public Listing {
      sessions = List.copyOf(sessions);
    }
  }

  /**
   * Every user's sessions in the database (or only {@code owner}'s), at most {@code limit} of them,
   * newest activity first, with totals. Runs with the service key.
   *
   * @throws IllegalArgumentException if {@code limit} is not positive
   * @throws PostgrestException when the database refuses or cannot be reached
   */
  public static Listing listSessions(
      OperatorScope database, Optional<UUID> owner, int limit, Instant activeSince) {
    checkLimit(limit);
    SelectRequest page = database.from(SessionCodec.TABLE).select(LIST_COLUMNS);
    if (owner.isPresent()) {
      page = page.eq("user_id", owner.get());
    }
    JsonNode rows =
        page.order("last_activity", SortOrder.DESCENDING)
            .order("session_id", SortOrder.ASCENDING)
            .limit(limit)
            .execute()
            .body();
    List<SessionRow> sessions = new ArrayList<>();
    for (JsonNode row : rows) {
      sessions.add(rowOf(row));
    }
    // Aggregates are off by default in PostgREST, so the totals come from the two small columns.
    long total = 0;
    long active = 0;
    long messages = 0;
    // Until a page comes back empty: a Data API whose max-rows is below the page answers less.
    for (long offset = 0; ; ) {
      SelectRequest counts =
          database.from(SessionCodec.TABLE).select("message_count,last_activity");
      if (owner.isPresent()) {
        counts = counts.eq("user_id", owner.get());
      }
      JsonNode chunk =
          counts
              .order("session_id", SortOrder.ASCENDING)
              .limit(TOTALS_PAGE)
              .offset(offset)
              .execute()
              .body();
      for (JsonNode row : chunk) {
        total++;
        messages += row.path("message_count").asLong(0);
        if (SessionCodec.parseTime(row.path("last_activity"))
            .filter(at -> !at.isBefore(activeSince))
            .isPresent()) {
          active++;
        }
      }
      if (chunk.isEmpty()) {
        break;
      }
      offset += chunk.size();
    }
    return new Listing(sessions, total, active, messages);
  }

  /**
   * Every user's sessions in the embedded default's local table (or only {@code owner}'s), at most
   * {@code limit}, newest activity first, with totals.
   *
   * @throws IllegalArgumentException if {@code limit} is not positive
   */
  public static Listing listSessions(
      LocalSessionTable table, Optional<UUID> owner, int limit, Instant activeSince) {
    checkLimit(limit);
    List<SessionRow> sessions = new ArrayList<>();
    for (ObjectNode row : table.listAll(owner, limit, 0).rows()) {
      sessions.add(rowOf(row));
    }
    LocalSessionTable.Totals totals = table.totals(owner, activeSince);
    return new Listing(sessions, totals.sessions(), totals.activeSince(), totals.messages());
  }

  private static void checkLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1 but was " + limit);
    }
  }

  /** One listed row; the history's size is the table's own column, no history is downloaded. */
  private static SessionRow rowOf(JsonNode row) {
    JsonNode owner = row.path("user_id");
    return new SessionRow(
        row.path("session_id").asText(),
        owner.isTextual() ? Optional.of(UUID.fromString(owner.asText())) : Optional.empty(),
        row.path("message_count").asInt(0),
        row.path("history_bytes").asLong(0),
        SessionCodec.parseTime(row.path("last_activity")),
        text(row, "repo"));
  }

  private static Optional<String> text(JsonNode row, String field) {
    JsonNode value = row.get(field);
    return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.asText());
  }
}
