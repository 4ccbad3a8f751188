package dev.codebasechat.testing.internal.memory;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Who a statement runs as: the database role and {@code auth.uid()}. */
record Caller(String role, @Nullable UUID userId) {

  boolean anonymous() {
    return role.equals("anon");
  }

  boolean bypassesRls() {
    return role.equals("service_role");
  }

  /** Whether RLS ({@code auth.uid() = user_id}) lets this caller see a row of {@code owner}. */
  boolean sees(@Nullable UUID owner) {
    return bypassesRls() || (owner != null && owner.equals(userId));
  }
}
