package dev.codebasechat.postgrest;

/** Where NULLs sort in an {@code order=} term. */
public enum Nulls {
  FIRST("nullsfirst"),
  LAST("nullslast");

  final String token;

  Nulls(String token) {
    this.token = token;
  }
}
