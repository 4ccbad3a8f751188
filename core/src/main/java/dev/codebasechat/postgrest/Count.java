package dev.codebasechat.postgrest;

/**
 * How PostgREST counts the total number of matching rows ({@code Prefer: count=…}); the total is
 * read from the {@code Content-Range} header into {@link PostgrestResult#totalCount()}.
 */
public enum Count {
  EXACT("count=exact"),
  PLANNED("count=planned"),
  ESTIMATED("count=estimated");

  final String preference;

  Count(String preference) {
    this.preference = preference;
  }
}
