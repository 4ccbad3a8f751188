package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.codebasechat.postgrest.PostgrestFixtures.REST;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE_PATH;
import static dev.codebasechat.postgrest.PostgrestFixtures.queryOf;
import static dev.codebasechat.postgrest.PostgrestFixtures.userRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import dev.codebasechat.postgrest.PostgrestResponses.Version;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One test per operation: stub the PostgREST answer, call, assert the result, then assert the
 * recorded request (method, path, every query parameter, credentials, {@code Prefer}, {@code
 * Accept}, body) against what postgrest-js sends (reference/postgrest.md §1.4).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PostgrestContractTest {
  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  record Session(String session_id, String repo) {}

  @Test
  void select_withFiltersOrderAndPaging_sendsEachAsOneParameter() {
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH))
            .willReturn(
                PostgrestResponses.rows(
                    "[{\"session_id\":\"s1\",\"repo\":\"r\"},{\"session_id\":\"s2\",\"repo\":\"r\"}]",
                    "0-1/*")));

    PostgrestResult result =
        wm.user()
            .from(TABLE)
            .select("session_id, repo")
            .eq("user_id", "6f1c2b1e")
            .in("session_id", List.of("s1", "s2"))
            .is("deleted_at", IsValue.NULL)
            .order("last_activity", SortOrder.DESCENDING, Nulls.LAST)
            .order("session_id", SortOrder.ASCENDING)
            .limit(20)
            .offset(40)
            .execute();

    assertThat(result.status()).isEqualTo(200);
    assertThat(result.body()).hasSize(2);
    assertThat(result.bodyAs(new TypeReference<List<Session>>() {}))
        .containsExactly(new Session("s1", "r"), new Session("s2", "r"));
    assertThat(result.totalCount()).isEmpty();
    wm.verify(
        1,
        userRequest(RequestMethod.GET, TABLE_PATH)
            .withHeader("Accept", equalTo("application/json"))
            .withHeader("Prefer", absent()));
    assertThat(queryOf(wm))
        .containsExactly(
            entry("select", List.of("session_id,repo")),
            entry("user_id", List.of("eq.6f1c2b1e")),
            entry("session_id", List.of("in.(\"s1\",\"s2\")")),
            entry("deleted_at", List.of("is.null")),
            entry("order", List.of("last_activity.desc.nullslast,session_id.asc")),
            entry("limit", List.of("20")),
            entry("offset", List.of("40")));
  }

  @Test
  void isNotNull_isSentAsNotIsNull_whichEveryPostgrestVersionReads() {
    wm.stubFor(get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.rows("[]", "*/*")));

    wm.user().from(TABLE).select("session_id").is("repo", IsValue.NOT_NULL).execute();

    assertThat(queryOf(wm))
        .containsExactly(
            entry("select", List.of("session_id")), entry("repo", List.of("not.is.null")));
  }

  @Test
  void select_withExactCountAndRange_parsesTotalFromContentRange() {
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH))
            .willReturn(PostgrestResponses.partialRows("[{\"session_id\":\"s1\"}]", "10-10/25")));

    PostgrestResult result =
        wm.user().from(TABLE).select("session_id").count(Count.EXACT).range(10, 10).execute();

    assertThat(result.status()).isEqualTo(206);
    assertThat(result.totalCount()).hasValue(25);
    assertThat(result.header("Content-Range")).hasValue("10-10/25");
    wm.verify(
        1, userRequest(RequestMethod.GET, TABLE_PATH).withHeader("Prefer", equalTo("count=exact")));
    assertThat(queryOf(wm))
        .containsExactly(
            entry("select", List.of("session_id")),
            entry("limit", List.of("1")),
            entry("offset", List.of("10")));
  }

  @Test
  void select_emptyWithCount_totalIsZero() {
    wm.stubFor(get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.rows("[]", "*/0")));

    PostgrestResult result = wm.user().from(TABLE).select().count(Count.EXACT).execute();

    assertThat(result.body().isArray()).isTrue();
    assertThat(result.body()).isEmpty();
    assertThat(result.totalCount()).hasValue(0);
    assertThat(queryOf(wm)).containsExactly(entry("select", List.of("*")));
  }

  @Test
  void single_oneRow_sendsObjectAcceptAndReturnsTheObject() {
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH))
            .willReturn(PostgrestResponses.singleRow("{\"session_id\":\"s1\",\"repo\":\"r\"}")));

    JsonNode row = wm.user().from(TABLE).select("session_id,repo").eq("session_id", "s1").single();

    assertThat(row.get("session_id").asText()).isEqualTo("s1");
    wm.verify(
        1,
        userRequest(RequestMethod.GET, TABLE_PATH)
            .withHeader("Accept", equalTo("application/vnd.pgrst.object+json"))
            .withQueryParam("session_id", equalTo("eq.s1")));
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void maybeSingle_noRows_isEmpty(Version version) {
    wm.stubFor(get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.pgrst116(version, 0)));

    Optional<JsonNode> row = wm.user().from(TABLE).select().eq("session_id", "s1").maybeSingle();

    assertThat(row).isEmpty();
    wm.verify(
        1,
        userRequest(RequestMethod.GET, TABLE_PATH)
            .withHeader("Accept", equalTo("application/vnd.pgrst.object+json")));
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void maybeSingle_severalRows_throwsPgrst116(Version version) {
    wm.stubFor(get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.pgrst116(version, 2)));

    assertThatThrownBy(() -> wm.user().from(TABLE).select().eq("repo", "r").maybeSingle())
        .isInstanceOfSatisfying(
            PostgrestHttpException.class,
            e -> {
              assertThat(e.status()).isEqualTo(406);
              assertThat(e.code()).hasValue("PGRST116");
              assertThat(e.details()).hasValue("The result contains 2 rows");
              assertThat(e.kind()).isEqualTo(FailureKind.CLIENT);
            });
  }

  @Test
  void maybeSingle_oneRow_isPresent() {
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH))
            .willReturn(PostgrestResponses.singleRow("{\"session_id\":\"s1\"}")));

    assertThat(wm.user().from(TABLE).select().eq("session_id", "s1").maybeSingle())
        .hasValueSatisfying(row -> assertThat(row.get("session_id").asText()).isEqualTo("s1"));
  }

  @Test
  void singleTyped_oneRow_mapsToRecord() {
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH))
            .willReturn(PostgrestResponses.singleRow("{\"session_id\":\"s1\",\"repo\":\"r\"}")));

    assertThat(
            wm.user()
                .from(TABLE)
                .select("session_id,repo")
                .eq("session_id", "s1")
                .single(Session.class))
        .isEqualTo(new Session("s1", "r"));
    assertThat(
            wm.user().from(TABLE).select().eq("session_id", "s1").singleAsync(Session.class).join())
        .isEqualTo(new Session("s1", "r"));
  }

  @Test
  void maybeSingleTyped_noRows_isEmpty() {
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.pgrst116(Version.V12, 0)));

    assertThat(wm.user().from(TABLE).select().eq("session_id", "s1").maybeSingle(Session.class))
        .isEmpty();
    assertThat(
            wm.user()
                .from(TABLE)
                .select()
                .eq("session_id", "s1")
                .maybeSingleAsync(Session.class)
                .join())
        .isEmpty();
  }

  @Test
  void singleTyped_rowOfAnotherShape_throwsUncheckedIo() {
    wm.stubFor(get(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.singleRow("[1,2]")));

    assertThatThrownBy(
            () -> wm.user().from(TABLE).select().eq("session_id", "s1").single(Session.class))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessage("PostgREST JSON does not map to Session");
  }

  @Test
  void insert_default_postsJsonWithReturnMinimal() {
    wm.stubFor(post(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.created()));

    PostgrestResult result =
        wm.user().from(TABLE).insert(Map.of("session_id", "s1", "repo", "r")).execute();

    assertThat(result.status()).isEqualTo(201);
    assertThat(result.isEmpty()).isTrue();
    wm.verify(
        1,
        userRequest(RequestMethod.POST, TABLE_PATH)
            .withHeader("Prefer", equalTo("return=minimal"))
            .withHeader("Accept", equalTo("application/json"))
            .withHeader("Content-Type", equalTo("application/json"))
            .withRequestBody(equalToJson("{\"session_id\":\"s1\",\"repo\":\"r\"}")));
    assertThat(queryOf(wm)).isEmpty();
  }

  @Test
  void insert_withSelect_asksForRepresentationAndParsesRows() {
    wm.stubFor(
        post(urlPathEqualTo(TABLE_PATH))
            .willReturn(
                PostgrestResponses.createdRows(
                    "[{\"session_id\":\"s1\"},{\"session_id\":\"s2\"}]")));

    PostgrestResult result =
        wm.user()
            .from(TABLE)
            .insert(List.of(new Session("s1", "r"), new Session("s2", "r")))
            .select("session_id")
            .execute();

    assertThat(result.body()).hasSize(2);
    wm.verify(
        1,
        userRequest(RequestMethod.POST, TABLE_PATH)
            .withHeader("Prefer", equalTo("return=representation"))
            .withRequestBody(
                equalToJson(
                    "[{\"session_id\":\"s1\",\"repo\":\"r\"},{\"session_id\":\"s2\",\"repo\":\"r\"}]")));
    assertThat(queryOf(wm)).containsExactly(entry("select", List.of("session_id")));
  }

  @Test
  void upsert_withOnConflict_mergesDuplicates() {
    wm.stubFor(post(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.created()));

    wm.user()
        .from(TABLE)
        .upsert(new Session("s1", "r"), "user_id", "session_id")
        .returning(Returning.MINIMAL)
        .execute();

    wm.verify(
        1,
        userRequest(RequestMethod.POST, TABLE_PATH)
            .withHeader("Prefer", equalTo("resolution=merge-duplicates,return=minimal"))
            .withRequestBody(equalToJson("{\"session_id\":\"s1\",\"repo\":\"r\"}")));
    assertThat(queryOf(wm)).containsExactly(entry("on_conflict", List.of("user_id,session_id")));
  }

  @Test
  void update_withFilter_patchesMatchingRows() {
    wm.stubFor(patch(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.noContent()));

    PostgrestResult result =
        wm.user()
            .from(TABLE)
            .update(Map.of("current_file", "src/Main.java"))
            .eq("session_id", "s1")
            .execute();

    assertThat(result.status()).isEqualTo(204);
    wm.verify(
        1,
        userRequest(RequestMethod.PATCH, TABLE_PATH)
            .withHeader("Prefer", equalTo("return=minimal"))
            .withRequestBody(equalToJson("{\"current_file\":\"src/Main.java\"}")));
    assertThat(queryOf(wm)).containsExactly(entry("session_id", List.of("eq.s1")));
  }

  @Test
  void update_withRepresentationAndCount_combinesPreferences() {
    wm.stubFor(
        patch(urlPathEqualTo(TABLE_PATH))
            .willReturn(PostgrestResponses.rows("[{\"session_id\":\"s1\"}]", "0-0/1")));

    PostgrestResult result =
        wm.user()
            .from(TABLE)
            .update(Map.of("repo", "r2"))
            .eq("session_id", "s1")
            .returning(Returning.REPRESENTATION)
            .count(Count.EXACT)
            .execute();

    assertThat(result.totalCount()).hasValue(1);
    wm.verify(
        1,
        userRequest(RequestMethod.PATCH, TABLE_PATH)
            .withHeader("Prefer", equalTo("return=representation,count=exact")));
  }

  @Test
  void delete_withFilter_deletesMatchingRows() {
    wm.stubFor(delete(urlPathEqualTo(TABLE_PATH)).willReturn(PostgrestResponses.noContent()));

    PostgrestResult result = wm.user().from(TABLE).delete().eq("session_id", "s1").execute();

    assertThat(result.status()).isEqualTo(204);
    wm.verify(
        1,
        userRequest(RequestMethod.DELETE, TABLE_PATH)
            .withHeader("Prefer", equalTo("return=minimal"))
            .withHeader("Accept", equalTo("application/json")));
    assertThat(queryOf(wm)).containsExactly(entry("session_id", List.of("eq.s1")));
    assertThat(PostgrestFixtures.onlyRequest(wm).getBody()).isEmpty();
  }

  @Test
  void updateOrDelete_withoutFilter_refusedBeforeSending() {
    assertThatThrownBy(() -> wm.user().from(TABLE).delete().execute())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs at least one filter");
    assertThatThrownBy(() -> wm.user().from(TABLE).update(Map.of("repo", "x")).execute())
        .isInstanceOf(IllegalStateException.class);
    assertThat(wm.getAllServeEvents()).isEmpty();
  }

  @Test
  void rpc_withArgs_postsThemAsJsonObject() {
    String path = REST + "/rpc/append_messages";
    wm.stubFor(post(urlPathEqualTo(path)).willReturn(PostgrestResponses.rpcResult("42")));

    PostgrestResult result =
        wm.user()
            .rpc("append_messages", Map.of("p_session_id", "s1", "p_messages", List.of()))
            .execute();

    assertThat(result.body().asInt()).isEqualTo(42);
    wm.verify(
        1,
        userRequest(RequestMethod.POST, path)
            .withHeader("Accept", equalTo("application/json"))
            .withHeader("Prefer", absent())
            .withHeader("Content-Type", equalTo("application/json"))
            .withRequestBody(equalToJson("{\"p_session_id\":\"s1\",\"p_messages\":[]}")));
    assertThat(queryOf(wm)).isEmpty();
  }

  @Test
  void rpc_withoutArgs_postsEmptyObjectAndAcceptsVoid() {
    String path = REST + "/rpc/purge_expired";
    wm.stubFor(post(urlPathEqualTo(path)).willReturn(PostgrestResponses.noContent()));

    PostgrestResult result = wm.user().rpc("purge_expired").execute();

    assertThat(result.status()).isEqualTo(204);
    assertThat(result.isEmpty()).isTrue();
    wm.verify(1, userRequest(RequestMethod.POST, path).withRequestBody(equalToJson("{}")));
  }

  @Test
  void projectUrl_appendsRestV1() {
    PostgrestClient projectClient =
        PostgrestClient.builder()
            .projectUrl("https://abcdefgh.supabase.co")
            .apiKey(ApiKey.of(PostgrestFixtures.ANON_KEY))
            .build();
    try (projectClient) {
      assertThat(projectClient.restUrl()).hasToString("https://abcdefgh.supabase.co/rest/v1");
    }
  }
}
