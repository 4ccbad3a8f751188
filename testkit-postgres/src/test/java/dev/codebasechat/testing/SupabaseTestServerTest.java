package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PostgREST-compatible server over real PostgreSQL with the project's migrations: keys, tokens,
 * reads, writes and calls as PostgREST answers them, the database's own errors passed on with
 * PostgREST's statuses, the fault modes, and the record of requests with their bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SupabaseTestServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final String SESSION = "chat-1737201600000-server01";
  private static final String TABLE = "codebase_chat_sessions";

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .retryOnConnectionFailure(false)
          .readTimeout(Duration.ofSeconds(3))
          .build();

  record Answer(int status, Headers headers, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    @Nullable String header(String name) {
      return headers.get(name);
    }
  }

  private Request.Builder request(@Nullable String token, String pathAndQuery) {
    return request(supabase, token, pathAndQuery);
  }

  private static Request.Builder request(
      SupabaseTestServer server, @Nullable String token, String pathAndQuery) {
    Request.Builder builder =
        new Request.Builder()
            .url(server.restUrl() + "/" + pathAndQuery)
            .header("apikey", server.apiKey());
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  private Answer send(Request.Builder request) throws IOException {
    try (Response response = http.newCall(request.build()).execute()) {
      return new Answer(
          response.code(),
          response.headers(),
          response.body() == null ? "" : response.body().string());
    }
  }

  private Answer append(String token, String session, String messagesJson) throws IOException {
    return append(supabase, token, session, messagesJson);
  }

  private Answer append(
      SupabaseTestServer server, String token, String session, String messagesJson)
      throws IOException {
    return send(
        request(server, token, "rpc/append_chat_messages")
            .post(
                RequestBody.create(
                    "{\"p_session_id\":\"" + session + "\",\"p_messages\":" + messagesJson + "}",
                    JSON_TYPE)));
  }

  private static String message(String id) {
    return "{\"id\":\""
        + id
        + "\",\"role\":\"user\",\"content\":\"hello "
        + id
        + "\",\"timestamp\":\"2025-01-18T12:00:00.000Z\"}";
  }

  // ------------------------------------------------------------------ keys and tokens

  @Test
  void request_withoutApiKey_is401NoApiKeyFound() throws IOException {
    Answer answer =
        send(request(supabase.tokenFor(supabase.newUser()), TABLE).removeHeader("apikey"));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.body())
        .isEqualTo(
            "{\"message\":\"No API key found in request\",\"hint\":\"No `apikey` request header or url param was found.\"}");
  }

  @Test
  void request_withApiKeyInTheUrl_isAccepted() throws IOException {
    Answer answer =
        send(
            request(supabase.tokenFor(supabase.newUser()), TABLE + "?apikey=" + supabase.apiKey())
                .removeHeader("apikey"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("[]");
  }

  @Test
  void request_withWrongApiKey_is401InvalidApiKey() throws IOException {
    Answer answer = send(request(null, TABLE).header("apikey", "sb_publishable_notTheProjects"));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("message").asText()).isEqualTo("Invalid API key");
  }

  @Test
  void es256AndLegacyHs256Tokens_areBothAccepted() throws IOException {
    UUID user = supabase.newUser();

    assertThat(append(supabase.tokenFor(user), SESSION, "[" + message("m1") + "]").status())
        .isEqualTo(200);
    assertThat(append(supabase.legacyTokenFor(user), SESSION, "[" + message("m2") + "]").status())
        .isEqualTo(200);
  }

  @Test
  void forgedToken_is401Pgrst301WithInvalidTokenChallenge() throws IOException {
    Answer answer = send(request(supabase.forgedTokenFor(supabase.newUser()), TABLE));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"PGRST301\",\"details\":\"None of the keys was able to decode the JWT\",\"hint\":null,\"message\":\"No suitable key or wrong key type\"}");
    assertThat(answer.header("WWW-Authenticate"))
        .isEqualTo(
            "Bearer error=\"invalid_token\", error_description=\"No suitable key or wrong key type\"");
    assertThat(answer.header("Proxy-Status")).isEqualTo("PostgREST; error=PGRST301");
  }

  @Test
  void expiredToken_is401Pgrst303JwtExpired() throws IOException {
    Answer answer = send(request(supabase.expiredTokenFor(supabase.newUser()), TABLE));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST303");
    assertThat(answer.json().get("message").asText()).isEqualTo("JWT expired");
  }

  @Test
  void tokenWithUnknownRole_is401FromTheDatabase22023() throws IOException {
    Answer answer = send(request(supabase.tokenWithRole(supabase.newUser(), "superhero"), TABLE));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("role \"superhero\" does not exist");
  }

  @Test
  void anonKeyAlone_isRefusedByTheGrants42501As401() throws IOException {
    Answer answer = send(request(null, TABLE));

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for table codebase_chat_sessions");
  }

  @Test
  void jwks_publishesTheSigningKeyWithoutItsPrivatePart() throws IOException {
    try (Response response =
        http.newCall(
                new Request.Builder()
                    .url(supabase.baseUrl() + "/auth/v1/.well-known/jwks.json")
                    .build())
            .execute()) {
      JsonNode keys = JSON.readTree(response.body().string()).get("keys");

      assertThat(keys).hasSize(1);
      assertThat(keys.get(0).get("kty").asText()).isEqualTo("EC");
      assertThat(keys.get(0).has("d")).isFalse();
    }
  }

  // ------------------------------------------------------------------ reads, writes and calls

  @Test
  void append_thenRead_showsTheRowToItsOwnerOnly() throws IOException {
    UUID alice = supabase.newUser();
    UUID bob = supabase.newUser();
    append(supabase.tokenFor(alice), SESSION, "[" + message("m1") + "," + message("m2") + "]");

    Answer own =
        send(
            request(
                supabase.tokenFor(alice),
                TABLE + "?select=session_id,message_count,version&session_id=eq." + SESSION));
    Answer foreign =
        send(
            request(supabase.tokenFor(bob), TABLE + "?select=session_id&session_id=eq." + SESSION));

    assertThat(own.status()).isEqualTo(200);
    assertThat(own.body())
        .isEqualTo("[{\"session_id\":\"" + SESSION + "\",\"message_count\":2,\"version\":1}]");
    assertThat(own.header("Content-Range")).isEqualTo("0-0/*");
    assertThat(foreign.body()).isEqualTo("[]");
    assertThat(foreign.header("Content-Range")).isEqualTo("*/*");
  }

  @Test
  void rpcAppend_answersTheFunctionsJsonValue() throws IOException {
    Answer answer =
        append(supabase.tokenFor(supabase.newUser()), SESSION, "[" + message("m1") + "]");

    assertThat(answer.status()).isEqualTo(200);
    JsonNode body = answer.json();
    assertThat(body.get("session_id").asText()).isEqualTo(SESSION);
    assertThat(body.get("appended").asInt()).isEqualTo(1);
    assertThat(body.get("message_count").asInt()).isEqualTo(1);
    assertThat(body.get("version").asLong()).isEqualTo(1);
    assertThat(body.get("created").asBoolean()).isTrue();
    assertThat(body.get("last_activity").asText()).endsWith("+00:00");
  }

  @Test
  void preferTimezone_writesTheTimesOfTheAnswerInThatZone() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    append(token, SESSION, "[" + message("m1") + "]");

    Answer answer =
        send(
            request(token, TABLE + "?select=created_at&session_id=eq." + SESSION)
                .header("Prefer", "timezone=Asia/Kolkata"));

    assertThat(answer.header("Preference-Applied")).isEqualTo("timezone=Asia/Kolkata");
    assertThat(answer.json().get(0).get("created_at").asText()).endsWith("+05:30");
  }

  @Test
  void get_ofAFunctionThatWrites_is405FromTheReadOnlyTransaction() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    append(token, SESSION, "[" + message("m1") + "]");

    Answer answer = send(request(token, "rpc/delete_chat_session?p_session_id=" + SESSION));

    assertThat(answer.status()).isEqualTo(405);
    assertThat(answer.json().get("code").asText()).isEqualTo("25006");
    assertThat(answer.json().get("message").asText()).contains("read-only transaction");
  }

  @Test
  void options_ofFunctionsWithoutArguments_listTheMethodsByVolatility() throws Exception {
    supabase
        .database()
        .executeAsOwner(
            "create or replace function public.kit_reads() returns int language sql stable"
                + " as 'select 1'");
    supabase
        .database()
        .executeAsOwner(
            "create or replace function public.kit_writes() returns int language sql"
                + " as 'select 1'");
    supabase.reloadSchema();
    String token = supabase.tokenFor(supabase.newUser());

    Answer reads = send(request(token, "rpc/kit_reads").method("OPTIONS", null));
    Answer writes = send(request(token, "rpc/kit_writes").method("OPTIONS", null));

    assertThat(reads.status()).isEqualTo(200);
    assertThat(reads.header("Allow")).isEqualTo("OPTIONS,GET,HEAD,POST");
    assertThat(writes.header("Allow")).isEqualTo("OPTIONS,POST");
  }

  @Test
  void triggerFunctions_areNoFunctionsToCall() throws IOException {
    Answer answer =
        send(
            request(
                    supabase.tokenFor(supabase.newUser()),
                    "rpc/codebase_chat_sessions_before_update")
                .post(RequestBody.create("{}", JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST202");
  }

  @Test
  void rpcOnAnotherUsersSession_is403FromTheFunctionsCheck() throws IOException {
    append(supabase.tokenFor(supabase.newUser()), SESSION, "[" + message("m1") + "]");

    Answer answer =
        append(supabase.tokenFor(supabase.newUser()), SESSION, "[" + message("m2") + "]");

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
  }

  @Test
  void rpcWithUnknownArgument_is404Pgrst202NamingTheArguments() throws IOException {
    Answer answer =
        send(
            request(supabase.tokenFor(supabase.newUser()), "rpc/clear_chat_history")
                .post(
                    RequestBody.create(
                        "{\"p_session_id\":\"" + SESSION + "\",\"p_extra\":1}", JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST202");
    assertThat(answer.json().get("message").asText())
        .isEqualTo(
            "Could not find the function public.clear_chat_history(p_extra, p_session_id) in the schema cache");
  }

  @Test
  void rpcWithInvalidMessage_is400WithTheFunctionsMessage() throws IOException {
    Answer answer =
        append(
            supabase.tokenFor(supabase.newUser()),
            SESSION,
            "[{\"id\":\"m1\",\"role\":\"robot\",\"content\":\"x\",\"timestamp\":\"2025-01-18T12:00:00Z\"}]");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("p_messages[0].role must be one of user, assistant, system, tool");
  }

  @Test
  void singleObjectRead_ofNoRow_is406Pgrst116() throws IOException {
    Answer answer =
        send(
            request(supabase.tokenFor(supabase.newUser()), TABLE + "?session_id=eq." + SESSION)
                .header("Accept", "application/vnd.pgrst.object+json"));

    assertThat(answer.status()).isEqualTo(406);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST116");
    assertThat(answer.json().get("details").asText()).isEqualTo("The result contains 0 rows");
  }

  @Test
  void countExact_pagesWithContentRangeAnd206() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    for (int i = 0; i < 3; i++) {
      append(token, "chat-1737201600000-page0" + i, "[]");
    }

    Answer page =
        send(
            request(token, TABLE + "?select=session_id&order=session_id.asc&limit=2&offset=1")
                .header("Prefer", "count=exact"));
    Answer past =
        send(request(token, TABLE + "?select=session_id&offset=5").header("Prefer", "count=exact"));

    assertThat(page.status()).isEqualTo(206);
    assertThat(page.header("Content-Range")).isEqualTo("1-2/3");
    // json_agg separates elements with ", " and a line break, as PostgREST's answers do.
    assertThat(page.json())
        .isEqualTo(
            JSON.readTree(
                "[{\"session_id\":\"chat-1737201600000-page01\"},{\"session_id\":\"chat-1737201600000-page02\"}]"));
    assertThat(past.status()).isEqualTo(416);
    assertThat(past.json().get("code").asText()).isEqualTo("PGRST103");
    assertThat(past.json().get("details").asText())
        .isEqualTo("An offset of 5 was requested, but there are only 3 rows.");
  }

  @Test
  void countPlanned_isThePlannersEstimateInContentRange() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    for (int i = 0; i < 3; i++) {
      append(token, "chat-1737201600000-plan0" + i, "[]");
    }

    Answer answer =
        send(request(token, TABLE + "?select=session_id").header("Prefer", "count=planned"));

    assertThat(answer.header("Content-Range")).matches("0-2/[0-9]+");
    assertThat(answer.header("Preference-Applied")).isEqualTo("count=planned");
  }

  @Test
  void countEstimated_beyondDbMaxRows_isAtLeastOneRowMoreThanTheCap() throws IOException {
    try (SupabaseTestServer capped = SupabaseTestServer.builder().maxRows(2).build()) {
      capped.start();
      String token = capped.tokenFor(capped.newUser());
      for (int i = 0; i < 4; i++) {
        assertThat(append(capped, token, "chat-1737201600000-capped" + i, "[]").status())
            .isEqualTo(200);
      }

      Answer answer =
          send(
              request(capped, token, TABLE + "?select=session_id")
                  .header("Prefer", "count=estimated"));

      assertThat(answer.header("Content-Range")).matches("0-1/[0-9]+");
      long total = Long.parseLong(answer.header("Content-Range").replaceFirst(".*/", ""));
      assertThat(total).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void patchWithRepresentation_answersTheRowShapedBySelect() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    append(token, SESSION, "[]");

    Answer answer =
        send(
            request(token, TABLE + "?session_id=eq." + SESSION + "&select=repo,version")
                .header("Prefer", "return=representation")
                .patch(RequestBody.create("{\"repo\":\"acme/web\"}", JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("[{\"repo\":\"acme/web\",\"version\":1}]");
    assertThat(answer.header("Preference-Applied")).isEqualTo("return=representation");
  }

  @Test
  void patchOfAColumnNotGranted_is403PermissionDenied() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    append(token, SESSION, "[]");

    Answer answer =
        send(
            request(token, TABLE + "?session_id=eq." + SESSION)
                .patch(RequestBody.create("{\"version\":99}", JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
  }

  @Test
  void patchWithoutFilter_isRefusedLikePgSafeupdate() throws IOException {
    Answer answer =
        send(
            request(supabase.tokenFor(supabase.newUser()), TABLE)
                .patch(RequestBody.create("{\"repo\":\"x\"}", JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("21000");
    assertThat(answer.json().get("message").asText()).isEqualTo("UPDATE requires a WHERE clause");
  }

  @Test
  void filterValueOfTheWrongType_is400FromPostgres22P02() throws IOException {
    Answer answer =
        send(request(supabase.tokenFor(supabase.newUser()), TABLE + "?user_id=eq.not-a-uuid"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("22P02");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("invalid input syntax for type uuid: \"not-a-uuid\"");
  }

  @Test
  void inFilter_withQuotedElements_matchesExactly() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    append(token, "chat-1737201600000-infilt1", "[]");
    append(token, "chat-1737201600000-infilt2", "[]");

    Answer answer =
        send(
            request(
                token,
                TABLE
                    + "?select=session_id&order=session_id&session_id=in.(\"chat-1737201600000-infilt2\",chat-1737201600000-nope00)"));

    assertThat(answer.body()).isEqualTo("[{\"session_id\":\"chat-1737201600000-infilt2\"}]");
  }

  @Test
  void serviceKey_seesEveryRowAndMayInsert() throws IOException {
    UUID alice = supabase.newUser();
    append(supabase.tokenFor(alice), SESSION, "[]");

    Answer all =
        send(
            request(supabase.serviceKey(), TABLE + "?select=user_id")
                .header("apikey", supabase.serviceKey()));
    Answer inserted =
        send(
            request(supabase.serviceKey(), TABLE + "?select=session_id,user_id")
                .header("apikey", supabase.serviceKey())
                .header("Prefer", "return=representation")
                .post(
                    RequestBody.create(
                        "{\"session_id\":\"chat-1737201600000-byservice\",\"user_id\":\""
                            + alice
                            + "\"}",
                        JSON_TYPE)));

    assertThat(all.body()).isEqualTo("[{\"user_id\":\"" + alice + "\"}]");
    assertThat(inserted.status()).isEqualTo(201);
    assertThat(inserted.body())
        .isEqualTo(
            "[{\"session_id\":\"chat-1737201600000-byservice\",\"user_id\":\"" + alice + "\"}]");
  }

  @Test
  void upsertMergeDuplicates_is201WhenInsertedAnd200WhenOnlyUpdated() throws IOException {
    UUID alice = supabase.newUser();
    String row =
        "{\"session_id\":\"chat-1737201600000-upsert01\",\"user_id\":\""
            + alice
            + "\",\"repo\":\"a\"}";
    Request.Builder upsert =
        request(supabase.serviceKey(), TABLE + "?on_conflict=session_id")
            .header("apikey", supabase.serviceKey())
            .header("Prefer", "resolution=merge-duplicates");

    Answer first = send(upsert.post(RequestBody.create(row, JSON_TYPE)));
    Answer second = send(upsert.post(RequestBody.create(row.replace("\"a\"", "\"b\""), JSON_TYPE)));

    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(200);
    assertThat(supabase.queryAsOwner("select repo from public.codebase_chat_sessions"))
        .containsExactly("b");
  }

  @Test
  void insertOfADuplicateId_is409From23505WithoutTheKeyDetailUnderRls() throws IOException {
    UUID alice = supabase.newUser();
    String token = supabase.tokenFor(alice);
    String row = "{\"session_id\":\"" + SESSION + "\"}";
    send(request(token, TABLE).post(RequestBody.create(row, JSON_TYPE)));

    Answer answer = send(request(token, TABLE).post(RequestBody.create(row, JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.json().get("code").asText()).isEqualTo("23505");
    // PostgreSQL leaves out "Key (…)=(…) already exists." when Row Level Security applies to the
    // caller.
    assertThat(answer.json().get("details").isNull()).isTrue();
    assertThat(answer.json().get("message").asText())
        .isEqualTo(
            "duplicate key value violates unique constraint \"codebase_chat_sessions_session_id_key\"");
  }

  @Test
  void unknownTable_is404Pgrst205() throws IOException {
    Answer answer = send(request(supabase.tokenFor(supabase.newUser()), "nope"));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST205");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0} -> {1}")
  @org.junit.jupiter.params.provider.CsvSource({
    "23505, 409", "23503, 409", "25006, 405", "22023, 400", "23514, 400", "P0001, 400",
        "42883, 404",
    "42P01, 404", "42501, 403", "08006, 503", "53300, 503", "57P01, 503", "57014, 500",
        "40001, 500",
    "40P01, 500", "XX000, 500", "PT418, 418", "22P02, 400"
  })
  void sqlStateRaisedInTheDatabase_getsPostgrestsStatus_andTheBodyOfTheError(
      String sqlState, int status) throws Exception {
    supabase
        .database()
        .executeAsOwner(
            "create or replace function public.raise_sqlstate(p_code text) returns void language plpgsql as $$"
                + " begin raise exception using errcode = p_code, message = 'raised ' || p_code, detail = 'the detail',"
                + " hint = 'the hint'; end $$");
    supabase
        .database()
        .executeAsOwner("grant execute on function public.raise_sqlstate(text) to authenticated");
    supabase.reloadSchema();

    Answer answer =
        send(
            request(supabase.tokenFor(supabase.newUser()), "rpc/raise_sqlstate")
                .post(RequestBody.create("{\"p_code\":\"" + sqlState + "\"}", JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(status);
    assertThat(answer.json())
        .isEqualTo(
            JSON.readTree(
                "{\"code\":\""
                    + sqlState
                    + "\",\"details\":\"the detail\",\"hint\":\"the hint\",\"message\":\"raised "
                    + sqlState
                    + "\"}"));
    assertThat(answer.header("Proxy-Status")).isEqualTo("PostgREST; error=" + sqlState);
  }

  @Test
  void statusAndHeadersSetBySql_areTheAnswers() throws Exception {
    Answer answer = callSettingGucs("'202'", "'[{\"X-Chat-Note\": \"queued\"}]'");

    assertThat(answer.status()).isEqualTo(202);
    assertThat(answer.header("X-Chat-Note")).isEqualTo("queued");
  }

  @Test
  void aStatusSetBySqlThatIsNoNumber_is500Pgrst112() throws Exception {
    Answer answer = callSettingGucs("'soon'", "null");

    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST112");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("response.status guc must be a valid status code");
  }

  @Test
  void headersSetBySqlThatAreNoJson_are500Pgrst111() throws Exception {
    Answer answer = callSettingGucs("null", "'X-Chat-Note: queued'");

    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST111");
    assertThat(answer.json().get("message").asText())
        .isEqualTo(
            "response.headers guc must be a JSON array composed of objects with a single key and"
                + " a string value");
  }

  /** Calls a function that sets {@code response.status} and {@code response.headers} (SQL text). */
  private Answer callSettingGucs(String status, String headers) throws Exception {
    supabase
        .database()
        .executeAsOwner(
            "create or replace function public.set_gucs() returns int language plpgsql as $$"
                + " begin"
                + " if "
                + status
                + " is not null then perform set_config('response.status', "
                + status
                + ", true); end if;"
                + " if "
                + headers
                + " is not null then perform set_config('response.headers', "
                + headers
                + ", true); end if;"
                + " return 1; end $$");
    supabase
        .database()
        .executeAsOwner("grant execute on function public.set_gucs() to authenticated");
    supabase.reloadSchema();
    return send(
        request(supabase.tokenFor(supabase.newUser()), "rpc/set_gucs")
            .post(RequestBody.create("{}", JSON_TYPE)));
  }

  // ------------------------------------------------------------------ faults

  @Test
  void databaseUnavailable_is503Pgrst000WithRetryAfterAndTouchesNothing() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    supabase.retryAfter(Duration.ofSeconds(7));
    supabase.goDown(Outage.DATABASE_UNAVAILABLE);

    Answer answer = append(token, SESSION, "[" + message("m1") + "]");

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST000");
    assertThat(answer.header("Retry-After")).isEqualTo("7");
    assertThat(supabase.queryAsOwner("select session_id from public.codebase_chat_sessions"))
        .isEmpty();
  }

  @Test
  void clientError_is503Pgrst001() throws IOException {
    supabase.failNext(1, Outage.DATABASE_CLIENT_ERROR);

    Answer answer = send(request(supabase.tokenFor(supabase.newUser()), TABLE));

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST001");
  }

  @Test
  void connectionRefused_untilGoUp_onTheSamePort() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    supabase.goDown(Outage.CONNECTION_REFUSED);

    assertThatThrownBy(() -> send(request(token, TABLE))).isInstanceOf(ConnectException.class);

    supabase.goUp();
    assertThat(send(request(token, TABLE)).status()).isEqualTo(200);
  }

  @Test
  void connectionReset_failsTheCallWithoutAnAnswer() {
    String token = supabase.tokenFor(supabase.newUser());
    supabase.failNext(1, Outage.CONNECTION_RESET);

    assertThatThrownBy(() -> send(request(token, TABLE))).isInstanceOf(IOException.class);
    assertThat(supabase.requests())
        .singleElement()
        .extracting(RecordedRequest::status)
        .isEqualTo(0);
  }

  @Test
  void noAnswer_holdsTheCallUntilTheClientsReadTimeout() {
    String token = supabase.tokenFor(supabase.newUser());
    supabase.goDown(Outage.NO_ANSWER);

    assertThatThrownBy(() -> send(request(token, TABLE)))
        .isInstanceOf(SocketTimeoutException.class);
    supabase.goUp();
  }

  @Test
  void lostResponse_isAppliedThenReset() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    supabase.loseResponseOfNext(1);

    assertThatThrownBy(() -> append(token, SESSION, "[" + message("m1") + "]"))
        .isInstanceOf(IOException.class);
    assertThat(
            supabase.queryAsOwner("select message_count::text from public.codebase_chat_sessions"))
        .containsExactly("1");
  }

  @Test
  void delayedResponses_areAnsweredAfterTheDelay() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());
    supabase.delayResponses(Duration.ofMillis(300));

    Answer answer = send(request(token, TABLE));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(supabase.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(300)));
  }

  @Test
  void heldAnswers_waitUntilTheHoldIsReleased_theRequestAppliedMeanwhile() throws Exception {
    String token = supabase.tokenFor(supabase.newUser());
    AnswerHold hold = supabase.holdAnswers();

    java.util.concurrent.CompletableFuture<Answer> answer =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return append(token, SESSION, "[" + message("m1") + "]");
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> hold.waiting() == 1);
    boolean answeredWhileHeld = answer.isDone();
    List<String> storedWhileHeld =
        supabase.queryAsOwner("select message_count::text from public.codebase_chat_sessions");
    hold.release();

    assertThat(answeredWhileHeld).isFalse();
    assertThat(storedWhileHeld).containsExactly("1");
    assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(hold.waiting()).isZero();
  }

  // ------------------------------------------------------------------ the record

  @Test
  void requests_recordMethodPathStatusAndBytesBothWays() throws IOException {
    String token = supabase.tokenFor(supabase.newUser());

    Answer answer = append(token, SESSION, "[" + message("m1") + "]");

    List<RecordedRequest> requests = supabase.requests();
    assertThat(requests).hasSize(1);
    RecordedRequest recorded = requests.get(0);
    assertThat(recorded.isCallOf("append_chat_messages")).isTrue();
    assertThat(recorded.status()).isEqualTo(200);
    assertThat(recorded.bytesReceived()).isGreaterThan(token.length() + supabase.apiKey().length());
    assertThat(recorded.bytesSent())
        .isGreaterThan(answer.body().length())
        .isLessThan(answer.body().length() + 400);
  }
}
