package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.OTHER_SESSION;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.changesBody;
import static dev.codebasechat.testing.FakeFixtures.sessionArgument;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the front calls a function as PostgREST does: arguments by the body's media type, {@code
 * ?columns=}, counts, {@code max-affected}, OPTIONS, and the refusals each version words its own
 * way.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PostgrestCallsTest {
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final RestCalls calls = new RestCalls(fake);

  @BeforeEach
  void twoSessions() {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.seedSession(ALICE, OTHER_SESSION, "m1");
  }

  private Answer post(String function, String body, MediaType type, String... headerPairs)
      throws IOException {
    return calls.send(
        calls
            .request(fake.tokenFor(ALICE), "rpc/" + function, headerPairs)
            .post(RequestBody.create(body, type)));
  }

  private Answer post(String function, String body, String... headerPairs) throws IOException {
    return post(function, body, RestCalls.JSON_TYPE, headerPairs);
  }

  /** Alice's GET of {@code /rpc/<functionAndQuery>} with extra header pairs. */
  private Answer getRpc(String functionAndQuery, String... headerPairs) throws IOException {
    return calls.get(fake.tokenFor(ALICE), "rpc/" + functionAndQuery, headerPairs);
  }

  private static void assertCode(Answer answer, int status, String code) {
    assertThat(answer.status()).isEqualTo(status);
    assertThat(answer.json().get("code").asText()).isEqualTo(code);
  }

  @Test
  void unknownFunction_hintsTheClosestName() throws IOException {
    Answer answer = post("append_chat_message", changesBody(SESSION, 0));

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("hint").asText())
        .isEqualTo("Perhaps you meant to call the function public.append_chat_messages");
  }

  @Test
  void argumentsThatFitNoFunction_hintTheClosestParameterList() throws IOException {
    Answer answer =
        post("delete_chat_session", "{\"p_session_id\":\"" + SESSION + "\",\"extra\":1}");

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("hint").asText())
        .isEqualTo(
            "Perhaps you meant to call the function"
                + " public.delete_chat_session(p_delete_id, p_session_id)");
  }

  @Test
  void distantName_getsAHintOnPostgrest12_butNotOn14() throws IOException {
    Answer on14 = post("clear_chat", sessionArgument(SESSION));
    OnVersion on12 = callOn(12, "clear_chat", sessionArgument(SESSION));

    assertThat(on14.json().get("hint").isNull()).isTrue();
    assertThat(on12.answer().json().get("hint").asText())
        .isEqualTo("Perhaps you meant to call the function public.clear_chat_history");
  }

  @Test
  void countExact_countsTheFunctionsValue() throws IOException {
    Answer answer = post("chat_session_changes", changesBody(SESSION, 0), "Prefer", "count=exact");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Range")).isEqualTo("0-0/1");
    assertThat(answer.header("Preference-Applied")).isEqualTo("count=exact");
  }

  @Test
  void arrayBody_callsWithItsFirstObjectOnly() throws IOException {
    Answer answer =
        post(
            "delete_chat_session",
            "[" + sessionArgument(SESSION) + "," + sessionArgument(OTHER_SESSION) + "]");

    assertThat(answer.body()).isEqualTo("true");
    assertThat(fake.session(SESSION)).isEmpty();
    assertThat(fake.session(OTHER_SESSION)).isPresent();
  }

  @Test
  void arrayBody_objectsWithOtherKeys_isPgrst102() throws IOException {
    Answer answer = post("delete_chat_session", "[" + sessionArgument(SESSION) + ",{}]");

    assertCode(answer, 400, "PGRST102");
    assertThat(answer.json().get("message").asText()).isEqualTo("All object keys must match");
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void scalarBody_isACallWithoutArguments() throws IOException {
    Answer answer = post("delete_chat_session", "\"" + SESSION + "\"");

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("message").asText())
        .isEqualTo(
            "Could not find the function public.delete_chat_session without parameters in the"
                + " schema cache");
  }

  @Test
  void textBody_looksForASingleUnnamedTextParameter() throws IOException {
    Answer answer = post("delete_chat_session", SESSION, MediaType.get("text/plain"));

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("Could not find the function public.delete_chat_session in the schema cache");
    assertThat(answer.json().get("details").asText())
        .isEqualTo(
            "Searched for the function public.delete_chat_session with a single unnamed text"
                + " parameter, but no matches were found in the schema cache.");
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void formBody_namesTheArguments() throws IOException {
    Answer answer =
        post(
            "delete_chat_session",
            "p_session_id=" + SESSION,
            MediaType.get("application/x-www-form-urlencoded"));

    assertThat(answer.body()).isEqualTo("true");
    assertThat(fake.session(SESSION)).isEmpty();
  }

  @Test
  void columns_dropTheOtherKeysOfTheBody() throws IOException {
    Answer answer =
        post(
            "delete_chat_session?columns=p_session_id",
            "{\"p_session_id\":\"" + SESSION + "\",\"junk\":1}");

    assertThat(answer.body()).isEqualTo("true");
  }

  @Test
  void orderOrSelectOnTheResult_isNotImplemented() throws IOException {
    Answer order = post("chat_session_changes?order=version", changesBody(SESSION, 0));
    Answer select = post("chat_session_changes?select=version", changesBody(SESSION, 0));

    assertCode(order, 400, "PGRST127");
    assertCode(select, 400, "PGRST127");
  }

  @Test
  void get_withARangeHeaderForAllRows_isAnsweredWhole_asPostgrestIgnoresIt() throws IOException {
    Answer answer =
        getRpc(
            "chat_session_changes?p_session_id=" + SESSION + "&p_since_version=0", "Range", "0-");

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void get_withARangeHeader_isNotImplemented_ratherThanAnsweredWhole() throws IOException {
    Answer answer =
        getRpc(
            "chat_session_changes?p_session_id=" + SESSION + "&p_since_version=0", "Range", "1-1");

    assertCode(answer, 400, "PGRST127");
  }

  @Test
  void get_callsAFunctionWithTheQueryStringsArguments() throws IOException {
    Answer answer =
        getRpc(
            "chat_session_changes?p_session_id=" + SESSION + "&p_since_version=0",
            "Prefer",
            "count=exact");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("message_count").asInt()).isEqualTo(1);
    assertThat(answer.header("Content-Range")).isEqualTo("0-0/1");
  }

  @Test
  void head_answersAsGetWithoutBody() throws IOException {
    Answer answer =
        calls.send(
            calls
                .request(
                    fake.tokenFor(ALICE),
                    "rpc/chat_session_changes?p_session_id=" + SESSION + "&p_since_version=0")
                .head());

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEmpty();
  }

  @Test
  void get_withArgumentsThatFitNoFunction_is404WithoutTheJsonAlternative() throws IOException {
    Answer answer = getRpc("chat_session_changes?p_session_id=x");

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("details").asText())
        .isEqualTo(
            "Searched for the function public.chat_session_changes with parameter p_session_id,"
                + " but no matches were found in the schema cache.");
  }

  @Test
  void get_valueThatNoOperatorBeginsToRead_isAnArgument() throws IOException {
    Answer answer = getRpc("chat_session_changes?p_session_id=x&lang=sr");

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("message").asText())
        .isEqualTo(
            "Could not find the function public.chat_session_changes(lang, p_session_id) in the"
                + " schema cache");
  }

  @Test
  void get_valueThatBeginsAsAFilter_isReadAsOne() throws IOException {
    Answer answer =
        getRpc("chat_session_changes?p_session_id=" + SESSION + "&p_since_version=not.foo");

    assertCode(answer, 400, "PGRST100");
  }

  @Test
  void unsupportedMethod_isPgrst101BeforeTheQueryIsRead() throws IOException {
    Answer answer =
        calls.send(calls.request(fake.tokenFor(ALICE), "rpc/delete_chat_session?id=bad").delete());

    assertCode(answer, 405, "PGRST101");
  }

  @Test
  void formBody_isNamedByItsOwnFields_notByColumns() throws IOException {
    Answer answer =
        post(
            "delete_chat_session?columns=other",
            "p_session_id=" + SESSION,
            MediaType.get("application/x-www-form-urlencoded"));

    assertThat(answer.body()).isEqualTo("true");
  }

  @Test
  void get_withAFilterOnTheResult_isNotImplemented() throws IOException {
    Answer answer =
        getRpc("chat_session_changes?p_session_id=" + SESSION + "&p_since_version=0&version=eq.1");

    assertCode(answer, 400, "PGRST127");
  }

  @Test
  void get_ofAFunctionThatWrites_isNotImplementedInMemory() throws IOException {
    Answer answer = getRpc("delete_chat_session?p_session_id=" + SESSION);

    assertCode(answer, 400, "PGRST127");
    assertThat(fake.session(SESSION)).isPresent();
  }

  @Test
  void options_ofAFunctionThatNeedsArguments_is404AsACallWithoutThem() throws IOException {
    Answer answer =
        calls.send(
            calls.request(fake.tokenFor(ALICE), "rpc/delete_chat_session").method("OPTIONS", null));

    assertCode(answer, 404, "PGRST202");
    assertThat(answer.json().get("message").asText())
        .isEqualTo(
            "Could not find the function public.delete_chat_session without parameters in the"
                + " schema cache");
  }

  @Test
  void maxAffectedStrict_onAFunctionOfOneValue_isPgrst128() throws IOException {
    Answer answer =
        post(
            "delete_chat_session",
            sessionArgument(SESSION),
            "Prefer",
            "handling=strict, max-affected=1");

    assertCode(answer, 400, "PGRST128");
    assertThat(fake.session(SESSION)).isPresent();
  }

  /** What a fake answering as PostgREST {@code major} answered, and the sessions it then held. */
  private record OnVersion(Answer answer, List<FakeSession> sessions) {}

  /** A call to {@code function} on a fake answering as PostgREST {@code major}; SESSION seeded. */
  private static OnVersion callOn(int major, String function, String body, String... headerPairs)
      throws IOException {
    try (FakeSupabase other = FakeSupabase.builder().postgrestMajorVersion(major).build()) {
      other.start();
      other.seedSession(ALICE, SESSION, "m1");
      RestCalls onOther = new RestCalls(other);
      Answer answer =
          onOther.send(
              onOther
                  .request(other.tokenFor(ALICE), "rpc/" + function, headerPairs)
                  .post(RequestBody.create(body, RestCalls.JSON_TYPE)));
      return new OnVersion(answer, other.sessions());
    }
  }

  @Test
  void maxAffectedStrict_onPostgrest12_countsTheValueAsOneRow_andChangesNothing()
      throws IOException {
    OnVersion twelve =
        callOn(
            12,
            "delete_chat_session",
            sessionArgument(SESSION),
            "Prefer",
            "handling=strict, max-affected=0");

    assertCode(twelve.answer(), 400, "PGRST124");
    assertThat(twelve.answer().json().get("details").asText())
        .isEqualTo("The query affects 1 rows");
    assertThat(twelve.sessions()).hasSize(1);
  }

  @Test
  void wrongKeysForAOneJsonbParameterFunction_beforePostgrest14_is42883() throws IOException {
    OnVersion thirteen = callOn(13, "append_chat_messages_batch", "{\"appends\":[]}");

    assertCode(thirteen.answer(), 404, "42883");
    assertThat(thirteen.answer().json().get("message").asText())
        .isEqualTo("function public.append_chat_messages_batch() does not exist");
  }

  @Test
  void wrongKeysForAOneJsonbParameterFunction_onPostgrest14_isPgrst202() throws IOException {
    Answer answer = post("append_chat_messages_batch", "{\"appends\":[]}");

    assertCode(answer, 404, "PGRST202");
  }

  @Test
  void paramsSingleObject_onPostgrest12_passesTheBodyAsTheOneJsonArgument() throws IOException {
    String appends = "[{\"session_id\":\"" + OTHER_SESSION + "\",\"messages\":[]}]";

    OnVersion twelve =
        callOn(12, "append_chat_messages_batch", appends, "Prefer", "params=single-object");

    assertThat(twelve.answer().status()).isEqualTo(200);
    assertThat(twelve.answer().header("Preference-Applied")).isEqualTo("params=single-object");
    assertThat(twelve.sessions()).hasSize(2);
  }

  @Test
  void paramsSingleObject_onAFunctionOfSeveralParameters_isPgrst202() throws IOException {
    OnVersion twelve =
        callOn(
            12, "chat_session_changes", changesBody(SESSION, 0), "Prefer", "params=single-object");

    assertCode(twelve.answer(), 404, "PGRST202");
    assertThat(twelve.answer().json().get("details").asText())
        .isEqualTo(
            "Searched for the function public.chat_session_changes with a single json/jsonb"
                + " parameter, but no matches were found in the schema cache.");
  }

  @Test
  void unknownRoleInTheToken_is401From13_and400On12() throws IOException {
    try (FakeSupabase twelve = FakeSupabase.builder().postgrestMajorVersion(12).build()) {
      twelve.start();
      RestCalls onTwelve = new RestCalls(twelve);

      Answer on12 =
          onTwelve.get(twelve.tokenWithRole(ALICE, "superhero"), "codebase_chat_sessions");
      Answer on14 = calls.get(fake.tokenWithRole(ALICE, "superhero"), "codebase_chat_sessions");

      assertCode(on12, 400, "22023");
      assertCode(on14, 401, "22023");
    }
  }
}
