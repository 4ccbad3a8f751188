package dev.codebasechat.session;

import dev.codebasechat.postgrest.AccessToken;
import java.util.Objects;
import java.util.UUID;

/**
 * Who is asking: the verified user id (the JWT's {@code sub}) and that user's access token, which
 * is forwarded to the database so Row Level Security applies. The store trusts {@code userId}: the
 * caller must have verified the token (the gateway does it with {@code auth}) before building one.
 *
 * <p>Immutable. {@link #toString()} never shows the token.
 */
public record Caller(UUID userId, AccessToken token) {
  /**
   * @throws NullPointerException naming the missing part
   */
  public Caller {
    Objects.requireNonNull(userId, "userId must not be null: the verified token's sub");
    Objects.requireNonNull(token, "token must not be null: the user's access token");
  }

  @Override
  public String toString() {
    return "Caller[userId=" + userId + "]";
  }
}
