package dev.codebasechat.postgrest;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request that takes horizontal filters ({@code column=op.value}); several filters are ANDed.
 * Columns come from code and must be plain identifiers; values may come from anywhere: each filter
 * is one query parameter encoded by OkHttp, and list elements are quoted and escaped, so no value
 * can add a parameter, a list element or a logic branch.
 *
 * @param <S> the concrete request type
 */
public abstract class FilterRequest<S extends FilterRequest<S>> extends PostgrestRequest<S> {
  private final List<Map.Entry<String, String>> filters = new ArrayList<>();

  FilterRequest(
      Transport transport,
      RequestAuth caller,
      Operation operation,
      String resource,
      String method,
      byte @Nullable [] body) {
    super(transport, caller, operation, resource, method, body);
  }

  /**
   * {@code column = value} ({@code column=eq.value}); the value is rendered with {@code
   * String.valueOf}.
   */
  public S eq(String column, Object value) {
    return filter(column, "eq.", FilterValues.scalar(column, value));
  }

  /** {@code column <> value}. */
  public S neq(String column, Object value) {
    return filter(column, "neq.", FilterValues.scalar(column, value));
  }

  /** {@code column > value}. */
  public S gt(String column, Object value) {
    return filter(column, "gt.", FilterValues.scalar(column, value));
  }

  /** {@code column >= value}. */
  public S gte(String column, Object value) {
    return filter(column, "gte.", FilterValues.scalar(column, value));
  }

  /** {@code column < value}. */
  public S lt(String column, Object value) {
    return filter(column, "lt.", FilterValues.scalar(column, value));
  }

  /** {@code column <= value}. */
  public S lte(String column, Object value) {
    return filter(column, "lte.", FilterValues.scalar(column, value));
  }

  /**
   * {@code column IN (values…)} ({@code column=in.("a","b")}); every element is double-quoted with
   * {@code \} and {@code "} escaped. An empty collection matches no row.
   */
  public S in(String column, Collection<?> values) {
    return filter(column, "in.", FilterValues.list(column, values));
  }

  /** {@code column IS NULL / NOT NULL / TRUE / FALSE / UNKNOWN}. */
  public S is(String column, IsValue value) {
    Objects.requireNonNull(value, "value");
    return filter(column, "", value.filter);
  }

  private S filter(String column, String operator, String operand) {
    filters.add(new SimpleImmutableEntry<>(Identifiers.filterColumn(column), operator + operand));
    return self();
  }

  boolean hasFilters() {
    return !filters.isEmpty();
  }

  void addFilters(List<Map.Entry<String, String>> params) {
    params.addAll(filters);
  }
}
