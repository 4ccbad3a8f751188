package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.BOB;
import static dev.codebasechat.testing.FakeFixtures.OTHER_SESSION;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's key check, PostgREST's token check, and reads and updates of the table. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FakeSupabaseTest {

  /** Only moves forward; every test mints its tokens from the time it finds. */
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final RestCalls calls = new RestCalls(fake);

  private static final MediaType JSON = MediaType.get("application/json");
  private static final String BY_SESSION = TABLE + "?select=*&session_id=eq." + SESSION;

  // ------------------------------------------------------------------ keys and tokens

  @Test
  void get_withoutApiKey_is401NoApiKeyFound() throws IOException {
    Answer answer =
        calls.send(calls.request(fake.tokenFor(ALICE), BY_SESSION).removeHeader("apikey").get());

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.body())
        .isEqualTo(
            "{\"message\":\"No API key found in request\",\"hint\":\"No `apikey` request header or url param was found.\"}");
  }

  @Test
  void get_withWrongApiKey_is401InvalidApiKey() throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), BY_SESSION, "apikey", "sb_publishable_wrong");

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("message").asText()).isEqualTo("Invalid API key");
    assertThat(answer.json().get("hint").asText())
        .isEqualTo("Double check your Supabase `anon` or `service_role` API key.");
  }

  @Test
  void get_withForgedToken_is401Pgrst301WithInvalidTokenChallenge() throws IOException {
    Answer answer = calls.get(fake.forgedTokenFor(ALICE), BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"PGRST301\",\"details\":\"None of the keys was able to decode the JWT\",\"hint\":null,\"message\":\"No suitable key or wrong key type\"}");
    assertThat(answer.header("WWW-Authenticate"))
        .isEqualTo(
            "Bearer error=\"invalid_token\", error_description=\"No suitable key or wrong key type\"");
    assertThat(answer.header("Proxy-Status")).isEqualTo("PostgREST; error=PGRST301");
    assertThat(answer.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
  }

  @Test
  void get_withUnsignedAlgNoneToken_is401Pgrst301() throws IOException {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String header = base64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String claims =
        base64.encodeToString(
            ("{\"sub\":\"" + ALICE + "\",\"role\":\"authenticated\",\"exp\":4102444800}")
                .getBytes(StandardCharsets.UTF_8));

    Answer answer = calls.get(header + "." + claims + ".", BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST301");
  }

  @Test
  void get_withExpiredToken_is401Pgrst303JwtExpired() throws IOException {
    Answer answer = calls.get(fake.expiredTokenFor(ALICE), BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST303");
    assertThat(answer.json().get("message").asText()).isEqualTo("JWT expired");
  }

  @Test
  void get_withExpiredTokenOnPostgrest12_is401Pgrst301WithoutProxyStatus() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      Answer answer = new RestCalls(v12).get(v12.expiredTokenFor(ALICE), BY_SESSION);

      assertThat(answer.status()).isEqualTo(401);
      assertThat(answer.json().get("code").asText()).isEqualTo("PGRST301");
      assertThat(answer.json().get("message").asText()).isEqualTo("JWT expired");
      assertThat(answer.header("Proxy-Status")).isNull();
    }
  }

  @Test
  void get_afterTokenLifetimeOnManualClock_isRefusedAsExpired() throws IOException {
    String token = fake.tokenFor(ALICE, Duration.ofMinutes(5));
    assertThat(calls.get(token, BY_SESSION).status()).isEqualTo(200);

    CLOCK.advance(Duration.ofMinutes(5).plusSeconds(31));

    assertThat(calls.get(token, BY_SESSION).json().get("code").asText()).isEqualTo("PGRST303");
  }

  @Test
  void get_tokenWithUnknownRole_is401RoleDoesNotExist() throws IOException {
    Answer answer = calls.get(fake.tokenWithRole(ALICE, "superhero"), BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("22023");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("role \"superhero\" does not exist");
  }

  @Test
  void get_tokenWithTheDatabaseOwnersRole_is403PermissionDeniedToSetRole() throws IOException {
    Answer answer = calls.get(fake.tokenWithRole(ALICE, "postgres"), BY_SESSION);

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied to set role \"postgres\"");
  }

  @Test
  void get_tokenWithRoleAuthenticator_is403PermissionDeniedForTheTable() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.get(fake.tokenWithRole(ALICE, "authenticator"), BY_SESSION);

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for table codebase_chat_sessions");
  }

  @Test
  void rpc_withRoleAuthenticator_is403PermissionDeniedForTheFunction() throws IOException {
    Answer answer =
        calls.rpc(
            fake.tokenWithRole(ALICE, "authenticator"),
            "append_chat_messages",
            FakeFixtures.appendBody(SESSION, "m1"));

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for function append_chat_messages");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void get_withoutBearer_is401PermissionDeniedAsAnon() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.get(null, BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"42501\",\"details\":null,\"hint\":null,\"message\":\"permission denied for table codebase_chat_sessions\"}");
    assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void get_withAnonKeyAsBearer_is401PermissionDenied() throws IOException {
    Answer answer = calls.get(fake.apiKey(), BY_SESSION);

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
  }

  // ------------------------------------------------------------------ GET

  @Test
  void get_ownSession_returnsOnlySelectedColumns() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE + "?select=session_id,message_count&session_id=eq." + SESSION);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body())
        .isEqualTo("[{\"session_id\":\"" + SESSION + "\",\"message_count\":2}]");
    assertThat(answer.header("Content-Range")).isEqualTo("0-0/*");
  }

  @Test
  void get_star_returnsEveryRealColumnButNotTheComputedHistory() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");

    Answer answer = calls.get(fake.tokenFor(ALICE), BY_SESSION);

    assertThat(answer.json().get(0).fieldNames())
        .toIterable()
        .containsExactly(
            "id",
            "session_id",
            "user_id",
            "repo",
            "current_file",
            "context_cache",
            "metadata",
            "last_activity",
            "created_at",
            "updated_at",
            "message_count",
            "version",
            "history_bytes",
            "fields_version",
            "cleared_version");
    assertThat(answer.json().at("/0/message_count").asInt()).isEqualTo(2);
  }

  @Test
  void get_historyByName_answersTheMessagesInOrder() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE + "?select=session_id,conversation_history&session_id=eq." + SESSION);

    assertThat(answer.json().get(0).fieldNames())
        .toIterable()
        .containsExactly("session_id", "conversation_history");
    assertThat(answer.json().at("/0/conversation_history").findValuesAsText("id"))
        .containsExactly("m1", "m2");
    assertThat(answer.json().at("/0/conversation_history/1/content").asText())
        .isEqualTo("message m2");
  }

  @Test
  void get_starAndHistory_answersBoth() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE + "?select=*,conversation_history&session_id=eq." + SESSION);

    assertThat(answer.json().get(0).size()).isEqualTo(16);
    assertThat(answer.json().at("/0/conversation_history").toString()).isEqualTo("[]");
  }

  @Test
  void get_filterOrOrderOnTheComputedHistory_is400SayingTheFakeLacksIt() throws IOException {
    Answer filtered =
        calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&conversation_history=is.null");
    Answer ordered =
        calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&order=conversation_history");

    assertThat(filtered.status()).isEqualTo(400);
    assertThat(filtered.json().get("details").asText()).contains("computed field");
    assertThat(ordered.status()).isEqualTo(400);
    assertThat(ordered.json().get("details").asText()).contains("computed field");
  }

  @Test
  void get_filterOnATimeRelativeToNow_is400Pgrst127SayingTheFakeLacksIt() throws IOException {
    Answer answer =
        calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&last_activity=gt.yesterday");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST127");
    assertThat(answer.json().get("details").asText())
        .isEqualTo("the fake does not read yesterday as a timestamp");
  }

  @Test
  void seedSession_legacyHistory_keepsItsOrderWhateverTheIdsAndTimestamps() throws IOException {
    ArrayNode legacy = JsonNodeFactory.instance.arrayNode();
    legacy
        .addObject()
        .put("id", "late")
        .put("role", "user")
        .put("content", "a")
        .put("timestamp", "2026-01-01T12:00:00Z");
    legacy
        .addObject()
        .put("id", "early")
        .put("role", "user")
        .put("content", "b")
        .put("timestamp", "2026-01-01T08:00:00Z");
    legacy
        .addObject()
        .put("id", "late")
        .put("role", "user")
        .put("content", "repeated id")
        .put("timestamp", "garbled");
    legacy.addObject().put("role", "user").put("content", "no id");
    fake.seedSession(ALICE, SESSION, legacy);
    String token = fake.tokenFor(ALICE);

    // Later than every stored message: after them all. The repeated id is still taken by the first.
    calls.rpc(
        token,
        "append_chat_messages",
        FakeFixtures.appendBody(
            SESSION,
            List.of(
                FakeFixtures.message("late", "2026-01-01T13:00:00Z"),
                FakeFixtures.message("new", "2026-01-01T12:00:00Z"))));

    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.conversationHistory())
        .extracting(m -> m.path("content").asText())
        .containsExactly("a", "b", "repeated id", "no id", "text of new");
    assertThat(stored.messageCount()).isEqualTo(5);
    assertThat(stored.version()).isEqualTo(1);
    assertThat(stored.fieldsVersion()).isZero(); // the version the row was migrated at
  }

  @Test
  void get_answersNamingTheSchemaInContentProfile() throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), BY_SESSION);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Profile")).isEqualTo("public");
  }

  @Test
  void get_withAcceptProfileNotExposed_is406Pgrst106NamingTheExposedSchemas() throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), BY_SESSION, "Accept-Profile", "private");

    assertThat(answer.status()).isEqualTo(406);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST106");
    assertThat(answer.json().get("message").asText()).isEqualTo("Invalid schema: private");
    assertThat(answer.json().get("hint").asText())
        .isEqualTo("Only the following schemas are exposed: public, graphql_public");
  }

  @Test
  void get_withAcceptProfileNotExposedOnPostgrest12_is406WithItsOwnMessage() throws IOException {
    try (FakeSupabase v12 = FakeSupabase.builder().postgrestMajorVersion(12).build().start()) {
      Answer answer =
          new RestCalls(v12).get(v12.tokenFor(ALICE), BY_SESSION, "Accept-Profile", "private");

      assertThat(answer.status()).isEqualTo(406);
      assertThat(answer.json().get("message").asText())
          .isEqualTo("The schema must be one of the following: public, graphql_public");
      assertThat(answer.json().get("hint").isNull()).isTrue();
    }
  }

  @Test
  void rpc_withContentProfileOfTheOtherExposedSchema_is404FunctionNotThere() throws IOException {
    Answer answer =
        calls.send(
            calls
                .request(
                    fake.tokenFor(ALICE),
                    "rpc/clear_chat_history",
                    "Content-Profile",
                    "graphql_public")
                .post(RequestBody.create(FakeFixtures.sessionArgument(SESSION), JSON)));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST202");
    assertThat(answer.json().get("message").asText())
        .startsWith("Could not find the function graphql_public.clear_chat_history(");
  }

  @Test
  void get_withObjectAccept_returnsTheObject() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.get(fake.tokenFor(ALICE), BY_SESSION, "Accept", "application/vnd.pgrst.object+json");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("user_id").asText()).isEqualTo(ALICE.toString());
    assertThat(answer.header("Content-Type")).startsWith("application/vnd.pgrst.object+json");
  }

  @Test
  void get_withObjectAcceptAndNoRow_is406Pgrst116() throws IOException {
    Answer answer =
        calls.get(fake.tokenFor(ALICE), BY_SESSION, "Accept", "application/vnd.pgrst.object+json");

    assertThat(answer.status()).isEqualTo(406);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"PGRST116\",\"details\":\"The result contains 0 rows\",\"hint\":null,"
                + "\"message\":\"Cannot coerce the result to a single JSON object\"}");
  }

  @Test
  void get_otherUsersSession_returnsEmptyArray() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer = calls.get(fake.tokenFor(BOB), BY_SESSION);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("[]");
    assertThat(answer.header("Content-Range")).isEqualTo("*/*");
  }

  @Test
  void get_asServiceRole_seesEveryUsersRows() throws IOException {
    fake.seedSession(ALICE, SESSION);
    fake.seedSession(BOB, OTHER_SESSION);

    Answer answer =
        calls.get(fake.tokenWithRole(null, "service_role"), TABLE + "?select=session_id");

    assertThat(answer.json()).hasSize(2);
  }

  @Test
  void get_pageWithExactCount_is206WithContentRange() throws IOException {
    for (int i = 0; i < 25; i++) {
      fake.seedSession(ALICE, "chat-17372016" + (10 + i) + "-abcdef12");
    }
    fake.seedSession(BOB, OTHER_SESSION);

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE
                + "?select=session_id&user_id=eq."
                + ALICE
                + "&order=session_id.desc&limit=10&offset=0",
            "Prefer",
            "count=exact");

    assertThat(answer.status()).isEqualTo(206);
    assertThat(answer.header("Content-Range")).isEqualTo("0-9/25");
    assertThat(answer.json().get(0).get("session_id").asText())
        .isEqualTo("chat-1737201634-abcdef12");
  }

  @Test
  void get_secondPage_startsAtOffset() throws IOException {
    for (int i = 0; i < 15; i++) {
      fake.seedSession(ALICE, "chat-17372016" + (10 + i) + "-abcdef12");
    }

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE + "?select=session_id&order=session_id.asc&limit=10&offset=10",
            "Prefer",
            "count=exact");

    assertThat(answer.status()).isEqualTo(206);
    assertThat(answer.header("Content-Range")).isEqualTo("10-14/15");
    assertThat(answer.json().get(0).get("session_id").asText())
        .isEqualTo("chat-1737201620-abcdef12");
  }

  @Test
  void get_listOrderedByLastActivityDesc_putsLatestWriteFirst() throws IOException {
    String token = fake.tokenFor(ALICE);
    for (String session : new String[] {SESSION, OTHER_SESSION, "chat-1737201600002-qqqqqq99"}) {
      calls.rpc(token, "append_chat_messages", FakeFixtures.appendBody(session, "m1"));
      CLOCK.advance(Duration.ofSeconds(1));
    }
    calls.patch(token, TABLE + "?session_id=eq." + SESSION, "{\"repo\":\"acme/api\"}");

    Answer answer =
        calls.get(
            token,
            TABLE
                + "?select=session_id&user_id=eq."
                + ALICE
                + "&order=last_activity.desc&limit=2&offset=0");

    assertThat(answer.json().findValuesAsText("session_id"))
        .containsExactly(SESSION, "chat-1737201600002-qqqqqq99");
    assertThat(answer.header("Content-Range")).isEqualTo("0-1/*");
  }

  @Test
  void get_repoFilter_narrowsTheList() throws IOException {
    fake.seedSession(ALICE, SESSION);
    fake.seedSession(ALICE, OTHER_SESSION);
    calls.patch(
        fake.tokenFor(ALICE), TABLE + "?session_id=eq." + OTHER_SESSION, "{\"repo\":\"acme/api\"}");

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE + "?select=session_id&user_id=eq." + ALICE + "&repo=eq.acme/api");

    assertThat(answer.json().findValuesAsText("session_id")).containsExactly(OTHER_SESSION);
  }

  @Test
  void get_rangeFiltersOnNumbersAndTimes_compareByType() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1", "m2");
    fake.seedSession(
        ALICE, OTHER_SESSION, "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
    String token = fake.tokenFor(ALICE);

    Answer moreThanNine = calls.get(token, TABLE + "?select=session_id&message_count=gt.9");
    Answer sinceNow =
        calls.get(token, TABLE + "?select=session_id&last_activity=gte." + CLOCK.instant());
    Answer beforeNow =
        calls.get(token, TABLE + "?select=session_id&created_at=lt." + CLOCK.instant());

    assertThat(moreThanNine.json().findValuesAsText("session_id")).containsExactly(OTHER_SESSION);
    assertThat(sinceNow.json()).hasSize(2);
    assertThat(beforeNow.json()).isEmpty();
  }

  @Test
  void get_operatorTheFakeLacks_is400SayingSo() throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&repo=ilike.*acme*");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("details").asText()).contains("the fake supports only");
  }

  @Test
  void get_orderedByAJsonbColumn_is400SayingTheFakeDoesNot_ratherThanAPlausibleOrder()
      throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&order=metadata");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("details").asText())
        .contains("the fake does not order by the jsonb column metadata");
  }

  @Test
  void get_emptyListWithExactCount_is200WithStarZero() throws IOException {
    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE + "?select=session_id&user_id=eq." + ALICE,
            "Prefer",
            "count=exact");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Range")).isEqualTo("*/0");
  }

  @Test
  void get_inFilterWithQuotedEscapedValues_matchesExactValues() throws IOException {
    fake.seedSession(ALICE, SESSION);
    fake.seedSession(ALICE, OTHER_SESSION);
    fake.seedSession(ALICE, "chat-1737201600002-qqqqqq99");

    Answer answer =
        calls.get(
            fake.tokenFor(ALICE),
            TABLE
                + "?select=session_id&session_id=in.(\""
                + SESSION
                + "\",%22a%5C%22b%2Cc%22,"
                + OTHER_SESSION
                + ")"
                + "&order=session_id.asc");

    assertThat(answer.json().findValuesAsText("session_id"))
        .containsExactly(SESSION, OTHER_SESSION);
  }

  @Test
  void get_isNullFilter_matchesRowsWithoutRepo() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer nullRepo = calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&repo=is.null");
    Answer someRepo = calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&repo=eq.x");

    assertThat(nullRepo.json()).hasSize(1);
    assertThat(someRepo.json()).isEmpty();
  }

  @Test
  void get_unknownColumn_is400UndefinedColumn() throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&secret=eq.1");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"42703\",\"details\":null,\"hint\":null,\"message\":\"column codebase_chat_sessions.secret does not exist\"}");
  }

  @Test
  void get_malformedFilter_is400Pgrst100() throws IOException {
    Answer answer =
        calls.get(fake.tokenFor(ALICE), TABLE + "?select=session_id&session_id=in.(\"unterminated");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST100");
  }

  @Test
  void get_unknownTable_is404Pgrst205() throws IOException {
    Answer answer = calls.get(fake.tokenFor(ALICE), "notes?select=*");

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST205");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("Could not find the table 'public.notes' in the schema cache");
  }

  @Test
  void head_withExactCount_sendsCountWithoutBody() throws IOException {
    fake.seedSession(ALICE, SESSION);
    fake.seedSession(ALICE, OTHER_SESSION);

    Answer answer =
        calls.send(
            calls
                .request(
                    fake.tokenFor(ALICE),
                    TABLE + "?select=session_id&limit=1",
                    "Prefer",
                    "count=exact")
                .head());

    assertThat(answer.status()).isEqualTo(206);
    assertThat(answer.header("Content-Range")).isEqualTo("0-0/2");
    assertThat(answer.body()).isEmpty();
  }

  @Test
  void seedSession_idBreakingTheTableCheck_isRefused() {
    assertThatThrownBy(() -> fake.seedSession(ALICE, "not-a-session-id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not-a-session-id");
  }

  // ------------------------------------------------------------------ PATCH

  @Test
  void patch_ownSession_is204AndBumpsVersion() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(
            fake.tokenFor(ALICE),
            TABLE + "?session_id=eq." + SESSION,
            "{\"repo\":\"acme/api\",\"context_cache\":{\"k\":1}}");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Content-Range")).isEqualTo("0-0/*");
    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.repo()).isEqualTo("acme/api");
    assertThat(stored.contextCache().get("k").asInt()).isEqualTo(1);
    assertThat(stored.version()).isEqualTo(1);
    assertThat(stored.messageIds()).containsExactly("m1");
  }

  @Test
  void patch_numbersAtNumericsBounds_areKept_andReadBackAsNumericPrintsThem() throws IOException {
    fake.seedSession(ALICE, SESSION);
    String body = "{\"context_cache\":{\"big\":9.9e131071,\"small\":1.50e-16381}}";

    Answer patched = calls.patch(fake.tokenFor(ALICE), TABLE + "?session_id=eq." + SESSION, body);
    Answer read =
        calls.get(fake.tokenFor(ALICE), TABLE + "?select=context_cache&session_id=eq." + SESSION);

    assertThat(patched.status()).isEqualTo(204);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.body())
        .isEqualTo(
            "[{\"context_cache\":{\"big\":99"
                + "0".repeat(131_070)
                + ",\"small\":0."
                + "0".repeat(16_380)
                + "150}}]");
  }

  @Test
  void patch_withReturnRepresentation_is200WithUpdatedRows() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(
            fake.tokenFor(ALICE),
            TABLE + "?select=current_file,version&session_id=eq." + SESSION,
            "{\"current_file\":\"src/A.java\"}",
            "Prefer",
            "return=representation");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("[{\"current_file\":\"src/A.java\",\"version\":1}]");
  }

  @Test
  void patch_withObjectAcceptAndNoVisibleRow_is406AndChangesNothing() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(
            fake.tokenFor(BOB),
            TABLE + "?session_id=eq." + SESSION,
            "{\"repo\":\"x\"}",
            "Accept",
            "application/vnd.pgrst.object+json",
            "Prefer",
            "return=representation");

    assertThat(answer.status()).isEqualTo(406);
    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST116");
  }

  @Test
  void patch_withoutFilter_is400RequiresWhereClause() throws IOException {
    Answer answer = calls.patch(fake.tokenFor(ALICE), TABLE, "{\"repo\":\"x\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("message").asText()).isEqualTo("UPDATE requires a WHERE clause");
  }

  @Test
  void patch_otherUsersSession_changesNothing() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(
            fake.tokenFor(BOB), TABLE + "?session_id=eq." + SESSION, "{\"repo\":\"bob/evil\"}");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Content-Range")).isEqualTo("*/*");
    assertThat(fake.session(SESSION).orElseThrow().repo()).isNull();
  }

  @Test
  void patch_conversationHistory_is400Pgrst204AndChangesNothing() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");

    Answer answer =
        calls.patch(
            fake.tokenFor(ALICE),
            TABLE + "?session_id=eq." + SESSION,
            "{\"repo\":\"acme/api\",\"conversation_history\":[]}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body())
        .isEqualTo(
            "{\"code\":\"PGRST204\",\"details\":null,\"hint\":null,"
                + "\"message\":\"Could not find the 'conversation_history' column of 'codebase_chat_sessions' in the schema cache\"}");
    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.messageIds()).containsExactly("m1");
    assertThat(stored.repo()).isNull();
    assertThat(stored.version()).isZero();
  }

  @Test
  void patch_ofAField_movesFieldsVersionWithTheVersion() throws IOException {
    fake.seedSession(ALICE, SESSION, "m1");
    String token = fake.tokenFor(ALICE);

    calls.patch(token, TABLE + "?session_id=eq." + SESSION, "{\"repo\":\"acme/api\"}");
    calls.patch(token, TABLE + "?session_id=eq." + SESSION, "{\"repo\":\"acme/api\"}");

    FakeSession stored = fake.session(SESSION).orElseThrow();
    assertThat(stored.version()).isEqualTo(2);
    assertThat(stored.fieldsVersion()).isEqualTo(1);
  }

  @Test
  void patch_userId_is403PermissionDenied() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(
            fake.tokenFor(ALICE),
            TABLE + "?session_id=eq." + SESSION,
            "{\"user_id\":\"" + BOB + "\"}");

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("code").asText()).isEqualTo("42501");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("user_id and session_id of a chat session cannot be changed");
    assertThat(fake.session(SESSION).orElseThrow().userId()).isEqualTo(ALICE);
  }

  @Test
  void patch_aColumnOutsideTheUsersGrant_is403PermissionDeniedForTheTable() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(fake.tokenFor(ALICE), TABLE + "?session_id=eq." + SESSION, "{\"version\":9}");

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().get("message").asText())
        .isEqualTo("permission denied for table codebase_chat_sessions");
    assertThat(fake.session(SESSION).orElseThrow().version()).isZero();
  }

  @Test
  void patch_namingTheRowsOwnIdAndOwner_updatesTheRow() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(
            fake.tokenFor(ALICE),
            TABLE + "?session_id=eq." + SESSION + "&select=repo",
            "{\"session_id\":\""
                + SESSION
                + "\",\"user_id\":\""
                + ALICE
                + "\",\"repo\":\"acme/app\"}",
            "Prefer",
            "return=representation");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("[{\"repo\":\"acme/app\"}]");
  }

  @Test
  void patch_ofAnotherUsersRowNamingAnOwner_reachesNoRow() throws IOException {
    fake.seedSession(ALICE, SESSION);

    Answer answer =
        calls.patch(
            fake.tokenFor(BOB),
            TABLE + "?session_id=eq." + SESSION,
            "{\"user_id\":\"" + BOB + "\"}");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(fake.session(SESSION).orElseThrow().userId()).isEqualTo(ALICE);
  }

  @Test
  void get_withASubWithoutHyphens_readsAsThatUser() throws IOException {
    fake.seedSession(ALICE, SESSION);
    String sub = ALICE.toString().replace("-", "").toUpperCase(java.util.Locale.ROOT);

    Answer answer = calls.get(signedWithSub(sub), TABLE + "?select=session_id");

    assertThat(answer.body()).isEqualTo("[{\"session_id\":\"" + SESSION + "\"}]");
  }

  /** An authenticated user's token with this {@code sub}, signed with the project's secret. */
  private static String signedWithSub(String sub) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader(JWSAlgorithm.HS256),
              new JWTClaimsSet.Builder()
                  .subject(sub)
                  .claim("role", "authenticated")
                  .expirationTime(new java.util.Date(4_102_444_800_000L))
                  .build());
      jwt.sign(new MACSigner(fake.jwtSecret().getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
