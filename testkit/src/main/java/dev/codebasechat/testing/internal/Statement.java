package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The work of one request, checked against the schema by the front, for a {@link Backend} to run in
 * one transaction. {@code singular}: the request asked for one object, so anything but one row is
 * PGRST116 and changes nothing. {@code representation}: a write answers its rows (shaped by {@code
 * select}), else nothing.
 */
public sealed interface Statement {

  /**
   * The parsed query string: select, filters, order, paging, {@code columns}, {@code on_conflict}.
   */
  ApiRequest query();

  boolean singular();

  /** The table a read or write works on; null for a call. */
  default Schema.@Nullable Table table() {
    return null;
  }

  /** The rows a write or call may reach ({@code Prefer: max-affected} under strict); null: any. */
  default @Nullable Long maxAffected() {
    return null;
  }

  /**
   * Refuses a row count the request does not accept, as PostgREST does after running it: PGRST116
   * for a single object, PGRST124 beyond {@code max-affected}. The backend then changes nothing.
   */
  default void checkRows(long rows) {
    if (singular() && rows != 1) {
      throw PostgrestError.notSingular(rows);
    }
    Long max = maxAffected();
    if (max != null && rows > max) {
      throw PostgrestError.of(
          400,
          "PGRST124",
          "Query result exceeds max-affected preference constraint",
          "The query affects " + rows + " rows",
          null);
    }
  }

  /** The total a read asks for ({@code Prefer: count=}), as PostgREST computes each. */
  enum Count {
    NONE,
    EXACT,
    /** The planner's estimate of the rows ({@code EXPLAIN}'s "Plan Rows"). */
    PLANNED,
    /** Exact up to {@code db-max-rows}; beyond it, the planner's estimate if that is larger. */
    ESTIMATED
  }

  /**
   * GET or HEAD of a table: the rows from {@code offset}, at most {@code limit} (already bounded by
   * {@code db-max-rows}, {@code maxRows}; null: none), and the total {@code count} asks for.
   */
  record Read(
      Schema.Table table,
      ApiRequest query,
      long offset,
      @Nullable Long limit,
      Count count,
      long maxRows,
      boolean singular)
      implements Statement {

    /** Whether the backend counts the rows that pass the filters (PostgREST's shouldCount). */
    public boolean countsRows() {
      return count == Count.EXACT || count == Count.ESTIMATED;
    }

    /**
     * The total of {@code Content-Range}: from {@code counted} (the rows that pass the filters,
     * when {@link #countsRows()}) and, where PostgREST asks the planner, {@code planned}.
     */
    public @Nullable Long total(long counted, LongSupplier planned) {
      return switch (count) {
        case NONE -> null;
        case EXACT -> counted;
        case PLANNED -> planned.getAsLong();
        // PostgREST counts at most db-max-rows + 1 rows before it asks the planner.
        case ESTIMATED ->
            maxRows > 0 && counted > maxRows ? Math.max(maxRows + 1, planned.getAsLong()) : counted;
      };
    }
  }

  /**
   * POST: {@code payload} one object or an array of objects with {@code columns}; {@code
   * resolution} {@code merge-duplicates} or {@code ignore-duplicates} on {@code conflictColumns},
   * or null for a plain insert.
   */
  record Insert(
      Schema.Table table,
      ApiRequest query,
      List<String> columns,
      JsonNode payload,
      @Nullable String resolution,
      List<String> conflictColumns,
      boolean representation,
      boolean singular)
      implements Statement {}

  /** PATCH: {@code payload}'s columns on the rows the filters (at least one) select. */
  record Update(
      Schema.Table table,
      ApiRequest query,
      ObjectNode payload,
      boolean representation,
      boolean singular,
      @Nullable Long maxAffected)
      implements Statement {}

  /** DELETE of the rows the filters (at least one) select. */
  record Delete(
      Schema.Table table,
      ApiRequest query,
      boolean representation,
      boolean singular,
      @Nullable Long maxAffected)
      implements Statement {}

  /** POST /rpc: {@code arguments} named as {@code routine}'s parameters. */
  record Call(
      Schema.Routine routine,
      ApiRequest query,
      ObjectNode arguments,
      boolean singular,
      @Nullable Long maxAffected)
      implements Statement {}
}
