package dev.codebasechat.postgrest;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** {@code GET /<table>?select=…}: read rows. Built by {@link TableQuery#select(String)}. */
public final class SelectRequest extends FilterRequest<SelectRequest> {
  private final String columns;
  private final StringJoiner order = new StringJoiner(",");
  private @Nullable Long limit;
  private @Nullable Long offset;

  SelectRequest(Transport transport, RequestAuth caller, String table, String columns) {
    super(transport, caller, Operation.SELECT, table, "GET", null);
    this.columns = columns;
  }

  /** Orders by {@code column}; later calls add tie-breakers ({@code order=a.desc,b.asc}). */
  public SelectRequest order(String column, SortOrder direction) {
    order.add(Identifiers.name(column, "column") + "." + Objects.requireNonNull(direction).token);
    return this;
  }

  /** Orders by {@code column} with NULLs first or last. */
  public SelectRequest order(String column, SortOrder direction, Nulls nulls) {
    order.add(
        Identifiers.name(column, "column")
            + "."
            + Objects.requireNonNull(direction).token
            + "."
            + Objects.requireNonNull(nulls).token);
    return this;
  }

  /** At most {@code rows} rows ({@code limit=}); must not be negative. */
  public SelectRequest limit(long rows) {
    this.limit = requireNonNegative(rows, "limit");
    return this;
  }

  /** Skips {@code rows} rows ({@code offset=}); must not be negative. */
  public SelectRequest offset(long rows) {
    this.offset = requireNonNegative(rows, "offset");
    return this;
  }

  /**
   * Rows {@code from} to {@code to}, both inclusive and zero-based, as postgrest-js sends them
   * ({@code offset=from&limit=to-from+1}).
   */
  public SelectRequest range(long from, long to) {
    requireNonNegative(from, "from");
    if (to < from) {
      throw new IllegalArgumentException("to must be >= from (" + from + ") but was " + to);
    }
    this.offset = from;
    this.limit = to - from + 1;
    return this;
  }

  private static long requireNonNegative(long n, String setting) {
    if (n < 0) {
      throw new IllegalArgumentException(setting + " must not be negative but was " + n);
    }
    return n;
  }

  @Override
  SelectRequest self() {
    return this;
  }

  @Override
  void addQueryParameters(List<Map.Entry<String, String>> params) {
    params.add(new SimpleImmutableEntry<>("select", columns));
    addFilters(params);
    if (order.length() > 0) {
      params.add(new SimpleImmutableEntry<>("order", order.toString()));
    }
    if (limit != null) {
      params.add(new SimpleImmutableEntry<>("limit", limit.toString()));
    }
    if (offset != null) {
      params.add(new SimpleImmutableEntry<>("offset", offset.toString()));
    }
  }
}
