package dev.codebasechat.testing;

import static dev.codebasechat.testing.FakeFixtures.ALICE;
import static dev.codebasechat.testing.FakeFixtures.OTHER_SESSION;
import static dev.codebasechat.testing.FakeFixtures.SESSION;
import static dev.codebasechat.testing.FakeFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.testing.RestCalls.Answer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the front reads a request as PostgREST 14 does: the query string (as http-types decodes it,
 * which occurrence of a parameter counts, Parsec's errors), the rows asked for (limit, offset and
 * the Range header), the Prefer header and the media types of the answer and of the body.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PostgrestGrammarTest {
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private final RestCalls calls = new RestCalls(fake);
  private static final String IDS = TABLE + "?select=session_id";
  private static final String BY_SESSION = TABLE + "?session_id=eq." + SESSION;
  private static final String TABLE_PATH = "/" + TABLE;

  @BeforeEach
  void twoSessions() {
    fake.seedSession(ALICE, SESSION, "m1");
    fake.seedSession(ALICE, OTHER_SESSION);
  }

  private String token() {
    return fake.tokenFor(ALICE);
  }

  private Answer get(String pathAndQuery, String... headerPairs) throws IOException {
    return calls.get(token(), pathAndQuery, headerPairs);
  }

  private Answer patch(String pathAndQuery, String body, String... headerPairs) throws IOException {
    return calls.patch(token(), pathAndQuery, body, headerPairs);
  }

  /** A PATCH of Alice's session with {@code body} sent as {@code mediaType}. */
  private Answer patchAs(String body, String mediaType) throws IOException {
    return calls.send(
        calls
            .request(token(), BY_SESSION)
            .patch(RequestBody.create(body, MediaType.get(mediaType))));
  }

  private static List<String> ids(Answer answer) {
    List<String> ids = new ArrayList<>();
    answer.json().forEach(row -> ids.add(row.get("session_id").asText()));
    return ids;
  }

  private static String repoOf(String session) {
    return fake.session(session).orElseThrow().repo();
  }

  private static void assertCode(Answer answer, int status, String code) {
    assertThat(answer.status()).isEqualTo(status);
    assertThat(answer.json().get("code").asText()).isEqualTo(code);
  }

  private static void assertParseError(Answer answer, String message, String details) {
    assertCode(answer, 400, "PGRST100");
    assertThat(answer.json().get("message").asText()).isEqualTo(message);
    assertThat(answer.json().get("details").asText()).isEqualTo(details);
  }

  // ------------------------------------------------------------------ the query string

  @Test
  void plusInTheQueryString_isASpace() throws IOException {
    patch(BY_SESSION, "{\"repo\":\"acme api\"}");

    Answer answer = get(IDS + "&repo=eq.acme+api");

    assertThat(ids(answer)).containsExactly(SESSION);
  }

  @Test
  void semicolon_separatesParameters() throws IOException {
    Answer answer = get(IDS + ";session_id=eq." + SESSION);

    assertThat(ids(answer)).containsExactly(SESSION);
  }

  @Test
  void parameterWithoutEqualsSign_isNoFilter() throws IOException {
    Answer answer = get(IDS + "&repo");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(ids(answer)).containsExactlyInAnyOrder(SESSION, OTHER_SESSION);
  }

  @Test
  void select_firstOccurrenceCounts() throws IOException {
    Answer answer = get(BY_SESSION + "&select=session_id&select=repo,version");

    assertThat(answer.json().get(0).properties()).hasSize(1);
    assertThat(answer.json().get(0).has("session_id")).isTrue();
  }

  @Test
  void order_firstOccurrenceCounts_limit_lastOccurrenceCounts() throws IOException {
    Answer answer = get(IDS + "&order=session_id.desc&order=session_id&limit=5&limit=1");

    assertThat(ids(answer)).containsExactly(OTHER_SESSION);
  }

  @Test
  void filterWithoutOperator_isPgrst100AtItsFirstCharacter() throws IOException {
    Answer answer = get(IDS + "&session_id=0");

    assertParseError(
        answer,
        "\"failed to parse filter (0)\" (line 1, column 1)",
        "unexpected \"0\" expecting \"not\" or operator (eq, gt, ...)");
  }

  @Test
  void operators_areCaseSensitive() throws IOException {
    Answer answer = get(IDS + "&message_count=EQ.1");

    assertParseError(
        answer,
        "\"failed to parse filter (EQ.1)\" (line 1, column 1)",
        "unexpected \"E\" expecting \"not\" or operator (eq, gt, ...)");
  }

  @Test
  void isValue_readsItsWordInAnyCase_andIgnoresWhatFollows() throws IOException {
    Answer answer = get(IDS + "&repo=is.NULLx");

    assertThat(ids(answer)).containsExactlyInAnyOrder(SESSION, OTHER_SESSION);
  }

  @Test
  void isValue_unknownWord_namesWhatIsReadSince13() throws IOException {
    Answer answer = get(IDS + "&repo=is.nothing");

    assertParseError(
        answer,
        "\"failed to parse filter (is.nothing)\" (line 1, column 7)",
        "unexpected \"h\" expecting isVal: (null, not_null, true, false, unknown)");
  }

  @Test
  void isNotNull_onPostgrest12_isAParseError() throws IOException {
    try (FakeSupabase twelve = FakeSupabase.builder().postgrestMajorVersion(12).build()) {
      twelve.start();
      RestCalls onTwelve = new RestCalls(twelve);

      Answer answer = onTwelve.get(twelve.tokenFor(ALICE), IDS + "&repo=is.not_null");

      assertParseError(
          answer,
          "\"failed to parse filter (is.not_null)\" (line 1, column 5)",
          "unexpected \"o\" expecting null or trilean value (unknown, true, false)");
    }
  }

  @Test
  void inList_keepsBlanksOfUnquotedElements() throws IOException {
    patch(BY_SESSION, "{\"repo\":\"b\"}");

    assertThat(ids(get(IDS + "&repo=in.(a,%20b)"))).isEmpty();
    assertThat(ids(get(IDS + "&repo=in.(a,b)"))).containsExactly(SESSION);
  }

  @Test
  void inList_unterminatedQuote_isReadAsWritten() throws IOException {
    patch(BY_SESSION, "{\"repo\":\"\\\"acme\"}");

    Answer answer = get(IDS + "&repo=in.(%22acme)");

    assertThat(ids(answer)).containsExactly(SESSION);
  }

  @Test
  void inList_textAfterTheParenthesis_isIgnored() throws IOException {
    Answer answer = get(IDS + "&message_count=in.(1)junk");

    assertThat(ids(answer)).containsExactly(SESSION);
  }

  @Test
  void fullTextAndRangeOperators_areNotImplemented() throws IOException {
    for (String filter : List.of("repo=fts.acme", "repo=wfts(english).acme", "repo=sl.x")) {
      Answer answer = get(IDS + "&" + filter);

      assertThat(answer.status()).as(filter).isEqualTo(400);
      assertThat(answer.json().get("code").asText()).as(filter).isEqualTo("PGRST127");
    }
  }

  @Test
  void aggregates_areNotAllowedAsOnSupabase() throws IOException {
    Answer answer = get(TABLE + "?select=count()");

    assertCode(answer, 400, "PGRST123");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("Use of aggregate functions is not allowed");
  }

  @Test
  void order_jsonPath_isNotImplemented() throws IOException {
    Answer answer = get(IDS + "&order=metadata->>title");

    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST127");
  }

  @Test
  void order_textAfterNullsModifier_isPgrst100() throws IOException {
    Answer answer = get(IDS + "&order=session_id.asc.nullslasttt");

    assertParseError(
        answer,
        "\"failed to parse order (session_id.asc.nullslasttt)\" (line 1, column 25)",
        "unexpected 't' expecting \",\" or end of input");
  }

  @Test
  void order_nullsBeforeDirection_isPgrst100() throws IOException {
    Answer answer = get(IDS + "&order=session_id.nullsfirst.desc");

    assertParseError(
        answer,
        "\"failed to parse order (session_id.nullsfirst.desc)\" (line 1, column 22)",
        "unexpected '.' expecting \",\" or end of input");
  }

  @Test
  void order_unknownModifier_isPgrst100WhereItStarts() throws IOException {
    Answer answer = get(IDS + "&order=message_count,session_id.ac");

    assertParseError(
        answer,
        "\"failed to parse order (message_count,session_id.ac)\" (line 1, column 26)",
        "unexpected \"c\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"");
  }

  @Test
  void filterErrors_pointWhereParsecsFurthestAlternativeFailed() throws IOException {
    String[][] cases = {
      {"noop.0", "1", "\"o\"", "\"not\" or operator (eq, gt, ...)"},
      {"inactive", "3", "\"a\"", "operator (eq, gt, ...)"},
      {"eq", "3", "end of input", "operator (eq, gt, ...)"},
      {"not", "4", "end of input", "delimiter (.)"},
      {"not.inx.5", "7", "\"x\"", "operator (eq, gt, ...)"}
    };
    for (String[] c : cases) {
      Answer answer = get(IDS + "&repo=" + c[0]);

      assertParseError(
          answer,
          "\"failed to parse filter (" + c[0] + ")\" (line 1, column " + c[1] + ")",
          "unexpected " + c[2] + " expecting " + c[3]);
    }
  }

  @Test
  void inList_errorNamesTheWholeFilter_beforeTheTableIsLookedUp() throws IOException {
    Answer answer = get("no_such_table?repo=not.in.x");

    assertParseError(
        answer,
        "\"failed to parse filter (not.in.x)\" (line 1, column 8)",
        "unexpected \"x\" expecting \"(\"");
  }

  @Test
  void filterKey_isReadAsAFieldName() throws IOException {
    patch(BY_SESSION, "{\"repo\":\"r\"}");

    assertThat(ids(get(IDS + "&%20repo%20=eq.r"))).containsExactly(SESSION);
    assertParseError(
        get(IDS + "&=eq.r"),
        "\"failed to parse tree path ()\" (line 1, column 1)",
        "unexpected end of input expecting field name (* or [a..z0..9_$])");
  }

  @Test
  void columns_empty_isPostgrestsParseError() throws IOException {
    Answer answer =
        calls.send(
            calls
                .request(token(), TABLE + "?columns=")
                .post(RequestBody.create("{}", RestCalls.JSON_TYPE)));

    assertParseError(
        answer,
        "\"failed to parse columns parameter ()\" (line 1, column 1)",
        "unexpected end of input expecting field name (* or [a..z0..9_$])");
  }

  @Test
  void order_columnWithACharacterNoNameHolds_isPgrst100() throws IOException {
    Answer answer = get(IDS + "&order=created_at:desc");

    assertParseError(
        answer,
        "\"failed to parse order (created_at:desc)\" (line 1, column 11)",
        "unexpected ':' expecting letter, digit, \"-\", \"->>\", \"->\", delimiter (.), \",\" or"
            + " end of input");
  }

  @Test
  void order_everyOccurrenceIsRead_theFirstCounts() throws IOException {
    Answer answer = get(IDS + "&order=session_id&order=session_id.sideways");

    assertCode(answer, 400, "PGRST100");
  }

  @Test
  void aggregate_onAMissingTable_isTheMissingTableFirst() throws IOException {
    Answer answer = get("no_such_table?select=count()");

    assertCode(answer, 404, "PGRST205");
  }

  @Test
  void invalidBody_onAMissingTable_isTheBodyFirst() throws IOException {
    Answer answer =
        calls.send(
            calls
                .request(token(), "no_such_table")
                .post(RequestBody.create("{nope", RestCalls.JSON_TYPE)));

    assertCode(answer, 400, "PGRST102");
  }

  @Test
  void pathBelowATable_isPgrst125BeforeTheQueryIsRead() throws IOException {
    Answer answer = get(TABLE + "/x?repo=bad");

    assertCode(answer, 404, "PGRST125");
  }

  @Test
  void read_answersItsContentLocation() throws IOException {
    Answer answer = get(IDS + "&order=session_id&repo=is.null&limit=1");

    assertThat(answer.header("Content-Location"))
        .isEqualTo("/" + TABLE + "?limit=1&order=session_id&repo=is.null&select=session_id");
  }

  // ------------------------------------------------------------------ rows asked for

  @Test
  void negativeOffset_readsFromTheFirstRow() throws IOException {
    Answer answer = get(IDS + "&order=session_id&offset=-4");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(ids(answer)).hasSize(2);
    assertThat(answer.header("Content-Range")).isEqualTo("0-1/*");
  }

  @Test
  void offsetPastTheLastCountedRow_is416AnsweredAsARangeNotAsAnError() throws IOException {
    Answer answer = get(IDS + "&offset=5", "Prefer", "count=exact");

    assertCode(answer, 416, "PGRST103");
    assertThat(answer.json().get("details").asText())
        .isEqualTo("An offset of 5 was requested, but there are only 2 rows.");
    assertThat(answer.header("Content-Range")).isEqualTo("*/2");
    assertThat(answer.header("Preference-Applied")).isEqualTo("count=exact");
    assertThat(answer.header("Proxy-Status")).isNull();
  }

  @Test
  void negativeLimit_is416WithPostgrestsDetails() throws IOException {
    Answer answer = get(IDS + "&limit=-1");

    assertCode(answer, 416, "PGRST103");
    assertThat(answer.json().get("details").asText())
        .isEqualTo("Limit should be greater than or equal to zero.");
  }

  @Test
  void limitThatIsNoInteger_isIgnored() throws IOException {
    Answer answer = get(IDS + "&limit=abc");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(ids(answer)).hasSize(2);
  }

  @Test
  void rangeHeader_pagesAGet() throws IOException {
    Answer answer = get(IDS + "&order=session_id", "Range", "1-1", "Prefer", "count=exact");

    assertThat(answer.status()).isEqualTo(206);
    assertThat(ids(answer)).containsExactly(OTHER_SESSION);
    assertThat(answer.header("Content-Range")).isEqualTo("1-1/2");
  }

  @Test
  void rangeHeader_intersectsLimitAndOffset() throws IOException {
    Answer answer = get(IDS + "&order=session_id&offset=1", "Range", "0-0");

    assertThat(answer.status()).isEqualTo(416);
    assertThat(answer.json().get("details").asText())
        .isEqualTo("Limit should be greater than or equal to zero.");
  }

  @Test
  void rangeHeader_lowerAboveUpper_is416() throws IOException {
    Answer answer = get(IDS, "Range", "5-2");

    assertThat(answer.status()).isEqualTo(416);
    assertThat(answer.json().get("details").asText())
        .isEqualTo(
            "The lower boundary must be lower than or equal to the upper boundary in the Range"
                + " header.");
  }

  @Test
  void rangeHeader_isIgnoredOnHead() throws IOException {
    Answer answer =
        calls.send(calls.request(token(), IDS, "Range", "0-0", "Prefer", "count=exact").head());

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Range")).isEqualTo("0-1/2");
  }

  // ------------------------------------------------------------------ Prefer

  @Test
  void preferences_areMatchedExactly() throws IOException {
    Answer answer = patch(BY_SESSION, "{\"repo\":\"x\"}", "Prefer", "return=Representation");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Preference-Applied")).isNull();
  }

  @Test
  void preferences_notMatched_underStrict_arePgrst122() throws IOException {
    Answer answer =
        patch(BY_SESSION, "{\"repo\":\"x\"}", "Prefer", "handling=strict, return=Representation");

    assertCode(answer, 400, "PGRST122");
    assertThat(answer.json().get("details").asText())
        .isEqualTo("Invalid preferences: return=Representation");
    assertThat(repoOf(SESSION)).isNull();
  }

  @Test
  void maxAffected_strict_refusesAWriteReachingMoreRows_andChangesNothing() throws IOException {
    Answer answer =
        patch(
            TABLE + "?message_count=gte.0",
            "{\"repo\":\"x\"}",
            "Prefer",
            "handling=strict, max-affected=1");

    assertCode(answer, 400, "PGRST124");
    assertThat(answer.json().get("details").asText()).isEqualTo("The query affects 2 rows");
    assertThat(repoOf(SESSION)).isNull();
    assertThat(repoOf(OTHER_SESSION)).isNull();
  }

  @Test
  void maxAffected_strict_withinTheLimit_isApplied() throws IOException {
    Answer answer =
        patch(BY_SESSION, "{\"repo\":\"x\"}", "Prefer", "handling=strict, max-affected=1");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Preference-Applied")).isEqualTo("handling=strict, max-affected=1");
    assertThat(repoOf(SESSION)).isEqualTo("x");
  }

  @Test
  void maxAffected_withoutStrict_isNotEnforced() throws IOException {
    Answer answer =
        calls.send(
            calls
                .request(token(), TABLE + "?message_count=gte.0", "Prefer", "max-affected=1")
                .delete());

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Preference-Applied")).isNull();
    assertThat(fake.sessions()).isEmpty();
  }

  @Test
  void returnHeadersOnly_onInsert_locatesTheNewRowByItsKey() throws IOException {
    String session = "chat-1737201600002-headers1";

    Answer answer =
        calls.send(
            calls
                .request(token(), TABLE, "Prefer", "return=headers-only")
                .post(
                    RequestBody.create(
                        "{\"session_id\":\"" + session + "\"}", RestCalls.JSON_TYPE)));

    assertThat(answer.status()).isEqualTo(201);
    assertThat(answer.body()).isEmpty();
    assertThat(answer.header("Location"))
        .isEqualTo(TABLE_PATH + "?id=eq." + fake.session(session).orElseThrow().id());
    assertThat(answer.header("Preference-Applied")).isEqualTo("return=headers-only");
  }

  @Test
  void countPlanned_onAWrite_givesNoTotal() throws IOException {
    Answer answer = patch(BY_SESSION, "{\"repo\":\"x\"}", "Prefer", "count=planned");

    assertThat(answer.header("Content-Range")).isEqualTo("0-0/*");
    assertThat(answer.header("Preference-Applied")).isEqualTo("count=planned");
  }

  @Test
  void countPlanned_onARead_isPgrst127SayingTheFakeHasNoPlanner() throws IOException {
    Answer answer = get(TABLE + "?select=session_id", "Prefer", "count=planned");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().path("code").asText()).isEqualTo("PGRST127");
    assertThat(answer.json().path("details").asText()).contains("count=planned");
  }

  @Test
  void countEstimated_withoutDbMaxRows_isTheExactCount() throws IOException {
    Answer answer = get(TABLE + "?select=session_id&limit=1", "Prefer", "count=estimated");

    assertThat(answer.status()).isEqualTo(206);
    assertThat(answer.header("Content-Range")).isEqualTo("0-0/2");
  }

  @Test
  void countEstimated_beyondDbMaxRows_isPgrst127() throws IOException {
    try (FakeSupabase capped = FakeSupabase.builder().maxRows(1).build()) {
      capped.start();
      capped.seedSession(ALICE, SESSION);
      capped.seedSession(ALICE, OTHER_SESSION);

      Answer answer =
          new RestCalls(capped)
              .get(
                  capped.tokenFor(ALICE),
                  TABLE + "?select=session_id",
                  "Prefer",
                  "count=estimated");

      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.json().path("code").asText()).isEqualTo("PGRST127");
    }
  }

  @Test
  void handling_isEchoedOnReads() throws IOException {
    Answer answer = get(IDS, "Prefer", "handling=lenient");

    assertThat(answer.header("Preference-Applied")).isEqualTo("handling=lenient");
  }

  @Test
  void timezoneUtc_isApplied() throws IOException {
    Answer answer = get(IDS, "Prefer", "timezone=UTC");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Preference-Applied")).isEqualTo("timezone=UTC");
  }

  @Test
  void timezoneOtherThanUtc_isNotImplementedInMemory() throws IOException {
    Answer answer = get(IDS, "Prefer", "timezone=Europe/Berlin");

    assertCode(answer, 400, "PGRST127");
  }

  @Test
  void timezoneTheDatabaseDoesNotKnow_isAnInvalidPreference() throws IOException {
    Answer lenient = get(IDS, "Prefer", "timezone=Mars/Olympus");
    Answer strict = get(IDS, "Prefer", "handling=strict, timezone=Mars/Olympus");

    assertThat(lenient.status()).isEqualTo(200);
    assertThat(lenient.header("Preference-Applied")).isNull();
    assertThat(strict.json().get("code").asText()).isEqualTo("PGRST122");
  }

  @Test
  void emptyPreferHeader_isNoPreference() throws IOException {
    Answer answer =
        calls.send(
            calls
                .request(token(), IDS)
                .addHeader("Prefer", "")
                .addHeader("Prefer", "handling=strict"));

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void timezone_theFirstOneDecidesForAll() throws IOException {
    Answer answer = get(IDS, "Prefer", "handling=strict, timezone=UTC, timezone=Mars/Olympus");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Preference-Applied")).isEqualTo("handling=strict, timezone=UTC");
  }

  @Test
  void maxAffected_isReadAsHaskellReadsANumber_andEchoedAsItShowsOne() throws IOException {
    Answer answer =
        patch(BY_SESSION, "{\"repo\":\"x\"}", "Prefer", "handling=strict, max-affected=(007)");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.header("Preference-Applied")).isEqualTo("handling=strict, max-affected=7");
  }

  @Test
  void strictPreferences_onAWrite_areCheckedBeforeTheAcceptHeader() throws IOException {
    Answer answer =
        patch(
            BY_SESSION,
            "{\"repo\":\"x\"}",
            "Prefer",
            "handling=strict, nope",
            "Accept",
            "text/html");

    assertCode(answer, 400, "PGRST122");
  }

  // ------------------------------------------------------------------ media types

  @Test
  void accept_firstTypeThatCanBeAnswered_wins() throws IOException {
    Answer answer =
        get(BY_SESSION, "Accept", "text/html, application/json, application/vnd.pgrst.object+json");

    assertThat(answer.json().isArray()).isTrue();
    assertThat(answer.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
  }

  @Test
  void accept_qualityOrdersTheList() throws IOException {
    Answer answer =
        get(BY_SESSION, "Accept", "application/json;q=0.5, application/vnd.pgrst.object+json");

    assertThat(answer.json().isObject()).isTrue();
  }

  @Test
  void accept_objectWithoutJsonSuffix_isSingular() throws IOException {
    Answer answer = get(BY_SESSION, "Accept", "application/vnd.pgrst.object");

    assertThat(answer.json().get("session_id").asText()).isEqualTo(SESSION);
  }

  @Test
  void accept_nullsStripped_dropsNullMembers() throws IOException {
    Answer answer = get(BY_SESSION, "Accept", "application/vnd.pgrst.object+json;nulls=stripped");

    JsonNode row = answer.json();
    assertThat(row.has("repo")).isFalse();
    assertThat(row.get("session_id").asText()).isEqualTo(SESSION);
    assertThat(answer.header("Content-Type"))
        .isEqualTo("application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8");
  }

  @Test
  void accept_arrayWithNullsStripped_dropsNullMembersOfEachRow() throws IOException {
    Answer answer = get(IDS + ",repo", "Accept", "application/vnd.pgrst.array+json;nulls=stripped");

    answer.json().forEach(row -> assertThat(row.has("repo")).isFalse());
    assertThat(answer.header("Content-Type"))
        .isEqualTo("application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8");
  }

  @Test
  void accept_nullsStripped_dropsNullMembersAtEveryDepthButKeepsNullsInArrays() throws IOException {
    patch(
        BY_SESSION,
        "{\"metadata\":{\"a\":null,\"b\":{\"c\":null,\"d\":1},\"e\":[null,{\"f\":null}]}}");

    Answer answer =
        get(
            BY_SESSION + "&select=metadata",
            "Accept",
            "application/vnd.pgrst.object+json;nulls=stripped");

    assertThat(answer.body()).isEqualTo("{\"metadata\":{\"b\":{\"d\":1},\"e\":[null,{}]}}");
  }

  @Test
  void accept_nothingAnswerable_is406ListingWhatWasAsked() throws IOException {
    Answer answer = get(IDS, "Accept", "text/html;q=0.9, Application/XML");

    assertCode(answer, 406, "PGRST107");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("None of these media types are available: Application/XML, text/html");
  }

  @Test
  void accept_csv_withoutABody_isAnswered() throws IOException {
    Answer head = calls.send(calls.request(token(), IDS, "Accept", "text/csv").head());
    Answer minimal = patch(BY_SESSION, "{\"repo\":\"x\"}", "Accept", "text/csv");

    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Type")).isEqualTo("text/csv; charset=utf-8");
    assertThat(minimal.status()).isEqualTo(204);
  }

  @Test
  void accept_geoJson_isNotImplemented() throws IOException {
    Answer answer = get(IDS, "Accept", "application/geo+json");

    assertCode(answer, 400, "PGRST127");
  }

  @Test
  void accept_nullsParameter_isReadAsPostgrestReadsParameters() throws IOException {
    String object = "application/vnd.pgrst.object+json";

    Answer upper = get(BY_SESSION, "Accept", object + ";nulls=STRIPPED");
    Answer quoted = get(BY_SESSION, "Accept", object + ";nulls=\"stripped\"");

    assertThat(upper.json().has("repo")).isTrue();
    assertThat(quoted.json().has("repo")).isFalse();
  }

  @Test
  void body_arrayMediaType_isJson_objectMediaType_isNamedAsPostgrestNamesIt() throws IOException {
    Answer array = patchAs("{\"repo\":\"x\"}", "application/vnd.pgrst.array");
    Answer object = patchAs("{\"repo\":\"y\"}", "application/vnd.pgrst.object");

    assertThat(array.status()).isEqualTo(204);
    assertThat(object.json().get("message").asText())
        .isEqualTo("Content-Type not acceptable: application/vnd.pgrst.object+json");
    assertThat(repoOf(SESSION)).isEqualTo("x");
  }

  @Test
  void accept_csv_isNotImplemented() throws IOException {
    Answer answer = get(IDS, "Accept", "text/csv");

    assertCode(answer, 400, "PGRST127");
  }

  @Test
  void body_asTextPlain_isRefusedAndChangesNothing() throws IOException {
    Answer answer = patchAs("{\"repo\":\"x\"}", "text/plain; charset=ISO-8859-1");

    assertCode(answer, 400, "PGRST102");
    assertThat(answer.json().get("message").asText())
        .isEqualTo("Content-Type not acceptable: text/plain");
    assertThat(repoOf(SESSION)).isNull();
  }

  @Test
  void body_formUrlEncoded_setsItsFieldsAsText() throws IOException {
    Answer answer =
        patchAs("repo=acme%2Fapi&current_file=a+b.java", "application/x-www-form-urlencoded");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(repoOf(SESSION)).isEqualTo("acme/api");
    assertThat(fake.session(SESSION).orElseThrow().currentFile()).isEqualTo("a b.java");
  }

  @Test
  void body_csv_isNotImplemented() throws IOException {
    Answer answer = patchAs("repo\nx\n", "text/csv");

    assertThat(answer.json().get("code").asText()).isEqualTo("PGRST127");
  }

  @Test
  void body_withTextAfterTheJson_isInvalid() throws IOException {
    Answer answer = patch(BY_SESSION, "{\"repo\":\"x\"} trailing");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("message").asText()).isEqualTo("Empty or invalid json");
    assertThat(repoOf(SESSION)).isNull();
  }

  @Test
  void body_jsonScalar_patchesNothing() throws IOException {
    long version = fake.session(SESSION).orElseThrow().version();

    Answer answer = patch(BY_SESSION, "42");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(fake.session(SESSION).orElseThrow().version()).isEqualTo(version);
  }

  @Test
  void columns_onPatch_setOnlyThose_andNullWhereTheBodyHasNone() throws IOException {
    patch(BY_SESSION, "{\"repo\":\"r\",\"current_file\":\"f\"}");

    patch(BY_SESSION + "&columns=current_file", "{\"repo\":\"ignored\"}");

    assertThat(repoOf(SESSION)).isEqualTo("r");
    assertThat(fake.session(SESSION).orElseThrow().currentFile()).isNull();
  }

  @Test
  void select_onAWriteThatReturnsNothing_isNotRead() throws IOException {
    Answer answer = patch(BY_SESSION + "&select=nope", "{\"repo\":\"x\"}");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(repoOf(SESSION)).isEqualTo("x");
  }

  @Test
  void unknownTable_hintsTheClosestName() throws IOException {
    Answer answer = get("codebase_chat_session?select=session_id");

    assertCode(answer, 404, "PGRST205");
    assertThat(answer.json().get("hint").asText())
        .isEqualTo("Perhaps you meant the table 'public.codebase_chat_sessions'");
  }

  @Test
  void messagesTable_isKnownButNotHeldInMemory() throws IOException {
    Answer answer = get("codebase_chat_messages?select=message_id");

    assertCode(answer, 400, "PGRST127");
  }

  // ------------------------------------------------------------------ methods

  @Test
  void options_onATable_listsItsMethods() throws IOException {
    Answer answer = calls.send(calls.request(token(), TABLE).method("OPTIONS", null));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Allow")).isEqualTo("OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE");
    assertThat(answer.header("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(answer.body()).isEmpty();
  }

  @Test
  void unknownMethod_is405BeforeTheTableIsLookedUp() throws IOException {
    Answer answer = calls.send(calls.request(token(), "no_such_table").method("PURGE", null));

    assertCode(answer, 405, "PGRST117");
  }
}
