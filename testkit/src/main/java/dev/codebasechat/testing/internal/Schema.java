package dev.codebasechat.testing.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PostgREST's schema cache: the tables and views of the exposed schema with their columns (in table
 * order, typed as {@code format_type} writes them) and primary keys, and its functions with their
 * input parameters, return kind and volatility. The front resolves resources against it (PGRST205,
 * PGRST204, PGRST202); each backend supplies its own, the PostgreSQL one read from the catalog.
 * {@code timezones}: the zone names the database knows ({@code pg_timezone_names}), which {@code
 * Prefer: timezone} may name. Immutable.
 */
public record Schema(
    String name,
    Map<String, Table> tables,
    Map<String, List<Routine>> routines,
    Set<String> timezones) {

  public Schema {
    tables = Map.copyOf(tables);
    routines = Map.copyOf(routines);
    timezones = Set.copyOf(timezones);
  }

  /** A column: its name and type. */
  public record Column(String name, String type) {}

  /** A table or view; {@code columns} in table order. */
  public record Table(String name, List<Column> columns, List<String> primaryKey) {
    public Optional<Column> column(String name) {
      return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }
  }

  /** What a function returns, as PostgREST distinguishes it. */
  public enum Returns {
    VOID,
    SCALAR,
    SET_OF_SCALAR,
    COMPOSITE,
    SET_OF_COMPOSITE;

    /** Whether the answer is one value (or none), not an array. */
    public boolean single() {
      return this == VOID || this == SCALAR || this == COMPOSITE;
    }
  }

  /** An input parameter. */
  public record Parameter(String name, String type, boolean hasDefault) {}

  /** A function. */
  public record Routine(
      String name, List<Parameter> parameters, Returns returns, boolean volatileFunction) {
    /** Whether a call with exactly the arguments {@code given} fits it. */
    public boolean accepts(Set<String> given) {
      return parameters.stream().allMatch(p -> p.hasDefault() || given.contains(p.name()))
          && parameters.stream().map(Parameter::name).toList().containsAll(given);
    }
  }

  public Optional<Table> table(String name) {
    return Optional.ofNullable(tables.get(name));
  }

  public List<Routine> routines(String name) {
    return routines.getOrDefault(name, List.of());
  }

  /** The names of the functions, for PostgREST's hints. */
  public Set<String> routineNames() {
    return routines.keySet();
  }
}
