package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What stands behind the one PostgREST front: the data, its rules and its functions. The front
 * parses, authenticates, resolves against {@link #schema()} and shapes the answer; a backend runs a
 * {@link Statement} as an {@link Identity}, atomically, and answers its rows or throws a {@link
 * PostgrestError} (a database error by SQLSTATE). Implementations are thread-safe.
 */
public interface Backend {

  /**
   * What the request looked like, for PostgREST's per-request settings; {@code timezone}: the
   * session time zone it asked for ({@code Prefer: timezone}), null for the database's.
   */
  record Context(String method, String path, String headersJson, @Nullable String timezone) {}

  /**
   * The rows of a statement: for a read, the page (and the {@code total} when counted); for a write
   * with representation, the rows written; for a function, its value (one element) or set. {@code
   * inserted}: rows an upsert inserted rather than updated; {@code gucStatus}/{@code gucHeaders}:
   * what SQL set in {@code response.status} and {@code response.headers}.
   */
  record Result(
      List<JsonNode> rows,
      long count,
      @Nullable Long total,
      @Nullable Integer inserted,
      @Nullable String gucStatus,
      @Nullable String gucHeaders) {

    public static Result of(List<JsonNode> rows, @Nullable Long total) {
      return new Result(rows, rows.size(), total, null, null, null);
    }

    public Result withTotal(@Nullable Long total) {
      return new Result(rows, count, total, inserted, gucStatus, gucHeaders);
    }
  }

  /** Makes the backend ready (idempotent); the front calls it when it starts serving. */
  void start();

  /** Releases what {@link #start()} took; the data stays for the next start. */
  void stop();

  Schema schema();

  /**
   * Runs {@code statement} as {@code who} in one transaction.
   *
   * @throws PostgrestError what PostgREST would answer instead of rows
   */
  Result run(Statement statement, Identity who, Context request);

  /** Empties every table (and the users, where there are any). */
  void reset();

  /** Makes sure {@code user} exists, as Supabase Auth's sign-up would create it. */
  void userExists(UUID user);
}
