package dev.codebasechat.postgrest;

/**
 * Operand of the {@code is.} filter ({@code IS NULL}, {@code IS TRUE}, …). {@link #NOT_NULL} is
 * sent as {@code not.is.null}: PostgREST reads {@code is.not_null} only from version 13 on.
 */
public enum IsValue {
  NULL("is.null"),
  NOT_NULL("not.is.null"),
  TRUE("is.true"),
  FALSE("is.false"),
  UNKNOWN("is.unknown");

  /** The filter's value as sent: operator and operand. */
  final String filter;

  IsValue(String filter) {
    this.filter = filter;
  }
}
