package dev.codebasechat.auth;

import dev.codebasechat.postgrest.AccessToken;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A user whose access token {@link SupabaseJwtVerifier} verified: {@code userId} is the token's
 * {@code sub}, {@code token} the raw token to forward to PostgREST so RLS applies.
 *
 * <p>Immutable. {@link #toString()} never shows the token.
 *
 * @param userId the verified {@code sub}
 * @param token the token itself, for the {@code Authorization} header of requests on the user's
 *     behalf
 * @param isAnonymous the {@code is_anonymous} claim (Supabase anonymous sign-in)
 * @param expiresAt the {@code exp} claim
 * @param sessionId the {@code session_id} claim, when present
 */
public record VerifiedUser(
    UUID userId,
    AccessToken token,
    boolean isAnonymous,
    Instant expiresAt,
    Optional<String> sessionId) {

  public VerifiedUser {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(sessionId, "sessionId");
  }

  @Override
  public String toString() {
    return "VerifiedUser[userId="
        + userId
        + ", isAnonymous="
        + isAnonymous
        + ", expiresAt="
        + expiresAt
        + ", sessionId="
        + sessionId.orElse("none")
        + "]";
  }
}
