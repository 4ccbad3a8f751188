package dev.codebasechat.postgrest;

import java.util.List;
import java.util.Map;

/**
 * {@code DELETE /<table>?<filters>}: delete the rows that match. At least one filter is required
 * (as for {@link UpdateRequest}). Answers 204, or 200 with the rows when {@link
 * #returning(Returning) returning(REPRESENTATION)}.
 */
public final class DeleteRequest extends FilterRequest<DeleteRequest> {
  private final Representation representation = new Representation();

  DeleteRequest(Transport transport, RequestAuth caller, String table) {
    super(transport, caller, Operation.DELETE, table, "DELETE", null);
  }

  /** {@code Prefer: return=minimal} (default) or {@code return=representation}. */
  public DeleteRequest returning(Returning returning) {
    representation.returning(returning);
    return this;
  }

  /** Returns the deleted rows shaped by {@code columns}. */
  public DeleteRequest select(String columns) {
    representation.select(columns);
    return this;
  }

  @Override
  DeleteRequest self() {
    return this;
  }

  @Override
  void addQueryParameters(List<Map.Entry<String, String>> params) {
    if (!hasFilters()) {
      throw new IllegalStateException("delete from " + resource + " needs at least one filter");
    }
    representation.addQueryParameter(params);
    addFilters(params);
  }

  @Override
  void addPreferences(List<String> preferences) {
    representation.addPreference(preferences);
  }
}
