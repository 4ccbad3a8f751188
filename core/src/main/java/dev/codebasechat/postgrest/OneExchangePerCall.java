package dev.codebasechat.postgrest;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Keeps OkHttp from re-sending a request on its own after a 503. OkHttp's follow-up logic repeats a
 * request at once when a 503 carries {@code Retry-After: 0}, which PostgREST sends while it
 * reconnects to the database; that would hide an attempt from the retry layer and break "one call
 * is one HTTP exchange". As a network interceptor this runs before that logic sees the answer and
 * moves the header aside; {@link Transport} reads it back from there.
 */
final class OneExchangePerCall implements Interceptor {

  static final String MOVED_RETRY_AFTER = "X-Postgrest-Client-Retry-After";

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    String retryAfter = response.header("Retry-After");
    if (response.code() != 503 || retryAfter == null) {
      return response;
    }
    return response
        .newBuilder()
        .removeHeader("Retry-After")
        .header(MOVED_RETRY_AFTER, retryAfter)
        .build();
  }
}
