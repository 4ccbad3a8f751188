package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.codebasechat.testing.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.HttpUrl;

/** Keys, tokens and a client wired to a WireMock server, shared by the postgrest tests. */
final class PostgrestFixtures {
  static final String TABLE = "codebase_chat_sessions";
  static final String REST = "/rest/v1";
  static final String TABLE_PATH = REST + "/" + TABLE;

  /** A legacy anon key: a JWT whose payload says {@code "role":"anon"}. */
  static final String ANON_KEY =
      jwt(
          "{\"iss\":\"supabase\",\"ref\":\"abcdefgh\",\"role\":\"anon\",\"iat\":1700000000,\"exp\":2000000000}");

  /** A legacy service-role key. */
  static final String SERVICE_ROLE_KEY =
      jwt(
          "{\"iss\":\"supabase\",\"ref\":\"abcdefgh\",\"role\":\"service_role\",\"iat\":1700000000,\"exp\":2000000000}");

  /** The payload segment of {@link #USER_TOKEN}: must never leak either. */
  static final String USER_PAYLOAD =
      TestSecrets.register(
          b64(
              "{\"sub\":\"6f1c2b1e-4a1d-4c39-9a57-2b8d0f3c9e11\",\"role\":\"authenticated\","
                  + "\"aud\":\"authenticated\",\"exp\":2000000000,\"email\":\"ada@example.com\"}"));

  /** An end user's access token (signature is not checked by the fakes). */
  static final String USER_TOKEN =
      TestSecrets.register(
          b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
              + "."
              + USER_PAYLOAD
              + ".c2lnbmF0dXJlLW9mLXRoZS11c2VyLXRva2Vu");

  static final AccessToken USER = AccessToken.of(USER_TOKEN);

  private PostgrestFixtures() {}

  /** The middle (payload) segment of a JWT. */
  static String payloadOf(String jwt) {
    return jwt.substring(jwt.indexOf('.') + 1, jwt.lastIndexOf('.'));
  }

  static String jwt(String payload) {
    return TestSecrets.register(
        b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + b64(payload) + ".c2lnbmF0dXJl");
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A client against {@code wm}. Timeouts are generous (a cold WireMock can take a second to answer
   * its first request); tests of timeouts set their own.
   */
  static PostgrestClient.Builder clientBuilder(WireMockExtension wm) {
    return PostgrestClient.builder()
        .restUrl(wm.baseUrl() + REST)
        .apiKey(ApiKey.of(ANON_KEY))
        .connectTimeout(Duration.ofSeconds(1))
        .readTimeout(Duration.ofSeconds(5))
        .callTimeout(Duration.ofSeconds(8));
  }

  static UserScope user(WireMockExtension wm) {
    return clientBuilder(wm).build().as(USER);
  }

  /** A recorded request to {@code path} that carried the user's credentials. */
  static RequestPatternBuilder userRequest(RequestMethod method, String path) {
    return RequestPatternBuilder.newRequestPattern(method, urlPathEqualTo(path))
        .withHeader("apikey", equalTo(ANON_KEY))
        .withHeader("Authorization", equalTo("Bearer " + USER_TOKEN));
  }

  /** The one request {@code wm} received (fails if there were none or several). */
  static LoggedRequest onlyRequest(WireMockExtension wm) {
    List<LoggedRequest> all = wm.findAll(RequestPatternBuilder.allRequests());
    if (all.size() != 1) {
      throw new AssertionError("expected exactly one request but WireMock saw " + all.size());
    }
    return all.get(0);
  }

  /** Every query parameter of the one recorded request, decoded, name to all its values. */
  static Map<String, List<String>> queryOf(WireMockExtension wm) {
    HttpUrl url = HttpUrl.get("http://recorded" + onlyRequest(wm).getUrl());
    Map<String, List<String>> params = new LinkedHashMap<>();
    for (String name : url.queryParameterNames()) {
      params.put(name, url.queryParameterValues(name));
    }
    return params;
  }

  /**
   * The number of requests matching {@code pattern} that {@code wm} has journaled: polls until
   * {@code expected} are there (at most 2 s), then 100 ms more so that a surplus request (a silent
   * client retry) would be counted too. WireMock journals a request answered with a fault only
   * after applying the fault, which can be a moment after the client saw the failure.
   */
  static int awaitRequests(WireMockExtension wm, RequestPatternBuilder pattern, int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    long settled = Long.MAX_VALUE;
    int seen = wm.findAll(pattern).size();
    while (System.nanoTime() < Math.min(deadline, settled)) {
      if (seen >= expected && settled == Long.MAX_VALUE) {
        settled = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      seen = wm.findAll(pattern).size();
    }
    return seen;
  }
}
