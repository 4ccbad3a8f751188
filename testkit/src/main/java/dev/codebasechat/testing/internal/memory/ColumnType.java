package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.testing.internal.PostgrestError;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;

/** The SQL types of the fake table's columns: how a filter value is read and how rows sort. */
enum ColumnType {
  UUID("uuid"),
  TEXT("text"),
  INTEGER("integer"),
  BIGINT("bigint"),
  TIMESTAMPTZ("timestamp with time zone"),
  JSONB("jsonb");

  final String sqlName;

  ColumnType(String sqlName) {
    this.sqlName = sqlName;
  }

  /**
   * The canonical text of a filter value, as PostgreSQL would read it into this type.
   *
   * @throws PostgrestError 22P02/22007 when PostgreSQL would refuse the value
   */
  String canonical(String value) {
    try {
      return switch (this) {
        case UUID -> java.util.UUID.fromString(value).toString();
        case INTEGER, BIGINT -> Long.toString(Long.parseLong(value.trim()));
        case TIMESTAMPTZ -> parseInstant(value).toString();
        case TEXT, JSONB -> value;
      };
    } catch (IllegalArgumentException | DateTimeParseException e) {
      if (this == TIMESTAMPTZ) {
        throw PostgrestError.sql(
            "22007", "invalid input syntax for type " + sqlName + ": \"" + value + "\"");
      }
      throw SqlErrors.invalidText(sqlName, value);
    }
  }

  /** The canonical text of a stored, non-null value. */
  String canonical(JsonNode stored) {
    return canonical(stored.asText());
  }

  /** Compares two canonical values of this type as PostgreSQL would (text by code point). */
  int compare(String left, String right) {
    return switch (this) {
      case INTEGER, BIGINT -> Long.compare(Long.parseLong(left), Long.parseLong(right));
      case TIMESTAMPTZ -> Instant.parse(left).compareTo(Instant.parse(right));
      case UUID, TEXT, JSONB -> left.compareTo(right);
    };
  }

  /** The order of stored, non-null values. */
  Comparator<JsonNode> order() {
    return (left, right) -> compare(canonical(left), canonical(right));
  }

  private static Instant parseInstant(String text) {
    return OffsetDateTime.parse(text.trim().replace(' ', 'T')).toInstant();
  }
}
