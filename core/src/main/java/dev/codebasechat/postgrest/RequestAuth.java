package dev.codebasechat.postgrest;

/**
 * Who a request runs as: the {@code apikey} and bearer values it carries. A user caller pairs the
 * project's anon/publishable key with the user's token; an operator caller sends the service key as
 * both. {@link #toString()} never shows either value.
 */
final class RequestAuth {
  private final String apiKey;
  private final String bearer;
  private final String description;

  private RequestAuth(String apiKey, String bearer, String description) {
    this.apiKey = apiKey;
    this.bearer = bearer;
    this.description = description;
  }

  static RequestAuth user(ApiKey apiKey, AccessToken token) {
    return new RequestAuth(apiKey.value(), token.value(), "user " + token);
  }

  static RequestAuth operator(ServiceKey key) {
    return new RequestAuth(key.value(), key.value(), "operator " + key);
  }

  String apiKey() {
    return apiKey;
  }

  String bearer() {
    return bearer;
  }

  @Override
  public String toString() {
    return description;
  }
}
