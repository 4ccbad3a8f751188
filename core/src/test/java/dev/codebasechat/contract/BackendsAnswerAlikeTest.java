package dev.codebasechat.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.codebasechat.testing.SupabaseUnderTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same HTTP requests, sent to the test kit's front over its two backends, get the same answers:
 * {@link FakeSupabase} (the in-memory table) and {@link SupabaseTestServer} (the migrations on
 * PostgreSQL, the reference). Each scenario starts from empty tables on both and runs its steps in
 * order; every step's status, the headers a client reads ({@code Content-Range}, {@code
 * Content-Type}, {@code Preference-Applied}, {@code Proxy-Status}, {@code WWW-Authenticate}) and
 * its body as JSON text, keys in the order written, must be equal. Only what cannot be equal is
 * masked: the times each backend stamps rows with and the rows' generated {@code id}. A request the
 * two answer differently fails here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackendsAnswerAlikeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-0000000000a1");
  private static final UUID BOB = UUID.fromString("b0b00000-0000-4000-8000-0000000000b0");
  private static final String TABLE = "codebase_chat_sessions";
  private static final String ONE = "chat-1737201600000-alike001";
  private static final String TWO = "chat-1737201600000-alike002";
  private static final String THREE = "chat-1737201600000-alike003";
  private static final List<String> HEADERS =
      List.of(
          "Content-Range",
          "Content-Type",
          "Preference-Applied",
          "Proxy-Status",
          "WWW-Authenticate");

  /** The DETAIL of a broken constraint shown to a role that bypasses RLS; the row id comes next. */
  private static final String FAILING_ROW = "Failing row contains (";

  /** How PostgreSQL prints a timestamptz in such a DETAIL. */
  private static final Pattern ROW_TIME =
      Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}(\\.[0-9]{1,6})?\\+00");

  /** How PostgREST renders a timestamptz of the database's clock. */
  private static final Pattern SERVER_TIME =
      Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]{1,6})?\\+00:00");

  private final FakeSupabase memory = FakeSupabase.create();
  private final SupabaseTestServer postgres = SupabaseTestServer.create();
  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .retryOnConnectionFailure(false)
          .readTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  void start() {
    memory.start();
    postgres.start();
  }

  @AfterAll
  void stop() {
    memory.close();
    postgres.close();
  }

  // ------------------------------------------------------------------ the requests

  /** Who sends a step: the credentials it carries, made by each backend from its own keys. */
  enum As {
    ALICE_TOKEN(s -> auth(s.apiKey(), s.tokenFor(ALICE))),
    BOB_TOKEN(s -> auth(s.apiKey(), s.tokenFor(BOB))),
    LEGACY_ALICE(s -> auth(s.apiKey(), s.legacyTokenFor(ALICE))),
    ANON_KEY_ONLY(s -> auth(s.apiKey(), null)),
    ANON_KEY_AS_BEARER(s -> auth(s.apiKey(), s.apiKey())),
    SERVICE_KEY(s -> auth(s.serviceKey(), s.serviceKey())),
    SECRET_KEY(s -> auth(s.secretKey(), s.secretKey())),
    PUBLISHABLE_KEY_ONLY(s -> auth(s.publishableKey(), null)),
    EXPIRED_ALICE(s -> auth(s.apiKey(), s.expiredTokenFor(ALICE))),
    FORGED_ALICE(s -> auth(s.apiKey(), s.forgedTokenFor(ALICE))),
    NO_SUB(s -> auth(s.apiKey(), s.tokenWithRole(null, "authenticated"))),
    UNKNOWN_ROLE(s -> auth(s.apiKey(), s.tokenWithRole(ALICE, "superhero"))),
    OWNER_ROLE(s -> auth(s.apiKey(), s.tokenWithRole(ALICE, "postgres"))),
    AUTHENTICATOR_ROLE(s -> auth(s.apiKey(), s.tokenWithRole(ALICE, "authenticator"))),
    ALICE_SUB_WITHOUT_HYPHENS(s -> auth(s.apiKey(), signed(s, ALICE.toString().replace("-", "")))),
    EMPTY_SUB(s -> auth(s.apiKey(), signed(s, ""))),
    NO_UUID_SUB(s -> auth(s.apiKey(), signed(s, "x"))),
    ANON_WITH_NO_UUID_SUB(s -> auth(s.apiKey(), signed(s, "x", "anon"))),
    SERVICE_ROLE_WITH_NO_UUID_SUB(s -> auth(s.serviceKey(), signed(s, "x", "service_role"))),
    NO_API_KEY(s -> auth(null, s.tokenFor(ALICE))),
    WRONG_API_KEY(s -> auth("sb_publishable_notTheProjects", s.tokenFor(ALICE)));

    final Function<SupabaseUnderTest, Map<String, String>> headers;

    As(Function<SupabaseUnderTest, Map<String, String>> headers) {
      this.headers = headers;
    }
  }

  /** An authenticated token with this {@code sub}, signed with the project's JWT secret. */
  private static String signed(SupabaseUnderTest supabase, String sub) {
    return signed(supabase, sub, "authenticated");
  }

  /** A token of {@code role} with this {@code sub}, signed with the project's JWT secret. */
  private static String signed(SupabaseUnderTest supabase, String sub, String role) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .subject(sub)
              .claim("role", role)
              .expirationTime(new java.util.Date(4_102_444_800_000L))
              .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(supabase.jwtSecret().getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> auth(@Nullable String apiKey, @Nullable String bearer) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (apiKey != null) {
      headers.put("apikey", apiKey);
    }
    if (bearer != null) {
      headers.put("Authorization", "Bearer " + bearer);
    }
    return headers;
  }

  /** One request: who, the method, {@code /rest/v1/} plus path and query, headers, body. */
  record Step(
      As as, String method, String target, Map<String, String> headers, @Nullable String body) {
    Step with(String header, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(header, value);
      return new Step(as, method, target, more, body);
    }

    @Override
    public String toString() {
      return as + " " + method + " " + target + (headers.isEmpty() ? "" : " " + headers);
    }
  }

  private static Step get(As as, String target) {
    return new Step(as, "GET", target, Map.of(), null);
  }

  private static Step head(As as, String target) {
    return new Step(as, "HEAD", target, Map.of(), null);
  }

  private static Step send(As as, String method, String target, String body) {
    return new Step(as, method, target, Map.of(), body);
  }

  private static Step rpc(As as, String function, String arguments) {
    return send(as, "POST", "rpc/" + function, arguments);
  }

  /** Alice's {@code chat_session_changes} of session ONE, {@code since} as JSON text. */
  private static Step changesOfOne(String since) {
    return rpc(
        As.ALICE_TOKEN,
        "chat_session_changes",
        "{\"p_session_id\":\"" + ONE + "\",\"p_since_version\":" + since + "}");
  }

  private static String message(String id, String timestamp) {
    return "{\"id\":\""
        + id
        + "\",\"role\":\"user\",\"content\":\"text of "
        + id
        + "\",\"timestamp\":\""
        + timestamp
        + "\"}";
  }

  private static String append(String session, String... ids) {
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      messages.add(message(ids[i], "2026-01-01T00:00:0" + i + ".000Z"));
    }
    return "{\"p_session_id\":\""
        + session
        + "\",\"p_messages\":["
        + String.join(",", messages)
        + "]}";
  }

  /** A message earlier than those of {@link #append}. */
  private static final String EARLY = message("m0", "2025-12-31T00:00:00Z");

  private static String appendFor(Object owner, String messages) {
    return "{\"p_owner\":\""
        + owner
        + "\",\"p_session_id\":\""
        + ONE
        + "\",\"p_messages\":"
        + messages
        + "}";
  }

  private static String storeFor(Object owner, String id, String version, String session) {
    return "{\"p_owner\":\""
        + owner
        + "\",\"p_session_id\":\""
        + id
        + "\",\"p_expected_version\":"
        + version
        + ",\"p_session\":"
        + session
        + "}";
  }

  private static String session(String id) {
    return "{\"p_session_id\":\"" + id + "\"}";
  }

  private static Arguments scenario(String name, Step... steps) {
    return Arguments.of(name, List.of(steps));
  }

  static Stream<Arguments> scenarios() {
    String byOne = TABLE + "?session_id=eq." + ONE;
    String byTwo = TABLE + "?session_id=eq." + TWO;
    String byThree = TABLE + "?session_id=eq." + THREE;
    String repos = TABLE + "?select=session_id,repo";
    String full =
        TABLE
            + "?select=session_id,user_id,repo,current_file,conversation_history,context_cache,"
            + "metadata,message_count,version,history_bytes,fields_version,cleared_version,"
            + "last_activity&session_id=eq."
            + ONE;
    return Stream.of(
        scenario(
            "keys and tokens",
            get(As.NO_API_KEY, TABLE),
            get(As.WRONG_API_KEY, TABLE),
            get(As.FORGED_ALICE, TABLE),
            get(As.EXPIRED_ALICE, TABLE),
            get(As.UNKNOWN_ROLE, TABLE),
            get(As.ANON_KEY_ONLY, TABLE),
            get(As.ANON_KEY_AS_BEARER, TABLE),
            get(As.PUBLISHABLE_KEY_ONLY, TABLE),
            get(As.ALICE_TOKEN, TABLE),
            get(As.LEGACY_ALICE, TABLE),
            get(As.SECRET_KEY, TABLE),
            rpc(As.ANON_KEY_ONLY, "append_chat_messages", append(ONE, "m1")),
            rpc(As.NO_SUB, "clear_chat_history", session(ONE))),
        scenario(
            "appends, then the rows and the computed history",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1", "m2")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m2", "m3")),
            rpc(As.BOB_TOKEN, "append_chat_messages", append(ONE, "x1")),
            get(As.ALICE_TOKEN, full),
            get(As.BOB_TOKEN, full),
            get(As.SERVICE_KEY, TABLE + "?select=session_id,user_id,message_count"),
            get(As.ALICE_TOKEN, TABLE + "?select=sid:session_id,count:message_count"),
            get(As.ALICE_TOKEN, byOne).with("Accept", "application/vnd.pgrst.object+json"),
            get(As.BOB_TOKEN, byOne).with("Accept", "application/vnd.pgrst.object+json")),
        scenario(
            "paging, ordering, counting and filters",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(TWO, "m1", "m2")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append("chat-1737201600000-alike003")),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&order=session_id.desc&limit=2")
                .with("Prefer", "count=exact"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&order=session_id&offset=1")
                .with("Prefer", "count=exact"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&offset=7")
                .with("Prefer", "count=exact"),
            head(As.ALICE_TOKEN, TABLE + "?select=session_id&limit=1")
                .with("Prefer", "count=exact"),
            get(
                As.ALICE_TOKEN,
                TABLE + "?select=session_id&message_count=gte.1&order=message_count.desc"),
            get(
                As.ALICE_TOKEN,
                TABLE
                    + "?select=session_id&session_id=in.("
                    + ONE
                    + ",\""
                    + TWO
                    + "\")&order=session_id"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&repo=is.null&message_count=neq.2"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&repo=not.in.()&order=session_id"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&repo=in.()&order=session_id"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&repo=not.in.(x)&order=session_id"),
            get(
                As.ALICE_TOKEN,
                TABLE + "?select=session_id&session_id=not.eq." + ONE + "&order=session_id"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&user_id=eq.not-a-uuid"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&user_id=eq.1-2-3-4-5"),
            get(
                As.ALICE_TOKEN,
                TABLE
                    + "?select=session_id&user_id=in.({"
                    + ALICE
                    + "},"
                    + BOB.toString().replace("-", "").toUpperCase(java.util.Locale.ROOT)
                    + ")"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&message_count=lt.99999999999"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&version=lt.99999999999999999999"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&version=gte.%20+1%20"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&version=gt.x"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&secret=eq.1"),
            get(As.ALICE_TOKEN, TABLE + "?select=sesion_id"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&order=versoin"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&user=eq.1"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&xversion=eq.1"),
            get(As.ALICE_TOKEN, TABLE + "?select=ated_at"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&session_id=in.(\"open"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&order=session_id.sideways"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&limit=-1"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&or=(repo.is.null)"),
            get(As.ALICE_TOKEN, "nope"),
            get(As.ALICE_TOKEN, TABLE).with("Accept", "text/csv")),
        scenario(
            "text sorts and compares by code point",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(TWO, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(THREE, "m1")),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"repo\":\"apple\"}"),
            send(As.ALICE_TOKEN, "PATCH", byTwo, "{\"repo\":\"Banana\"}"),
            send(As.ALICE_TOKEN, "PATCH", byThree, "{\"repo\":\"_cherry\"}"),
            get(As.ALICE_TOKEN, repos + "&order=repo"),
            get(As.ALICE_TOKEN, repos + "&repo=gt.a&order=session_id"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"repo\":\"\u00e9clair\"}"),
            send(As.ALICE_TOKEN, "PATCH", byTwo, "{\"repo\":\"\uff01bang\"}"),
            send(As.ALICE_TOKEN, "PATCH", byThree, "{\"repo\":\"\ud83d\ude00smile\"}"),
            get(As.ALICE_TOKEN, repos + "&order=repo.desc"),
            get(As.ALICE_TOKEN, repos + "&repo=gt.\uff01&order=session_id")),
        scenario(
            "what the front reads the same way for both: ranges, preferences, media types",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(TWO, "m1", "m2")),
            get(As.ALICE_TOKEN, repos + "&order=session_id").with("Range", "1-1"),
            get(As.ALICE_TOKEN, repos + "&order=session_id&offset=-3&limit=abc"),
            get(As.ALICE_TOKEN, repos + "&order=session_id&repo=is.NULLx&message_count=in.(1)x"),
            get(As.ALICE_TOKEN, byOne)
                .with("Accept", "application/vnd.pgrst.object+json;nulls=stripped"),
            send(
                As.ALICE_TOKEN,
                "PATCH",
                byOne,
                "{\"metadata\":{\"a\":null,\"b\":{\"c\":null,\"d\":1},\"e\":[null,{\"f\":null}]}}"),
            get(As.ALICE_TOKEN, byOne + "&select=metadata")
                .with("Accept", "application/vnd.pgrst.array+json;nulls=stripped"),
            get(As.ALICE_TOKEN, repos + "&order=session_id").with("Prefer", "timezone=UTC"),
            get(As.ALICE_TOKEN, repos + "&order=session_id").with("Prefer", "timezone=Factory"),
            get(As.ALICE_TOKEN, repos + "&order=session_id").with("Prefer", "timezone=GMT-0"),
            get(As.ALICE_TOKEN, repos + "&order=session_id")
                .with("Prefer", "timezone=SystemV/AST4"),
            send(As.ALICE_TOKEN, "POST", TABLE, "[]").with("Prefer", "return=representation"),
            send(As.ALICE_TOKEN, "POST", TABLE, "7"),
            send(As.ALICE_TOKEN, "PATCH", TABLE + "?message_count=gte.0", "{\"repo\":\"x\"}")
                .with("Prefer", "handling=strict, max-affected=1"),
            send(As.ALICE_TOKEN, "DELETE", TABLE + "?message_count=gte.0", null)
                .with("Prefer", "handling=strict, max-affected=1"),
            send(As.ALICE_TOKEN, "PATCH", byOne + "&select=nope", "{\"repo\":\"a b\"}")
                .with("Prefer", "count=planned"),
            get(As.ALICE_TOKEN, repos + "&repo=eq.a+b"),
            get(As.ALICE_TOKEN, repos + "&order=%22%22"),
            get(As.ALICE_TOKEN, TABLE + "?select=%22%22"),
            send(As.ALICE_TOKEN, "PATCH", byTwo + "&columns=current_file", "{\"repo\":\"y\"}")
                .with("Prefer", "return=representation, handling=strict, max-affected=1"),
            send(As.ALICE_TOKEN, "PATCH", byTwo, "7"),
            rpc(
                    As.ALICE_TOKEN,
                    "chat_session_changes",
                    "{\"p_session_id\":\"" + ONE + "\",\"p_since_version\":0}")
                .with("Prefer", "count=exact"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages?columns=p_session_id,p_messages,p_repo",
                "{\"p_session_id\":\"" + TWO + "\",\"p_messages\":[],\"p_repo\":\"r\",\"x\":1}"),
            rpc(
                As.ALICE_TOKEN,
                "delete_chat_session",
                "[" + session(ONE) + "," + session(TWO) + "]"),
            get(As.ALICE_TOKEN, repos + ",current_file,version&order=session_id"),
            rpc(As.ALICE_TOKEN, "append_chat_message", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "clear_chat_histor", "{}"),
            rpc(As.ALICE_TOKEN, "chat_session_change", "{}"),
            rpc(As.ALICE_TOKEN, "conversation_histories", "{}"),
            rpc(As.ALICE_TOKEN, "delete_chat_session", "{\"p_session_id\":\"x\",\"extra\":1}"),
            get(As.ALICE_TOKEN, "codebase_chat_session"),
            get(As.ALICE_TOKEN, "codebase_chat_message"),
            get(
                As.ALICE_TOKEN,
                "rpc/chat_session_changes?p_session_id=" + TWO + "&p_since_version=0"),
            head(
                As.ALICE_TOKEN,
                "rpc/chat_session_changes?p_session_id=" + TWO + "&p_since_version=1"),
            get(
                As.ALICE_TOKEN,
                "rpc/chat_session_changes?p_session_id=" + TWO + "&p_since_version=x"),
            get(As.ALICE_TOKEN, "rpc/chat_session_changes?p_session_id=" + TWO),
            send(As.ALICE_TOKEN, "POST", TABLE, "{\"session_id\":\"" + THREE + "\"}")
                .with("Prefer", "return=headers-only, count=exact")),
        scenario(
            "updates of the context",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"repo\":\"acme/api\",\"metadata\":{\"k\":1}}"),
            send(
                    As.ALICE_TOKEN,
                    "PATCH",
                    byOne + "&select=repo,version,fields_version",
                    "{\"repo\":\"acme/api\"}")
                .with("Prefer", "return=representation"),
            send(As.BOB_TOKEN, "PATCH", byOne, "{\"repo\":\"bob/evil\"}"),
            send(As.BOB_TOKEN, "PATCH", byOne, "{\"repo\":\"bob/evil\"}")
                .with("Accept", "application/vnd.pgrst.object+json")
                .with("Prefer", "return=representation"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"version\":99}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"conversation_history\":[]}"),
            send(As.ALICE_TOKEN, "PATCH", TABLE, "{\"repo\":\"x\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"context_cache\":[1]}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "not json"),
            get(As.ALICE_TOKEN, full)),
        scenario(
            "inserts and deletes",
            send(As.ALICE_TOKEN, "POST", TABLE, "{\"session_id\":\"" + ONE + "\"}"),
            send(As.ALICE_TOKEN, "POST", TABLE, "{\"session_id\":\"" + ONE + "\"}"),
            send(
                    As.ALICE_TOKEN,
                    "POST",
                    TABLE + "?select=session_id,repo",
                    "{\"session_id\":\"" + TWO + "\",\"repo\":\"a\"}")
                .with("Prefer", "return=representation"),
            send(
                As.ALICE_TOKEN,
                "POST",
                TABLE,
                "{\"session_id\":\"chat-1-x\",\"user_id\":\"" + BOB + "\"}"),
            send(As.ALICE_TOKEN, "POST", TABLE, "{\"session_id\":\"not-an-id\"}"),
            send(As.ALICE_TOKEN, "POST", TABLE, "{\"session_id\":\"" + ONE + "\",\"version\":3}"),
            send(As.SERVICE_KEY, "POST", TABLE, "{\"session_id\":\"chat-1737201600000-alike009\"}"),
            send(As.BOB_TOKEN, "DELETE", byOne, null),
            send(As.ALICE_TOKEN, "DELETE", TABLE, null),
            send(As.ALICE_TOKEN, "DELETE", byOne + "&select=session_id", null)
                .with("Prefer", "return=representation"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id,repo&order=session_id")),
        scenario(
            "the functions' answers and refusals",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1", "m1", "m2")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\""
                    + ONE
                    + "\",\"p_messages\":[{\"id\":\"m9\",\"role\":\"robot\",\"content\":\"x\",\"timestamp\":\"2026-01-01T00:00:00Z\"}]}"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\"bad id\",\"p_messages\":[]}"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\""
                    + TWO
                    + "\",\"p_messages\":[],\"p_repo\":\"acme/web\",\"p_current_file\":\"A.java\"}"),
            changesOfOne("0"),
            changesOfOne("1"),
            changesOfOne("\"latest\""),
            rpc(As.ALICE_TOKEN, "chat_session_changes", session(ONE)),
            rpc(As.ALICE_TOKEN, "clear_chat_history", session(ONE)),
            rpc(As.BOB_TOKEN, "clear_chat_history", session(ONE)),
            changesOfOne("1"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(
                    appendOf(TWO, "[" + message("b1", "2026-01-01T00:00:00Z") + "]", ""),
                    appendOf("chat-1737201600000-alike004", "[]", ""))),
            rpc(As.BOB_TOKEN, "append_chat_messages_batch", batch(appendOf(TWO, "[]", ""))),
            rpc(As.SERVICE_KEY, "append_chat_messages_batch", batch()),
            rpc(As.BOB_TOKEN, "delete_chat_session", session(ONE)),
            rpc(As.ALICE_TOKEN, "delete_chat_session", session(ONE)),
            rpc(
                As.ALICE_TOKEN,
                "clear_chat_history",
                "{\"p_session_id\":\"" + ONE + "\",\"p_extra\":1}"),
            rpc(As.ALICE_TOKEN, "no_such_function", "{}"),
            rpc(As.ALICE_TOKEN, "clear_chat_history", "[1]"),
            new Step(As.ALICE_TOKEN, "PUT", "rpc/clear_chat_history", Map.of(), session(ONE))),
        scenario(
            "a session started again after a delete",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1", "m2")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m3")),
            rpc(As.ALICE_TOKEN, "delete_chat_session", session(ONE)),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "n1")),
            changesOfOne("2"),
            changesOfOne("1"),
            changesOfOne("3"),
            changesOfOne("4"),
            rpc(As.ALICE_TOKEN, "delete_chat_session", session(ONE)),
            rpc(As.BOB_TOKEN, "append_chat_messages", append(ONE, "b1")),
            get(
                As.SERVICE_KEY,
                TABLE + "?select=session_id,user_id,version,fields_version,cleared_version")),
        scenario(
            "the operator functions",
            // Users exist where PostgreSQL has them: a token of Bob's creates him in auth.users.
            get(As.BOB_TOKEN, TABLE),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.SERVICE_KEY, "append_chat_messages_for", appendFor(ALICE, "[" + EARLY + "]")),
            rpc(As.SERVICE_KEY, "append_chat_messages_for", appendFor(BOB, "[]")),
            rpc(As.ALICE_TOKEN, "append_chat_messages_for", appendFor(ALICE, "[]")),
            rpc(As.SERVICE_KEY, "store_chat_session_for", storeFor(ALICE, ONE, "1", "{}")),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(
                    ALICE, ONE, "2", "{\"repo\":\"r\",\"conversation_history\":[" + EARLY + "]}")),
            rpc(As.SERVICE_KEY, "store_chat_session_for", storeFor(BOB, ONE, "null", "{}")),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor("not-a-uuid", ONE, "null", "null")),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(" " + ALICE, ONE, "null", "null")),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor("{" + ALICE + "}", ONE, "99999999999999999999", "null")),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(BOB, TWO, "null", "{\"conversation_history\":[]}")),
            get(
                As.SERVICE_KEY,
                TABLE
                    + "?select=session_id,user_id,repo,conversation_history,message_count,version,fields_version,cleared_version,history_bytes&order=session_id")),
        scenario(
            "inserts: the columns taken, NULLs, JSON into text, constraints in order",
            insert(TABLE + "?columns=repo", "{\"session_id\":\"chat-1-columns\",\"repo\":\"r\"}"),
            insert(
                TABLE + "?columns=session_id",
                "{\"session_id\":\"chat-2-columns\",\"repo\":\"r\"}"),
            insert(TABLE, "{}"),
            insert(TABLE, "{\"session_id\":null}"),
            insert(TABLE, "{\"session_id\":\"chat-3-nulls\",\"metadata\":null}"),
            insert(TABLE, "{\"session_id\":\"chat-4-nulls\",\"context_cache\":null}"),
            insert(TABLE, "{\"session_id\":\"chat-5-nulls\",\"user_id\":null}"),
            insert(TABLE, "{\"session_id\":\"chat-6-typed\",\"repo\":true,\"current_file\":1.50}"),
            insert(TABLE, "{\"session_id\":\"chat-7-typed\",\"repo\":{\"a\":1}}"),
            insert(TABLE, "{\"session_id\":\"chat-8-typed\",\"repo\":[1,2]}"),
            insert(TABLE, "{\"session_id\":5}"),
            insert(TABLE, "{\"session_id\":\"chat-9-long\",\"repo\":\"" + "r".repeat(513) + "\"}"),
            insert(
                TABLE,
                "{\"session_id\":\"chat-9-long\",\"current_file\":\"" + "f".repeat(4097) + "\"}"),
            insert(TABLE, "{\"session_id\":\"bad\",\"metadata\":[]}"),
            insert(TABLE, "{\"session_id\":\"chat-2-columns\",\"metadata\":[]}"),
            get(
                As.SERVICE_KEY,
                TABLE + "?select=session_id,user_id,repo,current_file&order=session_id")),
        scenario(
            "updates: empty bodies, NULLs, JSON into text, constraints on the rows reached",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{}").with("Prefer", "return=representation"),
            send(As.ALICE_TOKEN, "PATCH", byOne + "&select=nope", "{}")
                .with("Prefer", "return=representation"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{}")
                .with("Accept", "application/vnd.pgrst.object+json")
                .with("Prefer", "return=representation"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"metadata\":null}"),
            send(As.BOB_TOKEN, "PATCH", byOne, "{\"metadata\":null}"),
            send(As.BOB_TOKEN, "PATCH", byOne, "{\"context_cache\":[1]}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"repo\":\"" + "r".repeat(513) + "\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"repo\":{\"a\":1},\"current_file\":true}")
                .with("Prefer", "return=representation"),
            send(
                    As.ALICE_TOKEN,
                    "PATCH",
                    byOne + "&columns=repo",
                    "{\"repo\":\"a\",\"current_file\":\"f\"}")
                .with("Prefer", "return=representation"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\""
                    + ONE
                    + "\",\"p_messages\":[],\"p_repo\":{\"a\":1},\"p_current_file\":5}"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\"" + ONE + "\",\"p_messages\":[],\"p_repo\":[true]}"),
            get(As.ALICE_TOKEN, full)),
        scenario(
            "timestamps and trileans in filters",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            since("2020-01-01"),
            since("%202020-1-1%20"),
            since("2020-01-01%2010:00"),
            since("2020-01-01t9:00z"),
            since("2020-01-01T10:00:00.5"),
            since("2020-01-01T10:00:00.1234567+0200"),
            since("2020-01-01T10:00:00+2"),
            since("2020-01-01%2010:00:00%20UTC"),
            since("2020-01-01T24:00:00Z"),
            since("10000-01-01"),
            since("epoch"),
            since("infinity"),
            since("-infinity"),
            since("2020-13-01"),
            since("2020-02-30"),
            since("2020-01-01T25:00:00"),
            since("2020-01-01T10:60:00"),
            since("0000-01-01"),
            since("2020-01-01T10:00:00+16:00"),
            since("yesterday-ish"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&last_activity=in.(2020-01-01,epoch)"),
            get(
                As.ALICE_TOKEN,
                TABLE + "?select=session_id&last_activity=lt.infinity&order=last_activity"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&repo=is.true"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&message_count=is.FALSE"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&metadata=not.is.unknown"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&last_activity=is.true")),
        scenario(
            "values PostgreSQL cannot hold or read",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                appendOne("2026-01-01T00:00:00+16:00", "c")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", appendOne("2026-02-30T00:00:00Z", "c")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                appendOne("2026-01-01T00:00:00Z", "a\\u0000b")),
            rpc(As.ANON_KEY_ONLY, "clear_chat_history", "{\"p_session_id\":\"\\u0000\"}"),
            rpc(As.ALICE_TOKEN, "clear_chat_history", "{\"p_session_id\":\"\\u0000\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"metadata\":{\"k\\u0000\":1}}"),
            send(As.BOB_TOKEN, "PATCH", byOne, "{\"repo\":\"\\u0000\"}"),
            insert(TABLE, "{\"session_id\":\"chat-1-nulnul\",\"repo\":\"\\u0000\"}"),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id&repo=eq.%00"),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(ALICE, TWO, "null", "{\"conversation_history\":{}}")),
            changesOfOne("0")),
        scenario(
            "histories, changes and the operator's stores in sequence",
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                messagesFor(ONE, "a@05", "b@03", "c@05", "d@05")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", messagesFor(ONE, "e@01", "a@09")),
            changesOfOne("0"),
            changesOfOne("1"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"metadata\":{\"b\":1,\"a\":2}}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"metadata\":{\"a\":2,\"b\":1.0}}"),
            changesOfOne("3"),
            rpc(As.ALICE_TOKEN, "clear_chat_history", session(ONE)),
            changesOfOne("4"),
            rpc(As.ALICE_TOKEN, "append_chat_messages", messagesFor(ONE, "a@01")),
            changesOfOne("5"),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(ALICE, ONE, "6", historyOf("a@01", "z@00"))),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(ALICE, ONE, "7", historyOf("z@00", "a@01", "y@02"))),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(ALICE, ONE, "8", historyOf("a@01"))),
            changesOfOne("8"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(
                    appendOf(TWO, "[" + message("t2", "2026-01-01T00:00:01Z") + "]", ""),
                    appendOf("chat-2-batchlong", "[]", ",\"repo\":\"" + "r".repeat(513) + "\""),
                    appendOf(TWO, "[" + message("t3", "2026-01-01T00:00:00Z") + "]", ""))),
            get(
                As.ALICE_TOKEN,
                TABLE + "?select=session_id,conversation_history&order=session_id")),
        scenario(
            "owners and ids: the update trigger, the column grants, roles and subs",
            get(As.EMPTY_SUB, TABLE + "?select=session_id"),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(THREE, "m1")),
            send(
                    As.ALICE_TOKEN,
                    "PATCH",
                    byOne + "&select=session_id,user_id,repo",
                    "{\"session_id\":\"" + ONE + "\",\"user_id\":\"" + ALICE + "\",\"repo\":\"k\"}")
                .with("Prefer", "return=representation"),
            send(As.BOB_TOKEN, "PATCH", byOne, "{\"user_id\":\"" + BOB + "\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"user_id\":\"" + BOB + "\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"session_id\":\"" + TWO + "\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"user_id\":\"not-a-uuid\"}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"version\":5}"),
            asService(
                    "PATCH", byOne + "&select=session_id,user_id", "{\"user_id\":\"" + BOB + "\"}")
                .with("Prefer", "return=representation"),
            get(As.BOB_TOKEN, full),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id"),
            asService(
                    "PATCH",
                    byOne + "&select=session_id,user_id",
                    "{\"session_id\":\"" + TWO + "\"}")
                .with("Prefer", "return=representation"),
            asService("PATCH", byTwo, "{\"session_id\":\"" + THREE + "\"}"),
            asService("PATCH", byTwo, "{\"session_id\":\"not an id\"}"),
            get(As.ALICE_SUB_WITHOUT_HYPHENS, TABLE + "?select=session_id"),
            get(As.EMPTY_SUB, TABLE + "?select=session_id"),
            get(As.OWNER_ROLE, TABLE),
            get(As.AUTHENTICATOR_ROLE, TABLE),
            rpc(As.AUTHENTICATOR_ROLE, "append_chat_messages", append(ONE, "m2")),
            rpc(As.OWNER_ROLE, "append_chat_messages", append(ONE, "m2"))),
        scenario(
            "broken constraints as a role that bypasses RLS sees them, with the row",
            // Alice's token makes her a user of auth.users, whom user_id references.
            get(As.ALICE_TOKEN, TABLE),
            asService(
                "POST",
                TABLE,
                "{\"session_id\":\""
                    + ONE
                    + "\",\"user_id\":\""
                    + ALICE
                    + "\",\"metadata\":[],\"repo\":\""
                    + "é".repeat(40)
                    + "\"}"),
            asService(
                "POST",
                TABLE,
                "{\"session_id\":\"" + ONE + "\",\"user_id\":\"" + ALICE + "\",\"metadata\":null}"),
            asService(
                "POST", TABLE, "{\"session_id\":\"" + ONE + "\",\"user_id\":\"" + ALICE + "\"}"),
            asService(
                "POST", TABLE, "{\"session_id\":\"" + ONE + "\",\"user_id\":\"" + ALICE + "\"}"),
            asService("PATCH", byOne, "{\"metadata\":null}"),
            asService(
                "PATCH",
                byOne,
                "{\"context_cache\":{\"k\":\""
                    + "v".repeat(100)
                    + "\"},\"current_file\":\""
                    + "f".repeat(4097)
                    + "\"}"),
            rpc(
                As.SERVICE_KEY,
                "append_chat_messages_for",
                withText(appendNothingFor(ALICE, TWO), "p_repo", 513)),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(ALICE, TWO, "null", "{\"repo\":\"x\",\"context_cache\":\"s\"}")),
            rpc(
                As.SERVICE_KEY,
                "store_chat_session_for",
                storeFor(ALICE, ONE, "0", "{\"metadata\":null}"))),
        scenario(
            "an append's checks in order: the messages, the proposed row by constraint name,"
                + " keys in jsonb order",
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                withText(append(ONE, "bad id"), "p_repo", 513)),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                withText(withText(append(ONE, "m1"), "p_repo", 513), "p_current_file", 4097)),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", withText(append(ONE, "m2"), "p_repo", 513)),
            rpc(As.BOB_TOKEN, "append_chat_messages", append(TWO, "b1")),
            rpc(
                As.SERVICE_KEY,
                "append_chat_messages_for",
                withText(appendNothingFor(ALICE, TWO), "p_repo", 513)),
            rpc(As.ALICE_TOKEN, "append_chat_messages", messagesWithKeys(ONE, "\"zzz\":1,\"b\":2")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                messagesWithKeys(ONE, "\"" + "\uD83D\uDE00".repeat(41) + "\":1")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(appendOf(ONE, "[]", ",\"zzz\":1,\"b\":2"))),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(appendOf("\uD83D\uDE00", "[]", ""), appendOf("\uFF01", "[]", ""))),
            changesOfOne("\"5\u2003\""),
            changesOfOne("\" 5\\n\""),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id,repo,current_file,version")),
        scenario(
            "sizes count as jsonb stores them: the context cache at its limit and one number over,"
                + " a message small as text and over 1 MiB as stored",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"context_cache\":" + lines(87_379) + "}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"context_cache\":" + lines(87_380) + "}"),
            get(As.ALICE_TOKEN, byOne + "&select=version,history_bytes"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\""
                    + ONE
                    + "\",\"p_messages\":["
                    + message("m2", "2026-01-01T00:00:02Z").replace("}", ",\"code\":")
                    + lines(90_000)
                    + "}]}")),
        scenario(
            "numbers numeric holds and those it does not: 131 072 digits before the point, 16 383"
                + " after",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"context_cache\":{\"n\":1e131072}}"),
            send(As.ALICE_TOKEN, "PATCH", byOne, "{\"context_cache\":{\"n\":0e-16384}}"),
            send(
                As.ALICE_TOKEN,
                "PATCH",
                byOne,
                "{\"context_cache\":{\"big\":9.9e131071,\"small\":1e-16383,\"zero\":0e200000}}"),
            get(As.ALICE_TOKEN, byOne + "&select=version,context_cache"),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                "{\"p_session_id\":\""
                    + ONE
                    + "\",\"p_messages\":["
                    + message("m2", "2026-01-01T00:00:02Z").replace("}", ",\"code\":[1e-16384]}")
                    + "]}")),
        scenario(
            "a sub that is no uuid fails where auth.uid() is read, after the privileges",
            get(As.ALICE_TOKEN, TABLE),
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            get(As.ANON_WITH_NO_UUID_SUB, TABLE + "?select=session_id"),
            rpc(As.NO_UUID_SUB, "store_chat_session_for", storeFor(ALICE, TWO, "null", "{}")),
            rpc(
                As.SERVICE_ROLE_WITH_NO_UUID_SUB,
                "append_chat_messages_for",
                appendFor(ALICE, "[]")),
            rpc(As.NO_UUID_SUB, "append_chat_messages", append(TWO, "m1")),
            get(As.NO_UUID_SUB, TABLE + "?select=session_id")),
        scenario(
            "the history's limit, broken inside a function that updates as the table's owner",
            historyLimitSteps()),
        scenario(
            "appends only to a session that exists: p_create and the batch's create",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(ONE, "m2"), "false")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(TWO, "t1"), "false")),
            rpc(As.BOB_TOKEN, "append_chat_messages", creating(append(ONE, "x1"), "false")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(TWO, "t1"), "null")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(TWO, "t1"), "\"maybe\"")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(TWO, "t1"), "\" No \"")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(TWO, "t1"), "0")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(TWO, "t1"), "\"o\"")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(THREE, "h1"), "\"of\"")),
            rpc(As.ALICE_TOKEN, "append_chat_messages", creating(append(THREE, "h1"), "\"tRu\"")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages",
                withArgument(
                    creating(append(ONE, "m3"), "false"), "p_repo", "\"" + "r".repeat(513) + "\"")),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(
                    appendOf(
                        TWO,
                        "[" + message("t2", "2026-01-01T00:00:00Z") + "]",
                        ",\"create\":false"),
                    appendOf(
                        ONE,
                        "[" + message("m4", "2026-01-01T00:00:09Z") + "]",
                        ",\"create\":false"),
                    appendOf(THREE, "[]", ",\"create\":true"))),
            rpc(
                As.BOB_TOKEN,
                "append_chat_messages_batch",
                batch(appendOf(ONE, "[]", ",\"create\":false"))),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(appendOf(TWO, "[]", ",\"create\":null"))),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(appendOf(TWO, "[]", ",\"create\":\"false\""))),
            rpc(
                As.ALICE_TOKEN,
                "append_chat_messages_batch",
                batch(appendOf(TWO, "[]", ",\"created\":false"))),
            get(
                As.ALICE_TOKEN,
                TABLE + "?select=session_id,repo,conversation_history,version&order=session_id")),
        scenario(
            "the operator's append only to a session that exists: append_chat_messages_for's"
                + " p_create",
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendFor(ALICE, "[" + EARLY + "]"), "false")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendFor(BOB, "[]"), "false")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendNothingFor(ALICE, TWO), "false")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendNothingFor(ALICE, TWO), "null")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendNothingFor(ALICE, TWO), "\"of\"")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendNothingFor(ALICE, TWO), "\"o\"")),
            rpc(
                As.SERVICE_KEY,
                APPEND_FOR,
                creating(
                    "{\"p_owner\":null,\"p_session_id\":\"" + TWO + "\",\"p_messages\":[]}",
                    "null")),
            rpc(As.ALICE_TOKEN, APPEND_FOR, creating(appendNothingFor(ALICE, TWO), "false")),
            rpc(
                As.SERVICE_KEY,
                APPEND_FOR,
                withArgument(
                    creating(appendFor(ALICE, "[]"), "false"),
                    "p_repo",
                    "\"" + "r".repeat(513) + "\"")),
            rpc(As.SERVICE_KEY, APPEND_FOR, creating(appendNothingFor(ALICE, TWO), "true")),
            get(
                As.ALICE_TOKEN,
                TABLE + "?select=session_id,repo,conversation_history,version&order=session_id")));
  }

  private static final String APPEND_FOR = "append_chat_messages_for";

  /**
   * {@code arguments} (a JSON object) with {@code "p_create"} set to the JSON text {@code value}.
   */
  private static String creating(String arguments, String value) {
    return withArgument(arguments, "p_create", value);
  }

  /**
   * {@code arguments} (a JSON object) with {@code name} added, set to the JSON text {@code value}.
   */
  private static String withArgument(String arguments, String name, String value) {
    return arguments.substring(0, arguments.length() - 1) + ",\"" + name + "\":" + value + "}";
  }

  /**
   * {@code {"lines":[1,1,…]}} of {@code n} ones: 28 + 12·n bytes as jsonb, so 87 379 of them are
   * exactly 1 MiB.
   */
  private static String lines(int n) {
    return "{\"lines\":[" + String.join(",", java.util.Collections.nCopies(n, "1")) + "]}";
  }

  /** Twenty appends of 1 000 messages (the limit of a session), then one more message. */
  private static Step[] historyLimitSteps() {
    List<Step> steps = new ArrayList<>();
    for (int batch = 0; batch <= 20; batch++) {
      int size = batch < 20 ? 1000 : 1;
      List<String> messages = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        messages.add(message("b" + batch + "m" + i, "2026-01-01T00:00:00Z"));
      }
      steps.add(
          rpc(
              As.ALICE_TOKEN,
              "append_chat_messages",
              "{\"p_session_id\":\""
                  + ONE
                  + "\",\"p_messages\":["
                  + String.join(",", messages)
                  + "]}"));
    }
    return steps.toArray(Step[]::new);
  }

  /** The arguments of {@code append_chat_messages_for}: no messages to {@code session} of owner. */
  private static String appendNothingFor(UUID owner, String session) {
    return "{\"p_owner\":\"" + owner + "\",\"p_session_id\":\"" + session + "\",\"p_messages\":[]}";
  }

  /** {@code arguments} (a JSON object's text) with {@code field} set to {@code length} x's. */
  private static String withText(String arguments, String field, int length) {
    return arguments.substring(0, arguments.length() - 1)
        + ",\""
        + field
        + "\":\""
        + "x".repeat(length)
        + "\"}";
  }

  /** An append to {@code session} of one message with these {@code extraKeys} added to it. */
  private static String messagesWithKeys(String session, String extraKeys) {
    String message = message("k1", "2026-01-01T00:00:00Z");
    return "{\"p_session_id\":\""
        + session
        + "\",\"p_messages\":["
        + message.substring(0, message.length() - 1)
        + ","
        + extraKeys
        + "}]}";
  }

  private static Step asService(String method, String target, String body) {
    return send(As.SERVICE_KEY, method, target, body);
  }

  /** The arguments of {@code append_chat_messages_batch} holding these appends. */
  private static String batch(String... appends) {
    return "{\"p_appends\":[" + String.join(",", appends) + "]}";
  }

  /** One append of a batch: its session, its messages (JSON text), then more fields, if any. */
  private static String appendOf(String session, String messages, String moreFields) {
    return "{\"session_id\":\"" + session + "\",\"messages\":" + messages + moreFields + "}";
  }

  /** The arguments of an append to {@code session} of messages {@code id@ss} (second ss). */
  private static String messagesFor(String session, String... idsAtSeconds) {
    return "{\"p_session_id\":\"" + session + "\",\"p_messages\":" + messagesOf(idsAtSeconds) + "}";
  }

  /** {@code p_session} holding only a history of messages {@code id@ss}. */
  private static String historyOf(String... idsAtSeconds) {
    return "{\"conversation_history\":" + messagesOf(idsAtSeconds) + "}";
  }

  private static String messagesOf(String... idsAtSeconds) {
    List<String> messages = new ArrayList<>();
    for (String idAtSecond : idsAtSeconds) {
      String[] parts = idAtSecond.split("@");
      messages.add(message(parts[0], "2026-01-01T00:00:" + parts[1] + "Z"));
    }
    return "[" + String.join(",", messages) + "]";
  }

  /** The arguments of an append to session ONE of one message with this timestamp and content. */
  private static String appendOne(String timestamp, String content) {
    return "{\"p_session_id\":\""
        + ONE
        + "\",\"p_messages\":[{\"id\":\"x1\",\"role\":\"user\",\"content\":\""
        + content
        + "\",\"timestamp\":\""
        + timestamp
        + "\"}]}";
  }

  /** Alice's rows active after {@code timestamp}, as written in the query string. */
  private static Step since(String timestamp) {
    return get(As.ALICE_TOKEN, TABLE + "?select=session_id&last_activity=gt." + timestamp);
  }

  /** Alice's POST of {@code body} to {@code target}, answered with what was stored. */
  private static Step insert(String target, String body) {
    return send(As.ALICE_TOKEN, "POST", target, body).with("Prefer", "return=representation");
  }

  // ------------------------------------------------------------------ the comparison

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void bothBackends_answerEveryStepAlike(String name, List<Step> steps) throws IOException {
    memory.reset();
    postgres.reset();
    for (Step step : steps) {
      JsonNode fromMemory = answer(memory, step);
      JsonNode fromPostgres = answer(postgres, step);

      // As text: the order of an object's keys is part of the answer (jsonb sorts them).
      assertThat(fromMemory.toString()).as("%s", step).isEqualTo(fromPostgres.toString());
    }
  }

  @Test
  void aReset_forgetsTheRecordsOfNamedDeletes_onBothBackends() throws IOException {
    String named =
        "{\"p_session_id\":\""
            + ONE
            + "\",\"p_delete_id\":\"0d0d0d0d-0000-4000-8000-000000000001\"}";
    List<Step> steps =
        List.of(
            rpc(As.ALICE_TOKEN, "append_chat_messages", append(ONE, "m1")),
            rpc(As.ALICE_TOKEN, "delete_chat_session", named),
            get(As.ALICE_TOKEN, TABLE + "?select=session_id"));
    // A test class whose tests share constants: the second test's delete must delete again.
    for (int test = 1; test <= 2; test++) {
      memory.reset();
      postgres.reset();
      JsonNode remaining = null;
      for (Step step : steps) {
        JsonNode fromMemory = answer(memory, step);
        JsonNode fromPostgres = answer(postgres, step);

        assertThat(fromMemory.toString())
            .as("test %d: %s", test, step)
            .isEqualTo(fromPostgres.toString());
        remaining = fromPostgres;
      }
      assertThat(remaining.get("body")).as("test %d", test).isEmpty();
    }
  }

  @Test
  void withMaxRows_bothBackendsTruncateReadsAlike_andSayItInContentRange() throws IOException {
    try (FakeSupabase cappedMemory = FakeSupabase.builder().maxRows(2).build();
        SupabaseTestServer cappedPostgres = SupabaseTestServer.builder().maxRows(2).build()) {
      cappedMemory.start();
      cappedPostgres.start();
      String ordered = TABLE + "?select=session_id&order=session_id";
      List<Step> steps = new ArrayList<>();
      for (String session : List.of(ONE, TWO, THREE)) {
        steps.add(rpc(As.ALICE_TOKEN, "append_chat_messages", append(session, "m1")));
      }
      steps.add(get(As.ALICE_TOKEN, ordered));
      steps.add(get(As.ALICE_TOKEN, ordered).with("Prefer", "count=exact"));
      List<JsonNode> answers = new ArrayList<>();
      for (Step step : steps) {
        JsonNode fromMemory = answer(cappedMemory, step);
        JsonNode fromPostgres = answer(cappedPostgres, step);
        answers.add(fromMemory);

        assertThat(fromMemory).as("%s", step).isEqualTo(fromPostgres);
      }

      JsonNode read = answers.get(3);
      JsonNode counted = answers.get(4);
      assertThat(read.get("body")).hasSize(2);
      assertThat(read.get("Content-Range").asText()).isEqualTo("0-1/*");
      assertThat(counted.get("status").asInt()).isEqualTo(206);
      assertThat(counted.get("Content-Range").asText()).isEqualTo("0-1/3");
    }
  }

  /** Status, the headers that matter and the body, with the backend's own times and ids masked. */
  private JsonNode answer(SupabaseUnderTest supabase, Step step) throws IOException {
    Request.Builder request = new Request.Builder().url(supabase.restUrl() + "/" + step.target());
    step.as().headers.apply(supabase).forEach(request::header);
    step.headers().forEach(request::header);
    RequestBody body = step.body() == null ? null : RequestBody.create(step.body(), JSON_TYPE);
    request.method(
        step.method(), step.body() == null && step.method().equals("DELETE") ? null : body);
    try (Response response = http.newCall(request.build()).execute()) {
      ObjectNode answer = JSON.createObjectNode().put("status", response.code());
      for (String header : HEADERS) {
        answer.put(header, response.header(header));
      }
      String text = response.body() == null ? "" : response.body().string();
      JsonNode parsed;
      try {
        parsed = text.isEmpty() ? null : JSON.readTree(text);
      } catch (IOException e) {
        parsed = TextNode.valueOf(text);
      }
      if (parsed instanceof ArrayNode rows
          && !step.target().startsWith("rpc/")
          && !step.target().contains("order=")) {
        // Without an order, SQL promises none: PostgreSQL answers in the order rows lie in the
        // heap, which updates change. Compare such answers as sets of rows (a function's answer
        // keeps the order the function gives it).
        List<JsonNode> sorted = new ArrayList<>();
        rows.forEach(sorted::add);
        sorted.sort(java.util.Comparator.comparing(JsonNode::toString));
        parsed = JSON.createArrayNode().addAll(sorted);
      }
      answer.set("body", parsed == null ? null : masked(parsed, null));
      return answer;
    }
  }

  private static JsonNode masked(JsonNode node, @Nullable String key) {
    if (node.isTextual() && SERVER_TIME.matcher(node.asText()).matches()) {
      return TextNode.valueOf("<time of the backend>");
    }
    if (node.isTextual() && "details".equals(key) && node.asText().startsWith(FAILING_ROW)) {
      String times = ROW_TIME.matcher(node.asText()).replaceAll("<time of the backend>");
      return TextNode.valueOf(
          FAILING_ROW + "<row id>" + times.substring(FAILING_ROW.length() + 36));
    }
    if (node.isTextual() && "id".equals(key) && node.asText().length() == 36) {
      return TextNode.valueOf("<row id>");
    }
    if (node instanceof ObjectNode object) {
      ObjectNode copy = JSON.createObjectNode();
      object.properties().forEach(e -> copy.set(e.getKey(), masked(e.getValue(), e.getKey())));
      return copy;
    }
    if (node instanceof ArrayNode array) {
      ArrayNode copy = JSON.createArrayNode();
      array.forEach(element -> copy.add(masked(element, null)));
      return copy;
    }
    return node;
  }
}
