package dev.codebasechat.postgrest;

/**
 * An end user's access token (the Supabase Auth JWT), sent as {@code Authorization: Bearer …}. The
 * client does not verify it (PostgREST does); it only refuses values that are plainly not a user
 * token: project keys ({@code sb_…}) and legacy JWTs whose {@code role} is {@code anon} or {@code
 * service_role}.
 *
 * <p>Immutable. {@link #toString()} never shows the token.
 */
public final class AccessToken {
  private final String value;

  private AccessToken(String value) {
    this.value = value;
  }

  /**
   * Wraps a user access token.
   *
   * @throws IllegalArgumentException if the value is blank, not header-safe, the whole {@code
   *     Authorization} value ({@code Bearer …}), or a project key rather than a user token; the
   *     message names the setting, never the value
   * @throws NullPointerException if the value is null
   */
  public static AccessToken of(String value) {
    // The Authorization header's value passed whole: say so rather than "a character not allowed".
    if (value != null && value.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
      throw new IllegalArgumentException(
          "accessToken must be the token alone, without the \"Bearer \" of the Authorization"
              + " header");
    }
    Credentials.requireHeaderSafe(value, "accessToken");
    if (value.startsWith("sb_")) {
      throw new IllegalArgumentException(
          "accessToken is a project API key, not a user access token");
    }
    String role = Credentials.unverifiedRole(value).orElse("");
    if (role.equals("anon") || role.equals("service_role")) {
      throw new IllegalArgumentException(
          "accessToken is a project " + role + " key, not a user access token");
    }
    return new AccessToken(value);
  }

  /** The raw token, for the {@code Authorization} header only. */
  String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccessToken other && other.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** {@code AccessToken[redacted, N chars]}. */
  @Override
  public String toString() {
    return Credentials.redacted("AccessToken", value);
  }
}
