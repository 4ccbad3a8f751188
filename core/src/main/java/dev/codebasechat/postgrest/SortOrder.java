package dev.codebasechat.postgrest;

/** Direction of an {@code order=} term. */
public enum SortOrder {
  ASCENDING("asc"),
  DESCENDING("desc");

  final String token;

  SortOrder(String token) {
    this.token = token;
  }
}
