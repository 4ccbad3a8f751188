package dev.codebasechat.testing.internal.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.testing.internal.PostgrestError;
import org.jspecify.annotations.Nullable;

/** The database errors the in-memory backend raises, worded as PostgreSQL and the SQL word them. */
final class SqlErrors {
  static final String TABLE = "codebase_chat_sessions";

  private SqlErrors() {}

  static PostgrestError invalidParameter(String message) {
    return PostgrestError.sql("22023", message);
  }

  static PostgrestError invalidText(String type, String value) {
    return PostgrestError.sql(
        "22P02", "invalid input syntax for type " + type + ": \"" + value + "\"");
  }

  static PostgrestError checkViolation(String constraint) {
    return checkViolation(constraint, null);
  }

  /** {@code details}: the failing row, for a role that bypasses RLS. */
  static PostgrestError checkViolation(String constraint, @Nullable String details) {
    return PostgrestError.sql(
        "23514",
        "new row for relation \"" + TABLE + "\" violates check constraint \"" + constraint + "\"",
        details,
        null);
  }

  static PostgrestError notNull(String column, @Nullable String details) {
    return PostgrestError.sql(
        "23502",
        "null value in column \""
            + column
            + "\" of relation \""
            + TABLE
            + "\" violates not-null constraint",
        details,
        null);
  }

  /** A session id another row holds; {@code rowVisible}: the DETAIL names the key. */
  static PostgrestError duplicateSessionId(String sessionId, boolean rowVisible) {
    return PostgrestError.sql(
        "23505",
        "duplicate key value violates unique constraint \"codebase_chat_sessions_session_id_key\"",
        rowVisible ? "Key (session_id)=(" + sessionId + ") already exists." : null,
        null);
  }

  static PostgrestError permissionDenied(String what) {
    return PostgrestError.sql("42501", "permission denied for " + what);
  }

  /** An append to a session id another user owns ({@code caller_for}'s refusal). */
  static PostgrestError foreignSession(String function) {
    return PostgrestError.sql(
        "42501", function + ": this session id belongs to a session the caller does not own");
  }

  /** A feature of PostgREST's grammar the in-memory backend does not have. */
  static PostgrestError unsupported(String details) {
    return PostgrestError.notImplemented(details);
  }

  /**
   * What PostgreSQL refuses while it reads JSON into text or jsonb, in the order of the text: a
   * string or key holding U+0000 (22P05), and a number its {@code numeric} cannot hold (22003).
   */
  static void refuseUnreadable(JsonNode value) {
    if (value.isTextual()) {
      refuseNul(value.textValue());
    } else if (value.isNumber() && !PgJsonb.isStorableNumber(value)) {
      throw PostgrestError.sql("22003", "value overflows numeric format");
    } else if (value.isObject()) {
      value
          .properties()
          .forEach(
              field -> {
                refuseNul(field.getKey());
                refuseUnreadable(field.getValue());
              });
    } else {
      value.forEach(SqlErrors::refuseUnreadable);
    }
  }

  private static void refuseNul(String text) {
    if (text.indexOf('\u0000') >= 0) {
      throw PostgrestError.sql(
          "22P05",
          "unsupported Unicode escape sequence",
          "\\u0000 cannot be converted to text.",
          null);
    }
  }
}
