package dev.codebasechat.postgrest;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The verbs on one table, for one caller: {@link UserScope#from(String)} (or {@link
 * OperatorScope#from(String)}). Immutable and cheap; each method starts a new request builder.
 */
public final class TableQuery {
  private final Transport transport;
  private final RequestAuth caller;
  private final String table;

  TableQuery(Transport transport, RequestAuth caller, String table) {
    this.transport = transport;
    this.caller = caller;
    this.table = table;
  }

  /**
   * Reads rows: {@code GET /<table>?select=<columns>}. {@code columns} comes from code: names,
   * {@code *}, aliases, casts, JSON paths and embeddings; whitespace is dropped, blank means {@code
   * *}.
   *
   * @throws IllegalArgumentException if {@code columns} holds characters outside that grammar
   */
  public SelectRequest select(String columns) {
    return new SelectRequest(transport, caller, table, Identifiers.selectList(columns));
  }

  /** {@link #select(String) select("*")}. */
  public SelectRequest select() {
    return select("*");
  }

  /**
   * Inserts {@code rows}: a {@link com.fasterxml.jackson.databind.JsonNode}, a POJO/record/map (one
   * row) or a collection/array of them (one statement), serialized now with the client's mapper.
   *
   * @throws IllegalArgumentException if {@code rows} cannot be serialized
   */
  public InsertRequest insert(Object rows) {
    return new InsertRequest(
        transport, caller, table, Json.bytes(transport.mapper, rows, "rows"), false, null);
  }

  /**
   * Inserts or, where a row with the same {@code onConflict} key exists, updates it: {@code Prefer:
   * resolution=merge-duplicates}, {@code on_conflict=<columns>} (the primary key when none given).
   */
  public InsertRequest upsert(Object rows, String... onConflict) {
    String target =
        onConflict.length == 0
            ? null
            : Arrays.stream(onConflict)
                .map(c -> Identifiers.name(c, "onConflict column"))
                .collect(Collectors.joining(","));
    return new InsertRequest(
        transport, caller, table, Json.bytes(transport.mapper, rows, "rows"), true, target);
  }

  /** Updates the rows the filters select with the columns present in {@code patch}. */
  public UpdateRequest update(Object patch) {
    return new UpdateRequest(
        transport, caller, table, Json.bytes(transport.mapper, patch, "patch"));
  }

  /** Deletes the rows the filters select. */
  public DeleteRequest delete() {
    return new DeleteRequest(transport, caller, table);
  }

  static TableQuery of(Transport transport, RequestAuth caller, String table) {
    return new TableQuery(transport, caller, Identifiers.name(table, "table"));
  }

  @Override
  public String toString() {
    return "TableQuery[" + table + "]";
  }
}
