package dev.codebasechat.testing.internal.memory;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Who a statement runs as: the database role and {@code auth.uid()}. Of the roles a request may
 * switch to, only {@code authenticated} and {@code service_role} hold privileges on the table and
 * the functions; {@code anon} and {@code authenticator} hold none.
 */
record Caller(String role, @Nullable UUID userId) {

  /** Whether the role holds the grants of the migrations for signed-in users. */
  boolean authenticated() {
    return role.equals("authenticated");
  }

  boolean bypassesRls() {
    return role.equals("service_role");
  }

  /** Whether RLS ({@code auth.uid() = user_id}) lets this caller see a row of {@code owner}. */
  boolean sees(@Nullable UUID owner) {
    return bypassesRls() || (owner != null && owner.equals(userId));
  }
}
