package dev.codebasechat.postgrest;

/**
 * The project API key sent as {@code apikey} on every user request: the legacy {@code anon} JWT or
 * an {@code sb_publishable_…} key. Secret keys are refused here: a user request must never run with
 * elevated rights.
 *
 * <p>Immutable. {@link #toString()} never shows the key.
 */
public final class ApiKey {
  private final String value;

  private ApiKey(String value) {
    this.value = value;
  }

  /**
   * Wraps a publishable or anon key.
   *
   * @throws IllegalArgumentException if the value is blank, not header-safe, an {@code sb_secret_…}
   *     key or a legacy JWT whose {@code role} is {@code service_role}; the message names the
   *     setting, never the value
   * @throws NullPointerException if the value is null
   */
  public static ApiKey of(String value) {
    Credentials.requireHeaderSafe(value, "apiKey");
    if (value.startsWith("sb_secret_")) {
      throw new IllegalArgumentException(
          "apiKey is a secret (sb_secret_) key; user requests take only the anon or"
              + " sb_publishable_ key");
    }
    if (Credentials.unverifiedRole(value).filter("service_role"::equals).isPresent()) {
      throw new IllegalArgumentException(
          "apiKey is a service_role key; user requests take only the anon or sb_publishable_ key");
    }
    return new ApiKey(value);
  }

  /** The raw key, for the {@code apikey} header only. */
  String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey other && other.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** {@code ApiKey[redacted, N chars]}. */
  @Override
  public String toString() {
    return Credentials.redacted("ApiKey", value);
  }
}
