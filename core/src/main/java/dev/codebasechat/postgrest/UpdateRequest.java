package dev.codebasechat.postgrest;

import java.util.List;
import java.util.Map;

/**
 * {@code PATCH /<table>?<filters>}: update the rows that match. At least one filter is required
 * (Supabase's pg-safeupdate rejects a PATCH without one, and so does this client, before sending).
 * Answers 204, or 200 with the rows when {@link #returning(Returning) returning(REPRESENTATION)};
 * rows RLS hides are silently not updated.
 */
public final class UpdateRequest extends FilterRequest<UpdateRequest> {
  private final Representation representation = new Representation();

  UpdateRequest(Transport transport, RequestAuth caller, String table, byte[] body) {
    super(transport, caller, Operation.UPDATE, table, "PATCH", body);
  }

  /** {@code Prefer: return=minimal} (default) or {@code return=representation}. */
  public UpdateRequest returning(Returning returning) {
    representation.returning(returning);
    return this;
  }

  /** Returns the updated rows shaped by {@code columns}. */
  public UpdateRequest select(String columns) {
    representation.select(columns);
    return this;
  }

  @Override
  UpdateRequest self() {
    return this;
  }

  @Override
  void addQueryParameters(List<Map.Entry<String, String>> params) {
    if (!hasFilters()) {
      throw new IllegalStateException("update of " + resource + " needs at least one filter");
    }
    representation.addQueryParameter(params);
    addFilters(params);
  }

  @Override
  void addPreferences(List<String> preferences) {
    representation.addPreference(preferences);
  }
}
