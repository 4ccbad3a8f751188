package dev.codebasechat.postgrest;

/** Operand of the {@code is.} filter ({@code IS NULL}, {@code IS TRUE}, …). */
public enum IsValue {
  NULL("null"),
  NOT_NULL("not_null"),
  TRUE("true"),
  FALSE("false"),
  UNKNOWN("unknown");

  final String token;

  IsValue(String token) {
    this.token = token;
  }
}
