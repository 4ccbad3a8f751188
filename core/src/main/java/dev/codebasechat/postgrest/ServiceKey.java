package dev.codebasechat.postgrest;

/**
 * The project's secret key ({@code sb_secret_…} or the legacy {@code service_role} JWT). It
 * bypasses Row Level Security, so it is accepted only by {@link PostgrestClient#operator}, never on
 * the user path; use it for operator tasks, never on behalf of an end user's request.
 *
 * <p>Immutable. {@link #toString()} never shows the key.
 */
public final class ServiceKey {
  private final String value;

  private ServiceKey(String value) {
    this.value = value;
  }

  /**
   * Wraps a secret key.
   *
   * @throws IllegalArgumentException if the value is blank, not header-safe, or neither an {@code
   *     sb_secret_…} key nor a JWT whose {@code role} is {@code service_role}; the message names
   *     the setting, never the value
   * @throws NullPointerException if the value is null
   */
  public static ServiceKey of(String value) {
    Credentials.requireHeaderSafe(value, "serviceKey");
    boolean secret = value.startsWith("sb_secret_");
    boolean serviceRole =
        Credentials.unverifiedRole(value).filter("service_role"::equals).isPresent();
    if (!secret && !serviceRole) {
      throw new IllegalArgumentException(
          "serviceKey must be an sb_secret_ key or a service_role JWT");
    }
    return new ServiceKey(value);
  }

  String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceKey other && other.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** {@code ServiceKey[redacted, N chars]}. */
  @Override
  public String toString() {
    return Credentials.redacted("ServiceKey", value);
  }
}
