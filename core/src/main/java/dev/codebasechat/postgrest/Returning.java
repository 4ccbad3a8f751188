package dev.codebasechat.postgrest;

/** What a write answers with: PostgREST's {@code Prefer: return=…}. */
public enum Returning {
  /** {@code return=minimal}: no body (PostgREST's default for writes). */
  MINIMAL("return=minimal"),
  /** {@code return=representation}: the affected rows as a JSON array. */
  REPRESENTATION("return=representation");

  final String preference;

  Returning(String preference) {
    this.preference = preference;
  }
}
