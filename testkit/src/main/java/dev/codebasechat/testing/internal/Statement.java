package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
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

  /**
   * GET or HEAD of a table: the rows from {@code offset}, at most {@code limit} (already bounded by
   * {@code db-max-rows}; null: none); {@code count}: the total is wanted.
   */
  record Read(
      Schema.Table table,
      ApiRequest query,
      long offset,
      @Nullable Long limit,
      boolean count,
      boolean singular)
      implements Statement {}

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
