package dev.codebasechat.testing.internal.memory;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Who a statement runs as: the database role and the token's {@code sub}. Of the roles a request
 * may switch to, only {@code authenticated} and {@code service_role} hold privileges on the table
 * and the functions; {@code anon} and {@code authenticator} hold none.
 */
record Caller(String role, @Nullable String sub) {

  /**
   * {@code auth.uid()}: the {@code sub} read as a uuid, when the statement first needs it (after
   * the privilege checks, and not at all when no row or function asks for it).
   *
   * @throws dev.codebasechat.testing.internal.PostgrestError 22P02 for a sub uuid_in does not read
   */
  @Nullable UUID userId() {
    return sub == null ? null : UUID.fromString(ColumnType.UUID.canonical(sub));
  }

  /** Whether the role holds the grants of the migrations for signed-in users. */
  boolean authenticated() {
    return role.equals("authenticated");
  }

  boolean bypassesRls() {
    return role.equals("service_role");
  }

  /** Whether RLS ({@code auth.uid() = user_id}) lets this caller see a row of {@code owner}. */
  boolean sees(@Nullable UUID owner) {
    return bypassesRls() || (owner != null && owner.equals(userId()));
  }
}
