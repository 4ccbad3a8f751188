package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.testing.internal.ApiRequest;
import dev.codebasechat.testing.internal.FilterGrammar;
import dev.codebasechat.testing.internal.PostgrestError;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * One filter of the front's grammar as the in-memory table evaluates it: {@code eq}, {@code neq},
 * {@code gt}, {@code gte}, {@code lt}, {@code lte}, {@code in} and {@code is.null} / {@code
 * is.not_null}, each optionally negated, on the real columns, with the column's type (a value
 * PostgreSQL would not read is its error; {@code is.true} on a column that is not boolean too) and
 * SQL's NULL semantics. Anything else is PGRST127 saying so.
 */
record RowFilter(ApiRequest.Filter filter, ColumnType type, List<String> values)
    implements Predicate<ObjectNode> {

  static RowFilter of(ApiRequest.Filter filter) {
    if (filter.column().equals(Session.HISTORY)) {
      throw SqlErrors.unsupported(
          "the fake does not filter on the computed field " + Session.HISTORY);
    }
    ColumnType type = DeclaredSchema.typeOf(filter.column());
    String operator = filter.operator();
    if (type == ColumnType.JSONB && !operator.equals("is")) {
      throw SqlErrors.unsupported("the fake filters jsonb columns only with is.null / is.not_null");
    }
    String value = filter.value();
    List<String> values =
        switch (operator) {
          case "eq", "neq", "gt", "gte", "lt", "lte" -> List.of(type.canonical(value));
          case "in" -> FilterGrammar.inList(value).stream().map(type::canonical).toList();
          case "is" -> {
            String lower = value.toLowerCase(Locale.ROOT);
            if (!lower.equals("null") && !lower.equals("not_null")) {
              // is.true, is.false, is.unknown: the table has no boolean column.
              throw PostgrestError.sql(
                  "42804",
                  "argument of IS "
                      + lower.toUpperCase(Locale.ROOT)
                      + " must be type boolean, not type "
                      + type.sqlName);
            }
            yield List.of(lower);
          }
          default ->
              throw SqlErrors.unsupported(
                  "the fake supports only eq, neq, gt, gte, lt, lte, in and is (operator was \""
                      + operator
                      + "\")");
        };
    return new RowFilter(filter, type, values);
  }

  /** Whether {@code row} passes, with SQL's NULL semantics (NULL never equals anything). */
  @Override
  public boolean test(ObjectNode row) {
    JsonNode stored = row.get(filter.column());
    boolean isNull = stored == null || stored.isNull();
    if (filter.operator().equals("is")) {
      return filter.negated() ^ (values.get(0).equals("null") == isNull);
    }
    if (isNull) {
      // NULL compares as unknown, which no negation makes true; but x = ANY('{}'), PostgREST's
      // in.(), is false for NULL too, so not.in.() keeps NULL rows.
      return filter.operator().equals("in") && values.isEmpty() && filter.negated();
    }
    String canonical = type.canonical(stored);
    boolean hit =
        switch (filter.operator()) {
          case "eq" -> values.get(0).equals(canonical);
          case "neq" -> !values.get(0).equals(canonical);
          case "gt" -> type.compare(canonical, values.get(0)) > 0;
          case "gte" -> type.compare(canonical, values.get(0)) >= 0;
          case "lt" -> type.compare(canonical, values.get(0)) < 0;
          case "lte" -> type.compare(canonical, values.get(0)) <= 0;
          default -> values.contains(canonical);
        };
    return filter.negated() ^ hit;
  }
}
