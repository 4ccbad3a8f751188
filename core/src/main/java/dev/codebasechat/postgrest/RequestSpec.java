package dev.codebasechat.postgrest;

import java.time.Duration;
import java.util.List;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/** One fully built request, immutable: what {@link Transport} sends. */
final class RequestSpec {
  static final String JSON = "application/json";
  static final String OBJECT = "application/vnd.pgrst.object+json";

  final Operation operation;
  final String resource;
  final String method;
  final HttpUrl url;
  final String accept;
  final List<String> preferences;
  final byte @Nullable [] body;
  final RequestAuth caller;
  final @Nullable Duration timeout;

  RequestSpec(
      Operation operation,
      String resource,
      String method,
      HttpUrl url,
      String accept,
      List<String> preferences,
      byte @Nullable [] body,
      RequestAuth caller,
      @Nullable Duration timeout) {
    this.operation = operation;
    this.resource = resource;
    this.method = method;
    this.url = url;
    this.accept = accept;
    this.preferences = List.copyOf(preferences);
    this.body = body;
    this.caller = caller;
    this.timeout = timeout;
  }
}
