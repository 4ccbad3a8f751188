package dev.codebasechat.auth;

/**
 * A bearer token was missing or could not be verified. The gateway answers 401 with {@link
 * #wwwAuthenticate()} as the {@code WWW-Authenticate} header, but for {@link
 * Reason#KEYS_UNAVAILABLE}, which says nothing against the token: that is 503 with {@code
 * Retry-After}.
 *
 * <p>The message is the short reason only: it never contains the token, any part of it, or a
 * secret. Unchecked; immutable.
 */
public final class InvalidTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /** No {@code Authorization: Bearer} credential at all. */
    MISSING("no bearer token"),
    /** Not a well-formed JWS compact token, a bad header, or a required claim is absent. */
    MALFORMED("malformed token"),
    /** {@code alg: none}, an encrypted token, or an algorithm no configured key may use. */
    UNSUPPORTED_ALGORITHM("unsupported token algorithm"),
    /** The signature does not verify, or no configured key matches the token. */
    BAD_SIGNATURE("invalid token signature"),
    /** {@code exp} is in the past beyond the allowed clock skew. */
    EXPIRED("token expired"),
    /** {@code nbf} or {@code iat} is in the future beyond the allowed clock skew. */
    NOT_YET_VALID("token not yet valid"),
    /** {@code aud} does not contain {@code authenticated}. */
    WRONG_AUDIENCE("wrong token audience"),
    /** {@code iss} is not the configured issuer. */
    WRONG_ISSUER("wrong token issuer"),
    /** {@code role} is not {@code authenticated}. */
    WRONG_ROLE("wrong token role"),
    /** A project key (anon/publishable, service_role/secret) was sent instead of a user token. */
    NOT_A_USER_TOKEN("a project API key is not a user access token"),
    /** {@code sub} is absent or not a UUID. */
    INVALID_SUBJECT("token subject is not a user id"),
    /** The signing keys could not be fetched and none are cached. */
    KEYS_UNAVAILABLE("signing keys unavailable"),
    /** The token is longer than {@link SupabaseJwtVerifier#MAX_TOKEN_LENGTH} characters. */
    TOO_LARGE("token too large");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /** A short, token-free description, used as the message and the {@code error_description}. */
    public String description() {
      return description;
    }
  }

  private final Reason reason;

  InvalidTokenException(Reason reason) {
    super(reason.description());
    this.reason = reason;
  }

  InvalidTokenException(Reason reason, Throwable cause) {
    super(reason.description(), cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /**
   * The {@code WWW-Authenticate} value for the 401 (RFC 6750 §3): {@code Bearer} when no token was
   * sent, otherwise {@code Bearer error="invalid_token", error_description="<reason>"}.
   */
  public String wwwAuthenticate() {
    if (reason == Reason.MISSING) {
      return "Bearer";
    }
    return "Bearer error=\"invalid_token\", error_description=\"" + reason.description() + "\"";
  }
}
