package dev.codebasechat.postgrest;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The {@code return=} / {@code select=} state that every write request shares. */
final class Representation {
  private Returning returning = Returning.MINIMAL;
  private @Nullable String columns;

  void returning(Returning returning) {
    this.returning = Objects.requireNonNull(returning, "returning");
    if (returning == Returning.MINIMAL) {
      columns = null;
    }
  }

  void select(String columns) {
    this.columns = Identifiers.selectList(columns);
    this.returning = Returning.REPRESENTATION;
  }

  void addPreference(List<String> preferences) {
    preferences.add(returning.preference);
  }

  void addQueryParameter(List<Map.Entry<String, String>> params) {
    if (columns != null) {
      params.add(new SimpleImmutableEntry<>("select", columns));
    }
  }
}
