package dev.codebasechat.postgrest;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /<table>}: insert one row (a JSON object) or many in one statement (a JSON array of
 * objects with identical keys). As an upsert ({@link TableQuery#upsert}) it adds {@code Prefer:
 * resolution=merge-duplicates} and {@code on_conflict=}. Answers 201 (200 for an upsert that only
 * updated); no body unless {@link #returning(Returning) returning(REPRESENTATION)}.
 */
public final class InsertRequest extends PostgrestRequest<InsertRequest> {
  private final @Nullable String onConflict;
  private final Representation representation = new Representation();

  InsertRequest(
      Transport transport,
      RequestAuth caller,
      String table,
      byte[] body,
      boolean upsert,
      @Nullable String onConflict) {
    super(transport, caller, upsert ? Operation.UPSERT : Operation.INSERT, table, "POST", body);
    this.onConflict = onConflict;
  }

  /** {@code Prefer: return=minimal} (default) or {@code return=representation}. */
  public InsertRequest returning(Returning returning) {
    representation.returning(returning);
    return this;
  }

  /**
   * Returns the written rows shaped by {@code columns} ({@code return=representation&select=…}).
   */
  public InsertRequest select(String columns) {
    representation.select(columns);
    return this;
  }

  @Override
  InsertRequest self() {
    return this;
  }

  @Override
  void addQueryParameters(List<Map.Entry<String, String>> params) {
    representation.addQueryParameter(params);
    if (onConflict != null) {
      params.add(new SimpleImmutableEntry<>("on_conflict", onConflict));
    }
  }

  @Override
  void addPreferences(List<String> preferences) {
    if (operation == Operation.UPSERT) {
      preferences.add("resolution=merge-duplicates");
    }
    representation.addPreference(preferences);
  }
}
