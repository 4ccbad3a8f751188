package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Where PostgREST 12 answers otherwise than 13 and later (reference/postgrest.md §2.9). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SupabaseTestServerPostgrest12Test {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static SupabaseTestServer supabase =
      SupabaseTestServer.builder().postgrestMajorVersion(12).build();

  private final OkHttpClient http =
      new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  private Response get(String token, String pathAndQuery, String accept) throws IOException {
    return http.newCall(
            new Request.Builder()
                .url(supabase.restUrl() + "/" + pathAndQuery)
                .header("apikey", supabase.apiKey())
                .header("Authorization", "Bearer " + token)
                .header("Accept", accept)
                .build())
        .execute();
  }

  @Test
  void expiredToken_isPgrst301_withoutProxyStatus() throws IOException {
    try (Response response =
        get(
            supabase.expiredTokenFor(supabase.newUser()),
            "codebase_chat_sessions",
            "application/json")) {
      JsonNode body = JSON.readTree(response.body().string());

      assertThat(response.code()).isEqualTo(401);
      assertThat(body.get("code").asText()).isEqualTo("PGRST301");
      assertThat(body.get("message").asText()).isEqualTo("JWT expired");
      assertThat(response.header("Proxy-Status")).isNull();
    }
  }

  @Test
  void singleObjectOfNoRow_isPgrst116_withTheOldMessage() throws IOException {
    try (Response response =
        get(
            supabase.tokenFor(supabase.newUser()),
            "codebase_chat_sessions?session_id=eq.chat-1737201600000-nothing",
            "application/vnd.pgrst.object+json")) {
      JsonNode body = JSON.readTree(response.body().string());

      assertThat(response.code()).isEqualTo(406);
      assertThat(body.get("message").asText())
          .isEqualTo("JSON object requested, multiple (or no) rows returned");
      assertThat(body.get("details").asText()).isEqualTo("The result contains 0 rows");
    }
  }

  @Test
  void unknownTable_is404WithAnEmptyObject() throws IOException {
    try (Response response =
        http.newCall(
                new Request.Builder()
                    .url(supabase.restUrl() + "/nope")
                    .header("apikey", supabase.apiKey())
                    .header("Authorization", "Bearer " + supabase.tokenFor(supabase.newUser()))
                    .post(RequestBody.create("{\"a\":1}", MediaType.get("application/json")))
                    .build())
            .execute()) {
      assertThat(response.code()).isEqualTo(404);
      assertThat(response.body().string()).isEqualTo("{}");
    }
  }

  @Test
  void unknownTable_read_runsItsSqlAndMeetsPostgres42P01() throws IOException {
    try (Response response =
        get(supabase.tokenFor(supabase.newUser()), "nope", "application/json")) {
      JsonNode body = JSON.readTree(response.body().string());

      assertThat(response.code()).isEqualTo(404);
      assertThat(body.get("code").asText()).isEqualTo("42P01");
      assertThat(body.get("message").asText()).isEqualTo("relation \"public.nope\" does not exist");
    }
  }
}
